"""The arithmetic of fees on integers: rounding half up, waivers, shares, service days."""

from __future__ import annotations

from datetime import date

import pytest

from app.fees import pricing


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(0, 7, 0), (1, 2, 1), (3, 2, 2), (5, 10, 1), (4, 10, 0), (14, 10, 1), (15, 10, 2)],
)
def test_round_half_up(numerator: int, denominator: int, expected: int) -> None:
    assert pricing.round_half_up(numerator, denominator) == expected


def test_waivers_are_read_exactly_and_the_largest_applies() -> None:
    assert pricing.fraction_bp(0.3) == 3000  # 0.3 × 10000 in floats is 2999.999…
    assert pricing.fraction_bp(0.0001) == 1
    assert pricing.fraction_bp(1) == 10_000
    waivers = {"low_income": 0.5, "migrant": 0.3}
    assert pricing.waiver_bp(["migrant", "low_income"], waivers) == 5000
    assert pricing.waiver_bp(["left_behind"], waivers) == 0
    assert pricing.waived(33_333, 5000) == 16_667  # 16 666.5 up
    assert pricing.waived(33_333, 3000) == 10_000  # 9 999.9


def test_a_split_adds_up_to_the_fen() -> None:
    assert pricing.split(30_303, [13_333, 20_000]) == [12_121, 18_182]
    assert pricing.split(1, [1, 1, 1]) == [1, 0, 0]
    assert pricing.split(100, [0, 0]) == [0, 0]
    for total in range(0, 200, 7):
        assert sum(pricing.split(total, [3, 5, 11])) == total


def test_service_days_skip_weekends_and_closures() -> None:
    september = (date(2026, 9, 1), date(2026, 9, 30))
    assert pricing.service_days(*september, [1, 2, 3, 4, 5], []) == 22
    assert pricing.service_days(*september, [1, 2, 3, 4, 5], [date(2026, 9, 28)]) == 21
    assert pricing.service_days(*september, [6], []) == 4
    assert pricing.service_days(date(2026, 9, 2), date(2026, 9, 1), [1, 2, 3, 4, 5], []) == 0


def test_yuan_and_month_bounds() -> None:
    assert pricing.yuan(30_050) == "300.50" and pricing.yuan(7) == "0.07"
    assert pricing.month_bounds(date(2027, 2, 14)) == (date(2027, 2, 1), date(2027, 2, 28))
    assert pricing.month_bounds(date(2026, 12, 31)) == (date(2026, 12, 1), date(2026, 12, 31))
