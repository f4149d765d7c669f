"""A real browser: headless Chromium signs in by mailed link, opens My Tickets and reads a thread.

Uses Debian's /usr/bin/chromium through Playwright (which never downloads a browser of its own
here: we hand it the executable). `make test` installs chromium when it is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Serve
from helpers import ANN, CHROMIUM, CHROMIUM_FLAGS, PDF, Capture, filed, link_in, rich_mail

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (make test installs it)"),
]


def test_sign_in_then_my_tickets_then_a_thread(make_serve: Callable[..., Serve], relay: Capture,
                                               tmp_path: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    serve = make_serve(outbound=relay.outbound())
    [row] = filed(serve, rich_mail("Printer on fire <b>now</b>", html="<p>It <b>burns</b></p>", attachment=PDF))

    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
        page = context.new_page()
        scripts: list[str] = []
        page.on("dialog", lambda dialog: (scripts.append(dialog.message), dialog.dismiss()))

        page.goto(f"{serve.base_url}/tickets")
        assert page.url.endswith("/login")
        page.fill("input[name=email]", ANN)
        page.click("button[type=submit]")
        page.wait_for_selector("h1:has-text(\"Check your mail\")", timeout=10_000)

        page.goto(link_in(relay.wait_for(ANN)[0]))
        page.click("button[type=submit]")  # the confirm page: only its POST starts a session
        page.wait_for_url(f"{serve.base_url}/tickets")
        assert page.locator("h1").inner_text() == "My Tickets"
        page.click(f"text={row['ref']}")
        page.wait_for_url(f"**/tickets/{row['ref']}")
        assert page.locator("h1").inner_text() == "Printer on fire <b>now</b>"
        assert page.locator("article.message").count() == 1
        assert "invoice.pdf" in page.locator("ul.attachments").inner_text()
        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies["casedesk_session"]["httpOnly"] and cookies["casedesk_session"]["sameSite"] == "Lax"

        shot = tmp_path / "thread.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert shot.stat().st_size > 1000
    assert scripts == []
