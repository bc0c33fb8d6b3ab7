"""Obtain an access/refresh token pair: POST /api/v1/auth/token/."""

from moviesapi.api import create_app, lambda_entry, request_of
from moviesapi.dialects import drf

app = create_app()


@app.post("/api/v1/auth/token")
def obtain_token():
    return drf.obtain_token(request_of(app))


lambda_handler = lambda_entry(app)
