"""The word model's second opinion on the case type (ingest/typemodel.py, docs/checklist.md)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.casetypes import parse_case_types
from ingest import typemodel
from ingest.classify import detect
from ingest.typemodel import TypeModel, second_opinion, train, words
from tests.train_type import model_text

# A model that has only seen coding mails about accounts and thank-yous: sure of either.
TINY = TypeModel.from_counts(train(
    [("coding", "Fel konto", "Raden ska konteras på konto 6540, kostnadsställe 210.")] * 3
    + [(None, "Tack", "Tack för hjälpen, allt fungerar nu. Trevlig helg!")] * 3
    + [("review_approval", "Attest", "Fakturan ska attesteras av Anna, inte Lars.")] * 3))


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> TypeModel:
    monkeypatch.setattr(typemodel, "model", lambda: TINY)
    return TINY


def test_the_packaged_model_is_trained_from_the_development_half() -> None:
    """Nobody edits the counts by hand, and nothing but tests/realmail went into them."""
    assert typemodel.MODEL_FILE.read_text(encoding="utf-8") == model_text(), \
        "core/type_model.json is stale: run python -m tests.train_type"


def test_words_are_folded_present_and_bounded() -> None:
    # presence, not counts: "tom" twice is one piece of evidence; a subject word weighs double
    assert words("Överförd", "kolumnen Overford är tom, tom") == {"kolumnen": 1, "overford": 2, "ar": 1, "tom": 1}
    long = " ".join(f"w{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}" for i in range(400))
    assert len(words("", long)) == typemodel.MAX_WORDS  # what a mail is about is said early
    huge = "konto " * 1_000_000  # a 6 MB subject is hostile: only its head counts
    start = time.process_time()
    assert words(huge, "") == {"konto": typemodel.SUBJECT_WEIGHT}
    assert time.process_time() - start < 1.0


def test_overrules_the_rules_only_when_nearly_certain(tiny: TypeModel) -> None:
    text = "Fakturan ska attesteras av Anna, inte Lars."
    assert tiny.best("Attest", text)[0] == "review_approval" and tiny.best("Attest", text)[1] >= typemodel.OVERRULE
    case_type, reason = second_opinion("coding", "keywords: konto (score 3)", "Attest", text)
    assert case_type == "review_approval"
    assert reason.startswith("word model: review_approval (") and "konto (score 3)" in reason
    # Where the rules find too few type words the model may name the type, as sure as that; where
    # they find none it says nothing (leave one writer out, it typed 2 of 21 such no-case mails).
    case_type, reason = second_opinion(None, "too few case type words", "Attest", text)
    assert case_type == "review_approval" and reason.endswith("the rules finding too few case type words")
    assert second_opinion(None, typemodel.NO_WORDS, "Attest", text) == (None, typemodel.NO_WORDS)
    assert second_opinion(None, "too few case type words", "Hello", "Lorem ipsum dolor") == (None, "too few case type words")
    # A mail of words the model has never seen gives it no certainty.
    assert second_opinion("coding", "r", "Hello", "Lorem ipsum dolor") == ("coding", "r")


def test_two_types_the_rules_score_alike_are_told_apart_when_the_model_is_sure(tiny: TypeModel) -> None:
    text = "Fakturan ska attesteras av Anna, inte Lars."
    unsure = "unsure: coding 9 or review_approval 9"
    case_type, reason = second_opinion(None, unsure, "Attest", text, tied=("coding", "review_approval"))
    assert case_type == "review_approval" and reason.startswith("word model: review_approval (") and unsure in reason
    # Only one of the two: a third type the model prefers leaves the question open.
    assert second_opinion(None, unsure, "Attest", text, tied=("coding", "administration")) == (None, unsure)
    # Nor a denied one, nor an unsure model.
    assert second_opinion(None, unsure, "Attest", text, frozenset({"review_approval"}),
                          tied=("coding", "review_approval")) == (None, unsure)
    assert second_opinion(None, unsure, "Hello", "Lorem ipsum", tied=("coding", "review_approval")) == (None, unsure)


def test_the_model_never_calls_a_mail_no_case(tiny: TypeModel) -> None:
    """Its "none" class is small and short: a long chatty mail looked like one."""
    text = "Tack för hjälpen, allt fungerar nu. Trevlig helg!"
    assert tiny.best("Tack", text)[0] is None and tiny.best("Tack", text)[1] >= typemodel.OVERRULE
    assert second_opinion("coding", "r", "Tack", text) == ("coding", "r")


def test_a_denied_type_is_never_the_models_to_give(tiny: TypeModel) -> None:
    text = "Det är inte konteringen som är fel. Raden ska konteras på konto 6540, kostnadsställe 210."
    assert tiny.best("", text)[0] == "coding"
    assert second_opinion("review_approval", "r", "", text, frozenset({"coding"})) == ("review_approval", "r")
    assert second_opinion("review_approval", "r", "", text)[0] == "coding"


def test_only_types_the_model_knows_and_the_configuration_has(tiny: TypeModel) -> None:
    text = "Raden ska konteras på konto 6540, kostnadsställe 210."
    # A type added in config.toml that the model never saw: the rules decide it.
    assert second_opinion("payments", "r", "", text) == ("payments", "r")
    # A packaged type the operator's configuration left out is never the model's answer.
    assert second_opinion("review_approval", "r", "", text, configured=frozenset({"review_approval"})) \
        == ("review_approval", "r")
    assert second_opinion("review_approval", "r", "", text, configured=frozenset({"review_approval", "coding"}))[0] \
        == "coding"


def test_detect_asks_the_model(tiny: TypeModel) -> None:
    types = parse_case_types(None, "")
    case_type, reason = detect("Coding", "Fakturan ska attesteras av Anna, inte Lars.", types)
    assert case_type == "review_approval" and reason.startswith("word model: review_approval"), reason


@pytest.fixture
def model_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Where the model is read from, in a temporary folder, read afresh by the test."""
    path = tmp_path / "type_model.json"
    monkeypatch.setattr(typemodel, "MODEL_FILE", path)
    typemodel.model.cache_clear()
    yield path
    typemodel.model.cache_clear()


def test_without_a_model_file_the_rules_decide_alone(model_file: Path) -> None:
    assert typemodel.model() is None
    assert second_opinion("coding", "r", "Tack", "Tack för hjälpen") == ("coding", "r")


@pytest.mark.parametrize("text", ["{not json", "{}", '{"types": ["coding"], "mails": [3], "words": {}}',
                                  '{"types": ["coding", "none"], "mails": [3, 0], "words": {}}',
                                  '{"types": ["coding", "none"], "mails": [3, 2], "words": {"konto": [1]}}'])
def test_a_damaged_model_file_leaves_the_rules_alone(model_file: Path, text: str) -> None:
    model_file.write_text(text, encoding="utf-8")
    assert typemodel.model() is None
    assert second_opinion("coding", "r", "Tack", "Tack för hjälpen") == ("coding", "r")


def test_words_are_bounded_without_the_callers_help() -> None:
    start = time.process_time()
    assert len(words("", "konto " * 1_000_000 + "faktura")) == 1  # 6 MB: the first 150 words only
    assert time.process_time() - start < 2.0



def test_too_few_type_words_take_a_surer_guess_than_overruling_needs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Between FEW_WORDS and OVERRULE the model names the type of a mail the rules found too few
    words in, and never overrules a type the rules found (leave-one-writer-out, typemodel.py)."""
    class Stub:
        types = ("coding", "review_approval", "none")

        @staticmethod
        def best(subject: str, text: str) -> tuple[str | None, float]:
            return "coding", (typemodel.FEW_WORDS + typemodel.OVERRULE) / 2

    monkeypatch.setattr(typemodel, "model", lambda: Stub())
    assert second_opinion(None, typemodel.TOO_FEW, "", "rad 2 på 4471-22")[0] == "coding"
    assert second_opinion(None, "an invoice sent to us to pay, not a support case", "", "x") == \
        (None, "an invoice sent to us to pay, not a support case")
    assert second_opinion("review_approval", "r", "", "rad 2 på 4471-22") == ("review_approval", "r")
