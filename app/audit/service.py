"""Reading a school's audit trail (writing it is ``app.core.audit.record``)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.schemas import AuditEventOut
from app.auth.models import User
from app.core.audit import AuditEvent
from app.core.pagination import PageParams, paginate
from app.core.schemas import Page


async def list_events(
    session: AsyncSession,
    *,
    school_id: uuid.UUID,
    page: PageParams,
    object_type: str | None = None,
    object_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    action: str | None = None,
) -> Page[AuditEventOut]:
    """The school's events, newest first; other schools' events never appear."""
    stmt = select(AuditEvent).where(AuditEvent.school_id == school_id)
    if object_type is not None:
        stmt = stmt.where(AuditEvent.object_type == object_type)
    if object_id is not None:
        stmt = stmt.where(AuditEvent.object_id == object_id)
    if actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if action is not None:
        stmt = stmt.where(AuditEvent.action == action)
    events, cursor = await paginate(
        session, stmt, page, (AuditEvent.created_at, AuditEvent.id), descending=True
    )
    actors = {e.actor_id for e in events if e.actor_id is not None}
    names: dict[uuid.UUID, str] = {}
    if actors:
        rows = await session.execute(select(User.id, User.name).where(User.id.in_(actors)))
        names = {user_id: name for user_id, name in rows}
    items = [
        AuditEventOut.model_validate(e).model_copy(
            update={"actor_name": names.get(e.actor_id) if e.actor_id else None}
        )
        for e in events
    ]
    return Page[AuditEventOut](items=items, next_cursor=cursor)
