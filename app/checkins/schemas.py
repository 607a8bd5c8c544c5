"""Request and response bodies of staff check-ins."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import Field

from app.checkins.models import CheckInSource
from app.core.schemas import Day, Input, Output


class CheckInIn(Input):
    group_id: uuid.UUID
    slot_id: uuid.UUID = Field(description="The group's slot.")
    date: Day = Field(description="Today at the school: a check-in is made on the day.")


class CheckInOut(Output):
    id: uuid.UUID
    group_id: uuid.UUID
    slot_id: uuid.UUID
    date: dt.date
    user_id: uuid.UUID
    user_name: str
    checked_in_at: dt.datetime
    source: CheckInSource
