"""Notify users inside a domain transaction, and read and mark one's inbox."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.pagination import PageParams, paginate
from app.core.personal_data import Section, rows
from app.notifications import repository
from app.notifications.devices import register_wechat_login as register_wechat_login
from app.notifications.models import Device, Notification
from app.notifications.templates import TEMPLATES, render


async def notify(
    session: AsyncSession,
    *,
    recipients: Iterable[uuid.UUID],
    kind: str,
    params: dict[str, Any],
    data: dict[str, Any],
    dedupe_key: str | None = None,
    push: bool = True,
) -> list[uuid.UUID]:
    """Write one inbox entry per recipient and one outbox row per active device of each.

    Runs in the caller's transaction: if the change rolls back, so does the notice.
    With ``dedupe_key`` ("absent:<student>:<slot>:<date>"), a recipient who already has a
    notification with that key gets nothing new. A recipient who signed in with WeChat has
    their openid adopted as a push address the first time (once the device row exists it
    decides: deactivated means no WeChat pushes until the mini-program registers it again).
    With ``push=False`` only the inbox entries are written (``notify_coalesced`` pushes).
    Returns the ids of the new notifications.
    """
    if kind not in TEMPLATES:
        raise ValueError(f"unknown notification kind {kind!r}")
    users = list(dict.fromkeys(recipients))
    if not users:
        return []
    title, body = render(kind, params)
    # ids and dates in ``data`` become strings, as a client reading JSON will see them
    data = json.loads(json.dumps(data, default=str))
    await session.flush()  # the statement is SQL of its own: pending rows must be in first
    return await repository.insert_notices(
        session,
        recipients=users,
        kind=kind,
        title=title,
        body=body,
        data=data,
        dedupe_key=dedupe_key,
        now=clock.now(),
        push=push,
    )


# A reviewer with 45 children gets every item in the inbox, but at most one push per window.
COALESCE_WINDOW = timedelta(minutes=5)


async def notify_coalesced(
    session: AsyncSession,
    *,
    recipients: Iterable[uuid.UUID],
    kind: str,
    params: dict[str, Any],
    data: dict[str, Any],
    dedupe_key: str | None = None,
) -> list[uuid.UUID]:
    """Like ``notify``, but each recipient is pushed at most once per ``COALESCE_WINDOW``.

    Every notice reaches the inbox at once, its text carrying ``pending``: the recipient's
    unread notices of this kind, this one included. The first notice after a quiet window
    is pushed at once; later ones are held, and the worker's ``flush_coalesced`` job pushes
    the newest unread one (with its count) when the window has passed.
    """
    created: list[uuid.UUID] = []
    now = clock.now()
    for recipient in sorted(set(recipients)):  # one order: concurrent notices cannot deadlock
        pending = await repository.unread_count_of_kind(session, recipient, kind) + 1
        ids = await notify(
            session,
            recipients=[recipient],
            kind=kind,
            params={**params, "pending": pending},
            data=data,
            dedupe_key=dedupe_key,
            push=False,
        )
        if not ids:
            continue
        created.extend(ids)
        state = await repository.lock_coalescing(session, recipient, kind)
        if state.last_push_at is None or state.last_push_at <= now - COALESCE_WINDOW:
            await repository.push(session, ids[0], now)
            state.last_push_at, state.held_since = now, None
        elif state.held_since is None:
            state.held_since = now
    await session.flush()
    return created


async def flush_coalesced(session: AsyncSession, now: datetime) -> int:
    """Push the held coalesced notices whose window has passed (a periodic worker job).

    Each recipient gets one push: their newest unread notice of the kind, which names how
    many are waiting. Safe to run from several workers (rows are claimed SKIP LOCKED).
    """
    pushed = 0
    for state in await repository.held_due(session, now - COALESCE_WINDOW):
        newest = await repository.newest_unread(session, state.user_id, state.kind)
        if newest is not None:
            await repository.push(session, newest, now)
            state.last_push_at = now
            pushed += 1
        state.held_since = None
    await session.flush()
    return pushed


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


async def outbox_backlog(session: AsyncSession) -> tuple[int, float]:
    """How many pushes are waiting, and the oldest one's age in seconds (0 when none)."""
    return await repository.outbox_backlog(session)


async def _personal_data(
    session: AsyncSession, user_id: uuid.UUID, student_ids: Sequence[uuid.UUID]
) -> dict[str, Any]:
    """The inbox and the push addresses (a token shown by its last characters only)."""
    inbox = await rows(
        session,
        select(
            Notification.id,
            Notification.kind,
            Notification.title,
            Notification.body,
            Notification.data,
            Notification.created_at,
            Notification.read_at,
        )
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at),
    )
    devices = await rows(
        session,
        select(
            Device.id,
            Device.platform,
            func.right(Device.token, 6).label("token_ending"),
            Device.active,
            Device.created_at,
            Device.deactivated_at,
        )
        .where(Device.user_id == user_id)
        .order_by(Device.created_at),
    )
    return {"notifications": inbox, "devices": devices}


PERSONAL_DATA = Section("notifications", ("notifications", "devices"), _personal_data)


async def purge_bodies(session: AsyncSession, before: datetime, *, dry_run: bool) -> int:
    """Blank the body and data of inbox entries made before ``before``; how many."""
    return await repository.blank_bodies(session, before, dry_run=dry_run)
