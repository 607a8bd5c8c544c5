"""Notify users inside a domain transaction, and read and mark one's inbox."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.pagination import PageParams, paginate
from app.notifications import devices
from app.notifications import errors as _errors  # noqa: F401  (registers the messages)
from app.notifications.models import Notification, OutboxMessage, PushStatus
from app.notifications.templates import TEMPLATES, render


async def notify(
    session: AsyncSession,
    *,
    recipients: Iterable[uuid.UUID],
    kind: str,
    params: dict[str, Any],
    data: dict[str, Any],
    dedupe_key: str | None = None,
) -> list[uuid.UUID]:
    """Write one inbox entry per recipient and one outbox row per active device of each.

    Runs in the caller's transaction: if the change rolls back, so does the notice.
    With ``dedupe_key`` ("absent:<student>:<slot>:<date>"), a recipient who already has a
    notification with that key gets nothing new. Returns the ids of the new notifications.
    """
    if kind not in TEMPLATES:
        raise ValueError(f"unknown notification kind {kind!r}")
    users = list(dict.fromkeys(recipients))
    if not users:
        return []
    title, body = render(kind, params)
    now = clock.now()
    # ids and dates in ``data`` become strings, as a client reading JSON will see them
    data = json.loads(json.dumps(data, default=str))
    rows = [
        {
            "id": uuid.uuid4(),
            "user_id": user_id,
            "kind": kind,
            "title": title,
            "body": body,
            "data": data,
            "dedupe_key": dedupe_key,
            "created_at": now,
        }
        for user_id in users
    ]
    stmt = pg_insert(Notification).values(rows)
    if dedupe_key is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=["user_id", "dedupe_key"])
    created = (await session.execute(stmt.returning(Notification.id, Notification.user_id))).all()
    if not created:
        return []

    notified = [user_id for _, user_id in created]
    await devices.adopt_wechat_openids(session, notified)
    addresses = await devices.active_devices(session, notified)
    pushes = [
        {
            "id": uuid.uuid4(),
            "notification_id": notification_id,
            "device_id": device_id,
            "status": PushStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for notification_id, user_id in created
        for device_id in addresses.get(user_id, [])
    ]
    if pushes:
        await session.execute(insert(OutboxMessage), pushes)
    return [notification_id for notification_id, _ in created]


async def list_inbox(
    session: AsyncSession, user_id: uuid.UUID, page: PageParams, *, unread_only: bool = False
) -> tuple[list[Notification], str | None]:
    stmt = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return await paginate(
        session,
        stmt,
        page,
        (Notification.created_at, Notification.id),
        descending=True,
    )


async def unread_count(session: AsyncSession, user_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )
    return int(count or 0)


async def mark_read(session: AsyncSession, notification: Notification) -> Notification:
    """Mark read; a notification read before keeps its first read time."""
    await session.execute(
        update(Notification)
        .where(Notification.id == notification.id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
    )
    await session.refresh(notification)
    return notification


async def mark_all_read(session: AsyncSession, user_id: uuid.UUID) -> int:
    result = await session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
    )
    return int(getattr(result, "rowcount", 0) or 0)
