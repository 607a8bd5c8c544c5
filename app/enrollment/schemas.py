"""Request and response bodies of enrollment and withdrawal."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from app.core.schemas import Day, Input, Output, Patch, Text
from app.enrollment import examples
from app.enrollment.models import EnrollmentStatus, ReviewStage

Weekday = Annotated[int, Field(ge=1, le=7, description="ISO weekday, Monday = 1.")]
Weekdays = Annotated[list[Weekday], Field(min_length=1, max_length=7)]
SlotIds = Annotated[list[uuid.UUID], Field(min_length=1, max_length=20)]
Comment = Annotated[str, Text(500, min_length=0, multiline=True)]
Reason = Annotated[str, Text(500, multiline=True)]


class EnrollmentIn(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.ENROLLMENT_IN]})

    student_id: uuid.UUID
    term_id: uuid.UUID
    weekdays: Weekdays
    slot_ids: SlotIds
    agreement_version: int | None = Field(
        default=None,
        description="The version of the term's safety agreement the parent accepted; "
        "anything but the current one is 422 `enrollment.agreement_required`.",
    )
    start_date: Day | None = Field(
        default=None, description="Default: today in the school's zone, or the term's start."
    )


class EnrollmentChange(Patch):
    """New weekdays and/or slots of an active enrollment; what is left out stays."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.ENROLLMENT_CHANGE]})

    weekdays: Weekdays | None = None
    slot_ids: SlotIds | None = None


class ReviewIn(Input):
    decision: Literal["approve", "reject"]
    comment: Comment | None = None
    stage: ReviewStage | None = Field(
        default=None,
        description="The stage the reviewer means to decide; when given and the enrollment "
        "has moved on, 409 `enrollment.wrong_stage` instead of deciding the next stage.",
    )


class WithdrawIn(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.WITHDRAW_IN]})

    reason: Reason
    effective_date: Day | None = Field(
        default=None,
        description="First day the child no longer attends (default today, school zone).",
    )


class ReviewOut(Output):
    stage: ReviewStage
    decision: Literal["approve", "reject"]
    comment: str | None
    reviewer_id: uuid.UUID | None
    reviewer_name: str | None
    created_at: datetime


class EnrollmentOut(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.ENROLLMENT_OUT]})

    id: uuid.UUID
    student_id: uuid.UUID
    student_name: str
    class_id: uuid.UUID
    class_name: str
    term_id: uuid.UUID
    term_name: str
    status: EnrollmentStatus
    weekdays: list[int]
    slot_ids: list[uuid.UUID]
    start_date: date = Field(description="On the roster from this date.")
    end_date: date | None = Field(description="Off the roster from this date (withdrawal).")
    agreement_version: int
    agreement_accepted_at: datetime
    applied_by: uuid.UUID | None
    applied_at: datetime
    updated_at: datetime
    withdrawal_reason: str | None
    withdrawal_effective_date: date | None
    withdrawal_requested_at: datetime | None
    reviews: list[ReviewOut]


class EnrollmentEventOut(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.ENROLLMENT_EVENT_OUT]})

    id: uuid.UUID
    action: str
    actor_id: uuid.UUID | None
    actor_name: str | None
    created_at: datetime
    data: dict[str, Any]
