"""The browsable API in a real browser: Debian's chromium, headless, driven by Playwright.

Against the real local server: open the list anonymously (a 401 page with the sign-in
form), sign in through the page, create a movie with the raw-data form, see it listed,
open it, edit it (PUT and PATCH), reload (the page re-fetches itself with the token),
delete it with the button, sign out. The screenshot of the list is checked (not blank) and
written to docs/browsable-api.png when that is missing or UPDATE_SCREENSHOTS=1 (so a test
run does not dirty the committed image).

Skipped, loudly, where /usr/bin/chromium is missing (``apt-get install chromium``);
``make test`` and ``.ci/run`` take care of that.
"""

from __future__ import annotations

import json
import os
import struct
import uuid
import warnings
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))  # override: another build of it
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "browsable-api.png"
PASSWORD = "correct-horse-42"
LAUNCH_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

if not CHROMIUM.exists():
    message = (
        "\n" + "!" * 78 + f"\n!! BROWSER TESTS SKIPPED: {CHROMIUM} is missing."
        " Install it: apt-get install -y chromium\n" + "!" * 78
    )
    warnings.warn(message, stacklevel=1)
    pytestmark.append(pytest.mark.skip(reason=message.strip()))


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


def register(api_url: str, prefix: str) -> str:
    username = f"{prefix}{uuid.uuid4().hex[:8]}"
    r = requests.post(
        f"{api_url}/api/v1/auth/register/",
        timeout=10,
        json={"username": username, "email": f"{username}@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert r.status_code == 201, r.text
    return username


def token(api_url: str, username: str) -> str:
    r = requests.post(f"{api_url}/api/v1/auth/token/", json={"username": username, "password": PASSWORD}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["access"]


def png_stats(data: bytes) -> tuple[int, int, int]:
    """(width, height, distinct colours among sampled pixels) of an 8-bit RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    height = color_type = 0
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos : pos + 4]), data[pos + 4 : pos + 8]
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color_type = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and color_type in (2, 6), (depth, color_type)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    bpp = 4 if color_type == 6 else 3
    raw, stride = zlib.decompress(idat), width * bpp
    previous, colours = bytearray(stride), set()
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = previous[i], previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        if y % 7 == 0:
            colours.update(bytes(line[x : x + 3]) for x in range(0, stride, bpp * 5))
        previous = line
    return width, height, len(colours)


def test_browsable_api_flow(api_url: str, browser, tmp_path: Path) -> None:
    username = register(api_url, "cinephile")
    # A few movies by someone else, so the list page looks like a list.
    other = token(api_url, register(api_url, "critic"))
    for title, genre, year in [("Casablanca", "Drama", 1942), ("Heat", "Crime", 1995)]:
        r = requests.post(
            f"{api_url}/api/v1/movies/",
            json={"title": title, "genre": genre, "year": year},
            headers={"Authorization": f"Bearer {other}"},
            timeout=10,
        )
        assert r.status_code == 201, r.text

    context = browser.new_context(viewport={"width": 1180, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []
    # 401s and 404s the flow provokes are logged as "Failed to load resource"; anything else
    # (a CSP violation, a script error) is a problem.
    page.on(
        "console",
        lambda m: (
            problems.append(m.text) if m.type == "error" and not m.text.startswith("Failed to load resource") else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))

    # Anonymous: the 401 is a page with the sign-in form.
    response = page.goto(f"{api_url}/api/v1/movies.api")
    assert response is not None and response.status == 401
    assert "nonce-" in response.headers["content-security-policy"]
    page.wait_for_selector("html[data-status='401']")
    assert page.locator("h1").inner_text() == "Movie List"
    assert page.locator("#signin").is_visible()

    # A wrong password is reported on the form, not by navigating away.
    page.fill("#login-form input[name=username]", username)
    page.fill("#login-form input[name=password]", "not-the-password")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#login-form .form-error:has-text('No active account')")

    # Sign in: the page re-renders itself with the token.
    page.fill("#login-form input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("html[data-status='200']")
    assert page.locator("#who").inner_text() == username
    assert not page.locator("#signin").is_visible()
    assert "Casablanca" in page.locator(".panel-json").inner_text()

    # Create with the raw-data form (POST); a title with markup stays text.
    title = 'Brazil <b>bold</b> & "quoted"'
    page.fill("#raw-body", json.dumps({"title": title, "genre": "Sci-Fi", "year": 1985}))
    page.click("#raw-form button[value=POST]")
    page.wait_for_selector("html[data-status='201']")
    meta = page.locator(".meta").inner_text()
    assert "HTTP 201 Created" in meta and "Location:" in meta
    assert page.locator(".request").inner_text().startswith("POST")
    assert page.locator(".panel-json b").count() == 0  # no injected markup
    assert json.dumps(title) in page.locator(".panel-json").inner_text()

    # See it listed (breadcrumb back to the list, fetched with the token).
    page.click(".crumbs a:has-text('Movie List')")
    page.wait_for_selector("html[data-status='200']")
    page.wait_for_selector(".request .badge.m-get")
    listing = page.locator(".panel-json").inner_text()
    assert json.dumps(title) in listing and "Heat" in listing
    # Non-HTML formats, fetched with the token, arrive as downloads.
    with page.expect_download() as download:
        page.click(".formats a:has-text('csv')")
    assert download.value.suggested_filename == "movies.csv"
    assert "Brazil <b>bold</b>" in Path(download.value.path()).read_text()
    page.click("label[for=view-table]")
    assert page.locator(".panel-table td", has_text="Brazil").count() == 1
    page.click("label[for=view-json]")
    page.locator(".request").scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, 0)")
    shot = page.screenshot(path=str(tmp_path / "browsable-api.png"), full_page=False)
    width, height, colours = png_stats(shot)
    assert (width, height) == (1180, 900)
    assert colours > 12, "the screenshot looks blank"
    if os.environ.get("UPDATE_SCREENSHOTS") or not SCREENSHOT.exists():
        SCREENSHOT.parent.mkdir(exist_ok=True)
        SCREENSHOT.write_bytes(shot)

    # Open it: its id links to the detail page (.api kept).
    page.locator(
        ".panel-json a",
        has_text=page.evaluate(
            "JSON.parse(document.querySelector('.panel-json').innerText).results"
            ".find(m => m.title.startsWith('Brazil')).id"
        ),
    ).first.click()
    page.wait_for_selector("h1:has-text('Movie Instance')")
    assert page.url.endswith(".api")
    movie_url = page.url
    prefill = page.input_value("#raw-body")
    assert '"title"' in prefill and '"id"' not in prefill and '"creator"' not in prefill

    # Edit: PUT the whole object, then PATCH one field.
    page.fill("#raw-body", '{"title": "Brazil (director\'s cut)", "genre": "Sci-Fi", "year": 1985}')
    page.click("#raw-form button[value=PUT]")
    page.wait_for_selector(".request .badge.m-put")
    assert page.get_attribute("html", "data-status") == "200"
    assert "director's cut" in page.locator(".panel-json").inner_text()
    page.fill("#raw-body", '{"year": 1986}')
    page.click("#raw-form button[value=PATCH]")
    page.wait_for_selector(".request .badge.m-patch")
    assert '"year": 1986' in page.locator(".panel-json").inner_text()

    # A reload is an anonymous navigation: the page fetches itself again with the token.
    page.reload()
    page.wait_for_selector("html[data-status='200'][data-authenticated='true']")
    assert page.url == movie_url and "director's cut" in page.locator(".panel-json").inner_text()

    # Delete with the button (and its confirmation dialog): back on the list, with a notice.
    page.click("button[data-action=delete]")
    page.click("#confirm-delete button[value=confirm]")
    page.wait_for_selector("#flash:has-text('HTTP 204')")
    page.wait_for_selector("h1:has-text('Movie List')")
    assert "director's cut" not in page.locator(".panel-json").inner_text()
    movie_id = movie_url.rsplit("/", 1)[-1].removesuffix(".api")
    gone = requests.get(
        f"{api_url}/api/v1/movies/{movie_id}/",
        timeout=10,
        headers={"Authorization": f"Bearer {token(api_url, username)}"},
    )
    assert gone.status_code == 404

    # Sign out: anonymous again, the sign-in form is back.
    page.click("button[data-action=signout]")
    page.wait_for_selector("html[data-status='401']")
    assert page.locator("#signin").is_visible()
    assert page.evaluate("sessionStorage.getItem('moviesapi.auth')") is None

    assert not problems, "\n".join(problems)
    context.close()


def test_pasted_token_and_expired_token(api_url: str, browser) -> None:
    """A pasted access token works; an invalid one (and no refresh token) signs the tab out."""
    username = register(api_url, "paster")
    access = token(api_url, username)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{api_url}/api/v1/movies/")  # a browser's Accept header: the browsable page
    page.wait_for_selector("html[data-status='401']")
    page.click("#signin summary")
    page.fill("#token-input", f"Bearer {access}")
    page.click("#token-form button")
    page.wait_for_selector("html[data-status='200']")
    assert page.locator(".badge.m-post").is_visible()
    # Swap in a token the server rejects: the next navigation signs the tab out with a warning.
    page.evaluate("sessionStorage.setItem('moviesapi.auth', JSON.stringify({access: 'x.y.z', refresh: null}))")
    page.reload()
    page.wait_for_selector("html[data-status='401']")
    page.wait_for_selector("#flash:has-text('session has expired')")
    context.close()
