"""Read one user (public fields only): GET /api/users/{id}."""

from moviesapi.api import create_app, lambda_entry, request_of
from moviesapi.dialects import frappe, restless

app = create_app()


@app.get("/api/users/<user_id>")
def get_user(user_id: str):
    return restless.get_single(request_of(app), user_id)


@app.get("/api/resource/User/<name>")
def frappe_get_user(name: str):
    return frappe.get_doc(request_of(app), "User", name)


lambda_handler = lambda_entry(app)
