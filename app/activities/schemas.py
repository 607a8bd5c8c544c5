"""Request and response bodies of activities and clubs (课程社团、走班)."""

from __future__ import annotations

import uuid
from datetime import date, time
from typing import Annotated

from pydantic import ConfigDict, Field, PlainSerializer

from app.core.schemas import Input, Output

_HHMM = PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str, when_used="json")


class ChoiceIn(Input):
    activity_id: uuid.UUID
    rank: Annotated[int, Field(strict=True, ge=1, le=20, description="1 = most wanted.")]


class ChoicesIn(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "choices": [
                        {"activity_id": "7d1c1f1e-5b7a-4f57-9d0c-2d9c4b9a1e01", "rank": 1},
                        {"activity_id": "7d1c1f1e-5b7a-4f57-9d0c-2d9c4b9a1e02", "rank": 2},
                    ]
                }
            ]
        }
    )

    choices: Annotated[list[ChoiceIn], Field(max_length=20)]


class ChoiceOut(Output):
    activity_id: uuid.UUID
    activity_name: str
    rank: int
    status: str = Field(description="`assigned`, `waitlisted`, `requested` or `not_assigned`.")


class ChoicesOut(Output):
    items: list[ChoiceOut]


class ActivityOut(Output):
    id: uuid.UUID
    term_id: uuid.UUID
    slot_id: uuid.UUID
    slot_name: str
    name: str
    category: str
    venue: str | None
    description: str | None
    weekdays: list[int]
    grades: list[int]
    leader_id: uuid.UUID | None
    leader_name: str | None
    assistant_id: uuid.UUID | None
    capacity: int
    seats_left: int


class ActivitiesOut(Output):
    items: list[ActivityOut]
    next_cursor: str | None = None


class AllocateIn(Input):
    seed: Annotated[int, Field(strict=True, ge=0, le=2**63 - 1)]


class AllocationOut(Output):
    seed: int
    assigned: int
    not_assigned: int


class TimetableSlot(Output):
    slot_id: uuid.UUID
    slot_name: str
    start_time: Annotated[time, _HHMM]
    end_time: Annotated[time, _HHMM]
    group_id: uuid.UUID | None
    group_name: str | None
    category: str | None
    venue: str | None
    leader_name: str | None
    on_leave: bool = False


class TimetableDay(Output):
    date: date
    closed: bool = Field(default=False, description="A closure (停课): no service that day.")
    slots: list[TimetableSlot]


class TimetableOut(Output):
    student_id: uuid.UUID
    week: str
    items: list[TimetableDay]


class QualityGap(Output):
    student_id: uuid.UUID
    name: str
    class_name: str
    per_week: int


class QualityOut(Output):
    items: list[QualityGap]
