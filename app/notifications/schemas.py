"""Request and response bodies of the inbox and the device registry."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field

from app.core.schemas import Input, Output, Page, Text
from app.notifications import examples
from app.notifications.models import Platform

# FCM registration tokens are ~160-200 characters today; the column allows for growth.
# WeChat openids are 28 characters of [A-Za-z0-9_-].
PushToken = Annotated[str, Text(4096, pattern=r"^[\x21-\x7e]+$")]


class NotificationOut(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.NOTIFICATION_OUT]})

    id: uuid.UUID
    kind: str = Field(examples=["pickup.handed_over"])
    title: str
    body: str
    data: dict[str, Any] = Field(description="Ids the client needs to open the right screen.")
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Page[NotificationOut]):
    unread_count: int = Field(description="Unread notifications in the whole inbox.")


class ReadAllOut(Output):
    marked_read: int = Field(description="How many notifications this call marked read.")


class DeviceIn(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.DEVICE_IN]})

    platform: Platform = Field(
        description="`fcm`: an FCM registration token; `wechat`: the mini-program user's "
        "openid (must be the one this account signed in with)."
    )
    token: PushToken


class DeviceOut(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.DEVICE_OUT]})

    id: uuid.UUID
    platform: Platform
    token: str
    active: bool
    created_at: datetime
    registered_at: datetime
