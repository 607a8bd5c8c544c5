"""The demo term: the semester around the first day the demo runs, open on that day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.demo.calendar import term_around


@pytest.mark.parametrize(
    ("today", "name", "start", "end"),
    [
        (date(2026, 11, 26), "2026—2027学年第一学期", date(2026, 9, 1), date(2027, 1, 22)),
        (date(2027, 3, 10), "2026—2027学年第二学期", date(2027, 2, 16), date(2027, 7, 3)),
        # in the holidays the coming semester opens early, today
        (date(2026, 7, 20), "2026—2027学年第一学期", date(2026, 7, 20), date(2027, 1, 22)),
        (date(2027, 2, 1), "2026—2027学年第二学期", date(2027, 2, 1), date(2027, 7, 3)),
    ],
)
def test_the_term_is_the_semester_around_today(
    today: date, name: str, start: date, end: date
) -> None:
    term = term_around(today)

    assert (term.name, term.start, term.end) == (name, start, end)
    assert term.is_service_day(today)


@pytest.mark.parametrize(
    "today",
    [date(2026, 11, 28), date(2026, 11, 29), date(2026, 10, 2), date(2027, 1, 1)],
    ids=["saturday", "sunday", "national-day", "new-year"],
)
def test_today_is_a_service_day_whatever_the_calendar_says(today: date) -> None:
    term = term_around(today)

    assert term.is_service_day(today)
    assert today not in term.closures
    # only today's weekday joins the school week
    assert set(term.weekdays) == {1, 2, 3, 4, 5, today.isoweekday()}


def test_holidays_close_the_autumn_term() -> None:
    term = term_around(date(2026, 11, 26))

    assert date(2026, 10, 1) in term.closures and date(2027, 1, 1) in term.closures
    assert not term.is_service_day(date(2026, 10, 8) - timedelta(days=1))  # 国庆 7 October
    assert term.next_service_day(date(2026, 11, 27)) == date(2026, 11, 30)  # Friday → Monday
    assert term.next_service_day(term.end) is None
