"""Sign-in URLs never reach a page or the API, however they are written (issue 12)."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from web.redact import REMOVED, redact, redact_json, redacted_mail, shown

TOKEN = "WyJhbm5AZXhhbXBsZS5jb20iLCJ4In0.Z1xYzw.abcDEF123_-"


@pytest.mark.parametrize("text", [
    f"https://support.example.com/auth/{TOKEN}",
    f"> Follow this link:\n> https://support.example.com/auth/{TOKEN}\n",
    f"<https://support.example.com/auth/{TOKEN}>",
    f"(see http://127.0.0.1:8080/AUTH/{TOKEN})",
    f"https://support.example.com/%61uth/{TOKEN}",
    f"https://support.example.com%2Fauth%2F{TOKEN}",
    f"https://support.example.com/%2561uth/{TOKEN}",
    f"https://support.example.com&#x2F;auth&#x2F;{TOKEN}",
    f"//support.example.com/auth/{TOKEN}",
    f"support.example.com/auth/{TOKEN}",
    f"https://support.example.com\\auth\\{TOKEN}",
])
def test_every_spelling_of_a_sign_in_url_is_removed(text: str) -> None:
    out = redact(text)
    assert TOKEN not in out and REMOVED in out


def test_other_text_and_links_stay() -> None:
    text = "Invoice 41220: see https://example.com/authors/list and https://example.com/oauth/x"
    assert redact(text) == text


def test_sanitised_html_stays_markup_and_loses_the_link() -> None:
    html = Markup(f'<p>Hi <a href="https://desk.example/auth/{TOKEN}" rel="noopener">my cases</a></p>')
    out = shown(html)
    assert isinstance(out, Markup) and TOKEN not in out and "<p>Hi <a href=" in out


def test_json_is_redacted_throughout() -> None:
    value = {"messages": [{"body": f"x https://d/auth/{TOKEN}", "n": 1}], "subject": f"/auth/{TOKEN}"}
    assert TOKEN not in str(redact_json(value)) and redact_json(value)["messages"][0]["n"] == 1


def test_a_raw_mail_loses_the_link_in_every_text_part_whatever_its_encoding() -> None:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["Subject"] = "ann@example.com", "Hi"
    message.set_content(f"Here: https://d.example/auth/{TOKEN} " + "é" * 200, cte="quoted-printable")
    message.add_alternative(f'<a href="https://d.example/auth/{TOKEN}">x</a>', subtype="html", cte="base64")
    raw = message.as_bytes()
    out = redacted_mail(raw)
    from email import message_from_bytes, policy

    parts = [p.get_content() for p in message_from_bytes(out, policy=policy.default).walk() if not p.is_multipart()]
    assert len(parts) == 2 and all(TOKEN not in p and REMOVED in p for p in parts), parts
    assert redacted_mail(b"Subject: plain\r\n\r\nnothing here\r\n") == b"Subject: plain\r\n\r\nnothing here\r\n"
