"""Delete an item the caller may change.

Routes: every dialect endpoint naming this operation (`moviesapi.dialects`), so a new
resource needs no change here.
"""

from moviesapi.api import create_app, lambda_entry
from moviesapi.operations import mount

app = create_app()
mount(app, "resource_delete")

lambda_handler = lambda_entry(app)
