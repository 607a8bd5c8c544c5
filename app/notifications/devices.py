"""The device registry: where a user's pushes go, and when an address stops being used.

A WeChat account's openid is its WeChat address: each WeChat sign-in registers it
(``register_wechat_login``), and a notice adopts it for an account that has no row for it
yet (``service.notify``); a row the user removed is not adopted again.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.core import audit, clock
from app.core.pagination import PageParams, paginate
from app.core.principal import Principal
from app.notifications import repository
from app.notifications.errors import DeviceWechatOpenidMismatch
from app.notifications.models import Device, Platform

# A parent with more phones than this is more likely a client bug re-registering fresh
# tokens; the oldest registrations stop receiving pushes instead of fanning out forever.
MAX_ACTIVE_DEVICES_PER_USER = 10


async def register(
    session: AsyncSession, principal: Principal, *, platform: Platform, token: str
) -> Device:
    """Make ``token`` an active push address of the caller; it moves if another user had it.

    A WeChat address must be the openid the caller signed in with: an openid is no secret,
    and taking over someone else's would silently stop their pickup notices.
    """
    if platform is Platform.WECHAT:
        openid = await session.scalar(select(User.wechat_openid).where(User.id == principal.id))
        if openid is None or openid != token:
            raise DeviceWechatOpenidMismatch(field="token")

    previous = (
        await session.execute(
            select(Device.user_id, Device.active)
            .where(Device.platform == platform, Device.token == token)
            .with_for_update()
        )
    ).one_or_none()
    device_id = await repository.upsert_device(
        session, user_id=principal.id, platform=platform, token=token, now=clock.now()
    )
    device = await session.get(Device, device_id, populate_existing=True)
    assert device is not None

    moved = previous is not None and previous.user_id != principal.id
    # Re-registering on every app start is normal; only a change is worth an audit event.
    if previous is None or moved or not previous.active:
        await audit.record(
            session,
            action="device.registered",
            object_type="device",
            object_id=device.id,
            actor_id=principal.id,
            school_id=principal.school_id,
            data={"platform": platform.value, "moved": moved, "reactivated": previous is not None},
        )
    await _retire_surplus(session, principal.id)
    return device


async def register_wechat_login(session: AsyncSession, user_id: uuid.UUID, openid: str) -> None:
    """A WeChat sign-in: its openid is the account's WeChat push address, revived if push
    had given up on it."""
    await repository.upsert_device(
        session, user_id=user_id, platform=Platform.WECHAT, token=openid, now=clock.now()
    )


async def _retire_surplus(session: AsyncSession, user_id: uuid.UUID) -> None:
    keep = (
        select(Device.id)
        .where(Device.user_id == user_id, Device.active)
        .order_by(Device.registered_at.desc(), Device.id.desc())
        .limit(MAX_ACTIVE_DEVICES_PER_USER)
    )
    await session.execute(
        update(Device)
        .where(Device.user_id == user_id, Device.active, Device.id.not_in(keep))
        .values(active=False, deactivated_at=clock.now(), deactivated_reason="superseded")
    )


async def list_active(
    session: AsyncSession, user_id: uuid.UUID, page: PageParams
) -> tuple[list[Device], str | None]:
    stmt = select(Device).where(Device.user_id == user_id, Device.active)
    return await paginate(
        session,
        stmt,
        page,
        (Device.created_at, Device.id),
        descending=True,
    )


async def remove(session: AsyncSession, principal: Principal, device: Device) -> None:
    """Stop pushing to ``device``. The row stays (inactive) so a WeChat openid is not re-adopted."""
    device.active = False
    device.deactivated_at = clock.now()
    device.deactivated_reason = "removed by user"
    await session.flush()
    await audit.record(
        session,
        action="device.removed",
        object_type="device",
        object_id=device.id,
        actor_id=principal.id,
        school_id=principal.school_id,
        data={"platform": device.platform},
    )


async def deactivate(session: AsyncSession, reasons: Mapping[uuid.UUID, str]) -> None:
    """The provider said these addresses are dead (uninstalled app, unsubscribed user)."""
    now = clock.now()
    for device_id, reason in reasons.items():
        changed = await session.scalar(
            update(Device)
            .where(Device.id == device_id, Device.active)
            .values(active=False, deactivated_at=now, deactivated_reason=reason[:200])
            .returning(Device.id)
        )
        if changed is not None:
            await audit.record(
                session,
                action="device.deactivated",
                object_type="device",
                object_id=device_id,
                actor_id=None,
                school_id=None,
                data={"reason": reason[:200]},
            )
