"""Create a movie owned by the caller: POST /api/v1/movies/."""

from moviesapi.api import create_app, lambda_entry, request_of
from moviesapi.dialects import drf, frappe, restless

app = create_app()


@app.post("/api/v1/movies")
def create_movie():
    return drf.create_movie(request_of(app))


@app.post("/api/movies")
def restless_create():
    return restless.post(request_of(app))


@app.post("/api/resource/Movie")
def frappe_create():
    return frappe.create_doc(request_of(app), "Movie")


lambda_handler = lambda_entry(app)
