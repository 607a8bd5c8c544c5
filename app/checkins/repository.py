"""Every query of staff check-ins."""

from __future__ import annotations

import datetime as dt
import uuid
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import Insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.checkins.models import StaffCheckIn
from app.core.pagination import PageParams, paginate
from app.school.models import Group


async def school_group(
    session: AsyncSession, school_id: uuid.UUID | None, group_id: uuid.UUID
) -> Group | None:
    """The group if it belongs to ``school_id``."""
    group = await session.get(Group, group_id)
    return group if group is not None and group.school_id == school_id else None


@cache
def _insert_once() -> Insert:
    """A check-in, unless the adult already has one for that group, slot and day."""
    insert = pg_insert(cast(Table, StaffCheckIn.__table__))
    return insert.on_conflict_do_nothing(
        index_elements=[
            StaffCheckIn.user_id,
            StaffCheckIn.group_id,
            StaffCheckIn.slot_id,
            StaffCheckIn.date,
        ]
    )


async def insert_once(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert the check-in; False when it was there already (the first one stands)."""
    result = await session.execute(_insert_once().returning(StaffCheckIn.id), values)
    return result.scalar_one_or_none() is not None


async def find(
    session: AsyncSession, user_id: uuid.UUID, group: Group, day: dt.date
) -> tuple[StaffCheckIn, str]:
    """The check-in of ``user_id`` with ``group`` on ``day``, and the adult's name."""
    row = (
        await session.execute(
            select(StaffCheckIn, User.name)
            .join(User, User.id == StaffCheckIn.user_id)
            .where(
                StaffCheckIn.user_id == user_id,
                StaffCheckIn.group_id == group.id,
                StaffCheckIn.slot_id == group.slot_id,
                StaffCheckIn.date == day,
            )
        )
    ).one()
    return row[0], row[1]


def _between(school_id: uuid.UUID, first: dt.date, last: dt.date) -> Any:
    """Check-ins of the school from ``first`` to ``last``, with the adults' names, in the
    order they happened (``ix_staff_check_ins_school_date``)."""
    return (
        select(StaffCheckIn, User.name)
        .join(User, User.id == StaffCheckIn.user_id)
        .where(
            StaffCheckIn.school_id == school_id,
            StaffCheckIn.date >= first,
            StaffCheckIn.date <= last,
        )
        .order_by(StaffCheckIn.date, StaffCheckIn.checked_in_at, StaffCheckIn.id)
    )


async def between(
    session: AsyncSession, school_id: uuid.UUID, first: dt.date, last: dt.date
) -> list[tuple[StaffCheckIn, str]]:
    rows = await session.execute(_between(school_id, first, last))
    return [(check_in, name) for check_in, name in rows]


async def page(
    session: AsyncSession,
    school_id: uuid.UUID,
    params: PageParams,
    *,
    first: dt.date | None,
    last: dt.date | None,
    group_id: uuid.UUID | None,
    user_id: uuid.UUID | None,
) -> tuple[list[tuple[StaffCheckIn, str]], str | None]:
    """One page of the school's check-ins, newest first, with the adults' names."""
    stmt = select(StaffCheckIn).where(StaffCheckIn.school_id == school_id)
    if first is not None:
        stmt = stmt.where(StaffCheckIn.date >= first)
    if last is not None:
        stmt = stmt.where(StaffCheckIn.date <= last)
    if group_id is not None:
        stmt = stmt.where(StaffCheckIn.group_id == group_id)
    if user_id is not None:
        stmt = stmt.where(StaffCheckIn.user_id == user_id)
    rows, cursor = await paginate(
        session,
        stmt,
        params,
        (StaffCheckIn.date, StaffCheckIn.checked_in_at, StaffCheckIn.id),
        descending=True,
    )
    names: dict[uuid.UUID, str] = {}
    if rows:
        found = await session.execute(
            select(User.id, User.name).where(User.id.in_({r.user_id for r in rows}))
        )
        names = {user_id: name for user_id, name in found}
    return [(row, names.get(row.user_id, "")) for row in rows], cursor
