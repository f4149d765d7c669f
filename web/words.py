"""The web view in the customer's language: which language a page is in, and its Swedish words.

A case page is in the case's language for its customer (the language casedesk detected in their
mail, the one our mails to them use), and their My Tickets in the language of their newest case;
every other page follows the browser's Accept-Language.
Staff read every case in their own browser's language. English is the source text: a string
without a Swedish entry is shown in English, never as a key.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

LANGUAGES = ("en", "sv")
DEFAULT = "en"
# An Accept-Language header is a short list; a hostile one is cut, not parsed to the end.
MAX_HEADER = 500
MAX_ITEMS = 20

SWEDISH = {
    "Support cases": "Supportärenden",
    "My Tickets": "Mina ärenden",
    "All cases": "Alla ärenden",
    "Sign out": "Logga ut",
    "staff": "personal",
    "Sign in": "Logga in",
    "Enter your e-mail address and we will mail you a link that signs you in. No password needed.":
        "Skriv din e-postadress så mejlar vi en länk som loggar in dig. Inget lösenord behövs.",
    "E-mail address": "E-postadress",
    "Mail me a sign-in link": "Mejla mig en inloggningslänk",
    "Check your mail": "Titta i din e-post",
    "If": "Om",
    "has cases with us, a sign-in link is on its way to it.":
        "har ärenden hos oss är en inloggningslänk på väg dit.",
    "The link works for a limited time; you can ask for a new one at any time.":
        "Länken fungerar en begränsad tid; du kan be om en ny när som helst.",
    "Use another address": "Använd en annan adress",
    "Status": "Status", "Type": "Typ", "Customer": "Kund", "any": "alla", "Yes": "Ja", "No": "Nej",
    "missing anything": "saknar något", "Filter": "Filtrera",
    "Case": "Ärende", "Subject": "Ämne", "Still missing": "Saknas", "Last activity": "Senaste aktivitet",
    "nothing": "inget", "not known yet": "inte känd än", "type not known yet": "typen är inte känd än",
    "No cases match these filters.": "Inga ärenden matchar filtren.",
    "No cases yet. Mail us and your case will show up here.":
        "Inga ärenden än. Mejla oss så visas ditt ärende här.",
    "Newer": "Nyare", "Older": "Äldre",
    "last activity": "senaste aktivitet",
    "Checklist": "Checklista", "Field": "Uppgift", "Value": "Värde", "From": "Från",
    "message": "meddelande", "Nothing extracted yet.": "Inget uppfattat än.",
    "Nothing: the case is complete.": "Inget: ärendet är komplett.",
    "Nothing is asked: support answers this mail.": "Inget efterfrågas: supporten besvarar mejlet.",
    "To add information,": "Vill du lägga till något,",
    "send us a mail about": "skicka ett mejl om",
    "with": "med", "in the subject": "i ämnesraden", "or reply to any mail about this case.":
        "eller svara på något mejl om ärendet.",
    "to": "till", "Messages": "Meddelanden", "from": "från", "sent by support": "skickat av supporten",
    "automatic": "automatiskt", "Earlier messages (quoted)": "Tidigare meddelanden (citerade)",
    "Formatted version (cleaned)": "Formaterad version (rensad)",
    "Case type": "Ärendetyp", "participants": "deltagare", "type by": "typ enligt", "claimed": "angav", "refers to": "hänvisar till",
    "Last staff answer": "Senaste svar från supporten", "Search": "Sök",
    "ref, invoice, customer, text": "ärende, faktura, kund, text", "answered by": "besvarat av",
    "internal note by": "intern anteckning av", "last answered by": "senast besvarat av",
    "not answered by staff yet": "inte besvarat av supporten än", "support": "supporten",
    "gave": "gav",
    "Waiting for the customer": "Väntar på kunden", "Ready for support": "Klart för supporten",
    "Held": "Parkerat", "With support": "Hos supporten", "Closed": "Stängt",
    "Not found": "Hittades inte",
    "There is no such case, or it is not yours to see.": "Ärendet finns inte, eller så är det inte ditt.",
    "There is no such page.": "Sidan finns inte.",
    "Not allowed": "Inte tillåtet",
    "Only support staff may open this.": "Bara supportpersonalen kan öppna det här.",
    "This page cannot be used that way.": "Sidan kan inte användas så.",
    "Back to": "Tillbaka till",
    "Too many attempts. Please try again later.": "För många försök. Försök igen senare.",
    "The form had expired. Please try again.": "Formuläret hade gått ut. Försök igen.",
    "Please enter an e-mail address.": "Skriv en e-postadress.",
    "This sign-in link is invalid, has expired or was revoked. Ask for a new one.":
        "Inloggningslänken är ogiltig, har gått ut eller har återkallats. Be om en ny.",
}
CATALOGS: dict[str, dict[str, str]] = {"en": {}, "sv": SWEDISH}


def accepted(header: str) -> str | None:
    """The first language we speak in an Accept-Language header, by its q-values ("sv-SE;q=0.9")."""
    ranked = []
    for order, item in enumerate(header[:MAX_HEADER].split(",")[:MAX_ITEMS]):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, order, primary))
    return min(ranked)[2] if ranked else None


def language_of(request: Request) -> str:
    """The page's language: one a handler chose (a case's, for its customer), else the browser's."""
    chosen = getattr(request.state, "language", None)
    if chosen in LANGUAGES:
        return str(chosen)
    return accepted(request.headers.get("accept-language", "")) or DEFAULT


def translator(language: str) -> Callable[[str], str]:
    """`_("My Tickets")` in templates: the text in this language, English when no entry exists."""
    catalog = CATALOGS.get(language, {})
    return lambda text: catalog.get(text, text)


def page_words(request: Request) -> dict[str, object]:
    """The Jinja2 context processor: `lang` for <html lang> and `_` for every string of a page."""
    language = language_of(request)
    return {"lang": language, "_": translator(language)}
