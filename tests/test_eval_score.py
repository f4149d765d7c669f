"""The blind evaluation's comparison rules (docs/checklist.md, "The blind evaluation"): the scorer
is what the targets are measured with, so its rules are tested like the reader's."""

from __future__ import annotations

import pytest

from tests.eval_score import compare, same_rows


@pytest.mark.parametrize(("expected", "got", "same"), [
    ("rad 3 och 4", "3, 4", True),
    ("All three rows (1-3)", "All three rows (1-3)", True),          # a range, read alike on both sides
    ("row 2 (cost centre 4410, account 5120)", "2", True),          # what the row holds is no row
    ("rad 1, konto 5460", "1", True),
    ("rows 1-3, cost centre 220", "1, 2, 3", True),
    ("ny konteringsrad för frakten (konto 5710, 1 450 kr); rad 1", "1", True),
    ("the only coding row", "1", True),
    ("both rows", "1, 2", True),
    ("rad 2", "1, 2", False),
])
def test_rows_are_compared_as_row_numbers(expected: str, got: str, same: bool) -> None:
    assert same_rows(expected, got) is same


def test_an_id_among_several_listed_and_a_flag() -> None:
    assert compare("invoice_id", "id", ["8812731", "8812764"], "8812764") == "right"
    assert compare("invoice_id", "id", ["8812731", "8812764"], "5500") == "wrong"
    assert compare("invoice_id", "id", "4471-22", "4471-22") == "right"


@pytest.mark.parametrize(("expected", "got", "outcome"), [
    (["jag själv", "Per Lindqvist"], "Per-Olof Sandberg (mig), Per Lindqvist", "right"),  # any self word is the sender
    (["myself"], "Amelia Hart (myself)", "right"),
    (["myself", "Susan Clarke"], "Natalie Brooks (I), Susan Clarke", "right"),
    (["myself"], "Oliver Pritchard", "wrong"),                                            # a name without the mark
    (["Erik Holm"], "Sofia Nilsson (mig), Erik Holm", "wrong"),                           # the sender unasked
])
def test_the_sender_as_a_user_is_any_self_word(expected: list[str], got: str, outcome: str) -> None:
    assert compare("users", "name", expected, got) == outcome


@pytest.mark.parametrize(("expected", "got", "outcome"), [
    ("No", "Nej", "right"),        # a writer may translate the column's word
    ("Yes", "Ja", "right"),
    ("empty", "tom", "right"),
    ("Yes", "Nej", "wrong"),
    ("No", "Ja", "wrong"),
])
def test_a_transferred_yes_or_no_in_either_language(expected: str, got: str, outcome: str) -> None:
    assert compare("transferred", "status", expected, got) == outcome


def test_a_slash_between_digits_is_part_of_an_id() -> None:
    """Writer x wrote invoice numbers "7702/25"; the reader read them whole and the scorer split them."""
    assert compare("invoice_examples", "ids", ["7702/25", "7698/25"], "7702/25, 7698/25") == "right"
    assert compare("users", "name", ["Anna Berg", "Bo Ek"], "Anna Berg / Bo Ek") == "right"


def test_a_persons_title_is_no_word_of_the_name() -> None:
    """The reader drops titles ("Dr", "Ms"); the writer may keep them: one person either way."""
    assert compare("users", "name", ["Dr Paul Hewitt", "Karen Lowry"], "Paul Hewitt, Karen Lowry") == "right"
    assert compare("users", "name", ["Paul Hewitt"], "Paul Hewitt, Karen Lowry") == "wrong"


def test_one_name_holding_a_separator_is_one_name() -> None:
    """The coding suggestion "El och värme" read as written is the one expected item, not "El" and
    "värme"; a list of two still counts as two."""
    assert compare("concerns", "name", ["El och värme"], "El och värme") == "right"
    assert compare("concerns", "name", ["El och värme"], "El, värme") == "wrong"
    assert compare("users", "name", ["Anna Berg", "Bo Ek"], "Anna Berg och Bo Ek") == "right"
