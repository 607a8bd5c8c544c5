"""Every query of the duty rota."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import STAFF_ROLES, Role, User
from app.core.pagination import PageParams, paginate
from app.duty.models import DutyHandoff, DutyShift

_STAFF_ROLE_VALUES = [r.value for r in STAFF_ROLES]


async def school_shift(
    session: AsyncSession, school_id: uuid.UUID | None, shift_id: uuid.UUID
) -> DutyShift | None:
    shift = await session.get(DutyShift, shift_id)
    return shift if shift is not None and shift.school_id == school_id else None


async def active_staff_name(
    session: AsyncSession, school_id: uuid.UUID, user_id: uuid.UUID, *, lock: bool = False
) -> str | None:
    """The name of an active staff member of the school (their row locked if asked, so two
    shifts for one person are checked for overlap one after the other)."""
    stmt = select(User.name).where(
        User.id == user_id,
        User.school_id == school_id,
        User.is_active.is_(True),
        User.roles.overlap(_STAFF_ROLE_VALUES),
    )
    if lock:
        stmt = stmt.with_for_update(key_share=True)
    return await session.scalar(stmt)


async def overlapping(session: AsyncSession, shift: DutyShift) -> bool:
    found = await session.scalar(
        select(DutyShift.id)
        .where(
            DutyShift.staff_id == shift.staff_id,
            DutyShift.date == shift.date,
            DutyShift.start_time < shift.end_time,
            DutyShift.end_time > shift.start_time,
        )
        .limit(1)
    )
    return found is not None


async def page(
    session: AsyncSession,
    school_id: uuid.UUID,
    first: dt.date,
    last: dt.date,
    params: PageParams,
) -> tuple[list[DutyShift], str | None]:
    stmt = select(DutyShift).where(
        DutyShift.school_id == school_id, DutyShift.date >= first, DutyShift.date <= last
    )
    return await paginate(
        session, stmt, params, (DutyShift.date, DutyShift.start_time, DutyShift.id)
    )


async def names(session: AsyncSession, user_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not user_ids:
        return {}
    rows = await session.execute(select(User.id, User.name).where(User.id.in_(user_ids)))
    return {user_id: name for user_id, name in rows}


async def between(
    session: AsyncSession, school_id: uuid.UUID, first: dt.date, last: dt.date
) -> list[DutyShift]:
    rows = await session.scalars(
        select(DutyShift)
        .where(DutyShift.school_id == school_id, DutyShift.date >= first, DutyShift.date <= last)
        .order_by(DutyShift.date, DutyShift.start_time, DutyShift.id)
    )
    return list(rows)


async def on_shift(
    session: AsyncSession, school_id: uuid.UUID, day: dt.date, at: dt.time
) -> list[uuid.UUID]:
    """Who is on a shift of the school covering ``at`` on ``day`` (active accounts only)."""
    rows = await session.scalars(
        select(DutyShift.staff_id)
        .join(User, User.id == DutyShift.staff_id)
        .where(
            DutyShift.school_id == school_id,
            DutyShift.date == day,
            DutyShift.start_time <= at,
            DutyShift.end_time > at,
            User.is_active.is_(True),
        )
        .order_by(DutyShift.start_time, DutyShift.id)
    )
    return list(dict.fromkeys(rows))


async def duty_staff(session: AsyncSession, school_id: uuid.UUID) -> list[uuid.UUID]:
    """The school's active duty-role staff."""
    rows = await session.scalars(
        select(User.id)
        .where(
            User.school_id == school_id,
            User.is_active.is_(True),
            User.roles.contains([Role.DUTY.value]),
        )
        .order_by(User.id)
    )
    return list(rows)


async def handoffs_of(session: AsyncSession, shift_id: uuid.UUID) -> list[DutyHandoff]:
    """The handoffs a shift gave or received, in the order they happened."""
    rows = await session.scalars(
        select(DutyHandoff)
        .where(or_(DutyHandoff.from_shift_id == shift_id, DutyHandoff.to_shift_id == shift_id))
        .order_by(DutyHandoff.at, DutyHandoff.id)
    )
    return list(rows)
