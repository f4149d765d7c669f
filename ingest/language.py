"""Tell English from Swedish mail, so the replies we send speak the customer's language."""

from __future__ import annotations

import re

# Frequent short words that only one of the two languages uses; a mail's words vote.
SWEDISH = frozenset("""
och att det är jag vi inte på för med hej som har kan ska skall den ett en till från om vill
får fick hur vad varför när men eller också redan nu sedan tack hälsningar mvh vänliga vänlig
vår våra vårt ni er ert era mig oss dig du han hon de dem detta dessa finns hos efter innan
utan bara alla någon något inget ingen kolla hjälp fakturan fakturor fakturorna faktura
kontering konteringsrad attest attestera attestant felmeddelande användare företaget bolaget
ärende ärendet gäller fel rad raden rader överförd verifikation hälsning god morgon hallå
""".split())
ENGLISH = frozenset("""
the and is are was were to of we i it not for with hi hello dear this that these those have has
can cannot could would should will please thanks thank regards best you your our us my me from
on in at by be been what which who how why when where there their they an a but or also already
now invoice invoices coding row rows approver user users error message transferred help issue
problem wrong does do did get got see shows says
""".split())
# Letters that never occur in English words: strong evidence on their own.
_SWEDISH_LETTERS = re.compile(r"[åäöÅÄÖ]")
_WORD = re.compile(r"[^\W\d_]+")
_ASCII_WORD = re.compile(r"[A-Za-z]+")  # the same words in an ASCII text, scanned faster


def detect_language(text: str) -> str:
    """"sv" when Swedish words (and letters) outweigh English ones, else "en" (our default)."""
    low = text.lower()
    words = (_ASCII_WORD if low.isascii() else _WORD).findall(low)
    sv = sum(map(SWEDISH.__contains__, words))
    en = sum(map(ENGLISH.__contains__, words))
    sv += min(len(_SWEDISH_LETTERS.findall(text)), 10) // 2
    return "sv" if sv > en else "en"
