"""Refresh an access token (rotating the refresh token): POST /api/v1/auth/token/refresh/."""

from moviesapi.api import create_app, lambda_entry, request_of
from moviesapi.dialects import drf

app = create_app()


@app.post("/api/v1/auth/token/refresh")
def refresh_token():
    return drf.refresh_token(request_of(app))


lambda_handler = lambda_entry(app)
