"""Verify a token: POST /api/v1/auth/token/verify/."""

from moviesapi.api import create_app, lambda_entry, request_of
from moviesapi.dialects import drf

app = create_app()


@app.post("/api/v1/auth/token/verify")
def verify_token():
    return drf.verify_token(request_of(app))


lambda_handler = lambda_entry(app)
