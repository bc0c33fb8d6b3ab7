"""Replace (PUT) or partially update (PATCH) a movie the caller owns: /api/v1/movies/{id}/."""

from moviesapi.api import create_app, lambda_entry, request_of
from moviesapi.dialects import drf, frappe, restless

app = create_app()


@app.put("/api/v1/movies/<movie_id>")
def replace_movie(movie_id: str):
    return drf.update_movie(request_of(app), movie_id, partial=False)


@app.patch("/api/v1/movies/<movie_id>")
def patch_movie(movie_id: str):
    return drf.update_movie(request_of(app), movie_id, partial=True)


@app.put("/api/movies/<movie_id>")
@app.patch("/api/movies/<movie_id>")
def restless_update(movie_id: str):
    return restless.patch_single(request_of(app), movie_id)


@app.put("/api/resource/Movie/<name>")
def frappe_update(name: str):
    return frappe.update_doc(request_of(app), "Movie", name)


lambda_handler = lambda_entry(app)
