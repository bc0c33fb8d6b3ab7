"""Read one movie: GET /api/v1/movies/{id}/."""

from moviesapi.api import create_app, lambda_entry, request_of
from moviesapi.dialects import drf, frappe, restless

app = create_app()


@app.get("/api/v1/movies/<movie_id>")
def get_movie(movie_id: str):
    return drf.get_movie(request_of(app), movie_id)


@app.get("/api/movies/<movie_id>")
def restless_get(movie_id: str):
    return restless.get_single(request_of(app), movie_id)


@app.get("/api/resource/Movie/<name>")
def frappe_get(name: str):
    return frappe.get_doc(request_of(app), "Movie", name)


lambda_handler = lambda_entry(app)
