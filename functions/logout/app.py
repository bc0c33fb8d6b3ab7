"""Log out by blacklisting a refresh token: POST /api/v1/auth/logout/ (and simplejwt's token/blacklist/)."""

from moviesapi.api import create_app, lambda_entry, request_of
from moviesapi.dialects import drf

app = create_app()


@app.post("/api/v1/auth/logout")
@app.post("/api/v1/auth/token/blacklist")
def logout():
    return drf.blacklist_token(request_of(app))


lambda_handler = lambda_entry(app)
