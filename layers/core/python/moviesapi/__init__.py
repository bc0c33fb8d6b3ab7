"""Shared core of the movies API: models, auth, query engine, registry, rendering and dialects.

Handlers in ``functions/`` import from here; nothing in this package knows which
Lambda function it runs in.
"""
