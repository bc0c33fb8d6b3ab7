"""Shared core of the movies API: models, auth, query engine, registry, rendering and dialects.

Handlers in ``functions/`` import from here; nothing in this package knows which
Lambda function it runs in.
"""

from .reexports import defer

# Powertools packages whose __init__ imports every sibling (AppSync + asyncio, Bedrock, every
# event class, the OpenAPI merge tool): each function takes only the modules it uses.
defer(
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.event_handler.openapi",
    "aws_lambda_powertools.utilities.data_classes",
)
