"""The sign-in mail's text: subject from the template's first line, the link, the TTL in words."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from core.mailtemplates import duration_words as ttl_words
from web.loginmail import outbox_key, render


def test_english_and_swedish_sign_in_mails_carry_the_link_and_its_lifetime() -> None:
    link = "https://support.example.com/auth/abc.def.ghi"
    subject, text = render("en", link, timedelta(days=7), "Support <support@example.com>")
    assert subject == "Your sign-in link" and link in text and "7 days" in text
    assert not text.startswith("Subject:")
    subject, text = render("sv", link, timedelta(hours=1), "Support <support@example.com>")
    assert subject == "Din inloggningslänk" and link in text and "1 timme" in text
    assert render("fi", link, timedelta(days=1), "x")[0] == "Your sign-in link"


def test_ttl_words_and_the_per_minute_outbox_key() -> None:
    assert ttl_words(timedelta(days=7), "en") == "7 days"
    assert ttl_words(timedelta(minutes=90), "en") == "90 minutes"
    assert ttl_words(timedelta(seconds=1), "sv") == "1 sekund"
    at = datetime(2026, 10, 5, 7, 0, 30, tzinfo=timezone.utc)
    assert outbox_key("ann@example.com", at) == outbox_key("ann@example.com", at.replace(second=59))
    assert outbox_key("ann@example.com", at) != outbox_key("ann@example.com", at.replace(minute=1))
