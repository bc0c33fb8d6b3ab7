"""Blacklist a refresh token (logout).

Routes: every dialect endpoint naming this operation (`moviesapi.dialects`), so a new
resource needs no change here.
"""

from moviesapi.api import create_app, lambda_entry
from moviesapi.operations import mount

app = create_app()
mount(app, "logout")

lambda_handler = lambda_entry(app)
