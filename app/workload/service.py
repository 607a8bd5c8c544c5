"""Staff workload (工作量): sessions from check-ins, overtime after the policy's time, duty
minutes from the rota, pay from the policy's rates; and the month's publication (公示).

A session is a group × slot × service day on which the person checked in (as its leader or
assistant, by hand or by taking the roll). Minutes of a slot after ``overtime_after`` are
overtime; a slot across that time is split. Pay is computed in fen and rounded half up
once per person per month (``figures.pay_fen``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.checkins import service as checkins
from app.core import audit, clock
from app.core.principal import Principal
from app.duty import service as duty
from app.school import access
from app.school import service as school_service
from app.school.models import School
from app.workload import repository
from app.workload.errors import (
    WorkloadAlreadyPublished,
    WorkloadMonthNotStarted,
    WorkloadNotPublished,
)
from app.workload.figures import StaffWorkload, minutes_between, pay_fen, split_at


def month_range(month: str) -> tuple[dt.date, dt.date]:
    """The first and last day of ``YYYY-MM``."""
    first = dt.date.fromisoformat(f"{month}-01")
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


async def school_of(session: AsyncSession, principal: Principal) -> School:
    return await repository.school(session, principal.staff_school())


async def readable(session: AsyncSession, principal: Principal, month: str) -> list[StaffWorkload]:
    """``GET /workload``: an admin reads every staff member's month, anyone else their own."""
    only = None if principal.is_school_admin else principal.id
    return await compute(session, principal.staff_school(), month, only=only)


async def compute(
    session: AsyncSession, school_id: uuid.UUID, month: str, *, only: uuid.UUID | None = None
) -> list[StaffWorkload]:
    """Every staff member's month as the records stand now (or ``only`` that person's)."""
    first, last = month_range(month)
    policy = school_service.policy_of(await repository.school(session, school_id))
    check_ins = [
        c for c in await checkins.month(session, school_id, first) if only in (None, c.user_id)
    ]
    shifts = [
        s
        for s in await duty.shifts_between(session, school_id, first, last)
        if only in (None, s.staff_id)
    ]
    worked = {c.user_id for c in check_ins} | {s.staff_id for s in shifts}
    people = {
        staff_id: StaffWorkload(staff_id, name, employment)
        for staff_id, name, employment in await repository.staff(
            session, school_id, only=only, also=worked
        )
    }
    slots = await repository.slot_times(session, {c.slot_id for c in check_ins})
    for check_in in check_ins:
        person = people.get(check_in.user_id)
        if person is None or check_in.slot_id not in slots:
            continue
        start, end = slots[check_in.slot_id]
        ordinary, overtime = split_at(start, end, policy.overtime_starts)
        person.sessions += 1
        person.session_minutes += ordinary
        person.overtime_minutes += overtime
    for shift in shifts:
        if shift.staff_id in people:
            people[shift.staff_id].duty_minutes += minutes_between(shift.start_time, shift.end_time)
    for person in people.values():
        person.pay_fen = pay_fen(
            policy.pay_rates, person.session_minutes, person.overtime_minutes, person.duty_minutes
        )
    return list(people.values())


def _item(person: StaffWorkload) -> dict[str, Any]:
    return {
        "staff_id": str(person.staff_id),
        "name": person.name,
        "employment": person.employment,
        **person.figures(),
    }


async def publish(session: AsyncSession, admin: Principal, month: str) -> dt.datetime:
    """公示: freeze the month's figures as they stand now; once per month (409 after)."""
    school_id = admin.staff_school()
    first, _ = month_range(month)
    if first > await access.school_today(session, school_id):
        raise WorkloadMonthNotStarted(field="month")
    items = [_item(p) for p in await compute(session, school_id, month)]
    published_at = clock.now()
    publication_id = uuid.uuid4()
    created = await repository.insert_publication(
        session,
        {
            "id": publication_id,
            "school_id": school_id,
            "month": month,
            "published_at": published_at,
            "published_by": admin.id,
            "items": items,
        },
    )
    if not created:
        raise WorkloadAlreadyPublished(month=month)
    await audit.record(
        session,
        action="workload.published",
        object_type="workload_publication",
        object_id=publication_id,
        actor_id=admin.id,
        school_id=school_id,
        data={"month": month, "staff": len(items), "pay_fen": sum(i["pay_fen"] for i in items)},
    )
    return published_at


@dataclass(frozen=True)
class PublishedLine:
    """A staff member's published figures and, when the records changed since, the figures
    as they stand now (the correction); published figures are never rewritten."""

    staff_id: uuid.UUID
    name: str
    employment: str
    published: dict[str, int]
    correction: dict[str, int] | None


async def published(
    session: AsyncSession, principal: Principal, month: str
) -> tuple[dt.datetime, list[PublishedLine]]:
    """The month as published, every staff member's line, with corrections beside it (any
    staff member of the school reads it: it is the school's 公示)."""
    school_id = principal.staff_school()
    publication = await repository.publication(session, school_id, month)
    if publication is None:
        raise WorkloadNotPublished(month=month)
    now = {p.staff_id: p for p in await compute(session, school_id, month)}
    zero = StaffWorkload(uuid.UUID(int=0), "", "").figures()
    lines = []
    for item in publication.items:
        staff_id = uuid.UUID(item["staff_id"])
        figures = {k: item[k] for k in zero}
        current = now.pop(staff_id, None)
        current_figures = current.figures() if current is not None else zero
        lines.append(
            PublishedLine(
                staff_id,
                item["name"],
                item["employment"],
                figures,
                None if current_figures == figures else current_figures,
            )
        )
    # Someone whose work was recorded after publication: published as nothing, corrected.
    for person in now.values():
        if person.figures() != zero:
            lines.append(
                PublishedLine(
                    person.staff_id, person.name, person.employment, zero, person.figures()
                )
            )
    return publication.published_at, lines
