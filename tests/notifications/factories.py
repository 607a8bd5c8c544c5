"""Helpers that save notification rows for tests to stand on."""

from __future__ import annotations

import uuid
from itertools import count
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.notifications.models import Device, Notification, OutboxMessage
from app.notifications.service import notify

_seq = count(1)


async def create_device(
    session: AsyncSession,
    user: User,
    *,
    platform: str = "fcm",
    token: str | None = None,
    active: bool = True,
) -> Device:
    device = Device(
        user_id=user.id,
        platform=platform,
        token=token or f"fcm-token-{next(_seq)}-{uuid.uuid4().hex[:8]}",
        active=active,
    )
    session.add(device)
    await session.flush()
    return device


async def pickup_notice(
    session: AsyncSession, *users: User, student: str = "小明", **extra: Any
) -> list[uuid.UUID]:
    """A ``pickup.handed_over`` notification to ``users`` (flushed, not committed)."""
    return await notify(
        session,
        recipients=[u.id for u in users],
        kind="pickup.handed_over",
        params={
            "student_name": student,
            "time": "17:05",
            "adult_name": "王芳",
            "staff_name": "李老师",
        },
        data={"student_id": str(uuid.uuid4()), **extra},
    )


async def outbox_rows(session: AsyncSession) -> list[OutboxMessage]:
    stmt = (
        select(OutboxMessage)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
        .execution_options(populate_existing=True)
    )
    return list((await session.scalars(stmt)).all())


async def count_rows(session: AsyncSession, model: type[Any]) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


__all__ = [
    "Notification",
    "count_rows",
    "create_device",
    "outbox_rows",
    "pickup_notice",
]
