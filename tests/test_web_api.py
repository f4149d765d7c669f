"""The JSON API in this process (create_app over ASGI): the CLI's shapes, the same access rules, paging."""

from __future__ import annotations

import json

from conftest import mail
from helpers import ANN, BOB, PDF, STAFF, Desk, ref_of, rich_mail, sign_in


def test_the_api_returns_the_shapes_of_the_cli(desk: Desk) -> None:
    rows = desk.file(rich_mail("Printer on fire", html="<p>hi</p>", attachment=PDF),
                     mail(subject="Bob's case", sender=f"Bob <{BOB}>"))
    staff = sign_in(desk, STAFF)

    def cli(*args: str) -> object:  # the real command line, on the same database
        result = desk.cli(*args, "--json")
        assert result.returncode == 0, result.stderr.decode()
        return json.loads(result.stdout)

    assert staff.get("/api/tickets").json() == cli("tickets")
    for row in rows:
        answer = staff.get(f"/api/tickets/{row['ref']}")
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
        assert answer.json() == cli("show", row["ref"])


def test_customers_get_their_own_cases_only(desk: Desk) -> None:
    rows = desk.file(mail(subject="Ann's", sender=f"Ann <{ANN}>"), mail(subject="Bob's", sender=f"Bob <{BOB}>"))
    ann = sign_in(desk, ANN)
    ann_ref, bob_ref = ref_of(rows, ANN), ref_of(rows, BOB)
    assert ann.get("/api/tickets").json() == [r for r in desk.tickets() if r["ref"] == ann_ref]
    assert ann.get(f"/api/tickets/{ann_ref}").json() == desk.show(ann_ref)
    hidden = ann.get(f"/api/tickets/{bob_ref}")
    assert hidden.status_code == 404 and hidden.json() == {"error": "no such case"}
    assert ann.get("/api/tickets/CASE-424242").json() == {"error": "no such case"}
    # Staff filters are ignored for customers: no way to query someone else's cases.
    assert [r["ref"] for r in ann.get("/api/tickets", params={"customer": BOB}).json()] == [ann_ref]


def test_the_api_pages_with_limit_and_offset(desk: Desk) -> None:
    everything = desk.file(*(mail(subject=f"case {n}", sender=f"c{n}@example.com") for n in range(7)), together=True)
    assert len(everything) == 7
    staff = sign_in(desk, STAFF)
    first = staff.get("/api/tickets", params={"limit": 3})
    assert first.json() == everything[:3]
    assert first.headers["link"] == '</api/tickets?limit=3&offset=3>; rel="next"'
    assert staff.get("/api/tickets", params={"limit": 3, "offset": 6}).json() == everything[6:]
    assert "link" not in staff.get("/api/tickets", params={"limit": 3, "offset": 6}).headers
    only = staff.get("/api/tickets", params={"customer": "c4@example.com"}).json()
    assert [r["subject"] for r in only] == ["case 4"]
