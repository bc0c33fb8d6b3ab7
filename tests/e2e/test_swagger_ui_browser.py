"""Swagger UI in a real browser: Debian's chromium, headless, driven by Playwright.

Against the real local server: open /api/docs, see every operation of the document
rendered, with no console error, no Content-Security-Policy violation and no request
leaving the API's origin; then authorize with a Bearer token and run "Try it out" on
GET /api/v1/movies/ (the page's relative server URL reaches the API). The screenshot is
checked (not blank) and written to docs/swagger-ui.png when that is missing or
UPDATE_SCREENSHOTS=1 (so a test run does not dirty the committed image).

Skipped, loudly, where /usr/bin/chromium is missing (``apt-get install chromium``).
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import requests

from tests.e2e.browsers import BROWSER_MARKS, TIMEOUT_MS, png_stats
from tests.e2e.users import register, token

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "swagger-ui.png"
VIEWPORT = {"width": 1280, "height": 900}
# Reports violations to the console, where the test collects errors (Chrome logs them too).
CSP_LISTENER = (
    "document.addEventListener('securitypolicyviolation', e => console.error("
    "'CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
)

pytestmark = BROWSER_MARKS


def test_swagger_ui_renders_the_document_and_calls_the_api(api_url: str, browser, tmp_path: Path) -> None:
    username = register(api_url, "swagger")
    access = token(api_url, username)
    title = f"Swagger test {uuid.uuid4().hex[:8]}"
    r = requests.post(
        f"{api_url}/api/v1/movies/",
        json={"title": title, "genre": "Drama", "year": 1942},
        headers={"Authorization": f"Bearer {access}"},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    document = requests.get(f"{api_url}/api/openapi.json", timeout=10).json()
    operations = sum(1 for item in document["paths"].values() for method in item if method != "parameters")

    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.add_init_script(CSP_LISTENER)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    requested: list[str] = []
    page.on("request", lambda req: requested.append(req.url))

    response = page.goto(f"{api_url}/api/docs")
    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock-summary-path[data-path='/api/v1/movies/']")
    assert page.get_by_text("/api/v1/movies", exact=False).first.is_visible()
    assert page.locator(".info .title").inner_text().startswith("Movies API")
    assert page.locator(".opblock").count() == operations  # every operation of the document is rendered
    for tag in ("DRF: movies", "Flask-Restless", "Frappe: resources", "Frappe: methods"):
        assert page.locator(f".opblock-tag[data-tag='{tag}']").is_visible(), tag

    # The screenshot: the auth group folded, so the movie operations of every dialect show.
    page.click(".opblock-tag[data-tag='DRF: auth']")
    page.wait_for_selector(".opblock-summary-path[data-path='/api/v1/auth/token/']", state="detached")
    page.evaluate("window.scrollTo(0, 0)")
    shot = page.screenshot(path=str(tmp_path / "swagger-ui.png"), full_page=False)
    width, height, colours = png_stats(shot)
    assert (width, height) == (VIEWPORT["width"], VIEWPORT["height"])
    assert colours > 12, "the screenshot looks blank"
    if os.environ.get("UPDATE_SCREENSHOTS") or not SCREENSHOT.exists():
        SCREENSHOT.parent.mkdir(exist_ok=True)
        SCREENSHOT.write_bytes(shot)

    # Authorize with the Bearer token, then "Try it out" on the DRF list, filtered by title.
    page.click("button.authorize")
    page.fill("#auth-bearer-value", access)
    page.locator(".auth-container", has=page.locator("#auth-bearer-value")).locator("button[type=submit]").click()
    page.click(".dialog-ux button.close-modal")
    listing = page.locator(".opblock-get", has=page.locator(".opblock-summary-path[data-path='/api/v1/movies/']"))
    listing.locator(".opblock-summary").click()
    listing.locator("button.try-out__btn").click()
    listing.locator("tr[data-param-name='title'] input").fill(title)
    listing.locator("button.execute").click()
    status = listing.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip().startswith("200"), status.inner_text()
    body = json.loads(listing.locator(".live-responses-table tbody .response-col_description pre").first.inner_text())
    assert body["count"] == 1 and body["results"][0]["title"] == title
    assert body["results"][0]["creator"] == username

    origin = api_url.rstrip("/")
    assert all(url.startswith(origin + "/") or url.startswith("data:") for url in requested), requested
    assert not problems, "\n".join(problems)
    context.close()
