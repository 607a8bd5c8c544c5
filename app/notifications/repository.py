"""The SQL of notifications: the notice statement, pushes of existing notices, coalescing,
the outbox backlog and the device registry's upsert."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Uuid, bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.notifications.models import Device, Notification, PushCoalescing

# The whole of a notice in one round trip: the inbox rows (skipping recipients who already
# have one with the dedupe key), the device row of a WeChat login not yet adopted, and one
# outbox row per active device of each recipient notified. The statements of a WITH share
# one snapshot, so the devices just adopted come from ``adopted``, not from ``devices``.
# Rows are taken in one order (recipient, openid) so concurrent notices cannot deadlock.
_NOTIFY = text(
    """
WITH inbox AS (
    INSERT INTO notifications (id, user_id, kind, title, body, data, dedupe_key, created_at)
    SELECT gen_random_uuid(), recipient, :kind, :title, :body, :data, :dedupe_key, :now
    FROM unnest(:recipients) AS recipient
    ORDER BY recipient
    ON CONFLICT (user_id, dedupe_key) DO NOTHING
    RETURNING id, user_id
), adopted AS (
    INSERT INTO devices (id, user_id, platform, token, active, created_at, registered_at)
    SELECT gen_random_uuid(), users.id, 'wechat', users.wechat_openid, true, :now, :now
    FROM users JOIN inbox ON inbox.user_id = users.id
    WHERE users.wechat_openid IS NOT NULL
      AND NOT EXISTS (
          SELECT FROM devices WHERE platform = 'wechat' AND token = users.wechat_openid
      )
    ORDER BY users.wechat_openid
    -- adopted meanwhile by a notice that committed after this statement began: that row
    -- is not in our snapshot, so take it from here (a no-op update returns it)
    ON CONFLICT (platform, token) DO UPDATE SET token = excluded.token
        WHERE devices.user_id = excluded.user_id AND devices.active
    RETURNING user_id, id
), addresses AS (
    SELECT devices.user_id, devices.id FROM devices JOIN inbox USING (user_id)
    WHERE devices.active
    UNION ALL
    SELECT user_id, id FROM adopted
), pushes AS (
    INSERT INTO notification_outbox
        (id, notification_id, device_id, status, attempts, next_attempt_at, created_at)
    SELECT gen_random_uuid(), inbox.id, addresses.id, 'pending', 0, :now, :now
    FROM inbox JOIN addresses USING (user_id)
    WHERE :push
)
SELECT id FROM inbox
"""
).bindparams(
    bindparam("recipients", type_=ARRAY(Uuid())),
    bindparam("data", type_=JSONB),
    bindparam("now", type_=DateTime(timezone=True)),
    bindparam("push", type_=Boolean),
)


async def insert_notices(
    session: AsyncSession,
    *,
    recipients: list[uuid.UUID],
    kind: str,
    title: str,
    body: str,
    data: dict[str, Any],
    dedupe_key: str | None,
    now: datetime,
    push: bool,
) -> list[uuid.UUID]:
    """``_NOTIFY``: the ids of the inbox entries made (none for a recipient who had the key)."""
    created = await session.scalars(
        _NOTIFY,
        {
            "recipients": recipients,
            "kind": kind,
            "title": title,
            "body": body,
            "data": data,
            "dedupe_key": dedupe_key,
            "now": now,
            "push": push,
        },
    )
    return list(created)


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


# Pending pushes and the oldest one's age: a walk of the partial "due" index, as long as
# the backlog (a handful of rows normally; /metrics asks once per scrape).
_BACKLOG = text(
    "SELECT count(*), extract(epoch FROM now() - min(created_at))"
    " FROM notification_outbox WHERE status = 'pending'"
)


async def outbox_backlog(session: AsyncSession) -> tuple[int, float]:
    depth, oldest = (await session.execute(_BACKLOG)).one()
    return int(depth), max(0.0, float(oldest or 0.0))


async def upsert_device(
    session: AsyncSession, *, user_id: uuid.UUID, platform: str, token: str, now: datetime
) -> uuid.UUID:
    """Make ``token`` an active address of ``user_id``: new, moved from whoever had it, or
    revived; the row's id."""
    stmt = pg_insert(Device).values(
        id=uuid.uuid4(),
        user_id=user_id,
        platform=platform,
        token=token,
        active=True,
        created_at=now,
        registered_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[Device.platform, Device.token],
        set_={
            "user_id": stmt.excluded.user_id,
            "active": True,
            "registered_at": now,
            "deactivated_at": None,
            "deactivated_reason": None,
        },
    )
    device_id: uuid.UUID | None = await session.scalar(stmt.returning(Device.id))
    assert device_id is not None
    return device_id


async def blank_bodies(session: AsyncSession, before: datetime, *, dry_run: bool) -> int:
    """Blank the body and data of inbox entries made before ``before`` (or count them)."""
    old = (Notification.created_at < before) & (
        (Notification.body != "") | (Notification.data != text("'{}'::jsonb"))
    )
    if dry_run:
        return int(
            await session.scalar(select(func.count()).select_from(Notification).where(old)) or 0
        )
    result = await session.execute(update(Notification).where(old).values(body="", data={}))
    return int(getattr(result, "rowcount", 0) or 0)
