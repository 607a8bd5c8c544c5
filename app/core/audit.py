"""The audit trail: who did what to which object, when and from where.

``record`` writes the event in the caller's transaction, so it commits or rolls back with
the change it describes.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Index, String, Table, insert
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock, context
from app.core.models import Base, IdMixin


class AuditEvent(IdMixin, Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_object", "object_type", "object_id", "created_at"),
        Index("ix_audit_events_school_created", "school_id", "created_at"),
    )

    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    school_id: Mapped[uuid.UUID | None]
    actor_id: Mapped[uuid.UUID | None]
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[uuid.UUID | None]
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    request_id: Mapped[str | None] = mapped_column(String(64))


# A Core insert: no ORM insert path for the row nobody reads back.
_TABLE = cast(Table, AuditEvent.__table__)
_INSERT = insert(_TABLE)


def _event(
    action: str,
    object_type: str,
    object_id: uuid.UUID | None,
    actor_id: uuid.UUID | None,
    school_id: uuid.UUID | None,
    data: dict[str, Any] | None,
) -> dict[str, Any]:
    """An event's row: the change's facts, the clock, and where the request came from."""
    ctx = context.current()
    return {
        "id": uuid.uuid4(),
        "created_at": clock.now(),
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "actor_id": actor_id,
        "school_id": school_id,
        "data": data or {},
        "ip": ctx.ip if ctx else None,
        "user_agent": ctx.user_agent if ctx else None,
        "request_id": ctx.request_id if ctx else None,
    }


async def record(
    session: AsyncSession,
    *,
    action: str,
    object_type: str,
    object_id: uuid.UUID | None,
    actor_id: uuid.UUID | None,
    school_id: uuid.UUID | None,
    data: dict[str, Any] | None = None,
) -> uuid.UUID:
    """Write an audit event in the current transaction. Returns the event's id.

    A plain INSERT rather than an object for the unit of work: every change writes one, so
    it takes the cheapest way in. (It does not flush the session first; the table has no
    foreign keys, so the order among the transaction's writes does not matter.)
    """
    event = _event(action, object_type, object_id, actor_id, school_id, data)
    await session.execute(_INSERT, event)
    return cast(uuid.UUID, event["id"])
