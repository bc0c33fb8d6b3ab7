"""Frappe's `/` entry point with cmd=<method>: runs any whitelisted method, so it has their access.

Routes: every dialect endpoint naming this operation (`moviesapi.dialects`), so a new
method needs no change here.
"""

from moviesapi.api import create_app, lambda_entry
from moviesapi.operations import mount

app = create_app()
mount(app, "method_root")

lambda_handler = lambda_entry(app)
