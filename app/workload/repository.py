"""Every query of the workload: who the school's staff are, slot times, publications."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import STAFF_ROLES, User
from app.school.models import School, Slot
from app.workload.models import WorkloadPublication

_STAFF_ROLE_VALUES = [r.value for r in STAFF_ROLES]


async def staff(
    session: AsyncSession,
    school_id: uuid.UUID,
    *,
    only: uuid.UUID | None,
    also: Collection[uuid.UUID],
) -> list[tuple[uuid.UUID, str, str]]:
    """(id, name, employment) of the school's active staff and of anyone in ``also`` (who
    worked in the month), by name; just ``only`` when given."""
    stmt = select(User.id, User.name, User.employment).where(User.school_id == school_id)
    if only is not None:
        stmt = stmt.where(User.id == only)
    else:
        stmt = stmt.where(
            or_(
                (User.is_active.is_(True) & User.roles.overlap(_STAFF_ROLE_VALUES)),
                User.id.in_(list(also)),
            )
        )
    rows = await session.execute(stmt.order_by(User.name, User.id))
    return [(r[0], r[1], r[2]) for r in rows]


async def slot_times(
    session: AsyncSession, slot_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Any]:
    if not slot_ids:
        return {}
    rows = await session.execute(
        select(Slot.id, Slot.start_time, Slot.end_time).where(Slot.id.in_(list(slot_ids)))
    )
    return {slot_id: (start, end) for slot_id, start, end in rows}


async def school(session: AsyncSession, school_id: uuid.UUID) -> School:
    return await session.get_one(School, school_id)


async def insert_publication(session: AsyncSession, values: dict[str, Any]) -> bool:
    """The month's publication, unless there is one already (the first stands)."""
    result = await session.execute(
        pg_insert(WorkloadPublication)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=[WorkloadPublication.school_id, WorkloadPublication.month]
        )
        .returning(WorkloadPublication.id)
    )
    return result.scalar_one_or_none() is not None


async def publication(
    session: AsyncSession, school_id: uuid.UUID, month: str
) -> WorkloadPublication | None:
    return await session.scalar(
        select(WorkloadPublication).where(
            WorkloadPublication.school_id == school_id, WorkloadPublication.month == month
        )
    )
