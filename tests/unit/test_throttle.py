"""Fixed-window rate limits counted in this process's memory, with the clock passed in."""

from __future__ import annotations

import pytest

from bakery.throttle import Budget, Limit, MemoryWindows, Refused, parse_limits


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_limits_parse_from_the_usual_notation():
    assert parse_limits("10 per minute;1000/day") == (Limit(10, 60), Limit(1000, 86400))
    assert parse_limits("") == ()
    with pytest.raises(ValueError):
        parse_limits("lots")


def test_a_client_is_refused_past_the_limit_until_the_window_ends():
    clock = Clock(60 * 16_666 + 20.0)  # 20 s into a minute window
    budget = Budget("login", [Limit(3, 60)], MemoryWindows(), "t", clock=clock)
    for _ in range(3):
        budget.spend("10.0.0.1")
    with pytest.raises(Refused) as refused:
        budget.spend("10.0.0.1")
    assert refused.value.retry_after == 40
    budget.spend("10.0.0.2")  # another client has a budget of its own
    clock.now += 40
    budget.spend("10.0.0.1")  # a new window


def test_every_limit_of_a_budget_applies():
    clock = Clock(0.0)
    budget = Budget("api", [Limit(5, 1), Limit(7, 60)], MemoryWindows(), "t", clock=clock)
    for second in range(7):
        clock.now = float(second)
        budget.spend("c")
    clock.now = 8.0
    with pytest.raises(Refused) as refused:
        budget.spend("c")
    assert refused.value.limit == Limit(7, 60)


def test_a_workers_share_of_the_budget_keeps_the_machine_within_it():
    budget = Budget("api", [Limit(10, 60)], MemoryWindows(), "t", share=2, clock=Clock(0.0))
    for _ in range(5):
        budget.spend("c")
    with pytest.raises(Refused):
        budget.spend("c")


def test_a_failing_store_lets_requests_through():
    class Broken:
        def hit(self, key: str, seconds: int, window: int) -> int:
            raise ConnectionError("down")

    Budget("api", [Limit(1, 60)], Broken(), "t").spend("c")
    Budget("api", [Limit(1, 60)], Broken(), "t").spend("c")
