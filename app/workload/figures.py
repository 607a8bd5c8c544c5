"""How a month's work becomes minutes and pay: the overtime split and the rounding rule."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from app.school.policy import PayRates


def _minute_of_day(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def split_at(start: dt.time, end: dt.time, overtime_after: dt.time) -> tuple[int, int]:
    """The minutes of ``start``–``end`` before and after ``overtime_after``: a 16:00–17:30
    slot with overtime after 16:30 is 30 ordinary minutes and 60 overtime."""
    s, e, o = _minute_of_day(start), _minute_of_day(end), _minute_of_day(overtime_after)
    return max(0, min(e, o) - s), max(0, e - max(s, o))


def minutes_between(start: dt.time, end: dt.time) -> int:
    return max(0, _minute_of_day(end) - _minute_of_day(start))


def pay_fen(rates: PayRates, session: int, overtime: int, duty: int) -> int:
    """A person's month of minutes at the hourly rates, in fen: summed exactly, then rounded
    half up once per person per month (never per session, so no fen is lost to rounding)."""
    exact_sixtieths = (
        session * rates.session_hour_fen
        + overtime * rates.overtime_hour_fen
        + duty * rates.duty_hour_fen
    )
    return (exact_sixtieths + 30) // 60


@dataclass
class StaffWorkload:
    """One staff member's month."""

    staff_id: uuid.UUID
    name: str
    employment: str
    sessions: int = 0
    session_minutes: int = 0
    overtime_minutes: int = 0
    duty_minutes: int = 0
    pay_fen: int = 0

    def figures(self) -> dict[str, int]:
        """What publication freezes and corrections compare."""
        return {
            "sessions": self.sessions,
            "session_minutes": self.session_minutes,
            "overtime_minutes": self.overtime_minutes,
            "duty_minutes": self.duty_minutes,
            "pay_fen": self.pay_fen,
        }
