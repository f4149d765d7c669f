"""notify/greeting.py: greet by first name only when the display name looks like a person's."""

from __future__ import annotations

import pytest

from notify.greeting import first_name


@pytest.mark.parametrize("display, expected", [
    ("Dana Frost", "Dana"),
    ("Åsa Lind", "Åsa"),
    ("Lind, Åsa", "Åsa"),
    ("Frost, Dana M.", "Dana"),
    ("DANA FROST", "Dana"),
    ("anna-karin berg", "Anna-Karin"),
    ("Dr. Dana Frost", "Dana"),
    ("Dana Frost (Acme Foods)", "Dana"),
    ("  Dana   Frost ", "Dana"),
    ("Dana", "Dana"),
    ("Ørjan Ødegård", "Ørjan"),
    ("Seán O'Brien", "Seán"),
])
def test_a_persons_name_gives_the_first_name(display: str, expected: str) -> None:
    assert first_name(display) == expected


@pytest.mark.parametrize("display", [
    None, "", "   ", "Support Team", "Ekonomi", "Ekonomiavdelningen", "Acme AB", "Accounts Payable",
    "Kundtjänst Acme", "dana.frost@example-foods.com", "'dana@example.com'", "Dana <dana@x.com>",
    "D. Frost", "D Frost", "Team 7", "=?utf-8?q?Dana?=", "No-Reply", "IT Support", "Fakturor",
    "Frost, Dana, Acme", "info", "Invoice Department", "Lind, Ekonomi", "x" * 100,
    "Dana Frost Maria Lind Berg", "dANA frost", "Dana\u202eFrost", "Dana 2nd",
])
def test_anything_else_gets_the_neutral_greeting(display: str | None) -> None:
    assert first_name(display) is None
