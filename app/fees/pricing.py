"""The arithmetic of fees, in integer fen: service days, waivers, pro rata, rounding.

Every division rounds half up to the fen (0.5 fen and more goes up), on integers only:
a float never touches money. Waiver fractions arrive as JSON numbers (0.5) and are read
exactly, to the ten-thousandth ("basis points" of the whole: 5000 = half).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

WHOLE_BP = 10_000


def round_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` to the nearest integer, halves up (both non-negative)."""
    if denominator <= 0 or numerator < 0:
        raise ValueError("round_half_up takes a non-negative numerator and positive denominator")
    return (2 * numerator + denominator) // (2 * denominator)


def fraction_bp(fraction: float) -> int:
    """A waiver fraction 0..1 as ten-thousandths, read from its decimal text (0.3 is 3000)."""
    exact = Decimal(str(fraction)) * WHOLE_BP
    return int(exact.to_integral_value(rounding=ROUND_HALF_UP))


def waiver_bp(flags: Iterable[str], waivers: Mapping[Any, float]) -> int:
    """The largest waiver among the child's priority flags (none: 0)."""
    return max((fraction_bp(waivers[f]) for f in flags if f in waivers), default=0)


def waived(amount_fen: int, bp: int) -> int:
    return round_half_up(amount_fen * bp, WHOLE_BP)


def share(total_fen: int, part: int, whole: int) -> int:
    """``total × part / whole``, rounded to the fen (a whole of 0 has no share)."""
    return round_half_up(total_fen * part, whole) if whole else 0


def service_days(start: date, end: date, weekdays: Iterable[int], closures: Sequence[date]) -> int:
    """Days from ``start`` to ``end`` (both included) on ``weekdays``, closures left out."""
    if end < start:
        return 0
    days = set(weekdays)
    closed = set(closures)
    count = 0
    day = start
    while day <= end:
        if day.isoweekday() in days and day not in closed:
            count += 1
        day += timedelta(days=1)
    return count


def month_bounds(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def split(total_fen: int, weights: Sequence[int]) -> list[int]:
    """``total_fen`` shared by ``weights``, to the fen, summing exactly (largest remainder)."""
    whole = sum(weights)
    if whole == 0:
        return [0] * len(weights)
    floors = [total_fen * w // whole for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total_fen * weights[i] % whole), i))
    for i in remainders[: total_fen - sum(floors)]:
        floors[i] += 1
    return floors


def yuan(fen: int) -> str:
    """Fen as yuan text for a notice: 30050 → "300.50"."""
    return f"{fen // 100}.{fen % 100:02d}"
