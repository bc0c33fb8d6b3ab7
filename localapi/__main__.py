"""Command line: ``python -m localapi [--port N] [--host 127.0.0.1] [--template template.yaml]``."""

from __future__ import annotations

import argparse
import os
import sys


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Options mirror ``sam local start-api`` (PORT in the environment sets the default port)."""
    parser = argparse.ArgumentParser(
        prog="python -m localapi",
        description="Serve the SAM template's API locally: API Gateway events, Lambda handlers, DynamoDB.",
    )
    parser.add_argument("--port", "-p", type=int, default=int(os.environ.get("PORT") or 3000))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--template", "-t", default="template.yaml")
    parser.add_argument(
        "--env-vars",
        "-n",
        default=None,
        help="environment overrides in sam local --env-vars format (default: localapi/env.json)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Import the server lazily: spawned workers re-import this module and must stay light."""
    args = parse_args(argv)
    from .server import DEFAULT_ENV_FILE, serve

    return serve(args.template, host=args.host, port=args.port, env_file=args.env_vars or DEFAULT_ENV_FILE)


if __name__ == "__main__":
    sys.exit(main())
