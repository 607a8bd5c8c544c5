"""Response bodies of the workload and its publication."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import Field

from app.core.schemas import Output
from app.staff.schemas import EmploymentKind


class WorkloadFigures(Output):
    sessions: int = Field(description="Group × slot × service day with a check-in.")
    session_minutes: int = Field(description="Session minutes before `overtime_after`.")
    overtime_minutes: int = Field(description="Session minutes after `overtime_after`.")
    duty_minutes: int = Field(description="Minutes on duty shifts.")
    pay_fen: int = Field(
        description="Minutes × the policy's hourly rates, rounded half up to the fen once per "
        "person and month."
    )


class WorkloadItem(WorkloadFigures):
    staff_id: uuid.UUID
    name: str
    employment: EmploymentKind


class WorkloadOut(Output):
    month: str
    items: list[WorkloadItem]


class PublishedItem(WorkloadItem):
    correction: WorkloadFigures | None = Field(
        description="The figures as the records stand now, when they changed after publication "
        "(the published figures stay as they were)."
    )


class PublishedOut(Output):
    month: str
    published_at: dt.datetime
    items: list[PublishedItem]
