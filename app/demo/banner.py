"""What ``kehou serve --demo`` prints on start: the docs, the demo school and its logins."""

from __future__ import annotations

import unicodedata
from datetime import date

from app.demo import cast
from app.demo.seed import DemoSchool

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# The order a school reads its enrollments in.
_STATUS_ORDER = (
    "active",
    "pending_class_review",
    "pending_school_review",
    "waitlisted",
    "withdrawal_pending",
    "withdrawn",
    "rejected",
    "cancelled",
)


def _width(text: str) -> int:
    """Terminal columns: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _day(day: date) -> str:
    return f"{day.isoformat()} ({_DAY_NAMES[day.weekday()]})"


def _weekdays(days: list[int]) -> str:
    if days and days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        return f"{_DAY_NAMES[days[0] - 1]}–{_DAY_NAMES[days[-1] - 1]}"
    return ", ".join(_DAY_NAMES[d - 1] for d in days)


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  " + "  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip()
        for row in rows
    ]


def banner(demo: DemoSchool, docs_url: str, *, reset_hint: str) -> str:
    """The demo school in a few lines and the table of logins, for the terminal."""
    seeded = "seeded just now" if demo.created else "already seeded; left as it is"
    enrollments = ", ".join(
        f"{demo.enrollments[s]} {s}" for s in _STATUS_ORDER if demo.enrollments.get(s)
    )
    if demo.service_day:
        today = f"today, {_day(demo.today)}, is a service day"
    else:
        today = (
            f"today, {_day(demo.today)}, is NOT a service day of the demo term: rosters are "
            f"empty and the gate hands nobody over. To rebuild the demo around today: "
            f"{reset_hint}"
        )
    lines = [
        "",
        f"Demo school {demo.name} ({seeded})",
        f"  {demo.term_name}: {demo.term_start} – {demo.term_end}, "
        f"{_weekdays(demo.term_weekdays)}; {today}",
        f"  {demo.students} students in {demo.classes} classes; enrollments: {enrollments}",
        *(
            [
                f"  District {demo.district_name} (login `district`): this school and "
                f"{demo.second_school_name} ({demo.second_school_id})"
            ]
            if demo.district_name
            else []
        ),
        f"  API docs: {docs_url}  (Authorize: paste the access_token of POST /api/v1/auth/login)",
        '  A school day step by step with curl: README.md, "A school day, step by step"',
        "",
        f"  Every demo login has the password {cast.PASSWORD} (parents log in with their phone)",
        *_table(
            [
                ("username", "role", "who", "try"),
                *((a.username, a.role, a.who, a.to_try) for a in cast.LOGINS),
            ]
        ),
        "",
    ]
    return "\n".join(lines)
