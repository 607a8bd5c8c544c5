"""Load the caller's own notification or device, else 404 (another user's is never shown)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from app.auth.deps import CurrentUser
from app.core.database import SessionDep
from app.notifications.errors import DeviceNotFound, NotificationNotFound
from app.notifications.models import Device, Notification


async def own_notification(
    notification_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> Notification:
    notification = await session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotificationNotFound()
    return notification


async def own_device(device_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Device:
    """An active device of the caller (a removed or deactivated one is gone for them)."""
    device = await session.get(Device, device_id, with_for_update=True)
    if device is None or device.user_id != user.id or not device.active:
        raise DeviceNotFound()
    return device


OwnNotification = Annotated[Notification, Depends(own_notification)]
OwnDevice = Annotated[Device, Depends(own_device)]
