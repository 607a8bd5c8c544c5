"""The demo term: the semester around a date, with its holidays, always open on that date."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

SCHOOL_WEEK = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class TermPlan:
    name: str
    start: date
    end: date
    weekdays: tuple[int, ...]
    closures: tuple[date, ...]
    school_year: int  # the year the school year began (in September)

    def is_service_day(self, day: date) -> bool:
        return (
            self.start <= day <= self.end
            and day.isoweekday() in self.weekdays
            and day not in self.closures
        )

    def next_service_day(self, after: date) -> date | None:
        day = after + timedelta(days=1)
        while day <= self.end:
            if self.is_service_day(day):
                return day
            day += timedelta(days=1)
        return None


def _days(first: date, count: int) -> tuple[date, ...]:
    return tuple(first + timedelta(days=n) for n in range(count))


def _autumn(year: int) -> TermPlan:
    return TermPlan(
        name=f"{year}—{year + 1}学年第一学期",
        start=date(year, 9, 1),
        end=date(year + 1, 1, 22),
        weekdays=SCHOOL_WEEK,
        # 国庆节 and 元旦
        closures=(*_days(date(year, 10, 1), 7), date(year + 1, 1, 1)),
        school_year=year,
    )


def _spring(year: int) -> TermPlan:
    return TermPlan(
        name=f"{year}—{year + 1}学年第二学期",
        start=date(year + 1, 2, 16),
        end=date(year + 1, 7, 3),
        weekdays=SCHOOL_WEEK,
        # 清明节 and 劳动节
        closures=(date(year + 1, 4, 5), *_days(date(year + 1, 5, 1), 5)),
        school_year=year,
    )


def term_around(today: date) -> TermPlan:
    """The semester running on ``today``, shaped so that today is a service day.

    A newcomer tries the walkthrough on whatever day they install Kehou, so: in the holidays
    the coming semester starts today, a weekend day joins the service days, and today is
    never one of the closures.
    """
    semesters = sorted(
        (t(year) for year in (today.year - 1, today.year) for t in (_autumn, _spring)),
        key=lambda t: t.start,
    )
    term = next((t for t in semesters if t.start <= today <= t.end), None)
    if term is None:  # between two semesters: the next one opens early
        term = replace(next(t for t in semesters if t.start > today), start=today)
    weekdays = tuple(sorted({*term.weekdays, today.isoweekday()}))
    closures = tuple(d for d in term.closures if term.start <= d <= term.end and d != today)
    return replace(term, weekdays=weekdays, closures=closures)
