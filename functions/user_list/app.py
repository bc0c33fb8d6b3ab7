"""List users (public fields only): GET /api/users."""

from moviesapi.api import create_app, lambda_entry, request_of
from moviesapi.dialects import restless

app = create_app()


@app.get("/api/users")
def list_users():
    return restless.get_many(request_of(app))


lambda_handler = lambda_entry(app)
