"""Shared core of the movies API: models, auth, query engine, registry, rendering and dialects.

Handlers in ``functions/`` import from here; nothing in this package knows which
Lambda function it runs in.
"""

from .collector import pause_for_init
from .reexports import defer

pause_for_init()  # resumed when the handler exists (api.lambda_entry)

# Powertools packages whose __init__ imports every sibling (AppSync + asyncio, Bedrock, every
# event class, the OpenAPI merge tool): each function takes only the modules it uses.
defer(
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.event_handler.openapi",
    "aws_lambda_powertools.utilities.data_classes",
)
