"""Password login with a session cookie: POST /api/method/login {usr, pwd} (Frappe)."""

from moviesapi.api import create_app, lambda_entry, request_of
from moviesapi.dialects import frappe

app = create_app()


@app.post("/api/method/login")
def login():
    return frappe.call_method(request_of(app), "login")


lambda_handler = lambda_entry(app)
