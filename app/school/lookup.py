"""Finding a school's rows: by id, addressed in a path (404) or named in a body (422); by page."""

from __future__ import annotations

import uuid
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Invalid, NotFound
from app.school.models import Group, SchoolClass, Slot, Student, Term

M = TypeVar("M", Term, Slot, SchoolClass, Group, Student)
T = TypeVar("T")


async def in_school(
    session: AsyncSession,
    model: type[M],
    object_id: uuid.UUID,
    school_id: uuid.UUID,
    code: str,
    *,
    lock: bool = False,
) -> M:
    """The row if it belongs to ``school_id``; another school's row looks like no row (404)."""
    found = await session.get(
        model, object_id, with_for_update=True if lock else None, populate_existing=lock
    )
    if found is None or found.school_id != school_id:
        raise NotFound(code)
    return found


async def referenced(
    session: AsyncSession,
    model: type[M],
    object_id: uuid.UUID,
    school_id: uuid.UUID,
    code: str,
    *,
    field: str,
    lock: bool = False,
) -> M:
    """The row a body names in ``field``; unknown or another school's: 422 on that field."""
    try:
        return await in_school(session, model, object_id, school_id, code, lock=lock)
    except NotFound as exc:
        raise Invalid(code, field=field) from exc
