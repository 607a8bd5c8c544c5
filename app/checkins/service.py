"""Staff check-ins: by hand on the day, and by taking a group's roll call.

A later domain (workload pay) counts them: ``month`` lists a school's check-ins of a month.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.checkins import repository
from app.checkins.errors import (
    CheckInGroupNotFound,
    CheckInNotGroupStaff,
    CheckInNotToday,
    CheckInOthersForbidden,
    CheckInRangeInvalid,
    CheckInSlotMismatch,
)
from app.checkins.models import CheckInSource, StaffCheckIn
from app.checkins.schemas import CheckInIn
from app.core import audit, clock
from app.core.pagination import PageParams
from app.core.principal import Principal
from app.school import access
from app.school import service as school
from app.school.models import Group
from app.staff import service as staff


@dataclass(frozen=True)
class CheckIn:
    """A check-in with the name of the adult who made it."""

    id: uuid.UUID
    school_id: uuid.UUID
    group_id: uuid.UUID
    slot_id: uuid.UUID
    date: dt.date
    user_id: uuid.UUID
    user_name: str
    checked_in_at: dt.datetime
    source: CheckInSource

    @classmethod
    def of(cls, row: StaffCheckIn, user_name: str) -> CheckIn:
        return cls(
            row.id,
            row.school_id,
            row.group_id,
            row.slot_id,
            row.date,
            row.user_id,
            user_name,
            row.checked_in_at,
            CheckInSource(row.source),
        )


async def school_group(session: AsyncSession, principal: Principal, group_id: uuid.UUID) -> Group:
    """A group of the caller's school, else 404."""
    group = await repository.school_group(session, principal.school_id, group_id)
    if group is None:
        raise CheckInGroupNotFound()
    return group


def ensure_staff_of(principal: Principal, group: Group) -> None:
    """Only the group's own staff check in with it (an admin too only when they staff it)."""
    if principal.id not in school.group_staff_ids(group):
        raise CheckInNotGroupStaff()


async def check_in(
    session: AsyncSession, principal: Principal, group: Group, body: CheckInIn
) -> tuple[CheckIn, bool]:
    """Check the caller in with ``group`` today; a repeat answers with the first check-in.
    Returns the check-in and whether this call made it."""
    if body.slot_id != group.slot_id:
        raise CheckInSlotMismatch(field="slot_id")
    today = await access.school_today(session, group.school_id)
    await staff.ensure_vetting_valid(session, principal.id, today)
    if body.date != today:
        raise CheckInNotToday(field="date", today=today.isoformat())
    created = await _record(session, group, body.date, principal.id, CheckInSource.MANUAL)
    return CheckIn.of(*await repository.find(session, principal.id, group, body.date)), created


async def check_in_by_roll_call(
    session: AsyncSession, group: Group, day: dt.date, user_id: uuid.UUID
) -> None:
    """The roll call's taker is checked in (idempotent: an earlier check-in stands)."""
    await _record(session, group, day, user_id, CheckInSource.ROLL_CALL)


async def _record(
    session: AsyncSession,
    group: Group,
    day: dt.date,
    user_id: uuid.UUID,
    source: CheckInSource,
) -> bool:
    check_in_id = uuid.uuid4()
    created = await repository.insert_once(
        session,
        {
            "id": check_in_id,
            "school_id": group.school_id,
            "group_id": group.id,
            "slot_id": group.slot_id,
            "user_id": user_id,
            "date": day,
            "checked_in_at": clock.now(),
            "source": source.value,
        },
    )
    if created:
        await audit.record(
            session,
            action="staff.checked_in",
            object_type="staff_check_in",
            object_id=check_in_id,
            actor_id=user_id,
            school_id=group.school_id,
            data={"group_id": str(group.id), "date": day.isoformat(), "source": source.value},
        )
    return created


async def listing(
    session: AsyncSession,
    principal: Principal,
    params: PageParams,
    *,
    first: dt.date | None = None,
    last: dt.date | None = None,
    group_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
) -> tuple[list[CheckIn], str | None]:
    """The school's check-ins, newest first: an admin reads everyone's, a teacher their own
    (asking for another adult's: 403)."""
    if not principal.is_school_admin:
        if user_id not in (None, principal.id):
            raise CheckInOthersForbidden()
        user_id = principal.id
    if first is not None and last is not None and last < first:
        raise CheckInRangeInvalid(field="to")
    rows, cursor = await repository.page(
        session,
        principal.staff_school(),
        params,
        first=first,
        last=last,
        group_id=group_id,
        user_id=user_id,
    )
    return [CheckIn.of(*row) for row in rows], cursor


async def between(
    session: AsyncSession, school_id: uuid.UUID, first: dt.date, last: dt.date
) -> list[CheckIn]:
    """The school's check-ins from ``first`` to ``last``, in the order they happened."""
    return [CheckIn.of(*row) for row in await repository.between(session, school_id, first, last)]


async def month(session: AsyncSession, school_id: uuid.UUID, first_day: dt.date) -> list[CheckIn]:
    """The school's check-ins in the month of ``first_day`` (for workload and pay)."""
    start = first_day.replace(day=1)
    following = (start + dt.timedelta(days=32)).replace(day=1)
    return await between(session, school_id, start, following - dt.timedelta(days=1))


async def names_by_group(
    session: AsyncSession, school_id: uuid.UUID, day: dt.date
) -> dict[uuid.UUID, list[str]]:
    """Who checked in with each group on ``day``, in the order they came."""
    names: dict[uuid.UUID, list[str]] = defaultdict(list)
    for check_in in await between(session, school_id, day, day):
        if check_in.user_name not in names[check_in.group_id]:
            names[check_in.group_id].append(check_in.user_name)
    return names
