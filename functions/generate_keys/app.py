"""Generate the caller's API key pair (secret shown once):
POST /api/method/frappe.core.doctype.user.user.generate_keys (Frappe)."""

from moviesapi.api import create_app, lambda_entry, request_of
from moviesapi.dialects import frappe

app = create_app()

METHOD = "frappe.core.doctype.user.user.generate_keys"


@app.post(f"/api/method/{METHOD}")
def generate_keys():
    return frappe.call_method(request_of(app), METHOD)


lambda_handler = lambda_entry(app)
