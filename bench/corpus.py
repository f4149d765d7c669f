"""A deterministic mixed corpus of support mail: 2 KB plain, 20 KB multipart, 300 KB attachment."""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

SUPPORT = "support@support.example.com"
# The mix: 55% small plain, 33% multipart/alternative, 12% carrying a PDF.
MIX = (("plain", 0.55), ("alternative", 0.33), ("attachment", 0.12))
PLAIN_SIZE = 2_000
ALTERNATIVE_SIZE = 20_000
ATTACHMENT_SIZE = 300_000
# A share of mail answers an earlier one (In-Reply-To/References), as customers do.
REPLY_SHARE = 0.2
# Replies point at least this far back, so with concurrent clients the parent is usually filed.
REPLY_DISTANCE = 40
# Distinct attachment payloads; more would only cost generation time, not realism.
PDF_POOL = 8
EPOCH = datetime(2026, 10, 5, 7, 0, tzinfo=timezone.utc)

FIRST = ("Anna", "Erik", "Maria", "Johan", "Karin", "Lars", "Emma", "Peter", "Sara", "Olof",
         "Linda", "Mats", "Helena", "Jonas", "Sofia", "David", "Ingrid", "Tom", "Eva", "Nils")
LAST = ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
        "Persson", "Svensson", "Gustafsson", "Smith", "Brown", "Taylor", "Wilson", "Clark")
COMPANIES = ("nordlog", "fjallbygg", "acme", "solvik", "brightway", "kustfrakt", "hallands-el",
             "northwind", "vasterby", "greenfield", "ostkraft", "bluepeak")

# Per case type and language: subjects, an opening line, and checklist lines with value makers.
CASES: dict[str, dict[str, dict[str, object]]] = {
    "capture_verification": {
        "en": {"subjects": ("Invoice stuck in Verification", "Capture problem on supplier invoice",
                            "Wrong amount captured"),
               "intro": "We have an invoice in Capture Verification that does not look right.",
               "fields": (("Invoice No", "num6"), ("Invoice ID", "num5"),
                          ("Problem", "problem_en"), ("Invoice examples", "examples"))},
        "sv": {"subjects": ("Faktura fast i verifiering", "Tolkningsproblem på leverantörsfaktura",
                            "Fel belopp tolkat"),
               "intro": "Vi har en faktura i verifieringen som inte ser rätt ut.",
               "fields": (("Fakturanr", "num6"), ("Faktura-ID", "num5"),
                          ("Beskrivning", "problem_sv"), ("Fakturaexempel", "examples"))},
    },
    "coding": {
        "en": {"subjects": ("Coding row cannot be saved", "Problem with coding on invoice",
                            "Cost centre rejected"),
               "intro": "I am trying to code an invoice but something goes wrong.",
               "fields": (("Invoice ID", "num5"), ("Coding row", "row"),
                          ("What do you want to do", "action_en"), ("Error message", "error"))},
        "sv": {"subjects": ("Konteringsrad går inte att spara", "Problem med kontering",
                            "Kostnadsställe nekas"),
               "intro": "Jag försöker kontera en faktura men det blir fel.",
               "fields": (("Faktura-ID", "num5"), ("Konteringsrad", "row"),
                          ("Vad vill du göra", "action_sv"), ("Felmeddelande", "error"))},
    },
    "review_approval": {
        "en": {"subjects": ("Invoice not reaching approver", "Approval flow stuck",
                            "Reviewer cannot approve"),
               "intro": "An invoice is stuck in Review/Approval.",
               "fields": (("Invoice ID", "num5"), ("Coding row", "row"), ("User", "user"),
                          ("Error message", "error"))},
        "sv": {"subjects": ("Fakturan når inte attestanten", "Attestflödet har fastnat",
                            "Granskare kan inte attestera"),
               "intro": "En faktura har fastnat i granskning/attest.",
               "fields": (("Faktura-ID", "num5"), ("Konteringsrad", "row"), ("Användare", "user"),
                          ("Felmeddelande", "error"))},
    },
    "automatic_queue": {
        "en": {"subjects": ("Invoice stuck in queue for automatic steps", "Transfer to ERP failed",
                            "Invoice never transferred"),
               "intro": "An invoice has been in the queue for automatic steps for days.",
               "fields": (("Invoice ID", "num5"), ("Transferred", "transferred"),
                          ("Verification no", "num4"), ("Verification series", "series"),
                          ("ERP transaction no", "num7"))},
        "sv": {"subjects": ("Faktura fast i kö för automatiska steg", "Överföring till ekonomisystemet misslyckades",
                            "Fakturan har aldrig överförts"),
               "intro": "En faktura har legat i kön för automatiska steg i flera dagar.",
               "fields": (("Faktura-ID", "num5"), ("Överförd", "transferred"),
                          ("Verifikationsnr", "num4"), ("Verifikationsserie", "series"),
                          ("Transaktionsnr i ekonomisystemet", "num7"))},
    },
    "administration": {
        "en": {"subjects": ("New user in the administration tool", "Change role for a user",
                            "Add coding suggestion"),
               "intro": "We need help with something in the administration tool.",
               "fields": (("What do you want to do", "admin_en"), ("Company", "company"),
                          ("User/role", "role"))},
        "sv": {"subjects": ("Ny användare i administrationsverktyget", "Byt roll för användare",
                            "Lägg till konteringsförslag"),
               "intro": "Vi behöver hjälp med något i administrationsverktyget.",
               "fields": (("Vad vill du göra", "admin_sv"), ("Företag", "company"),
                          ("Användare/roll", "role"))},
    },
}

FILLER = {
    "en": ("The invoice came in on Monday and has not moved since then. ",
           "We have tried to reload the page and to log in again, with the same result. ",
           "Our accounts payable team needs this sorted before the month-end closing. ",
           "Please let me know if you need screenshots or more invoice examples. ",
           "This worked fine last week, so we suspect something changed in the setup. "),
    "sv": ("Fakturan kom in i måndags och har inte rört sig sedan dess. ",
           "Vi har försökt ladda om sidan och logga in igen, med samma resultat. ",
           "Vår leverantörsreskontra behöver få detta löst före månadsbokslutet. ",
           "Hör av er om ni behöver skärmdumpar eller fler fakturaexempel. ",
           "Det fungerade bra förra veckan, så vi misstänker att något ändrats i inställningarna. "),
}
GREETING = {"en": ("Hello,", "Hi support,", "Good morning,"), "sv": ("Hej,", "Hej support,", "God morgon,")}
CLOSING = {"en": ("Best regards", "Kind regards", "Thanks"), "sv": ("Med vänliga hälsningar", "Hälsningar", "Tack")}
REPLY_LINE = {"en": "Here is the information you asked for.", "sv": "Här kommer informationen ni bad om."}
REPLY_PREFIX = {"en": "Re: ", "sv": "SV: "}


@dataclass(frozen=True)
class Mail:
    """One generated mail: envelope, identity and the bytes as the client sends them (CRLF)."""

    message_id: str
    sender: str
    kind: str
    data: bytes


@dataclass(frozen=True)
class Parent:
    """A mail a generated reply may answer (an earlier generated one, or one already stored)."""

    message_id: str
    sender: str
    name: str
    subject: str
    language: str


def generate(count: int, seed: int = 6, prefix: str = "bench", parents: tuple[Parent, ...] = ()) -> list[Mail]:
    """`count` mails; the same seed and prefix give the same bytes. `parents` seeds reply targets."""
    rng = random.Random(seed)
    pdfs = [pdf_payload(random.Random(seed * 1000 + n)) for n in range(PDF_POOL)]
    earlier: list[Parent] = list(parents)
    mails: list[Mail] = []
    for index in range(count):
        kind = pick_kind(rng)
        parent = pick_parent(rng, earlier, index, len(parents))
        mail, written = compose(rng, index, kind, parent, pdfs, prefix)
        earlier.append(written)
        mails.append(mail)
    return mails


def pick_kind(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for kind, share in MIX:
        total += share
        if roll < total:
            return kind
    return MIX[-1][0]


def pick_parent(rng: random.Random, earlier: list[Parent], index: int, external: int) -> Parent | None:
    if rng.random() >= REPLY_SHARE:
        return None
    newest = external + index - REPLY_DISTANCE
    if newest <= 0:
        return None
    return earlier[rng.randrange(newest)]


def compose(rng: random.Random, index: int, kind: str, parent: Parent | None, pdfs: list[str],
            prefix: str) -> tuple[Mail, Parent]:
    if parent is None:
        language = "sv" if rng.random() < 0.45 else "en"
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        sender = f"{name.split()[0].lower()}.{name.split()[1].lower()}@{rng.choice(COMPANIES)}.example"
        sender = sender.replace("å", "a").replace("ä", "a").replace("ö", "o")
        case_type = rng.choice(list(CASES))
        subject = rng.choice(CASES[case_type][language]["subjects"])  # type: ignore[arg-type]
    else:
        language, name, sender = parent.language, parent.name, parent.sender
        case_type = rng.choice(list(CASES))
        subject = parent.subject if parent.subject.startswith(REPLY_PREFIX[language]) \
            else REPLY_PREFIX[language] + parent.subject
    message_id = f"<{prefix}-{index:07d}.{rng.getrandbits(40):010x}@{sender.split('@')[1]}>"
    text = body_text(rng, case_type, language, name, parent is not None, kind)
    headers = [
        f"From: {name} <{sender}>",
        f"To: Support <{SUPPORT}>",
        f"Subject: {encode_subject(subject)}",
        f"Date: {format_datetime(EPOCH + timedelta(seconds=index * 7))}",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
    ]
    if parent is not None:
        headers += [f"In-Reply-To: {parent.message_id}", f"References: {parent.message_id}"]
    boundary = f"=_bench_{index:07d}_{rng.getrandbits(32):08x}"
    lines = headers + mime_body(kind, text, boundary, rng, pdfs, language)
    data = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    return Mail(message_id, sender, kind, data), Parent(message_id, sender, name, subject, language)


def body_text(rng: random.Random, case_type: str, language: str, name: str, reply: bool, kind: str) -> str:
    case = CASES[case_type][language]
    lines = [rng.choice(GREETING[language]), ""]
    lines.append(REPLY_LINE[language] if reply else str(case["intro"]))
    lines.append("")
    for label, maker in case["fields"]:  # type: ignore[attr-defined]
        if rng.random() < 0.85:
            lines.append(f"{label}: {value(rng, maker, language)}")
    lines.append("")
    target = PLAIN_SIZE if kind == "plain" else ALTERNATIVE_SIZE * 4 // 10 if kind == "alternative" else 1500
    filler = FILLER[language]
    paragraph: list[str] = []
    # Grow the body in sentences until it reaches the size its kind calls for.
    while sum(len(line.encode()) + 2 for line in lines) + sum(len(s) for s in paragraph) < target - 120:
        paragraph.append(rng.choice(filler))
        if len(paragraph) == 4:
            lines += ["".join(paragraph).strip(), ""]
            paragraph = []
    if paragraph:
        lines += ["".join(paragraph).strip(), ""]
    lines += [rng.choice(CLOSING[language]), name]
    return "\n".join(lines)


def value(rng: random.Random, maker: str, language: str) -> str:
    makers = {
        "num4": lambda: str(rng.randrange(1000, 9999)),
        "num5": lambda: str(rng.randrange(10000, 99999)),
        "num6": lambda: str(rng.randrange(100000, 999999)),
        "num7": lambda: str(rng.randrange(1000000, 9999999)),
        "row": lambda: ", ".join(str(rng.randrange(1, 12)) for _ in range(rng.randrange(1, 3))),
        "user": lambda: f"{rng.choice(FIRST).lower()}.{rng.choice(LAST).lower()}",
        "error": lambda: rng.choice(("Account 4010 is blocked", "Cost centre 120 is not valid",
                                     "Kontot 4010 är spärrat", "Object is locked by another user")),
        "transferred": lambda: rng.choice(("No", "Error", "Nej", "Fel", "Yes")),
        "series": lambda: rng.choice(("A", "B", "LF")),
        "company": lambda: f"{rng.choice(COMPANIES).title()} AB",
        "role": lambda: rng.choice(("approver", "attestant", "reviewer", "coding suggestion 12")),
        "examples": lambda: ", ".join(str(rng.randrange(10000, 99999)) for _ in range(5)),
        "problem_en": lambda: "The supplier name is captured from the wrong field.",
        "problem_sv": lambda: "Leverantörens namn tolkas från fel fält.",
        "action_en": lambda: "Change the cost centre on the row",
        "action_sv": lambda: "Byta kostnadsställe på raden",
        "admin_en": lambda: "Add a new approver",
        "admin_sv": lambda: "Lägga till en ny attestant",
    }
    return makers[maker]()


def mime_body(kind: str, text: str, boundary: str, rng: random.Random, pdfs: list[str], language: str) -> list[str]:
    body = quoted_printable(text)
    if kind == "plain":
        return ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable",
                "", body]
    if kind == "alternative":
        html = html_of(text, ALTERNATIVE_SIZE - len(body) - 600)
        return [f'Content-Type: multipart/alternative; boundary="{boundary}"', "",
                "This is a multi-part message in MIME format.", "",
                f"--{boundary}", "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: quoted-printable", "", body, "",
                f"--{boundary}", "Content-Type: text/html; charset=utf-8",
                "Content-Transfer-Encoding: quoted-printable", "", quoted_printable(html), "",
                f"--{boundary}--", ""]
    name = "faktura" if language == "sv" else "invoice"
    filename = f"{name}-{rng.randrange(10000, 99999)}.pdf"
    return [f'Content-Type: multipart/mixed; boundary="{boundary}"', "",
            f"--{boundary}", "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable", "", body, "",
            f"--{boundary}", f'Content-Type: application/pdf; name="{filename}"',
            f'Content-Disposition: attachment; filename="{filename}"',
            "Content-Transfer-Encoding: base64", "", rng.choice(pdfs), "",
            f"--{boundary}--", ""]


def html_of(text: str, size: int) -> str:
    """An Outlook-ish HTML rendering of the text, padded with styling to `size` bytes."""
    paragraphs = "".join(f"<p class=MsoNormal>{line or '&nbsp;'}</p>\r\n" for line in text.split("\n"))
    style = "<style>p.MsoNormal{margin:0cm;font-size:11.0pt;font-family:\"Calibri\",sans-serif}</style>\r\n"
    html = f"<html><head>{style}</head><body lang=SV link=\"#0563C1\">\r\n<div class=WordSection1>\r\n{paragraphs}"
    pad = "<p class=MsoNormal><span style='font-size:10.0pt;color:#1F497D'>&nbsp;</span></p>\r\n"
    html += pad * max(0, (size - len(html)) // len(pad))
    return html + "</div></body></html>"


def quoted_printable(text: str) -> str:
    import quopri

    return quopri.encodestring(text.encode("utf-8")).decode("ascii").replace("\n", "\r\n")


def encode_subject(subject: str) -> str:
    if subject.isascii():
        return subject
    return "=?utf-8?b?" + base64.b64encode(subject.encode("utf-8")).decode("ascii") + "?="


def pdf_payload(rng: random.Random) -> str:
    """A PDF-ish file of ATTACHMENT_SIZE bytes (a header, then noise), base64 in 76-char lines."""
    raw = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + rng.randbytes(ATTACHMENT_SIZE - 15)
    encoded = base64.b64encode(raw).decode("ascii")
    return "\r\n".join(encoded[i:i + 76] for i in range(0, len(encoded), 76))


def sizes(mails: list[Mail]) -> dict[str, int]:
    """How many mails of each kind, and their total bytes (for the report)."""
    counts: dict[str, int] = {kind: 0 for kind, _ in MIX}
    for mail in mails:
        counts[mail.kind] += 1
    counts["bytes"] = sum(len(m.data) for m in mails)
    return counts
