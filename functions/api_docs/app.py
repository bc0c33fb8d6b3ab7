"""The API's own documentation: GET /api/openapi.json, /api/docs (Swagger UI) and /api/docs/{asset}.

No table access: everything comes from the layer (the declarations and the vendored assets).
"""

from moviesapi import openapi, swagger
from moviesapi.api import create_app, lambda_entry, request_of

app = create_app(negotiation=False)


@app.get("/api/openapi.json")
def document():
    return openapi.document_response(request_of(app))


@app.get("/api/docs")
def page():
    return swagger.page_response(request_of(app))


@app.get("/api/docs/<asset>")
def asset(asset: str):
    return swagger.asset_response(request_of(app), asset)


lambda_handler = lambda_entry(app)
