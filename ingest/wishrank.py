"""Which sentence of a mail says what the customer wants done: a small learned ranker.

The wish patterns of a field ("what do you want to do?") are listed strongest first, and the rules
took the first pattern's first sentence. On mail nobody had read, that was the field most often
wrong: a vague "Can you check this?" or "Please help to delete" before the sentence that says what,
a remark after the request, our own quoted question (docs/checklist.md, "Thirteenth round").

So every sentence the patterns find is a candidate, and each is scored by a logistic model over a
few plain features: which pattern found it and how strong that pattern is in the list, where it
stands, how long and how specific it is (numbers, the words of rows, accounts, roles and users),
and whether it is vague, a question, negated, or about an error. The best candidate wins (with
the runner-up when the model is sure of that one too); below the model's threshold it is only
shown to the customer to confirm, like any unsure value.

The model is data: `core/wish_model.json` holds the weights, written by
`python -m tests.train_wish` from tests/realmail (the development half) only. The features do not
name patterns, so an operator's own patterns in config.toml are weighed by their place in the
list like the packaged ones.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import core
from ingest.vocabulary import fold

log = logging.getLogger(__name__)

MODEL_FILE = Path(core.__file__).with_name("wish_model.json")
# A mail's candidates are at most this many (each pattern gives at most MAX_PER_PATTERN): a
# hostile mail of a thousand "please change" sentences is weighed in the same time as a long one.
MAX_CANDIDATES = 30
MAX_PER_PATTERN = 3
# A candidate's features are read in its first FEATURE_TEXT characters: what a sentence asks for
# is said early, and a pasted run of text without full stops is one "sentence" of a kilobyte.
FEATURE_TEXT = 400


class Wish(NamedTuple):
    """A candidate sentence: the index of the pattern that found it, where, and the sentence."""

    pattern: int
    at: int
    value: str


# The words of the things a request is about, in both languages (folded: no accents).
_THINGS = re.compile(r"(?i)\b(?:rows?|lines?|rad|raden|rader\w*|accounts?|konto\w*|cost\s*cent\w*|kostnadsst\w*|kst|"
                     r"projects?|projekt\w*|vat|moms\w*|roles?|roll\w*|users?|anvandar\w*|compan\w*|bolag\w*|"
                     r"foretag\w*|coding|kontering\w*|suggestions?|approvers?|attestant\w*|granskare|suppliers?|"
                     r"leverantor\w*|periods?|period\w*|templates?|mall\w*|limits?|grans\w*|access|behorighet\w*|"
                     r"admin\w*|dimension\w*|departments?|avdelning\w*)\b")
# Asking us to look rather than saying what to do.
_VAGUE = re.compile(r"(?i)\b(?:check|help|look|advise|kolla|titta|hjalpa|pointer|explain|forklara|"
                    r"what\s+is\s+wrong|vad\s+som\s+ar\s+fel)\b")
# What happened when they tried: the error, not the wish.
_ERROR = re.compile(r"(?i)\b(?:i\s+get|we\s+get|get\s+this|far\s+(?:jag|vi)|error|felmeddelande\w*|"
                    r"won\W?t\s+let|doesn\W?t\s+save|gar\s+inte\s+att\s+spara)\b")
_ERROR_WORD = re.compile(r"(?i)\b(?:error|fel\w*|message|meddelande|warning|varning)\b")
_NEGATION = re.compile(r"(?i)\b(?:not|n\W?t|inte|ej|never|aldrig|no\s+one|nobody|ingen)\b")
# A sentence whose object is only "this"/"it"/"det": what it points at is elsewhere.
_POINTS = re.compile(r"(?i)\b(?:this|that|it|detta|det\s+har|det|dessa|them)\b\s*(?:[?.!]|for\s+us|at\s+oss|up)")
_FIRST_PERSON = re.compile(r"(?i)\b(?:i|we|jag|vi)\b")
# A request added on to the main one: "Also, while you're at it, could you ...", "Dessutom ...".
_ALSO = re.compile(r"(?i)^\W*(?:also|and\s+also|additionally|plus|one\s+more\s+thing|while\s+(?:you\W?re|you\s+are|i\s+have\s+you)|"
                   r"dessutom|ocksa|aven|en\s+sak\s+till|passa\s+pa)\b|\bwhile\s+you\W?re\s+at\s+it\b")
# What happened, told: background rather than the request.
_PAST = re.compile(r"(?i)\b(?:was|were|has\s+been|have\s+been|had|did|went|got|came|started|var|blev|hade|gick|kom|fick|borjade)\b")
# Who should do it rather than what: "or do we need to do it ourselves?", "eller måste vi göra det själva?"
_WHO_DOES = re.compile(r"(?i)\b(?:ourselves|myself|sjalva|sjalv|or\s+(?:do|should|can)\s+(?:we|i)|eller\s+(?:ska|maste|kan)\s+(?:vi|jag))\b")
_QUOTES = re.compile(r"[\"“”]")
_DIGITS = re.compile(r"\d+")
_WORD = re.compile(r"\w+")


def features(wish: Wish, wishes: Sequence[Wish], patterns: int, length: int, folded: str) -> list[float]:
    """The model's inputs for one candidate among a mail's `wishes` (`folded`: its sentence
    without accents; `patterns`: how many the field has; `length`: the text's)."""
    i = wish.pattern
    places = sorted({w.at for w in wishes})
    order = places.index(wish.at)
    words = len(_WORD.findall(folded))
    things = len(_THINGS.findall(folded))
    return [
        1.0,                                             # bias
        i / max(patterns, 1),                            # the pattern's place in the list
        float(i >= patterns - 2),                        # the last ones: any verb of change at all
        float(i < 5), float(5 <= i < 15), float(15 <= i < 30),
        float(i == min(w.pattern for w in wishes)),      # the strongest pattern that found anything
        float(order == 0), min(order, 5) / 5,            # first in the mail, or how far down
        wish.at / max(length, 1),
        min(words, 60) / 60, float(words < 6),
        float(bool(_DIGITS.search(folded))), float(len(_DIGITS.findall(folded)) > 1),
        float("?" in folded),
        float(bool(_NEGATION.search(folded))),
        float(bool(_POINTS.search(folded))),
        float(bool(_ERROR_WORD.search(folded))), float(bool(_ERROR.search(folded))),
        1 / len(wishes),                                 # wishes are distinct sentences: one of how many
        float(bool(_QUOTES.search(folded))),
        min(things, 4) / 4, float(things == 0),
        float(bool(_VAGUE.search(folded))),
        float(bool(_FIRST_PERSON.search(folded))),
        float(bool(_ALSO.search(folded))),
        float(bool(_WHO_DOES.search(folded))),
        float(bool(_PAST.search(folded))),
    ]


FEATURES = len(features(Wish(0, 0, "x"), [Wish(0, 0, "x")], 1, 1, "x"))


@dataclass(frozen=True)
class Model:
    """Weights of the logistic model, the fields it ranks, and the probability a wish needs to be
    taken as read."""

    fields: frozenset[str]
    weights: tuple[float, ...]
    threshold: float

    def probability(self, values: Sequence[float]) -> float:
        """How likely this candidate is the wish."""
        return logistic(self.weights, values)


def logistic(weights: Sequence[float], values: Sequence[float]) -> float:
    """The logistic of the weighted features (clamped: exp never overflows); training and
    reading share it, so the packaged weights mean the same in both."""
    z = sum(w * x for w, x in zip(weights, values))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@lru_cache(maxsize=1)
def model() -> Model | None:
    """The packaged model, read once; None when the file is absent, damaged or made for other
    features (the first pattern's wish is then taken: a broken data file must not stop filing)."""
    if not MODEL_FILE.exists():
        return None
    try:
        data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
        fields = frozenset(str(f) for f in data["fields"])
        weights = tuple(float(w) for w in data["weights"])
        threshold = float(data["threshold"])
        if len(weights) != FEATURES:
            raise ValueError(f"{len(weights)} weights for {FEATURES} features")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.error("%s cannot be read (%s: %s); the first wish found is taken", MODEL_FILE, type(exc).__name__, exc)
        return None
    return Model(fields, weights, threshold)


def ranks(key: str) -> bool:
    """Whether the model weighs this field's wishes (else its first pattern's hit is taken)."""
    found = model()
    return found is not None and key in found.fields


def best_wish(wishes: Sequence[Wish], patterns: int, length: int) -> tuple[Wish, float, bool, Wish | None] | None:
    """The candidate the model scores best (the earliest of equals), its probability, whether that
    is enough to take it, and the runner-up when it is enough on its own too: a mail that asks for
    two things ("... could you change row 2 to account 5410 ... Please remove the project P-118 from
    row 3 as well") has two wishes, and the writers' expected wish was as often the second.
    None without candidates or model."""
    found = model()
    if not wishes or found is None:
        return None
    scored = sorted(((found.probability(features(w, wishes, patterns, length, fold(w.value[:FEATURE_TEXT]))), -n, w)
                     for n, w in enumerate(wishes)), key=lambda s: s[:2], reverse=True)
    p, _, wish = scored[0]
    # (the writer's own numbered list, "1) Byt namn ... 2) Lägg till henne som ersättare ...",
    # says each item is a wish: a candidate there needs no more score)
    also = next((w for q, _, w in scored[1:] if (q >= found.threshold or numbered(wish, w))
                 and not within(w.value, wish.value)), None)
    return wish, p, p >= found.threshold, also


def numbered(one: Wish, other: Wish) -> bool:
    """Two wishes that are items of one numbered list ("1) ...", "2. ...")."""
    return bool(_NUMBERED.match(one.value) and _NUMBERED.match(other.value))


_NUMBERED = re.compile(r"[ \t]*(?:\d{1,2}[.)]|\(\d{1,2}\))[ \t]")


def within(one: str, other: str) -> bool:
    """One wish sentence inside the other ("Hur gör vi?" and "Vet inte om ...? Hur gör vi?"): one wish."""
    a, b = fold(one), fold(other)
    return a in b or b in a
