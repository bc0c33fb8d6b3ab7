"""Local API Gateway + Lambda + DynamoDB for ``make run``: ``sam local start-api`` without Docker.

Run ``python -m localapi [--port N] [--host H] [--template template.yaml]``. Kept free
of imports so spawned Lambda workers, which import this package, start fast.
"""
