"""Request and response bodies of rosters and roll call."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import ConfigDict, Field

from app.attendance import examples
from app.attendance.models import MarkStatus, RosterStatus
from app.core.schemas import Day, Input, Output


class MarkIn(Input):
    student_id: uuid.UUID
    status: MarkStatus


class RollCallIn(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.ROLL_CALL_IN]})

    group_id: uuid.UUID
    slot_id: uuid.UUID
    date: Day
    marks: list[MarkIn] = Field(min_length=1, max_length=500)


class RosterItemOut(Output):
    student_id: uuid.UUID
    name: str
    student_no: str
    class_id: uuid.UUID
    class_name: str
    group_id: uuid.UUID
    slot_id: uuid.UUID
    status: RosterStatus


class RosterOut(Output):
    """One group's roster for one day; never paged (a group is at most a few dozen)."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.ROSTER_OUT]})

    date: dt.date
    group_id: uuid.UUID
    slot_id: uuid.UUID
    term_id: uuid.UUID
    items: list[RosterItemOut]
    next_cursor: None = None
