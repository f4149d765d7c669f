"""What `casedesk serve` counts for GET /metrics (Prometheus text format, prometheus-client).

The counters live in serve's process. The filing process reports each batch's outcomes over a
queue (ingest/filing.py), so a scrape sees filing as it happens without a shared directory;
the backlog and the set-aside count are read from the store at scrape time (web/metrics.py).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry()

ACCEPTED = Counter("casedesk_mails_accepted", "Mails answered 250: stored, or already stored (a duplicate)",
                   ["result"], registry=REGISTRY)
REFUSED = Counter("casedesk_smtp_refused", "SMTP replies that refused a command or a mail, by reply code",
                  ["code"], registry=REGISTRY)
FILED = Counter("casedesk_mails_filed", "Mails filed, by outcome (new, reply, held, duplicate)",
                ["outcome"], registry=REGISTRY)
HELD = Counter("casedesk_mails_held", "Mails filed as held cases (automatic mail, mail that could not be read fully)",
               registry=REGISTRY)
FILING_FAILURES = Counter("casedesk_filing_failures", "Failed filing attempts (store outages not counted)",
                          registry=REGISTRY)
SET_ASIDE = Counter("casedesk_mails_set_aside", "Mails set aside after failing to file 3 times",
                    registry=REGISTRY)
FILING_SECONDS = Histogram("casedesk_filing_seconds", "Time to parse, read and file one mail",
                           buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
                           registry=REGISTRY)
OUTBOUND = Counter("casedesk_outbound_mails", "Mails we tried to send, by result (sent, failed)",
                   ["result"], registry=REGISTRY)
BACKLOG = Gauge("casedesk_filing_backlog", "Committed mails waiting to be filed", registry=REGISTRY)
OLDEST = Gauge("casedesk_filing_oldest_age_seconds", "Age of the oldest mail waiting to be filed (0: none)",
               registry=REGISTRY)
SET_ASIDE_NOW = Gauge("casedesk_mails_set_aside_now", "Mails set aside and not yet retried (casedesk reprocess --failed)",
                      registry=REGISTRY)


def filing_report(outcomes: list[tuple[str, float]]) -> None:
    """Count what the filing process reported for one batch: (outcome, seconds) per mail."""
    for outcome, seconds in outcomes:
        if outcome == "failed":
            FILING_FAILURES.inc()
        elif outcome == "set_aside":
            FILING_FAILURES.inc()
            SET_ASIDE.inc()
        else:
            FILED.labels(outcome).inc()
            HELD.inc(outcome == "held")
            FILING_SECONDS.observe(seconds)


def refused(reply: str | bytes) -> None:
    """Count an SMTP reply if it refuses (4xx or 5xx)."""
    code = reply[:3].decode("ascii", "replace") if isinstance(reply, bytes) else reply[:3]
    if code[:1] in ("4", "5") and code.isdigit():
        REFUSED.labels(code).inc()
