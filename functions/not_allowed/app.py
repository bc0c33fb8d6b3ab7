"""Answer 405 (with ``Allow``) for a method a resource's declaration does not allow.

API Gateway would answer an unmapped method with 403 "Missing Authentication
Token"; clients of DRF and Flask-Restless expect 405 in their own shape.
"""

from moviesapi.api import create_app, lambda_entry, request_of
from moviesapi.dialects import drf, frappe, restless

app = create_app()

DRF_COLLECTION = ("PUT", "PATCH", "DELETE")
DRF_ELEMENT = ("POST",)
RESTLESS = ("POST", "PUT", "PATCH", "DELETE")
FRAPPE_ANY = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


@app.route("/api/v1/movies", method=list(DRF_COLLECTION))
def drf_collection():
    return drf.not_allowed(request_of(app), ["GET", "POST"])


@app.route("/api/v1/movies/<movie_id>", method=list(DRF_ELEMENT))
def drf_element(movie_id: str):
    return drf.not_allowed(request_of(app), ["GET", "PUT", "PATCH", "DELETE"])


@app.route("/api/movies", method=["DELETE"])
@app.route("/api/users", method=list(RESTLESS))
def restless_collection():
    return restless.not_allowed(request_of(app))


@app.route("/api/users/<user_id>", method=list(RESTLESS))
def restless_element(user_id: str):
    return restless.not_allowed(request_of(app))


# Frappe: a verb a DocType does not take (405), writes to the read-only User (403, as Frappe's
# PermissionError), any DocType not declared (404 DoesNotExistError).
@app.route("/api/resource/<doctype>", method=list(FRAPPE_ANY))
def frappe_collection(doctype: str):
    return frappe.refuse_resource(request_of(app), doctype)


@app.route("/api/resource/<doctype>/<name>", method=list(FRAPPE_ANY))
def frappe_element(doctype: str, name: str):
    return frappe.refuse_resource(request_of(app), doctype, name)


# Frappe: /api/method/<name> that is not whitelisted (404) or not for this verb (405).
@app.route("/api/method/<method>", method=list(FRAPPE_ANY))
def frappe_method(method: str):
    return frappe.refuse_method(request_of(app), method)


lambda_handler = lambda_entry(app)
