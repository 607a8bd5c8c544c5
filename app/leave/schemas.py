"""Request and response bodies of leave requests."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from app.core.schemas import Day, Input, Output, Text
from app.leave import examples
from app.leave.models import LeaveChannel, LeaveKind, LeaveStatus

Reason = Annotated[str, Text(500, multiline=True)]
Comment = Annotated[str, Text(500, min_length=0, multiline=True)]


class LeaveRequestIn(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.LEAVE_REQUEST_IN]})

    student_id: uuid.UUID
    start_date: Day
    end_date: Day
    slot_ids: list[uuid.UUID] | None = Field(
        default=None,
        min_length=1,
        max_length=20,
        description="Slots the leave covers; null (the default) covers every slot of those days.",
    )
    kind: LeaveKind
    reason: Reason
    channel: LeaveChannel = Field(
        default=LeaveChannel.APP,
        description=(
            "`app` (default): a guardian asks, and the request starts `pending`. "
            "`phone` or `paper`: the child's homeroom teacher or a school admin records "
            "a leave the family gave in person; it is `approved` at once and the guardians "
            "are told."
        ),
    )


class LeaveDecisionIn(Input):
    decision: Literal["approve", "reject"]
    comment: Comment | None = None


class LeaveRequestOut(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.LEAVE_REQUEST_OUT]})

    id: uuid.UUID
    student_id: uuid.UUID
    student_name: str
    class_name: str
    term_id: uuid.UUID
    start_date: date
    end_date: date
    slot_ids: list[uuid.UUID] | None
    kind: LeaveKind
    reason: str
    status: LeaveStatus
    channel: LeaveChannel
    requested_by: uuid.UUID | None
    created_at: datetime
    decided_by: uuid.UUID | None
    decided_at: datetime | None
    decision_comment: str | None
    cancelled_at: datetime | None
