"""Read one user (public fields only): GET /api/users/{id}."""

from moviesapi.api import create_app, lambda_entry, request_of
from moviesapi.dialects import restless

app = create_app()


@app.get("/api/users/<user_id>")
def get_user(user_id: str):
    return restless.get_single(request_of(app), user_id)


lambda_handler = lambda_entry(app)
