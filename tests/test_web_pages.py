"""The pages, in this process (create_app over ASGI, on a database filled by the real ingest
path): isolation between customers, the staff view, the thread, escaping."""

from __future__ import annotations

import uuid
from typing import Any
from email.message import EmailMessage
from html.parser import HTMLParser

from conftest import ROOT, mail
from helpers import ANN, BOB, CAROL, PDF, STAFF, Desk, ref_of, rich_mail, sign_in
HOSTILE_SUBJECT = '<script>alert("subject")</script><img src=x onerror=alert(1)> Help'
HOSTILE_HTML = """<html><body>
<p onclick="alert(1)">Hello <b>there</b></p>
<script>alert("body")</script>
<img src="https://tracker.example/pixel.gif" onerror="alert(2)">
<a href="javascript:alert(3)">click me</a>
<a href="https://example.com/manual" onmouseover="alert(4)">manual</a>
<iframe src="https://evil.example/"></iframe>
<svg onload="alert(5)"><circle r="4"/></svg>
<form action="https://evil.example/"><input name="pw"></form>
<div style="background:url(https://tracker.example/bg.png)">styled</div>
</body></html>"""


class Markup(HTMLParser):
    """Every tag and attribute a browser would see in a page."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def assert_harmless(page: str) -> None:
    """No script, no event handler, no javascript: URL, nothing loaded from elsewhere."""
    for tag, attrs in Markup(page).tags:
        assert tag not in ("script", "iframe", "object", "embed", "svg", "form") or (
            tag == "form" and attrs.get("action", "").startswith("/")), (tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert not (value or "").strip().lower().startswith("javascript:"), (tag, name, value)
            assert name != "style", (tag, name)
            if name == "src":
                assert (value or "").startswith("/"), (tag, value)


def test_customers_see_only_their_own_cases_and_those_they_are_copied_on(desk: Desk) -> None:
    rows = desk.file(rich_mail("Ann's printer", cc=f"Carol <{CAROL}>", attachment=PDF),
                 mail(subject="Bob's invoice", sender=f"Bob <{BOB}>"))
    ann_ref, bob_ref = ref_of(rows, ANN), ref_of(rows, BOB)
    ann, bob, carol = sign_in(desk, ANN), sign_in(desk, BOB), sign_in(desk, CAROL)

    assert [r["ref"] for r in ann.get("/api/tickets").json()] == [ann_ref]
    assert [r["ref"] for r in bob.get("/api/tickets").json()] == [bob_ref]
    assert [r["ref"] for r in carol.get("/api/tickets").json()] == [ann_ref]
    listing = ann.get("/tickets").text
    assert ann_ref in listing and bob_ref not in listing and "Bob's invoice" not in listing

    for path in (f"/tickets/{ann_ref}", f"/api/tickets/{ann_ref}", f"/tickets/{ann_ref}/messages/1/attachments/0",
                 f"/tickets/{ann_ref.lower()}", f"/api/tickets/{ann_ref.lower()}"):
        answer = bob.get(path)
        assert answer.status_code == 404, path
        assert "Ann's printer" not in answer.text and "printer is on fire" not in answer.text
    assert bob.get("/tickets/CASE-999999").status_code == 404
    assert carol.get(f"/tickets/{ann_ref}").status_code == 200
    assert carol.get(f"/tickets/{bob_ref}").status_code == 404
    # Raw mail is for staff only, even on one's own case: a styled 403 (another's case stays 404).
    refused = ann.get(f"/tickets/{ann_ref}/messages/1/raw")
    assert refused.status_code == 403 and "Only support staff" in refused.text and "<h1>Not allowed</h1>" in refused.text
    assert bob.get(f"/tickets/{ann_ref}/messages/1/raw").status_code == 404


def test_the_thread_shows_checklist_missing_attachments_and_a_mailto_link(desk: Desk) -> None:
    [row] = desk.file(rich_mail("Printer on fire", html="<p>Hello <b>there</b></p>", attachment=PDF))
    ref = row["ref"]
    ann = sign_in(desk, ANN)
    page = ann.get(f"/tickets/{ref}")
    assert page.status_code == 200
    text = page.text
    assert "Printer on fire" in text and "the printer is on fire" in text
    assert "Checklist" in text and "Still missing" in text
    assert f"mailto:support@support.example.com?subject=%5B{ref}%5D%20Printer%20on%20fire" in text
    assert "<b>there</b>" in text  # the cleaned HTML alternative
    assert f"/tickets/{ref}/messages/1/attachments/0" in text and "invoice.pdf" in text
    assert "raw .eml" not in text

    download = ann.get(f"/tickets/{ref}/messages/1/attachments/0")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith('attachment; filename="invoice.pdf"')
    assert ann.get(f"/tickets/{ref}/messages/1/attachments/7").status_code == 404
    assert ann.get(f"/tickets/{ref}/messages/9/attachments/0").status_code == 404


def test_staff_read_every_case_with_raw_mail(desk: Desk) -> None:
    rows = desk.file(rich_mail("Ann's printer", attachment=PDF), mail(subject="Bob's case", sender=f"Bob <{BOB}>"))
    staff = sign_in(desk, STAFF)
    listing = staff.get("/tickets").text
    assert all(r["ref"] in listing for r in rows) and "All cases" in listing
    ref = ref_of(rows, ANN)
    page = staff.get(f"/tickets/{ref}").text
    assert f"/tickets/{ref}/messages/1/raw" in page and ANN in page
    raw = staff.get(f"/tickets/{ref}/messages/1/raw")
    assert raw.status_code == 200 and raw.headers["content-type"].startswith("message/rfc822")
    assert b"Subject: Ann's printer" in raw.content and b"invoice.pdf" in raw.content
    assert staff.get(f"/tickets/{ref}/messages/2/raw").status_code == 404


def test_staff_filter_and_page_through_cases(desk: Desk) -> None:
    senders = [f"customer{i}@example.com" for i in range(52)] + [BOB]
    desk.file(*(mail(subject=f"Case of {address}", sender=address) for address in senders), together=True)
    staff = sign_in(desk, STAFF)

    first = staff.get("/tickets").text
    assert first.count('<tr>') == 50 + 1  # header row + one page
    assert 'rel="next" href="/tickets?page=2"' in first
    second = staff.get("/tickets?page=2").text
    assert second.count('<tr>') == 3 + 1 and 'rel="prev"' in second and 'rel="next"' not in second

    only_bob = staff.get("/tickets", params={"customer": BOB.upper()}).text
    assert only_bob.count("<tr>") == 2 and "Case of bob@example.com" in only_bob
    assert staff.get("/tickets", params={"status": "closed"}).text.count("<tr>") == 0
    missing = staff.get("/tickets", params={"missing": "1", "status": "awaiting_customer"}).text
    assert missing.count("<tr>") == 51
    # Unknown filter values are ignored, not errors; customers cannot filter into others' cases.
    assert staff.get("/tickets", params={"status": "nonsense", "page": "x"}).status_code == 200
    bob = sign_in(desk, BOB)
    assert bob.get("/tickets", params={"customer": "customer1@example.com"}).text.count("<tr>") == 2


def test_hostile_subjects_and_html_bodies_are_escaped_or_cleaned(desk: Desk) -> None:
    [row] = desk.file(rich_mail(HOSTILE_SUBJECT, html=HOSTILE_HTML))
    for client in (sign_in(desk, ANN), sign_in(desk, STAFF)):
        listing = client.get("/tickets")
        thread = client.get(f"/tickets/{row['ref']}")
        for page in (listing, thread):
            assert page.status_code == 200
            assert_harmless(page.text)
            assert "&lt;script&gt;" in page.text  # shown as text, not run
            assert "script-src" not in page.headers["content-security-policy"]
            assert "default-src 'none'" in page.headers["content-security-policy"]
        assert "tracker.example" not in thread.text and "evil.example" not in thread.text
        assert 'href="https://example.com/manual"' in thread.text and "<b>there</b>" in thread.text


def test_the_view_is_read_only(desk: Desk) -> None:
    [row] = desk.file(mail(sender=f"Ann <{ANN}>"))
    staff = sign_in(desk, STAFF)
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        for path in ("/tickets", f"/tickets/{row['ref']}", "/api/tickets", f"/api/tickets/{row['ref']}", "/logout"):
            assert staff.request(method, path).status_code == 405, (method, path)
    assert desk.show(row["ref"])["status"] == row["status"]


def test_healthz_answers_when_the_database_does(desk: Desk) -> None:
    answer = desk.browser().get("/healthz")
    assert answer.status_code == 200 and answer.text.splitlines()[0] == "ok"


def test_the_docs_describe_routes_access_and_commands() -> None:
    docs = (ROOT / "docs" / "web.md").read_text(encoding="utf-8")
    for needle in ("GET /login", "POST /login", "GET /auth/", "GET /tickets", "GET /tickets/<ref>",
                   "GET /api/tickets", "GET /api/tickets/<ref>", "GET /healthz", "casedesk link",
                   "casedesk revoke", "link_ttl", "web.staff", "CSRF", "HttpOnly", "SameSite=Lax",
                   "Rate limits", "templates/web/", "templates/mail/login"):
        assert needle in docs, needle


def test_sign_out_forgets_the_session_in_this_browser(desk: Desk) -> None:
    desk.file(mail(sender=f"Ann <{ANN}>"))
    ann = sign_in(desk, ANN)
    assert ann.get("/logout").headers["location"] == "/login"
    assert ann.get("/tickets").headers["location"] == "/login"


def test_hostile_attachment_names_are_stored_and_served_as_plain_names(desk: Desk) -> None:
    message = EmailMessage()
    message["From"] = ANN
    message["To"] = "support@support.example.com"
    message["Subject"] = "Odd files"
    message["Message-ID"] = f"<{uuid.uuid4().hex}@example.com>"
    message.set_content("See the files.")
    names = ["../../etc/passwd", "..\\..\\boot.ini", "evil\x07name\x1b.pdf", "...", "/abs/x.pdf"]
    for n, name in enumerate(names):
        message.add_attachment(b"payload %d" % n, maintype="application", subtype="octet-stream", filename=name)
    [row] = desk.file(message.as_bytes())
    stored = [a["filename"] for a in desk.show(row["ref"])["messages"][0]["attachments"]]
    assert len(stored) == len(names)  # every attachment is kept, whatever its name
    staff = sign_in(desk, STAFF)
    served = []
    for n in range(len(names)):
        download = staff.get(f"/tickets/{row['ref']}/messages/1/attachments/{n}")
        assert download.status_code == 200 and download.content == b"payload %d" % n
        disposition = download.headers["content-disposition"]
        name = disposition.split('filename="', 1)[1].split('"', 1)[0]
        assert "/" not in name and "\\" not in name and not name.startswith(".")
        assert all(c.isprintable() for c in disposition)
        served.append(name)
    assert served == ["passwd", "boot.ini", "evilname.pdf", "attachment", "x.pdf"]


def test_a_mail_held_as_no_case_asks_nothing_and_is_not_called_complete(make_desk: Any) -> None:
    """The customer's page of a price question held for staff (docs/staff.md): no staff notice on
    it, nothing still missing, and not "the case is complete" either."""
    desk = make_desk(staff={"notify": ["team@example.net"]})
    [row] = desk.file(mail(subject="Licences", body="Hi, what would it cost to add five more user licences to our "
                                                    "subscription?", sender=f"Ann <{ANN}>"))
    assert row["status"] == "held"
    desk.tick()
    assert len(desk.sent("team@example.net")) == 1  # the notice went to staff ...
    text = sign_in(desk, ANN).get(f"/tickets/{row['ref']}").text
    assert "Nothing is asked: support answers this mail." in text and "the case is complete" not in text
    assert "team@example.net" not in text and "support+" not in text  # ... and is not on the customer's page
    # the customer reads that support has it; staff read "Held" and why
    listing = sign_in(desk, ANN).get("/tickets").text
    assert "With support" in listing and "Held" not in listing and "With support" in text
