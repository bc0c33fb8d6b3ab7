"""List movies: GET /api/v1/movies/."""

from moviesapi.api import create_app, lambda_entry, request_of
from moviesapi.dialects import drf, frappe, restless

app = create_app()


@app.get("/api/v1/movies")
def list_movies():
    return drf.list_movies(request_of(app))


@app.get("/api/movies")
def restless_list():
    return restless.get_many(request_of(app))


@app.get("/api/resource/Movie")
def frappe_list():
    return frappe.list_docs(request_of(app), "Movie")


lambda_handler = lambda_entry(app)
