"""Delete a movie the caller owns: DELETE /api/v1/movies/{id}/."""

from moviesapi.api import create_app, lambda_entry, request_of
from moviesapi.dialects import drf, frappe, restless

app = create_app()


@app.delete("/api/v1/movies/<movie_id>")
def delete_movie(movie_id: str):
    return drf.delete_movie(request_of(app), movie_id)


@app.delete("/api/movies/<movie_id>")
def restless_delete(movie_id: str):
    return restless.delete_single(request_of(app), movie_id)


@app.delete("/api/resource/Movie/<name>")
def frappe_delete(name: str):
    return frappe.delete_doc(request_of(app), "Movie", name)


lambda_handler = lambda_entry(app)
