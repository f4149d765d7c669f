"""Sign-in rate limits: a sliding window per key."""

from __future__ import annotations

from web.limits import PER_ADDRESS, PER_CLIENT, Window


def test_a_window_allows_its_limit_then_refuses_until_time_passes() -> None:
    now = [1000.0]
    window = Window(3, 60, clock=lambda: now[0])
    assert [window.allow("a") for _ in range(4)] == [True, True, True, False]
    assert window.allow("b")
    now[0] += 59
    assert not window.allow("a")
    now[0] += 1.5
    assert window.allow("a")


def test_the_documented_limits() -> None:
    assert PER_ADDRESS == (5, 3600.0)
    assert PER_CLIENT == (20, 600.0)
