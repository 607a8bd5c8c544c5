"""Request and response bodies of announcements."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field

from app.core.schemas import Input, Output, ShortText, Text

Body = Annotated[str, Text(5000, multiline=True)]
Grade = Annotated[int, Field(ge=1, le=9)]

_EXAMPLE_IN: dict[str, Any] = {
    "title": "关于调整冬季课后服务时间的告家长书",
    "body": "各位家长：自12月7日起，晚托结束时间调整为17:45，请按时接孩子。",
    "audience": {"grades": [3, 4], "class_ids": None, "slot_ids": None},
    "requires_ack": True,
}


class AudienceIn(Input):
    """Who it reaches: children of these grades or classes (none: every class), and, when
    slots are named, only those enrolled in one of them this term."""

    grades: list[Grade] | None = Field(default=None, max_length=9)
    class_ids: list[uuid.UUID] | None = Field(default=None, max_length=200)
    slot_ids: list[uuid.UUID] | None = Field(default=None, max_length=20)


class AnnouncementIn(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE_IN]})

    title: ShortText
    body: Body
    audience: AudienceIn = Field(default_factory=AudienceIn)
    requires_ack: bool = False


class AudienceOut(Output):
    grades: list[int]
    class_ids: list[uuid.UUID]
    slot_ids: list[uuid.UUID]


class AnnouncementOut(Output):
    id: uuid.UUID
    title: str
    body: str
    audience: AudienceOut
    requires_ack: bool
    published_at: datetime
    recipients: int | None = Field(
        default=None, description="Children reached (school admins only)."
    )
    read_at: datetime | None = Field(
        default=None, description="When the calling guardian first read it."
    )
    acknowledged_at: datetime | None = Field(
        default=None, description="When the calling guardian acknowledged it."
    )


class AckOut(Output):
    announcement_id: uuid.UUID
    acknowledged_at: datetime


class PendingChild(Output):
    student_id: uuid.UUID
    name: str
    class_name: str


class ReceiptsOut(Output):
    audience: int = Field(description="Children the announcement reached.")
    read: int = Field(description="Children at least one of whose guardians read it.")
    acknowledged: int = Field(
        description="Children at least one of whose guardians acknowledged it."
    )
    pending: list[PendingChild] = Field(
        description="Children no guardian has acknowledged (read, when no acknowledgement "
        "is asked): the list a teacher phones."
    )
