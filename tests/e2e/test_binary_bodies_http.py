"""Binary request bodies through the real local gateway (SAM's API Gateway emulation, ``make run``).

``BinaryMediaTypes`` lists only ``multipart/form-data`` and ``application/octet-stream``: SAM's
``_should_base64_encode`` (like API Gateway) base64-encodes a body whose Content-Type is one of
them, and ``moviesapi.http`` decodes it, so bytes that are not UTF-8 (a file part) reach the
function intact. JSON and every answer stay text.
"""

from __future__ import annotations

import uuid

import requests

from tests.e2e.users import PASSWORD, bearer, token

# A file part whose bytes are not UTF-8: as text, SAM's gateway could not even build the event.
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\xfd"


def test_multipart_registration_with_requests_files(api_url: str) -> None:
    username = f"multi{uuid.uuid4().hex[:8]}"
    fields = {"username": username, "email": f"{username}@example.com", "password1": PASSWORD, "password2": PASSWORD}
    # (None, value): a form field without a filename, as a browser's FormData sends text inputs.
    r = requests.post(f"{api_url}/api/v1/auth/register/", files={k: (None, v) for k, v in fields.items()}, timeout=30)
    assert r.request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert r.status_code == 201, r.text
    assert r.headers["Content-Type"] == "application/json"
    assert r.json()["username"] == username
    assert token(api_url, username)  # the password arrived intact: the new user can sign in


def test_multipart_movie_create_with_a_binary_file_part(api_url: str) -> None:
    _, auth = bearer(api_url, "multi")
    title = f"Amélie — ファイル {uuid.uuid4().hex[:6]}"  # multi-byte UTF-8 in a text part
    r = requests.post(
        f"{api_url}/api/v1/movies/",
        headers=auth,
        data={"title": title, "genre": "Comedy", "year": "2001"},
        files={"poster": ("poster.png", PNG_BYTES, "image/png")},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    movie = r.json()
    assert (movie["title"], movie["genre"], movie["year"]) == (title, "Comedy", 2001)
    again = requests.get(f"{api_url}/api/v1/movies/{movie['id']}/", headers=auth, timeout=30)
    assert again.status_code == 200 and again.json()["title"] == title


def test_octet_stream_reaches_the_function_which_refuses_its_media_type(api_url: str) -> None:
    """Raw bytes are binary too: the function answers (DRF's 415), not the gateway (a 500)."""
    _, auth = bearer(api_url, "octet")
    r = requests.post(
        f"{api_url}/api/v1/movies/",
        headers={**auth, "Content-Type": "application/octet-stream"},
        data=PNG_BYTES,
        timeout=30,
    )
    assert r.status_code == 415, r.text
    assert r.json() == {"detail": 'Unsupported media type "application/octet-stream" in request.'}
