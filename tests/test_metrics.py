"""GET /metrics: scraped from a real serve while a burst of mail comes in over SMTP; who may
scrape it, in this process (create_app over ASGI)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

import httpx
from prometheus_client.parser import text_string_to_metric_families

from conftest import Serve, mail, wait_until
from helpers import Desk, sign_in

BURST, CLIENTS = 60, 4
STAFF = "staff@support.example.com"


def samples(page: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, by name and labels (parsing fails on a malformed page)."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(page) for s in family.samples}


def value(scrape: dict, name: str, **labels: str) -> float:
    return scrape.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_scraped_during_a_burst(make_serve: Callable[..., Serve]) -> None:
    serve = make_serve(followup={"first_request_after": "0s", "tick": "200ms"})  # each case mailed at once
    refused_before = samples(httpx.get(f"{serve.base_url}/metrics", timeout=30).text)
    assert value(refused_before, "casedesk_mails_accepted_total", result="stored") == 0

    def send(part: int) -> None:
        with serve.smtp() as client:
            for i in range(BURST // CLIENTS):
                client.sendmail(f"c{part}@example.com", ["support@support.example.com"],
                                mail(subject=f"burst {part}-{i}", sender=f"c{part}-{i}@example.com"))

    senders = [threading.Thread(target=send, args=(n,)) for n in range(CLIENTS)]
    for thread in senders:
        thread.start()
    scrapes = []
    while any(thread.is_alive() for thread in senders):  # scrape while the burst comes in
        answer = httpx.get(f"{serve.base_url}/metrics", timeout=30)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
        scrapes.append(samples(answer.text))
    for thread in senders:
        thread.join()
    assert scrapes, "the burst ended before one scrape"
    accepted = [value(s, "casedesk_mails_accepted_total", result="stored") for s in scrapes]
    assert accepted == sorted(accepted) and accepted[-1] <= BURST  # counters only go up

    with serve.smtp() as client:  # one refusal by SMTP code
        try:
            client.sendmail("x@example.com", ["someone@elsewhere.example"], mail())
        except Exception:
            pass

    def settled() -> dict | None:
        scrape = samples(httpx.get(f"{serve.base_url}/metrics", timeout=30).text)
        done = (value(scrape, "casedesk_mails_filed_total", outcome="new") == BURST
                and value(scrape, "casedesk_outbound_mails_total", result="sent") == BURST)
        return scrape if done and value(scrape, "casedesk_filing_backlog") == 0 else None

    final = wait_until(settled, timeout=120, every=0.5)
    assert value(final, "casedesk_mails_accepted_total", result="stored") == BURST
    assert value(final, "casedesk_filing_seconds_count") == BURST
    assert value(final, "casedesk_filing_seconds_sum") > 0
    assert value(final, "casedesk_smtp_refused_total", code="550") == 1
    assert value(final, "casedesk_filing_oldest_age_seconds") == 0
    assert value(final, "casedesk_mails_set_aside_total") == 0
    assert value(final, "casedesk_mails_set_aside_now") == 0
    assert value(final, "casedesk_outbound_mails_total", result="failed") == 0


def test_metrics_are_for_staff_and_allowed_addresses_only(make_desk: Callable[..., Desk]) -> None:
    desk = make_desk(web={"metrics_allow": ["10.0.0.0/8"]})  # loopback (the browsers' peer) is not allowed here
    assert desk.browser().get("/metrics").status_code == 403
    customer = sign_in(desk, f"ann-{uuid.uuid4().hex[:6]}@example.com")
    assert customer.get("/metrics").status_code == 403
    staff = sign_in(desk, STAFF)
    answer = staff.get("/metrics")
    assert answer.status_code == 200 and "casedesk_filing_backlog" in answer.text
