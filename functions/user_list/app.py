"""List users (public fields only): GET /api/users."""

from moviesapi.api import create_app, lambda_entry, request_of
from moviesapi.dialects import frappe, restless

app = create_app()


@app.get("/api/users")
def list_users():
    return restless.get_many(request_of(app))


@app.get("/api/resource/User")
def frappe_list_users():
    return frappe.list_docs(request_of(app), "User")


lambda_handler = lambda_entry(app)
