"""Shared core of the movies API: models, auth, query engine, registry, rendering and dialects.

Handlers in ``functions/`` import from here; nothing in this package knows which
Lambda function it runs in.
"""

from .dataclass_code import install as install_dataclass_code

install_dataclass_code()  # before any dataclass is made: Powertools', botocore's and ours

from .collector import pause_for_init  # noqa: E402
from .reexports import defer  # noqa: E402

pause_for_init()  # resumed when the handler exists (api.lambda_entry)

# Powertools packages whose __init__ imports every sibling (AppSync + asyncio, Bedrock, every
# event class, the OpenAPI merge tool): each function takes only the modules it uses.
defer(
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.event_handler.openapi",
    "aws_lambda_powertools.utilities.data_classes",
)
