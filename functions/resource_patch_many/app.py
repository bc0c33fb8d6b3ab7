"""Patch every matching item the caller may change (Flask-Restless allow_patch_many), all or nothing.

Routes: every dialect endpoint naming this operation (`moviesapi.dialects`), so a new
resource needs no change here.
"""

from moviesapi.api import create_app, lambda_entry
from moviesapi.operations import mount

app = create_app()
mount(app, "resource_patch_many")

lambda_handler = lambda_entry(app)
