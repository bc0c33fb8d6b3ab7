"""Register a user: POST /api/v1/auth/register/."""

from moviesapi.api import create_app, lambda_entry, request_of
from moviesapi.dialects import drf

app = create_app()


@app.post("/api/v1/auth/register")
def register():
    return drf.register(request_of(app))


lambda_handler = lambda_entry(app)
