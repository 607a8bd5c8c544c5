"""Queries of notifications beyond the inbox write: pushes of existing notices, coalescing."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.notifications.models import Notification, PushCoalescing


async def unread_count_of_kind(session: AsyncSession, user_id: uuid.UUID, kind: str) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.kind == kind,
            Notification.read_at.is_(None),
        )
    )
    return int(count or 0)


_PUSH = text(
    """
INSERT INTO notification_outbox
    (id, notification_id, device_id, status, attempts, next_attempt_at, created_at)
SELECT gen_random_uuid(), notifications.id, devices.id, 'pending', 0, :now, :now
FROM notifications JOIN devices ON devices.user_id = notifications.user_id AND devices.active
WHERE notifications.id = :notification_id
"""
).bindparams(bindparam("now", type_=DateTime(timezone=True)))


async def push(session: AsyncSession, notification_id: uuid.UUID, now: datetime) -> None:
    """Queue a push of an inbox entry to every active device of its owner."""
    await session.execute(_PUSH, {"notification_id": notification_id, "now": now})


async def lock_coalescing(session: AsyncSession, user_id: uuid.UUID, kind: str) -> PushCoalescing:
    """The user's coalescing row for ``kind``, created if new, locked for this transaction."""
    await session.execute(
        pg_insert(PushCoalescing)
        .values(user_id=user_id, kind=kind)
        .on_conflict_do_nothing(index_elements=["user_id", "kind"])
    )
    state = await session.scalar(
        select(PushCoalescing)
        .where(PushCoalescing.user_id == user_id, PushCoalescing.kind == kind)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert state is not None
    return state


async def held_due(session: AsyncSession, pushed_before: datetime) -> list[PushCoalescing]:
    """Held rows whose last push is older than ``pushed_before``, claimed SKIP LOCKED."""
    rows = await session.scalars(
        select(PushCoalescing)
        .where(
            PushCoalescing.held_since.is_not(None),
            PushCoalescing.last_push_at <= pushed_before,
        )
        .order_by(PushCoalescing.held_since)
        .limit(500)
        .with_for_update(skip_locked=True)
    )
    return list(rows)


async def newest_unread(session: AsyncSession, user_id: uuid.UUID, kind: str) -> uuid.UUID | None:
    return await session.scalar(
        select(Notification.id)
        .where(
            Notification.user_id == user_id,
            Notification.kind == kind,
            Notification.read_at.is_(None),
        )
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(1)
    )
