"""Chromium looks at what customers and staff meet: the mail we send (HTML part) and the pages,
at desktop width and at 390 px, and keeps the screenshots the README shows.

Set CASEDESK_SCREENSHOTS=docs to write the PNGs into docs/ (as the README's were made); without it
they go to the test's temporary folder.
"""

from __future__ import annotations

import mailbox
import os
import re
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, Serve, mail, wait_until, write_config
from helpers import CHROMIUM, CHROMIUM_FLAGS, cli_link, filed

DANA = "dana.frost@example-foods.com"
BOB = "bob@example.com"
STAFF = "staff@support.example.com"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
WIDE = "x" * 300
WIDE_HTML = ("<table><tr>" + "".join(f"<td>column{i}-{'y' * 20}</td>" for i in range(30)) + "</tr></table>"
             f"<pre>{'z' * 400}</pre>")

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (make test installs it)"),
]

# How a page's text colour stands against the first opaque background behind it (WCAG ratio).
CONTRAST = """el => {
  const rgb = s => s.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => { const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
                               return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  let bg = [255, 255, 255], node = el;
  while (node) { const c = rgb(getComputedStyle(node).backgroundColor);
                 if (c.length < 4 || c[3] > 0) { bg = c; break; } node = node.parentElement; }
  const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def shots_folder(tmp_path: Path) -> Path:
    wanted = os.environ.get("CASEDESK_SCREENSHOTS")
    return (ROOT / wanted) if wanted and not Path(wanted).is_absolute() else Path(wanted or tmp_path)


def html_mail(serve: Serve, address: str, subject_has: str) -> tuple[EmailMessage, str]:
    """The first mail casedesk sent `address` about a subject, and its HTML part."""
    def sent() -> EmailMessage | None:
        box = mailbox.Maildir(serve.settings.outbound.maildir, create=True)
        for key in box.keys():
            message = message_from_bytes(box.get_bytes(key), _class=EmailMessage, policy=default)
            assert isinstance(message, EmailMessage)
            if address in str(message["To"]) and subject_has in str(message["Subject"]):
                return message
        return None

    message = wait_until(sent, 60)
    html = message.get_body(("html",))
    assert html is not None
    return message, html.get_content()  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    folder = tmp_path_factory.mktemp("screens")
    serve = Serve(write_config(folder, f"sqlite:///{folder / 'casedesk.db'}",
                               followup={"first_request_after": "1s", "tick": "200ms"})).start()
    filed(serve,
          mail("Coding on invoice 41220 is wrong", sender=f"Dana Frost <{DANA}>",
               body="Hi,\n\nThe coding on invoice 41220 is wrong and I cannot fix it. The system says "
                    "\"Account 4010 is locked\".\n\nBest regards\nDana Frost\n"),
          mail("Wrong supplier read on invoices from Telia", sender=f"Dana Frost <{DANA}>",
               body="Hello,\n\nCapture reads the wrong supplier on invoices from Telia: it says Telenor. "
                    "Invoice number 3001122 is one of them.\n\nDana\n"),
          mail("New approver for Example Foods AB", sender=f"Dana Frost <{DANA}>",
               body="Hi,\n\nI want to add Anna Lund as an approver for Example Foods AB in the administration "
                    "tool. Her address is anna.lund@example-foods.com.\n\nThanks,\nDana\n"),
          mail(f"Long {WIDE}", sender=f"Bob <{BOB}>",
               body=f"{WIDE}\n\nOn Mon, 5 Oct 2026 at 09:00, Support <support@support.example.com> wrote:\n> {WIDE}\n"))
    try:
        yield serve
    finally:
        serve.stop()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def signed_in_page(chromium: Any, serve: Serve, address: str, viewport: dict[str, int],
                   locale: str = "en-GB") -> Any:
    """A browser page signed in by a `casedesk link` URL (pressing the confirm button if one is shown)."""
    context = chromium.new_context(viewport=viewport, locale=locale)
    page = context.new_page()
    page.goto(cli_link(serve, address))
    if not page.url.endswith("/tickets") and page.locator("button[type=submit]").count():
        page.click("button[type=submit]")
    page.wait_for_url("**/tickets")
    return page


def test_the_mail_reads_well_in_a_browser_and_without_css(desk: Serve, chromium: Any, tmp_path: Path) -> None:
    message, html = html_mail(desk, DANA, "Coding on invoice 41220")
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    assert text.startswith("Hi Dana,\n") and "Kind regards,\nInvoice Automation Support" in text
    folder = shots_folder(tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page = chromium.new_context(viewport=DESKTOP).new_page()
    page.set_content(html)
    column = page.locator("body > div").first
    assert "system-ui" in column.evaluate("el => getComputedStyle(el).fontFamily")
    assert column.bounding_box()["width"] <= 36 * 16 + 2 * 20 + 1  # one column of limited width (36em + padding)
    form = page.locator("table", has=page.locator("th[scope=col]"))
    rows = form.locator("tbody th[scope=row]")
    assert rows.count() >= 1 and form.locator("tbody td", has_text="____").count() == rows.count()
    assert page.locator("html").get_attribute("lang") == "en"
    page.screenshot(path=str(folder / "mail.png"), full_page=True)

    phone = chromium.new_context(viewport=PHONE).new_page()
    phone.set_content(html)
    assert phone.evaluate(OVERFLOW) <= 0
    phone.screenshot(path=str(folder / "mail-phone.png"), full_page=True)

    # Without any CSS (a client that strips it) the words, their order and the form table remain.
    bare = re.sub(r'\sstyle="[^"]*"', "", html)
    assert "style=" not in bare
    phone.set_content(bare)
    assert phone.evaluate(OVERFLOW) <= 0
    seen = phone.locator("body").inner_text()
    for needle in ("Hi Dana,", "What we understood from your mail", "What we need from you", "Kind regards,"):
        assert needle in seen, needle
    assert seen.index("Hi Dana,") < seen.index("What we need from you") < seen.index("Kind regards,")
    assert phone.locator("table[border='1'] tbody tr").count() == rows.count()
    assert (folder / "mail.png").stat().st_size > 10_000


def test_my_tickets_and_a_thread_fit_a_phone_and_keep_refs_whole(desk: Serve, chromium: Any,
                                                                  tmp_path: Path) -> None:
    folder = shots_folder(tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    desktop = signed_in_page(chromium, desk, DANA, DESKTOP)
    assert desktop.locator("h1").inner_text() == "My Tickets" and desktop.locator("table.cases tbody tr").count() == 3
    time = desktop.locator("table.cases time").first
    assert time.get_attribute("title").endswith(" UTC") and not time.inner_text().endswith("UTC")
    desktop.screenshot(path=str(folder / "my-tickets.png"), full_page=True)

    phone = signed_in_page(chromium, desk, DANA, PHONE)
    assert phone.evaluate(OVERFLOW) <= 0
    for ref in phone.locator(".ref").all():
        assert ref.evaluate("el => el.getClientRects().length") == 1, ref.inner_text()
    phone.screenshot(path=str(folder / "my-tickets-phone.png"), full_page=True)
    phone.locator("table.cases a.ref").first.click()
    phone.wait_for_url("**/tickets/CASE-*")
    assert phone.evaluate(OVERFLOW) <= 0
    for ref in phone.locator(".ref").all():
        box = ref.bounding_box()
        assert ref.evaluate("el => el.getClientRects().length") == 1 and box["height"] < 30, ref.inner_text()


def test_staff_pages_fit_a_phone_and_the_raw_link_is_readable(desk: Serve, chromium: Any, tmp_path: Path) -> None:
    staff = signed_in_page(chromium, desk, STAFF, PHONE)
    assert staff.locator("h1").inner_text() == "All cases"
    assert staff.locator("body > header a", has_text="All cases").count() == 1
    assert staff.evaluate(OVERFLOW) <= 0
    staff.locator("table.cases a", has_text=re.compile("^Long x")).first.click()
    staff.wait_for_url("**/tickets/CASE-*")
    assert staff.locator(".crumbs a").inner_text() == "All cases"
    assert staff.evaluate(OVERFLOW) <= 0, "a 300-character word overflows the phone"
    raw = staff.locator("a.raw").first
    assert raw.is_visible() and raw.evaluate(CONTRAST) >= 4.5
    # The quoted history is there, collapsed: its text is not shown until the reader opens it.
    history = staff.locator("details.history").first
    assert history.evaluate("d => d.open") is False
    assert not history.locator(".body").is_visible()
    history.locator("summary").click()
    assert history.locator(".body").is_visible()
    for path in ("/no/such/page", "/login"):
        staff.goto(f"{desk.base_url}{path}")
        assert staff.evaluate(OVERFLOW) <= 0, path
    staff.goto(f"{desk.base_url}/no/such/page")
    assert staff.locator("h1").inner_text() == "Not found" and staff.locator("body > header").is_visible()
