"""A staff answer with `[staff] authserv_id`: only our relay's verdict on the From domain counts."""

from __future__ import annotations

import pytest

from ingest.authresults import unauthenticated

RELAY = "mx.support.example.com"


def mail(*results: str) -> bytes:
    headers = "".join(f"Authentication-Results: {r}\r\n" for r in results)
    return (headers + "From: Sam <sam@support.example.com>\r\nSubject: Re: x\r\n\r\nbody\r\n").encode()


@pytest.mark.parametrize("header", [
    f"{RELAY}; dmarc=pass (p=reject dis=none) header.from=support.example.com",
    f"{RELAY};\r\n\tspf=fail smtp.mailfrom=x.example;\r\n\tdkim=pass header.d=support.example.com header.s=s1",
    f"{RELAY.upper()}; dkim=pass header.i=@Support.Example.com",
    f"{RELAY} 1; dmarc=pass header.from=\"support.example.com\"",
])
def test_our_relays_pass_for_the_from_domain_counts(header: str) -> None:
    assert unauthenticated(mail(header), "sam@support.example.com", RELAY) == ""


@pytest.mark.parametrize(("headers", "reason"), [
    ((), "no Authentication-Results from"),
    (("other.example; dmarc=pass header.from=support.example.com",), "no Authentication-Results from"),
    ((f"{RELAY}; dmarc=fail header.from=support.example.com",), "did not pass DMARC or DKIM"),
    ((f"{RELAY}; dkim=pass header.d=attacker.example",), "did not pass DMARC or DKIM"),
    ((f"{RELAY}; dmarc=pass header.from=support.example.com.attacker.example",), "did not pass"),
    # A forged verdict below ours is never read: only the topmost header with our id counts.
    ((f"{RELAY}; dmarc=fail header.from=support.example.com",
      f"{RELAY}; dmarc=pass header.from=support.example.com"), "did not pass"),
    # A comment cannot smuggle a result in.
    ((f"{RELAY}; dmarc=fail (dmarc=pass header.from=support.example.com) header.from=support.example.com",),
     "did not pass"),
])
def test_anything_else_is_a_reason_to_hold(headers: tuple[str, ...], reason: str) -> None:
    assert reason in unauthenticated(mail(*headers), "sam@support.example.com", RELAY)


def test_a_huge_or_broken_header_block_is_read_bounded() -> None:
    junk = b"X-Junk: " + b"a" * 2_000_000 + b"\r\n"
    assert "no Authentication-Results" in unauthenticated(junk + mail(), "sam@support.example.com", RELAY)
    assert unauthenticated(b"\xff\xfe\x00 not a mail", "", RELAY)
