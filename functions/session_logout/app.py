"""End a cookie session server-side and expire its cookies: GET|POST /api/method/logout (Frappe)."""

from moviesapi.api import create_app, lambda_entry, request_of
from moviesapi.dialects import frappe

app = create_app()


@app.get("/api/method/logout")
@app.post("/api/method/logout")
def logout():
    return frappe.call_method(request_of(app), "logout")


lambda_handler = lambda_entry(app)
