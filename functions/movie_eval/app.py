"""Evaluate functions (count, sum, avg, min, max) over movies: GET /api/eval/movies?q=..."""

from moviesapi.api import create_app, lambda_entry, request_of
from moviesapi.dialects import restless

app = create_app()


@app.get("/api/eval/movies")
def evaluate():
    return restless.evaluate(request_of(app))


lambda_handler = lambda_entry(app)
