"""The web view in the customer's language, times in [web] timezone, staff labels, quoted history
collapsed, and styled error pages: one casedesk in this process (create_app over ASGI)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROOT, mail, write_config
from helpers import ANN, Desk, sign_in
from web.words import SWEDISH, accepted

ASA = "asa.lind@example.se"
STAFF = "staff@support.example.com"
SWEDISH_MAIL = mail(
    subject="Fel förfallodatum tolkas på fakturor från Telia", sender=f"Åsa Lind <{ASA}>",
    body="Hej!\n\nFörfallodatumet tolkas fel på fakturorna från Telia. Det läses som fakturadatum "
         "i stället för förfallodatum, och jag vet inte varför det blir så.\n\nMed vänliga hälsningar\nÅsa\n")
REPLY = mail(
    subject="Coding: cannot change project", sender=f"Ann <{ANN}>",
    body="I want to change the project on row 2.\n\nOn Mon, 5 Oct 2026 at 09:00, Support <support@support.example.com>"
         " wrote:\n> Hello,\n> What do you want to do? – ____\n")


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Desk, dict[str, str]]]:
    """One casedesk on SQLite with a Swedish and an English case, shared by this module's tests."""
    folder = tmp_path_factory.mktemp("language")
    desk = Desk(write_config(folder, f"sqlite:///{folder / 'casedesk.db'}"))
    try:
        rows = desk.file(SWEDISH_MAIL, REPLY)
        yield desk, {str(r["customer"]): str(r["ref"]) for r in rows}
    finally:
        desk.close()


def lang_of(page: str) -> str:
    found = re.search(r'<html lang="(\w+)">', page)
    assert found, page[:200]
    return found[1]


def test_a_customer_reads_their_case_in_its_language(desk: tuple[Desk, dict[str, str]]) -> None:
    here, refs = desk
    asa = sign_in(here, ASA)
    page = asa.get(f"/tickets/{refs[ASA]}", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert lang_of(page) == "sv"
    assert "Mina ärenden" in page and "Checklista" in page and "Meddelanden" in page and "My Tickets" not in page
    english = asa.get(f"/tickets/{refs[ANN]}")
    assert english.status_code == 404 and "Not found" in english.text  # not hers; in the browser's language


@pytest.mark.parametrize("header, expected", [
    ("sv-SE,sv;q=0.9,en;q=0.8", "sv"),
    ("en-US,en;q=0.9,sv;q=0.8", "en"),
    ("de-DE,de;q=0.9,sv;q=0.5,en;q=0.4", "sv"),
    ("fi", "en"),
    ("", "en"),
    ("sv;q=0, en;q=0.1", "en"),
    ("x" * 5000 + ",sv", "en"),
])
def test_other_pages_follow_accept_language(desk: tuple[Desk, dict[str, str]], header: str, expected: str) -> None:
    here, _ = desk
    nobody = sign_in(here, "new.customer@example.org")  # no case yet: their list follows the browser
    page = nobody.get("/tickets", headers={"Accept-Language": header}).text
    assert lang_of(page) == expected
    assert ("<h1>Mina ärenden</h1>" if expected == "sv" else "<h1>My Tickets</h1>") in page
    login = here.browser().get("/login", headers={"Accept-Language": header}).text
    assert lang_of(login) == expected and ("Logga in" in login) == (expected == "sv")


def test_a_customers_list_is_in_the_language_of_their_newest_case(desk: tuple[Desk, dict[str, str]]) -> None:
    """My Tickets speaks as the case page and our mails do, whatever the browser says: Åsa's case
    is Swedish, so is her list and what it says is missing; Ann's is English."""
    here, _ = desk
    asa = sign_in(here, ASA).get("/tickets", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert lang_of(asa) == "sv" and "<h1>Mina ärenden</h1>" in asa and "Still missing" not in asa
    assert re.search(r'<span class="missing"><span class="whole">Fakturanummer \(eller Faktura-ID\)</span>, ', asa), asa
    ann = sign_in(here, ANN).get("/tickets", headers={"Accept-Language": "sv"}).text
    assert lang_of(ann) == "en" and "<h1>My Tickets</h1>" in ann


def test_staff_pages_are_all_cases_in_title_navigation_and_breadcrumb(desk: tuple[Desk, dict[str, str]]) -> None:
    here, refs = desk
    staff = sign_in(here, STAFF)
    listing = staff.get("/tickets").text
    assert "<title>All cases · casedesk</title>" in listing and "<h1>All cases</h1>" in listing
    assert '<a href="/tickets">All cases</a>' in listing and "My Tickets" not in listing
    case = staff.get(f"/tickets/{refs[ASA]}", headers={"Accept-Language": "en"}).text
    # Staff read a Swedish case in their own browser's language.
    assert lang_of(case) == "en"
    assert re.search(r'<p class="muted crumbs"><a href="/tickets">All cases</a> › <span class="ref">CASE-\d+</span></p>', case)
    assert "My Tickets" not in case
    customer = sign_in(here, ANN).get(f"/tickets/{refs[ANN]}").text
    assert '<a href="/tickets">My Tickets</a> ›' in customer and "All cases" not in customer


def test_times_are_in_the_configured_zone_with_utc_in_the_title(desk: tuple[Desk, dict[str, str]]) -> None:
    here, refs = desk
    page = sign_in(here, ANN).get(f"/tickets/{refs[ANN]}").text
    # The mail's Date is 07:00 UTC; Stockholm is on summer time (CEST) on 5 October.
    assert ('<time datetime="2026-10-05T07:00:00+00:00" title="2026-10-05 07:00 UTC">2026-10-05 09:00 CEST</time>'
            in page)
    assert not re.search(r">[^<]*UTC</time>", page)


def test_quoted_history_is_collapsed(desk: tuple[Desk, dict[str, str]]) -> None:
    here, refs = desk
    page = sign_in(here, ANN).get(f"/tickets/{refs[ANN]}").text
    found = re.search(r'<div class="body">(.*?)</div>\s*<details class="history">(.*?)</details>', page, re.S)
    assert found, page
    assert found[1] == "I want to change the project on row 2."
    assert "<summary>Earlier messages (quoted)</summary>" in found[2] and "wrote:" in found[2]
    assert "<details class=\"history\" open" not in page


def test_error_pages_are_styled_and_in_the_browsers_language(desk: tuple[Desk, dict[str, str]]) -> None:
    here, _ = desk
    missing = here.browser().get("/no/such/page", headers={"Accept-Language": "sv"})
    assert missing.status_code == 404 and "<h1>Hittades inte</h1>" in missing.text and "<style>" in missing.text
    assert lang_of(missing.text) == "sv"
    wrong = here.browser().post("/tickets")
    assert wrong.status_code == 405 and "<h1>Not allowed</h1>" in wrong.text and "GET" in wrong.headers["allow"]
    api = here.browser().get("/api/no/such/thing")
    assert api.status_code == 404 and api.json() == {"error": "no such route"}
    asa = sign_in(here, ASA)
    unknown = asa.get("/tickets/CASE-999999")
    assert unknown.status_code == 404 and "<h1>Not found</h1>" in unknown.text and ASA in unknown.text


def test_accept_language() -> None:
    assert accepted("sv-SE") == "sv" and accepted("EN") == "en" and accepted("da, sv;q=0.3") == "sv"
    assert accepted("sv;q=abc, en;q=0.2") == "en" and accepted(",;=,") is None and accepted("") is None


def test_every_page_string_has_a_swedish_translation() -> None:
    strings = set()
    for path in (ROOT / "templates" / "web").glob("*.html"):
        strings.update(re.findall(r'_\("([^"]+)"\)', path.read_text(encoding="utf-8")))
        strings.update(re.findall(r"_\('([^']+)'\)", path.read_text(encoding="utf-8")))
    for path in (ROOT / "web").glob("*.py"):
        if path.name == "words.py":
            continue
        text = path.read_text(encoding="utf-8")
        strings.update(re.findall(r'"(?:error|title|message)": "([^"]+)"', text))
        strings.update(re.findall(r'message: str = "([^"]+)"', text))
    from web.templating import STATUS_LABELS

    strings.update(STATUS_LABELS.values())
    missing = sorted(s for s in strings if s not in SWEDISH)
    assert len(strings) > 50 and missing == [], missing


def test_no_english_left_on_a_swedish_page(desk: tuple[Desk, dict[str, str]]) -> None:
    here, refs = desk
    page = sign_in(here, ASA).get(f"/tickets/{refs[ASA]}").text
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"<(style|head)>.*?</\1>", " ", page, flags=re.S))
    for word in ("Checklist", "Still missing", "Messages", "Sign out", "last activity", "from", "Value"):
        assert not re.search(rf"\b{word}\b", visible), word


def test_shipped_templates_are_found_from_any_directory(tmp_path: Path) -> None:
    """The shipped templates are found from the code's own location, whatever the directory."""
    import subprocess
    import sys

    script = ("from notify.render import TEMPLATES; from web.templating import TEMPLATES as WEB; "
              "print(TEMPLATES.is_dir() and WEB.is_dir() and (TEMPLATES / 'first.en.txt').exists())")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.stdout.strip() == "True", result.stderr
