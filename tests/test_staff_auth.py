"""`[staff] authserv_id`: a staff answer also needs our relay's DMARC/DKIM pass (in-process).

The From header alone is whatever a sender typed; with the setting, a mail to a case's staff
address from a staff member's address is relayed only when the relay that received it vouches
for that address's domain. Unit cases of the header reading are in test_authresults.py.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from conftest import mail
from core.signing import make_staff_address
from helpers import STAFF, staff_reply

RELAY = "mx.support.example.com"
CUSTOMER = "dana@example-foods.com"


def verdict(to: str, text: str, result: str) -> bytes:
    """A staff reply that carries one Authentication-Results header."""
    return staff_reply(to, text, headers={"Authentication-Results": result})


def test_a_forged_staff_from_is_held_and_a_vouched_one_is_relayed(make_desk: Callable[..., Any]) -> None:
    desk = make_desk(staff={"authserv_id": RELAY}, followup={"first_request_after": "1h"})
    [ticket] = desk.file(mail(subject="Coding question", body="The project on my invoice is wrong.",
                              sender=CUSTOMER), sender=CUSTOMER)
    ref = ticket["ref"]
    to = make_staff_address(desk.settings.web.secret, desk.settings.support_address, ref, time.time())

    forged = [
        staff_reply(to, "Pay to IBAN XX00 0000, please."),  # no verdict at all
        verdict(to, "Pay to IBAN XX00 0001.", f"{RELAY}; dmarc=fail header.from=support.example.com"),
        verdict(to, "Pay to IBAN XX00 0002.", "evil.example; dmarc=pass header.from=support.example.com"),
    ]
    desk.file(*forged, rcpt=to, sender=STAFF)
    held = [t for t in desk.tickets() if t["status"] == "held"]
    assert len(held) == 3 and {t["customer"] for t in held} == {STAFF}
    assert all(m["direction"] == "in" for m in desk.show(ref)["messages"])

    vouched = verdict(to, "We have corrected the project; the invoice is on its way.",
                          f"{RELAY}; spf=pass smtp.mailfrom=support.example.com; dmarc=pass header.from=support.example.com")
    desk.file(vouched, rcpt=to, sender=STAFF)
    answers = [m for m in desk.show(ref)["messages"] if m["direction"] == "outbound"]
    assert len(answers) == 1 and "corrected the project" in answers[0]["body"] and answers[0]["staff"] == STAFF
    assert len([t for t in desk.tickets() if t["status"] == "held"]) == 3
