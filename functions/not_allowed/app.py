"""Answer 405 (with ``Allow``) for a method a resource's declaration does not allow.

API Gateway would answer an unmapped method with 403 "Missing Authentication
Token"; clients of DRF and Flask-Restless expect 405 in their own shape.
"""

from moviesapi.api import create_app, lambda_entry, request_of
from moviesapi.dialects import drf, restless

app = create_app()

DRF_COLLECTION = ("PUT", "PATCH", "DELETE")
DRF_ELEMENT = ("POST",)
RESTLESS = ("POST", "PUT", "PATCH", "DELETE")


@app.route("/api/v1/movies", method=list(DRF_COLLECTION))
def drf_collection():
    return drf.not_allowed(request_of(app), ["GET", "POST", "HEAD", "OPTIONS"])


@app.route("/api/v1/movies/<movie_id>", method=list(DRF_ELEMENT))
def drf_element(movie_id: str):
    return drf.not_allowed(request_of(app), ["GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])


@app.route("/api/movies", method=["DELETE"])
@app.route("/api/users", method=list(RESTLESS))
def restless_collection():
    return restless.not_allowed(request_of(app))


@app.route("/api/users/<user_id>", method=list(RESTLESS))
def restless_element(user_id: str):
    return restless.not_allowed(request_of(app))


lambda_handler = lambda_entry(app)
