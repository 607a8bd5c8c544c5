"""HTTP endpoints of the inbox (``/notifications``) and the device registry (``/devices``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from app.auth.deps import CurrentUser
from app.core.database import SessionDep
from app.core.errors import PROBLEM_SCHEMA
from app.core.pagination import PageDep
from app.core.schemas import Page
from app.notifications import devices, service
from app.notifications.deps import OwnDevice, OwnNotification
from app.notifications.schemas import (
    DeviceIn,
    DeviceOut,
    NotificationOut,
    NotificationPage,
    ReadAllOut,
)

router = APIRouter(tags=["notifications"])


def _not_found(what: str) -> dict[int | str, dict[str, Any]]:
    return {
        404: {
            "description": f"No such {what} of the caller (problem+json)",
            "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}},
        }
    }


@router.get("/notifications", response_model=NotificationPage)
async def list_notifications(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    unread_only: Annotated[bool, Query(description="Only notifications not yet read.")] = False,
) -> NotificationPage:
    """The caller's inbox, newest first, with the unread count for the badge."""
    items, cursor = await service.list_inbox(session, user.id, page, unread_only=unread_only)
    return NotificationPage(
        items=[NotificationOut.model_validate(n) for n in items],
        next_cursor=cursor,
        unread_count=await service.unread_count(session, user.id),
    )


@router.post("/notifications/read-all", response_model=ReadAllOut)
async def read_all_notifications(session: SessionDep, user: CurrentUser) -> ReadAllOut:
    """Mark every unread notification of the caller read."""
    return ReadAllOut(marked_read=await service.mark_all_read(session, user.id))


@router.post(
    "/notifications/{notification_id}/read",
    response_model=NotificationOut,
    responses=_not_found("notification"),
)
async def read_notification(session: SessionDep, notification: OwnNotification) -> NotificationOut:
    """Mark one notification read (repeats keep the first read time)."""
    return NotificationOut.model_validate(await service.mark_read(session, notification))


@router.get("/devices", response_model=Page[DeviceOut])
async def list_devices(session: SessionDep, user: CurrentUser, page: PageDep) -> Page[DeviceOut]:
    """The caller's active push addresses (where their notifications are pushed now)."""
    items, cursor = await devices.list_active(session, user.id, page)
    return Page[DeviceOut](items=[DeviceOut.model_validate(d) for d in items], next_cursor=cursor)


@router.post("/devices", status_code=201, response_model=DeviceOut)
async def register_device(body: DeviceIn, session: SessionDep, user: CurrentUser) -> DeviceOut:
    """Register a push address for the caller.

    Registering a token again (on every app start, or after signing in as someone else on
    the same phone) moves it to the caller and reactivates it; it is never duplicated.
    """
    device = await devices.register(session, user, platform=body.platform, token=body.token)
    return DeviceOut.model_validate(device)


@router.delete(
    "/devices/{device_id}",
    status_code=204,
    response_class=Response,
    responses=_not_found("device"),
)
async def delete_device(session: SessionDep, user: CurrentUser, device: OwnDevice) -> Response:
    """Stop pushing to this device (e.g. on sign-out)."""
    await devices.remove(session, user, device)
    return Response(status_code=204)
