"""Request and response bodies of the duty rota and handoffs."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import Field, model_validator

from app.core.schemas import Day, Input, LongText, Output
from app.duty.models import Post
from app.school.schemas import ClockTime


class ShiftIn(Input):
    date: Day
    start_time: ClockTime
    end_time: ClockTime
    staff_id: uuid.UUID = Field(description="A staff member of the school.")
    post: Post = Field(description="gate 校门, patrol 巡查, lead 带班领导.")

    @model_validator(mode="after")
    def _ordered(self) -> ShiftIn:
        if self.end_time <= self.start_time:
            raise ValueError("end_time must be after start_time")
        return self


class ShiftOut(Output):
    id: uuid.UUID
    date: dt.date
    start_time: ClockTime
    end_time: ClockTime
    staff_id: uuid.UUID
    staff_name: str
    post: Post
    created_at: dt.datetime


class HandoffIn(Input):
    to_shift_id: uuid.UUID | None = Field(
        default=None, description="The shift taking over (none at the day's last handoff)."
    )
    notes: LongText = ""


class ChildInCare(Output):
    student_id: uuid.UUID
    name: str
    class_name: str


class HandoffOut(Output):
    id: uuid.UUID
    from_shift_id: uuid.UUID
    to_shift_id: uuid.UUID | None
    at: dt.datetime
    notes: str
    by_id: uuid.UUID | None
    children_in_care: list[ChildInCare] = Field(
        description="Children not yet handed over at that moment (not absent, not on leave)."
    )


class HandoffsOut(Output):
    items: list[HandoffOut]
