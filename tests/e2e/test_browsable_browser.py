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
from pathlib import Path

import requests

from tests.e2e.browsers import BROWSER_MARKS, TIMEOUT_MS, png_stats
from tests.e2e.users import PASSWORD, register, token

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "browsable-api.png"

pytestmark = BROWSER_MARKS


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
