"""Request and response bodies of care logs, ledgers and statistics."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, Field

from app.core.schemas import Day, Input, Output, Text
from app.ledger.models import CareLogKind

# What happened, as the teacher wrote it: lines kept, never blank.
CareLogText = Annotated[str, Text(2000, multiline=True)]


class CareLogIn(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "group_id": "0b7e6c55-3f1e-4c2a-9d55-6f1f0c3a9b21",
                    "slot_id": "5d0c1a7e-8a43-4c1b-b0f5-2f4a7d9e6c10",
                    "date": "2026-11-26",
                    "kind": "incident",
                    "text": "课间游戏时摔倒，膝盖轻微擦伤，已由校医消毒包扎。",
                    "student_id": "9f3b2c1d-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
                }
            ]
        }
    )

    group_id: uuid.UUID
    slot_id: uuid.UUID = Field(description="The group's slot.")
    date: Day = Field(description="The session's day (today or before).")
    kind: CareLogKind
    text: CareLogText
    student_id: uuid.UUID | None = Field(
        default=None, description="The child concerned; an incident notifies their guardians."
    )


class CareLogOut(Output):
    id: uuid.UUID
    group_id: uuid.UUID
    slot_id: uuid.UUID
    date: dt.date
    kind: CareLogKind
    text: str
    student_id: uuid.UUID | None
    student_name: str | None
    author_id: uuid.UUID | None
    author_name: str | None
    created_at: dt.datetime


class StatusCountsOut(Output):
    """How many children had each roster status (``expected``: not yet marked)."""

    expected: int
    present: int
    absent: int
    on_leave: int
    picked_up: int
    released: int
    total: int = Field(description="Every child on the rosters: the sum of the statuses.")


class LedgerLineOut(StatusCountsOut):
    """One group's session on the day."""

    group_id: uuid.UUID
    group_name: str
    kind: str
    slot_id: uuid.UUID
    slot_name: str
    leader_name: str | None
    staff_checked_in: list[str]
    roll_call_taken_at: dt.datetime | None
    care_log: list[CareLogOut]


class DailyLedgerOut(Output):
    """Every session of the day the caller may read; never paged (a school has dozens)."""

    date: dt.date
    items: list[LedgerLineOut]
    next_cursor: None = None


class MonthlyLineOut(StatusCountsOut):
    date: dt.date
    group_id: uuid.UUID
    group_name: str
    slot_id: uuid.UUID
    slot_name: str


class MonthlyLedgerOut(Output):
    """Per group and service day of the month, with the month's totals; never paged."""

    month: str
    items: list[MonthlyLineOut]
    totals: StatusCountsOut
    next_cursor: None = None


class ParticipationBy(StrEnum):
    GRADE = "grade"
    CLASS = "class"
    SLOT = "slot"


class AttendanceBy(StrEnum):
    CLASS = "class"
    GROUP = "group"


class ParticipationItemOut(Output):
    key: str
    label: str
    students: int
    enrolled: int
    rate: float | None = Field(description="enrolled / students (null without students).")


class ParticipationOut(Output):
    items: list[ParticipationItemOut]
    next_cursor: None = None


class AttendanceItemOut(Output):
    key: str
    label: str
    expected: int = Field(description="Child-sessions on the rosters over the range.")
    present: int = Field(description="Marked present, or handed over at the gate.")
    absent: int
    on_leave: int
    rate: float | None = Field(description="present / (expected − on_leave); null when 0/0.")


class AttendanceOut(Output):
    items: list[AttendanceItemOut]
    next_cursor: None = None
