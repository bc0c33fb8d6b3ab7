"""Delete a movie the caller owns: DELETE /api/v1/movies/{id}/."""

from moviesapi.api import create_app, lambda_entry, request_of
from moviesapi.dialects import drf

app = create_app()


@app.delete("/api/v1/movies/<movie_id>")
def delete_movie(movie_id: str):
    return drf.delete_movie(request_of(app), movie_id)


lambda_handler = lambda_entry(app)
