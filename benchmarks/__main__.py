"""``make bench``: issue 13's figures, each next to its goal, as ratios against a raw boto3 floor.

Sections (``--only`` picks some; ``--runs N`` sets the samples, 3 for a quick run):

- cold: cold first response (fresh process, import + one event, Lambda's variables, tracing on),
  ours vs the floor (``benchmarks/floor.py``, ``floor_auth.py``), interleaved — ``cold.py``
- secret: movie get cold with the signing key from Secrets Manager vs ``JWT_SECRET`` — ``cold.py``
- warm: CPU per request, ours vs the floor, interleaved batches — ``warm.py``
- own: the same with DynamoDB's answers replayed: each side's own CPU, little noise — ``warm.py``
- work: instructions (valgrind) and Python code run per request, ours vs the floor: no noise — ``work.py``
- ab: own CPU of this working tree against ``--base REV``, interleaved (not in the default run;
  ``--instructions``: counted by valgrind instead) — ``ab.py``
- calls: DynamoDB calls per request in every dialect — ``calls.py``
- layer: the built layer's size — ``layer.py``
- reads: items read ÷ returned for list filters, 10,000 movies — ``reads.py``
- queries: what list queries read, per access path — ``queries.py``
- contention: concurrent creators against counter shards — ``contention.py``

The moto server of cold/secret/warm/own/work/ab runs in its own process; calls/reads/queries run in
this one under ``mock_aws``. A summary table closes the run.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time

SECTIONS = ("cold", "secret", "warm", "own", "work", "calls", "layer", "reads", "queries", "contention")
ON_REQUEST = ("ab",)  # run only when named in --only


def _say(text: str) -> None:
    print("\n" + text, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help="comma-separated: " + ",".join((*SECTIONS, *ON_REQUEST))
    )
    parser.add_argument("--runs", type=int, default=10, help="cold samples per figure and warm rounds (default 10)")
    parser.add_argument("--batch", type=int, default=50, help="warm requests per batch (default 50)")
    parser.add_argument("--base", help="the ab section's other side: a revision (HEAD~1, a commit, a branch)")
    parser.add_argument(
        "--live", action="store_true", help="the ab section against the moto server (botocore's work counted)"
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="the ab section in instructions per request (valgrind) instead of CPU time",
    )
    parser.add_argument(
        "--pause",
        type=float,
        default=0,
        metavar="MS",
        help="warm and own sections: every side idles MS milliseconds before each request (default 0)",
    )
    parser.add_argument("--sizes", default="10000", help="table sizes for the queries section (e.g. 10000,100000)")
    args = parser.parse_args()
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    if unknown := only - {*SECTIONS, *ON_REQUEST}:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    if "ab" in only and not args.base:
        parser.error("the ab section needs --base REV")
    if args.pause and not only & {"warm", "own"}:
        parser.error("--pause is the warm and own sections': add warm or own to --only")
    if (args.base or args.live or args.instructions) and "ab" not in only:
        parser.error("--base, --live and --instructions are the ab section's: add ab to --only")
    if args.instructions:
        from benchmarks.work import available

        if not available():
            parser.error("--instructions needs valgrind (apt-get install valgrind)")
    if "ab" in only:
        from benchmarks.ab import resolve

        resolve(args.base)  # a wrong revision stops the run before the moto server starts

    from benchmarks import report
    from benchmarks.common import ReadCounter, in_process_env

    in_process_env()  # this process's layer (calls/reads/queries) reads its settings once
    counter = ReadCounter() if only & {"reads", "calls", "queries"} else None
    rows: list[report.Row] = []
    started = time.perf_counter()

    if only & {"cold", "secret", "warm", "own", "work", "ab"}:
        from benchmarks import cold, warm

        server, fixture = cold.start()
        try:
            if only & {"cold", "secret"}:
                result = cold.measure(fixture, args.runs, cases="cold" in only, secret="secret" in only)
                if "cold" in only:
                    _say(report.cold_section(result, args.runs, rows))
                if "secret" in only:
                    _say(report.secret_section(result, rows))
            if "warm" in only:
                measured = warm.measure(
                    fixture.endpoint, dataclasses.asdict(fixture), args.runs, args.batch, pause_ms=args.pause
                )
                _say(report.warm_section(measured, args.runs, args.batch, rows, args.pause))
            if "own" in only:
                fx = dataclasses.asdict(fixture)
                replayed = warm.measure(fixture.endpoint, fx, args.runs, args.batch, canned=True, pause_ms=args.pause)
                _say(report.own_section(replayed, args.runs, args.batch, args.pause))
            if "work" in only:
                from benchmarks import work

                _say(report.work_section(work.measure(fixture.endpoint, dataclasses.asdict(fixture)), rows))
            if "ab" in only:
                from benchmarks import ab

                fx = dataclasses.asdict(fixture)
                if args.instructions:
                    counts = ab.instructions(fixture.endpoint, fx, args.base, live=args.live)
                    _say(ab.instructions_report(counts, args.base, args.live))
                else:
                    compared = ab.measure(fixture.endpoint, fx, args.base, args.runs, args.batch, live=args.live)
                    _say(ab.report(compared, args.runs, args.batch))
        finally:
            server.stop()

    if "calls" in only:
        from benchmarks import calls

        call_rows = calls.measure()
        _say("DynamoDB calls per request\n\n" + calls.report(call_rows))
        report.calls_rows(call_rows, rows)

    if "layer" in only:
        from benchmarks import layer

        size = layer.measure()
        _say(layer.report(size))
        report.layer_rows(size, rows)

    if "reads" in only:
        from benchmarks import reads

        assert counter is not None
        read_rows = reads.measure(counter)
        _say(reads.report(read_rows))
        report.reads_rows(read_rows, rows)

    if "queries" in only:
        from benchmarks.queries import measure_queries

        qrows = measure_queries([int(s) for s in args.sizes.split(",")])
        columns = ["table", "query", "access", "count_from", "scanned", "returned", "total", "ms"]
        _say("list queries\n\n| " + " | ".join(columns) + " |\n|" + "---|" * len(columns))
        for row in qrows:
            print("| " + " | ".join(str(row[c]) for c in columns) + " |")

    if "contention" in only:
        from benchmarks.contention import report as contention_report

        _say(contention_report())

    if rows:
        _say(report.summary(rows))
    print(f"\n({time.perf_counter() - started:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
