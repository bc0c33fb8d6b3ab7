"""Read-only whitelisted Frappe methods: /api/method/ping and /api/method/frappe.auth.get_logged_user.

Each name's allowed verbs come from the whitelist (``moviesapi.methods``); any
other verb sent here is a 405 in Frappe's shape.
"""

from moviesapi.api import create_app, lambda_entry, request_of
from moviesapi.dialects import frappe

app = create_app()

ANY = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


@app.route("/api/method/ping", method=ANY)
def ping():
    return frappe.call_method(request_of(app), "ping")


@app.route("/api/method/frappe.auth.get_logged_user", method=ANY)
def get_logged_user():
    return frappe.call_method(request_of(app), "frappe.auth.get_logged_user")


lambda_handler = lambda_entry(app)
