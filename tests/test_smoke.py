"""The spine end to end: a mail over SMTP becomes a ticket the CLI can read."""

from conftest import Serve, mail


def test_mail_over_smtp_becomes_a_ticket(serve: Serve) -> None:
    serve.send(mail(subject="Printer on fire", body="It burns.\nPlease help us with this."))
    [ticket] = serve.wait_tickets(1)
    assert ticket["subject"] == "Printer on fire"
    assert ticket["customer"] == "ann@example.com"
    detail = serve.show(ticket["ref"])
    assert detail["messages"][0]["body"].startswith("It burns.")
