"""The wish ranker: which sentence says what the customer wants done (ingest/wishrank.py,
docs/checklist.md "Thirteenth round")."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import ingest.checklist as checklist
from core.casetypes import parse_case_types
from ingest import wishrank
from ingest.checklist import Source, extract_candidates, wishes
from tests.train_wish import model_text

TYPES = {t.key: t for t in parse_case_types(None, "")}
VAGUE_FIRST = "Hej! Kan du kolla med supporten? Jag försöker fördela rad 2 på faktura-ID 208811."


def wish(type_key: str, text: str) -> tuple[str | None, str | None]:
    """(the wish read, the wish only shown to confirm) of a text."""
    values, unsure = extract_candidates(TYPES[type_key].fields, Source(new=text))
    guess = unsure.get("desired_action")
    return values.get("desired_action"), guess.value if guess else None


def test_the_packaged_model_is_trained_from_the_development_half() -> None:
    """Nobody edits the weights by hand, and nothing but tests/realmail went into them."""
    assert wishrank.MODEL_FILE.read_text(encoding="utf-8") == model_text(), \
        "core/wish_model.json is stale: run python -m tests.train_wish"


@pytest.mark.parametrize(("type_key", "text", "wanted"), [
    # A vague ask before the sentence that says what: the rules took the first pattern's hit.
    ("coding", "Hej! Kan du kolla med supporten? Jag försöker fördela rad 2 på faktura-ID 208811 på två "
               "kostnadsställen (300 och 310) men det går inte.",
     "Jag försöker fördela rad 2 på faktura-ID 208811 på två kostnadsställen (300 och 310) men det går inte"),
    ("coding", "see below from our bursar - can you set this up?\n\n---------- Forwarded message ----------\n"
               "From: Bursar\n\nCould you add a coding suggestion for Greenfield Catering Services on account 5410?",
     "Could you add a coding suggestion for Greenfield Catering Services on account 5410?"),
])
def test_the_specific_request_wins_over_a_vague_one(type_key: str, text: str, wanted: str) -> None:
    assert wish(type_key, text) == (wanted, None)


def test_a_vague_wish_alone_is_only_shown_to_confirm() -> None:
    """The case still asks what to do, showing what we read; the rules had taken it as the wish."""
    assert wish("administration", "Hi, please see the details below for a change we need.\n\nThanks") \
        == (None, "please see the details below for a change we need")


def test_a_clear_request_is_chosen_over_a_question_before_it() -> None:
    """The request, not the question, whether read or only shown to confirm: how sure the model is
    of it moves with each retraining (0.35 and 0.349 in session 15, at the threshold)."""
    read, shown = wish("administration", "Could you send over the release notes for the May update? We need to "
                                         "add two users to Acme AB: Anna Berg and Per Lind.")
    assert (read or shown) == "We need to add two users to Acme AB: Anna Berg and Per Lind"


def test_without_the_model_the_first_patterns_sentence_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing or unreadable model file: reading goes on as the rules read."""
    monkeypatch.setattr(wishrank, "model", lambda: None)
    assert wish("coding", VAGUE_FIRST)[0] == "Kan du kolla med supporten?"


def test_a_flood_of_wishes_is_weighed_in_bounded_numbers() -> None:
    text = " ".join(f"Please change row {n} to account {4000 + n}." for n in range(3000))
    spec = next(f for f in TYPES["coding"].fields if f.key == "desired_action")
    found = wishes(spec, Source(new=text))
    assert 0 < len(found) <= wishrank.MAX_CANDIDATES
    # one of the flood's own sentences (which one is the model's call: they differ only in place)
    assert re.match(r"Please change row \d+ to account \d+", wish("coding", text)[0] or "")


def test_the_subject_is_read_only_when_the_content_has_no_wish() -> None:
    spec = next(f for f in TYPES["coding"].fields if f.key == "desired_action")
    found = wishes(spec, Source(new="Invoice 4471-22, row 2. Thanks", subject="Please change the project"))
    assert [w.value for w in found] == ["Please change the project"]
    found = wishes(spec, Source(new="I want to split row 2 over two projects.", subject="Please change the project"))
    assert [w.value for w in found] == ["I want to split row 2 over two projects"]


def test_a_pattern_is_weighed_by_its_place_in_the_list_not_by_which_it_is() -> None:
    """An operator's own pattern list fits the model: the first pattern of a list of 10 and of 40
    give the same features, and "one of the last two" follows the list's own end."""
    sentence = "i want to change row 2"
    first = wishrank.Wish(0, 0, sentence)
    assert wishrank.features(first, [first], 10, 100, sentence) == wishrank.features(first, [first], 40, 100, sentence)
    ninth = wishrank.Wish(9, 0, sentence)
    assert wishrank.features(ninth, [ninth], 10, 100, sentence) != wishrank.features(ninth, [ninth], 40, 100, sentence)
    assert checklist.ranks("desired_action") and not checklist.ranks("error_message")


def test_a_damaged_model_file_is_logged_and_the_first_wish_taken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "wish_model.json"
    monkeypatch.setattr(wishrank, "MODEL_FILE", path)
    for text in ('{"fields": ["desired_action"], "threshold": 0.3, "weights": [1, 2]}', "{not json"):
        path.write_text(text, encoding="utf-8")
        wishrank.model.cache_clear()
        try:
            assert wishrank.model() is None
            assert wish("coding", VAGUE_FIRST)[0] == "Kan du kolla med supporten?"
        finally:
            wishrank.model.cache_clear()
    assert "wish_model.json cannot be read (ValueError: 2 weights for" in caplog.text


def test_a_sentence_is_cut_out_of_a_bounded_stretch_of_text() -> None:
    """A pasted run without full stops is not one 25 KB sentence: each wish candidate's sentence
    reaches SENTENCE_REACH characters either side of its match."""
    text = "we want to split it " * 1500
    got = checklist.sentence(text, 15_000, 15_010)
    assert len(got) <= 2 * checklist.SENTENCE_REACH + 10


def test_a_wish_below_a_long_pasted_log_is_still_found() -> None:
    """The session's review: wishes are ranked in the first 6,000 characters; a mail with none
    there is read as the rules read it."""
    log = "\n".join(f"2024-05-0{n % 9 + 1} 10:{n % 60:02d}:00 INFO export batch {n} status=OK rows={n * 3}" for n in range(120))
    text = f"Hi,\n\nHere is the log from the integration:\n\n{log}\n\nPlease change row 2 of invoice 4471-22 to cost centre 550."
    assert len(text) > checklist.WISH_TEXT
    assert wish("coding", text) == ("Please change row 2 of invoice 4471-22 to cost centre 550", None)


@pytest.mark.parametrize("text", [
    # every request rejected ("... myself": why they write, not what): each cost a sentence
    " ".join(f"please change row {n}, we cannot change it ourselves" for n in range(600)),
    " ".join(f"please change row {n} and we want to split it and could you fix this" for n in range(400)),
])
def test_a_flood_of_requests_reads_in_bounded_time(text: str) -> None:
    """The session's review: a flood of rejected requests took 15.8 s at the session's start and
    3 s with the ranker (CPU, best of three); bounded per pattern and per field it takes about a
    tenth of a second. One second only tells a bound that holds from one that does not."""
    best = min(cpu_seconds(lambda: extract_candidates(TYPES["coding"].fields, Source(new=text))) for _ in range(3))
    assert best < 1.0


def cpu_seconds(work: Callable[[], object]) -> float:
    start = time.process_time()
    work()
    return time.process_time() - start


def test_an_added_request_a_question_of_who_does_it_and_a_story_are_told_apart() -> None:
    """Session 16 (leave one writer out at 0.35: 804 right / 82 wrong -> 806 / 81): the ranker
    sees a request added on to the main one ("Also, while you're at it, could you ..."), a question
    of who should do it ("... or do we need to do it ourselves?") and what happened, told."""
    from ingest.wishrank import Wish, features
    def flags(text: str) -> list[float]:
        wish = Wish(0, 0, text)
        return features(wish, [wish], 10, 100, text.lower())[-3:]
    assert flags("Also while you're at it could you deactivate Greg Hollis?") == [1.0, 0.0, 0.0]
    assert flags("Can you do that or do we need to do it ourselves?") == [0.0, 1.0, 0.0]
    assert flags("The invoice went to Per Holm last week") == [0.0, 0.0, 1.0]
    assert flags("Please give Anna Berg the approver role") == [0.0, 0.0, 0.0]


def test_a_mail_asking_for_two_things_has_both_wishes() -> None:
    """The runner-up wish is kept when the model is sure of it on its own, in the mail's order:
    the writers' expected wish was as often the second request as the first (session 27)."""
    read, _ = wish("coding", "Hi,\n\nOn invoice ID 4471-22 could you change row 2 to account 5410, it is office "
                             "supplies.\n\nPlease remove the project P-118 from row 3 as well, it was closed in May."
                             "\n\nThanks, Amy")
    assert read == ("On invoice ID 4471-22 could you change row 2 to account 5410, it is office supplies. "
                    "Please remove the project P-118 from row 3 as well, it was closed in May")


def test_a_wish_inside_another_is_one_wish() -> None:
    assert wishrank.within("Hur gör vi?", "Vet inte om vi ska byta konto? Hur gör vi?")
    assert not wishrank.within("Please unlock his account", "Please deactivate Greg Hollis")
