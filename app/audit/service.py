"""Reading a school's audit trail (writing it is ``app.core.audit.record``), and the read log.

The read log records each staff request that read children's records: every router that
shows a child to staff calls ``record_read`` (the guardians' data rights show it back).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import repository
from app.audit.models import StudentRecordRead
from app.audit.schemas import AuditEventOut, RecordReadOut
from app.auth.models import User
from app.core import clock
from app.core.audit import AuditEvent
from app.core.pagination import PageParams, paginate
from app.core.personal_data import Section, rows
from app.core.principal import STAFF_ROLES, Principal
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


async def _personal_data(
    session: AsyncSession, user_id: uuid.UUID, student_ids: Sequence[uuid.UUID]
) -> dict[str, Any]:
    """What the audit trail holds of the guardian's own actions and of their account."""
    events = await rows(
        session,
        select(
            AuditEvent.created_at,
            AuditEvent.action,
            AuditEvent.object_type,
            AuditEvent.object_id,
            AuditEvent.data,
            AuditEvent.ip,
        )
        .where(or_(AuditEvent.actor_id == user_id, AuditEvent.object_id == user_id))
        .order_by(AuditEvent.created_at, AuditEvent.id),
    )
    return {"activity": events}


PERSONAL_DATA = Section("activity", ("audit_events",), _personal_data)


async def pseudonymise(
    session: AsyncSession,
    user_id: uuid.UUID,
    identifiers: set[str],
    pseudonym: str,
    *,
    about: Sequence[uuid.UUID] = (),
) -> int:
    """In events by or about ``user_id``, and about the objects ``about`` (the handovers
    they collected), every value equal to one of ``identifiers`` (their name, phone) becomes
    ``pseudonym``. The events stay: the school must keep them."""
    identifiers = {i for i in identifiers if i}
    objects = [user_id, *about]
    events = (
        await session.scalars(
            select(AuditEvent).where(
                or_(AuditEvent.actor_id == user_id, AuditEvent.object_id.in_(objects))
            )
        )
    ).all()
    changed = 0
    for event in events:
        data = _replaced(event.data, identifiers, pseudonym)
        if data != event.data:
            event.data = data
            changed += 1
    await session.flush()
    return changed


def _replaced(value: Any, identifiers: set[str], pseudonym: str) -> Any:
    if isinstance(value, str):
        return pseudonym if value in identifiers else value
    if isinstance(value, dict):
        return {k: _replaced(v, identifiers, pseudonym) for k, v in value.items()}
    if isinstance(value, list):
        return [_replaced(v, identifiers, pseudonym) for v in value]
    return value


# ---------------------------------------------------------------------------- the read log


async def record_read(
    session: AsyncSession, principal: Principal, endpoint: str, student_ids: Sequence[uuid.UUID]
) -> None:
    """Log that a staff member read these children's records (one row for the whole list).

    Parents reading their own children are not logged; nor is a read of no one. Call it
    from read requests only: its commit does not wait for the disk (``repository.LOG_READ``).
    """
    if not student_ids or not any(r.value in principal.roles for r in STAFF_ROLES):
        return
    await session.execute(
        repository.LOG_READ,
        {
            "id": uuid.uuid4(),
            "school_id": principal.school_id,
            "actor_id": principal.id,
            "endpoint": endpoint,
            "student_ids": list(dict.fromkeys(student_ids)),
            "read_at": clock.now(),
        },
    )


async def record_reads(
    session: AsyncSession, student_id: uuid.UUID, page: PageParams
) -> Page[RecordReadOut]:
    """Who read the child's record, newest first."""
    found, cursor = await paginate(
        session,
        repository.reads_of(student_id),
        page,
        (StudentRecordRead.read_at, StudentRecordRead.id),
        descending=True,
    )
    actors = {r.actor_id for r in found}
    names: dict[uuid.UUID, str] = {
        i: n for i, n in await session.execute(repository.names_of(actors))
    }
    return Page[RecordReadOut](
        items=[
            RecordReadOut(
                id=read.id,
                actor_id=read.actor_id,
                actor_name=names.get(read.actor_id),
                endpoint=read.endpoint,
                read_at=read.read_at,
                children_read=len(read.student_ids),
            )
            for read in found
        ],
        next_cursor=cursor,
    )
