"""How words are compared: without accents (Swedish typed without å/ä/ö), with one typo allowed
in a label word. The words themselves are data in case_types.toml."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")

# Nordic and Western letters, then the Central European and Turkish ones of names that reach a
# Swedish or British helpdesk ("Dragan Petrović", "Łukasz Wójcik", "Şebnem Yılmaz").
_PLAIN = ("aaaaaaaAAAAAAAooooooOOOOOOeeeeEEEEuuuuUUUUiiiiIIIIcCnNyY"
          "ccCCssSSzzzZZZnNlLsSeeEEaAoOuuUUrRdDtTnNgGsSiI")
_ACCENTED = ("åäàáâãæÅÄÀÁÂÃÆöòóôõøÖÒÓÔÕØéèêëÉÈÊËüúùûÜÚÙÛíìîïÍÌÎÏçÇñÑýÝ"
             "ćčĆČšśŠŚžźżŽŹŻńŃłŁşŞęěĘĚąĄőŐůűŮŰřŘďĎťŤňŇğĞșȘıİ")
# One letter for one letter, so positions in the folded text are positions in the original.
# Label words shorter than this must be spelled right: "rad" and "fel" are too short to guess.
MIN_TYPO_LENGTH = 5
# A shorter word may be mistyped only beside words of its label spelt right (near_label).
SHORT_TYPO_LENGTH = 4
_WORD = re.compile(r"[^\W\d_]+")
# Words a typo is looked for in: shorter ones are never put right.
_LONG_WORD = re.compile(rf"(?<![^\W\d_])[^\W\d_]{{{MIN_TYPO_LENGTH},}}")
# The same words in an ASCII text, where a letter is [A-Za-z]: a character class re scans several
# times faster than Unicode categories.
_LONG_ASCII = re.compile(rf"(?<![A-Za-z])[A-Za-z]{{{MIN_TYPO_LENGTH},}}")


_ONE = {a: p for a, p in zip(_ACCENTED, _PLAIN)}


def fold(text: str) -> str:
    """The text without accents, same length: "Överförd" -> "Overford", "kö" -> "ko".

    One str.replace per accented letter the text holds: str.translate looks every character up
    (~3 ms for 30 KB), and a regex with a Python callback per letter costs a call for about one
    character in thirty of a Swedish mail. A Swedish mail holds six or so of the 56 letters."""
    if text.isascii():
        return text
    for accented, plain in _ONE.items():
        if accented in text:
            text = text.replace(accented, plain)
    return text


def fold_pattern(pattern: str) -> str:
    """A regex from config with its accented letters folded (regex syntax is plain ASCII)."""
    return fold(pattern)


def one_typo(word: str, known: str, min_length: int = MIN_TYPO_LENGTH) -> bool:
    """True when `word` is `known` with at most one letter wrong, missing, extra or swapped."""
    if word == known:
        return True
    if len(known) < min_length or abs(len(word) - len(known)) > 1:
        return False
    if len(word) == len(known):
        diff = [i for i, (a, b) in enumerate(zip(word, known)) if a != b]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and word[diff[0]] == known[diff[1]] \
            and word[diff[1]] == known[diff[0]]
    short, long = (word, known) if len(word) < len(known) else (known, word)
    for i in range(len(long)):
        if long[:i] + long[i + 1 :] == short:
            return True
    return False


@lru_cache(maxsize=4096)
def label_words(label: str) -> tuple[str, ...]:
    """A label's words, folded and lowercased."""
    return tuple(_WORD.findall(fold(label.lower())))


@lru_cache(maxsize=4096)
def near_label(text: str, labels: tuple[str, ...]) -> str | None:
    """The label that `text` spells with at most one typo per word, or None. (Cached: a mail's
    label lines are asked about once per field, and a hostile one repeats one line thousands of
    times.)"""
    words = label_words(text)
    if not words:
        return None
    for label in labels:
        known = label_words(label)
        if len(known) != len(words):
            continue
        if all(one_typo(w, k) for w, k in zip(words, known)) or short_words(label) and one_short_typo(words, known):
            return label
    return None


@lru_cache(maxsize=4096)
def short_words(label: str) -> bool:
    """A label of several words one of which is too short for `one_typo` alone ("what i want")."""
    known = label_words(label)
    return len(known) > 1 and any(len(k) < MIN_TYPO_LENGTH for k in known)


def one_short_typo(words: tuple[str, ...], known: tuple[str, ...]) -> bool:
    """ "Waht I want:": in a label of several words, one short word may be mistyped when the
    others are spelt right."""
    wrong = None
    for w, k in zip(words, known):
        if w != k:
            if wrong is not None:
                return False
            wrong = (w, k)
    return wrong is not None and one_typo(*wrong, SHORT_TYPO_LENGTH)


def inflected(word: str, known: str) -> bool:
    """Two forms of one word rather than a typo: one extends the other ("approve"/"approver"),
    or only the last two letters differ ("konteras"/"konterat", "raden"/"rader") but are not the
    same two swapped in a word of six letters or more ("codign" is "coding" mistyped; "Lasse" is
    no "läses")."""
    if word.startswith(known) or known.startswith(word):
        return True
    return len(word) == len(known) and word[:-2] == known[:-2] and (word[-2:] != known[-1:-3:-1] or len(word) < 6)


# A word in capitals put right even in a mail not written in capitals: one this long is a label word.
LONG_LABEL_WORD = 8
# Letters looked at to tell a shouted mail (most letters capitals) from one with a few capital words.
MAX_CASE_SAMPLE = 4_000


class Speller:
    """Puts right the label and type words a customer misspelt by one letter ("Invocie ID",
    "Transfered", "erorr"), so every later rule reads the word it knows.

    Only words of MIN_TYPO_LENGTH letters and more that are not themselves known are changed,
    and never into a word they merely extend or shorten ("approve" stays, it is not "approver").
    """

    def __init__(self, known: Iterable[str], labels: Iterable[str] = (), common: Iterable[str] = ()) -> None:
        # `known` words are what a typo is put right to; `common` words are real words that are
        # never changed ("leaves", "Persson") but nothing is put right to them ("lower" is no "loser").
        targets = frozenset(w for w in known if w)
        self.known = targets | frozenset(w for w in common if w)
        # A four-letter word that is a five-letter label word with its doubled letter written
        # once ("eror" for "error"): too short for the one-typo rule, but a common slip.
        self.doubled = {once: w for w in labels if len(w) == MIN_TYPO_LENGTH
                        for i in range(1, len(w)) if w[i] == w[i - 1]
                        if (once := w[:i] + w[i + 1 :]) not in self.known}
        self.doubled_re = re.compile(r"(?<![^\W\d_])(?:" + "|".join(sorted(self.doubled)) + r")(?![^\W\d_])",
                                     re.IGNORECASE) if self.doubled else None
        by_first: dict[str, list[str]] = {}
        for word in sorted(targets):
            if len(word) >= MIN_TYPO_LENGTH:
                by_first.setdefault(word[0], []).append(word)
        self.by_first = {k: tuple(v) for k, v in by_first.items()}
        self.cache: dict[str, str] = {}

    def word(self, word: str) -> str:
        """The known word this one misspells, or the word itself (cached per word as written)."""
        fixed = self.cache.get(word)
        if fixed is None:
            fixed = self.fix(word)
            if len(self.cache) < 50_000:  # bounded: mail can be full of unique junk words
                self.cache[word] = fixed
        return fixed

    def fix(self, word: str) -> str:
        low = fold(word.lower())
        if low in self.known:
            return word
        near = next((k for k in self.by_first.get(low[0], ()) if one_typo(low, k) and not inflected(low, k)), None)
        if near is None:
            return word
        return near.capitalize() if word[:1].isupper() else near

    def text(self, text: str, names: bool = False) -> str:
        """The text with misspelt known words put right. With `names` (running text, not a
        subject in Title Case) a capitalised word after another is a name and stays as written:
        "Anna Persson" is not "Anna Person"."""
        if self.doubled_re is not None:
            # The regex walks every position; a plain substring test first costs a tenth of it.
            low = text.lower()
            if any(form in low for form in self.doubled):
                text = self.doubled_re.sub(lambda m: self.doubled[m.group().lower()], text)
        # A word in capitals in a mail not written in capitals is a login, a code or a name
        # ("users LGRANT and BOKAFOR"): as written. A shouted mail's words are put right.
        shouted: list[bool] = []  # worked out once, and only for a mail with a long word in capitals

        def word(w: str) -> str:
            fixed = self.word(w)
            # (a long label word is put right all the same: "The TRANSFERED column", not "BOKAFOR" made "Bokfor")
            if fixed == w or not w.isupper() or len(fixed) >= LONG_LABEL_WORD:
                return fixed
            if not shouted:
                sample = text[:MAX_CASE_SAMPLE]
                shouted.append(sum(c.isupper() for c in sample) > sum(c.islower() for c in sample))
            return fixed if shouted[0] else w
        if all(word(w) == w for w in set((_LONG_ASCII if text.isascii() else _LONG_WORD).findall(text))):
            return text  # most mails have no typo: each long word looked up once, no substitution
        verbatim = Verbatim(text)
        plain = _LONG_WORD.sub(lambda m: m.group() if verbatim.holds(m.start()) else word(m.group()), text)
        if not names or plain == text:
            return plain

        def put_right(m: re.Match[str]) -> str:
            written = m.group()
            fixed = written if verbatim.holds(m.start()) else word(written)
            if fixed is written or not written[0].isupper():
                return fixed
            after = _NAME_AFTER.match(text, m.end())
            in_name = NAME_BEFORE.search(text, max(0, m.start() - 30), m.start()) or (
                after and fold(after[1].lower()) not in self.known)  # "Invocie Number" is no name
            return written if in_name else fixed
        return _LONG_WORD.sub(put_right, text)


class Verbatim:
    """The quoted phrases of a text ("Invalid dimention combination", 'Ej behorig'): an error
    text as the customer copied it, typos and all, which the speller leaves as written. One
    quoted word ("Transfered") is the name of a thing, and is put right like any other."""

    def __init__(self, text: str) -> None:
        spans = [m.span() for m in _QUOTED_PHRASE.finditer(text) if " " in m.group().strip()]
        self.starts = [a for a, _ in spans]
        self.ends = [b for _, b in spans]

    def holds(self, at: int) -> bool:
        i = bisect_right(self.starts, at) - 1
        return i >= 0 and at < self.ends[i]


# A phrase in double quotes of any style, or in single quotes that are no apostrophes.
# (one line break inside, before a lowercase word: a hard-wrapped mail breaks a long quoted error text too)
_QUOTED_PHRASE = re.compile(r"[\"“”«»„][^\"“”«»„\n]{2,300}(?:\n(?=[a-zåäö0-9])[^\"“”«»„\n]{1,120})?[\"“”«»]"
                            r"|(?<![^\W_])[\x27‘’][^\x27‘’\n]{2,300}(?:\n(?=[a-zåäö0-9])[^\x27‘’\n]{1,120})?[\x27‘’](?![^\W_])")


# A capitalised word right before a word: the word is the second part of a name.
NAME_BEFORE = re.compile(r"(?<![^\W\d_])(?!(?:The|This|That|These|Our|My|Your|Its|Their|Det|Den|Vår|Min|Er)[ ])"
                          r"[A-ZÅÄÖÉ][^\W\d_]+[ ]+$")  # "The Transfered column" is no name
# A capitalised word right after it: the word is the first ("Steven Rourke" is not "Stegen Rourke").
_NAME_AFTER = re.compile(r"[ ]+([A-ZÅÄÖÉ][a-zåäöéü]+)(?![^\W\d_])")


def by_identity(size: int) -> Callable[[Callable[[K], V]], Callable[[K], V]]:
    """Cache a function of one immutable config object by the object's identity.

    functools.lru_cache hashes its argument on every call, and a frozen dataclass such as a
    FieldSpec or the tuple of CaseTypes hashes all its fields each time: ~0.3 ms per mail spent
    hashing. The object is kept in the cache, so its id cannot be reused while cached."""
    def wrap(function: Callable[[K], V]) -> Callable[[K], V]:
        cache: dict[int, tuple[K, V]] = {}

        def cached(key: K) -> V:
            hit = cache.get(id(key))
            if hit is not None and hit[0] is key:
                return hit[1]
            value = function(key)
            if len(cache) >= size:
                cache.clear()
            cache[id(key)] = (key, value)
            return value
        cached.__doc__ = function.__doc__
        cached.__wrapped__ = function  # type: ignore[attr-defined]
        return cached
    return wrap
