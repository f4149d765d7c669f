"""The JSON API over real HTTP: the CLI's shapes, the same access rules, paging."""

from __future__ import annotations

from conftest import Serve, mail
from test_web_auth import close_clients  # noqa: F401  (closes the clients a test opened)
from test_web_auth import ANN, filed, sign_in
from test_web_pages import BOB, PDF, STAFF, ref_of, rich_mail


def test_the_api_returns_the_shapes_of_the_cli(serve: Serve) -> None:
    rows = filed(serve, rich_mail("Printer on fire", html="<p>hi</p>", attachment=PDF),
                 mail(subject="Bob's case", sender=f"Bob <{BOB}>"))
    staff = sign_in(serve, STAFF)
    assert staff.get("/api/tickets").json() == serve.tickets()
    for row in rows:
        answer = staff.get(f"/api/tickets/{row['ref']}")
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
        assert answer.json() == serve.show(row["ref"])


def test_customers_get_their_own_cases_only(serve: Serve) -> None:
    rows = filed(serve, mail(subject="Ann's", sender=f"Ann <{ANN}>"), mail(subject="Bob's", sender=f"Bob <{BOB}>"))
    ann = sign_in(serve, ANN)
    ann_ref, bob_ref = ref_of(rows, ANN), ref_of(rows, BOB)
    assert ann.get("/api/tickets").json() == [r for r in serve.tickets() if r["ref"] == ann_ref]
    assert ann.get(f"/api/tickets/{ann_ref}").json() == serve.show(ann_ref)
    hidden = ann.get(f"/api/tickets/{bob_ref}")
    assert hidden.status_code == 404 and hidden.json() == {"error": "no such case"}
    assert ann.get("/api/tickets/CASE-424242").json() == {"error": "no such case"}
    # Staff filters are ignored for customers: no way to query someone else's cases.
    assert [r["ref"] for r in ann.get("/api/tickets", params={"customer": BOB}).json()] == [ann_ref]


def test_the_api_pages_with_limit_and_offset(serve: Serve) -> None:
    with serve.smtp() as client:
        for n in range(7):
            client.sendmail(f"c{n}@example.com", ["support@support.example.com"],
                            mail(subject=f"case {n}", sender=f"c{n}@example.com"))
    everything = serve.wait_tickets(7)
    staff = sign_in(serve, STAFF)
    first = staff.get("/api/tickets", params={"limit": 3})
    assert first.json() == everything[:3]
    assert first.headers["link"] == '</api/tickets?limit=3&offset=3>; rel="next"'
    assert staff.get("/api/tickets", params={"limit": 3, "offset": 6}).json() == everything[6:]
    assert "link" not in staff.get("/api/tickets", params={"limit": 3, "offset": 6}).headers
    only = staff.get("/api/tickets", params={"customer": "c4@example.com"}).json()
    assert [r["subject"] for r in only] == ["case 4"]
