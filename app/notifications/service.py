"""Notify users inside a domain transaction: inbox entries plus outbox rows for push."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.notifications.models import Notification, OutboxMessage
from app.notifications.templates import render


async def notify(
    session: AsyncSession,
    *,
    recipients: Iterable[uuid.UUID],
    kind: str,
    params: dict[str, Any],
    data: dict[str, Any],
    dedupe_key: str | None = None,
) -> list[uuid.UUID]:
    """Write one inbox entry and one outbox row per recipient, in the caller's transaction.

    With ``dedupe_key`` ("absent:<student>:<slot>:<date>"), a recipient who already has a
    notification with that key gets nothing new. Returns the ids of the new notifications.
    """
    users = list(dict.fromkeys(recipients))
    if not users:
        return []
    title, body = render(kind, params)
    now = clock.now()
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
    if created:
        await session.execute(
            insert(OutboxMessage),
            [
                {
                    "id": uuid.uuid4(),
                    "notification_id": nid,
                    "user_id": uid,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for nid, uid in created
            ],
        )
    return [nid for nid, _ in created]
