"""Patch every matching movie the caller owns: PATCH|PUT /api/movies?q=... (Flask-Restless allow_patch_many)."""

from moviesapi.api import create_app, lambda_entry, request_of
from moviesapi.dialects import restless

app = create_app()


@app.patch("/api/movies")
@app.put("/api/movies")
def patch_many():
    return restless.patch_many(request_of(app))


lambda_handler = lambda_entry(app)
