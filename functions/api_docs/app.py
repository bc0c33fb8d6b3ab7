"""The API's own documentation: GET /api/openapi.json, /api/docs (Swagger UI) and /api/docs/{asset}.

No table access: everything comes from the layer (the declarations and the vendored assets).
Each path takes ANY in the template: GET and HEAD are served, OPTIONS names them, other
methods are a 405 with ``Allow``.
"""

from aws_lambda_powertools.event_handler import Response
from moviesapi import openapi, swagger
from moviesapi.api import create_app, lambda_entry, options_response, request_of
from moviesapi.errors import MethodNotAllowed

app = create_app(negotiation=False)
READ = ["GET", "HEAD"]
WRITES = ["POST", "PUT", "PATCH", "DELETE"]
PATHS = ("/api/openapi.json", "/api/docs", "/api/docs/<asset>")


@app.route("/api/openapi.json", method=READ)
def document() -> Response:
    return openapi.document_response(request_of(app))


@app.route("/api/docs", method=READ)
def page() -> Response:
    return swagger.page_response(request_of(app))


@app.route("/api/docs/<asset>", method=READ)
def asset(asset: str) -> Response:
    return swagger.asset_response(request_of(app), asset)


def refuse(**_params: str) -> Response:
    raise MethodNotAllowed(request_of(app).method, READ)


def options(**_params: str) -> Response:
    return options_response(request_of(app), tuple(READ))


for path in PATHS:
    app.route(path, method=WRITES)(refuse)
    app.route(path, method=["OPTIONS"])(options)

lambda_handler = lambda_entry(app)
