"""Fuzzing raw mail bytes: the parser never raises, the listener never answers 5xx for our fault."""

from __future__ import annotations

import smtplib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.parse import parse

HEADER_NAMES = st.sampled_from([
    b"From", b"To", b"Cc", b"Subject", b"Message-ID", b"In-Reply-To", b"References", b"Date",
    b"Content-Type", b"Content-Transfer-Encoding", b"Content-Disposition", b"Auto-Submitted",
    b"Reply-To", b"MIME-Version", b"X-Junk",
])
CHARSETS = st.sampled_from([b"utf-8", b"iso-8859-1", b"windows-1252", b"gb2312", b"utf-7",
                            b"no-such-charset", b"", b"\"", b"iso-2022-jp"])
VALUES = st.one_of(
    st.binary(max_size=200),
    st.builds(lambda cs, b: b"=?" + cs + b"?B?" + b + b"?=", CHARSETS, st.binary(max_size=40)),
    st.builds(lambda cs, b: b"=?" + cs + b"?Q?" + b + b"?=", CHARSETS, st.binary(max_size=40)),
    st.just(b"<a@b> <c@d>\r\n <e@f>"),
    st.just(b"\"Name, With Comma\" <x@y.z>, bad@@addr, <>"),
    st.builds(lambda n: b"x" * n, st.integers(0, 20_000)),  # huge header
)
HEADER = st.builds(lambda n, v: n + b": " + v, HEADER_NAMES, VALUES)


def multipart(depth: int) -> st.SearchStrategy[bytes]:
    """Nested multiparts with missing, repeated or mismatched boundaries."""
    leaf = st.builds(
        lambda ct, cs, cte, body: b"Content-Type: " + ct + b"; charset=" + cs + b"\r\nContent-Transfer-Encoding: "
        + cte + b"\r\n\r\n" + body,
        st.sampled_from([b"text/plain", b"text/html", b"application/pdf", b"message/rfc822", b"text/x-junk"]),
        CHARSETS, st.sampled_from([b"base64", b"quoted-printable", b"8bit", b"x-uuencode", b"bogus"]),
        st.binary(max_size=300),
    )
    if depth == 0:
        return leaf
    return st.builds(
        lambda boundary, parts, close: b"Content-Type: multipart/mixed; boundary=" + boundary + b"\r\n\r\n"
        + b"".join(b"--" + boundary + b"\r\n" + p + b"\r\n" for p in parts) + (b"--" + boundary + b"--" if close else b""),
        st.sampled_from([b"b1", b"\"b 2\"", b"", b"b1b1"]), st.lists(multipart(depth - 1), max_size=3), st.booleans(),
    ) | leaf


RAW_MAIL = st.builds(
    lambda headers, body: b"\r\n".join(headers) + b"\r\n" + body,
    st.lists(HEADER, max_size=12),
    st.one_of(multipart(3), st.binary(max_size=2000)),
) | st.binary(max_size=3000)


@settings(max_examples=400, deadline=None)
@given(RAW_MAIL)
def test_parser_never_raises(raw: bytes) -> None:
    mail = parse(raw)
    assert mail.message_id
    for text in (mail.text, mail.subject, mail.from_addr, mail.html or ""):
        assert "\x00" not in text
        text.encode("utf-8")  # storable in both databases: no lone surrogates


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(depth=st.integers(40, 200))
def test_deep_nesting(depth: int) -> None:
    raw = b"".join(b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (n, n) for n in range(depth))
    assert parse(raw + b"Content-Type: text/plain\r\n\r\ndeep").message_id


def test_listener_never_answers_5xx_for_fuzzed_mail(make_serve) -> None:
    serve = make_serve()
    client = serve.smtp()
    sent: list[bytes] = []

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(RAW_MAIL)
    def send(raw: bytes) -> None:
        try:
            client.sendmail("f@example.com", ["support@support.example.com"], raw)
        except smtplib.SMTPDataError as exc:
            raise AssertionError(f"answered {exc.smtp_code} {exc.smtp_error!r}") from None
        sent.append(raw)

    try:
        send()
    finally:
        client.close()
    # A condition, with room for a busy machine: filing runs at nice 10 behind everything else.
    rows = serve.wait_all_filed(timeout=180)
    assert [r.error for r in rows if r.error] == []  # filing never failed either
