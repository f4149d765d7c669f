"""The first name our mails greet a customer by, read from a display name (pure).

A display name is whatever the sender's mail client says: "Åsa Lind", "Lind, Åsa", "DANA FROST",
but also "Support Team", "Ekonomi", "Acme AB", "dana@example.com" or "=?utf-8?q?...?=". We greet
with a first name only when the name looks like a person's; otherwise the mail says "Hello," /
"Hej," (as Zammad and osTicket do when they have no first name). A wrong "Hej Ekonomi," is
worse than a neutral greeting, so every rule below errs towards neutral.
"""

from __future__ import annotations

import re

# Display names longer than this are not a person's name (and are not worth scanning).
MAX_NAME = 80
# One word of a person's name: letters, maybe joined by a hyphen or an apostrophe (Anna-Karin, O'Neil).
_WORD = re.compile(r"^[^\W\d_]{2,}(?:[-'’][^\W\d_]{2,})*$")
# Titles before a name, dropped: "Dr. Dana Frost" -> Dana.
TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "herr", "fru", "fröken", "doktor"})
# Words that make a display name a team, a function or a company, never a person (English, Swedish).
ROLE_WORDS = frozenset("""
    support team teams service services help helpdesk desk info information admin administrator
    administration office accounts accounting account finance financial economy billing invoice
    invoices invoicing payable payables receivable receivables payroll sales marketing purchasing
    procurement order orders customer customers reception department dept group staff hr it
    noreply no-reply donotreply mailer-daemon postmaster system systems robot bot notification
    notifications alert alerts webmaster contact hello mail post kontakt ekonomi ekonomiavdelningen
    redovisning lön löner faktura fakturor fakturering fakturahantering leverantörsreskontra
    kundreskontra kundtjänst kundservice kundsupport inköp försäljning växel reception receptionen
    avdelning avdelningen administratör teamet gruppen kontoret ab aktiebolag inc ltd llc gmbh oy
    as asa aps plc corp company co bolag bolaget kommun region the och and of för for
""".split())


def first_name(display_name: str | None) -> str | None:
    """The first name to greet with, or None when the display name does not look like a person.

    "Dana Frost" -> "Dana"; "Lind, Åsa" -> "Åsa"; "DANA FROST" -> "Dana"; "Dr. Dana Frost" ->
    "Dana"; "Support Team", "Ekonomi", "Acme AB", "d.frost@x.com", "D. Frost", "" -> None.
    """
    name = " ".join((display_name or "").split())
    if not name or len(name) > MAX_NAME or any(c in name for c in "@<>=?/\\|[]{}\"#%&+:;!"):
        return None
    # "Team 7", "Dana 2nd", bidi overrides and other invisible characters: not how a person signs.
    if any(c.isdigit() or not c.isprintable() for c in name):
        return None
    name = re.sub(r"\s*\([^)]*\)\s*", " ", name).strip()  # "Dana Frost (Acme)"
    if name.count(",") > 1:
        return None
    # "Lind, Åsa": the part after the comma is the given name.
    last, comma, given = name.partition(",")
    words = (given if comma else last).replace(".", ". ").split()
    words = [w.rstrip(".") for w in words]
    words = [w for w in words if w]
    while words and words[0].lower() in TITLES:
        words = words[1:]
    everything = [w.rstrip(".").lower() for w in name.replace(",", " ").split()]
    if not words or any(w in ROLE_WORDS for w in everything) or len(everything) > 4:
        return None
    return person_word(words[0])


def person_word(word: str) -> str | None:
    """A word as a first name, capitalised per part ("ANNA-KARIN" -> "Anna-Karin"), or None."""
    if not _WORD.match(word):
        return None
    if word.isupper() or word.islower():
        word = re.sub(r"[^\W\d_]+", lambda m: m[0].capitalize(), word)
    # "McDonald" and "LeBlanc" keep their inner capitals; "dANA" is not a name a person signs with.
    return word if word[0].isupper() else None
