"""Request and response bodies of the district, school plans and complaints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from app.core.schemas import Input, Output, Patch, ShortText, Text
from app.district.models import ComplaintCategory, ComplaintStatus, PlanStatus

PlanText = Annotated[str, Text(20000, multiline=True)]
ComplaintText = Annotated[str, Text(2000, multiline=True)]
Comment = Annotated[str, Text(500, min_length=0, multiline=True)]


class DistrictOut(Output):
    id: uuid.UUID
    name: str
    require_plan_approval: bool
    schools: int = Field(description="How many schools the district holds.")


class DistrictPatch(Patch):
    name: ShortText | None = None
    require_plan_approval: bool | None = Field(
        default=None,
        description="While true, a term's enrollment stays closed until its plan is approved.",
    )


class DistrictSchoolOut(Output):
    """A school of the district in counts: no child or family is named."""

    id: uuid.UUID
    name: str
    students: int
    enrolled: int = Field(description="Children enrolled in a term that has not ended.")
    participation_rate: float = Field(description="enrolled / students (0 without students).")
    attendance_rate_30d: float | None = Field(
        description="present / marked at roll calls of the last 30 days; null without any."
    )
    plan_status: PlanStatus | Literal["none"] = Field(
        description="The plan of the current (or next) term; `none` if none is filed."
    )
    open_complaints: int


class SchoolMonthOut(Output):
    school_id: uuid.UUID
    school_name: str
    enrolled: int = Field(description="Children on a roster on some day of the month.")
    service_days: int
    sessions: int = Field(description="Group × slot × day with a roll call taken.")
    attendance_rate: float | None = Field(description="present / marked; null without marks.")
    staff_minutes: int
    overtime_minutes: int
    fees_charged_fen: int
    fees_refunded_fen: int


class DistrictStatsOut(Output):
    month: str
    items: list[SchoolMonthOut]
    next_cursor: str | None = None


class PlanIn(Input):
    text: PlanText


class PlanOut(Output):
    id: uuid.UUID
    school_id: uuid.UUID
    school_name: str
    term_id: uuid.UUID
    term_name: str
    text: str
    status: PlanStatus
    comment: str | None
    submitted_at: datetime | None
    decided_at: datetime | None
    updated_at: datetime


class PlanDecisionIn(Input):
    decision: Literal["approve", "return"]
    comment: Comment | None = None


class ComplaintIn(Input):
    school_id: uuid.UUID | None = Field(
        default=None, description="The school complained about; default: your child's."
    )
    category: ComplaintCategory
    text: ComplaintText
    anonymous: bool = False


class ComplaintResponseIn(Input):
    text: ComplaintText
    resolve: bool = False


class ComplaintResponseOut(Output):
    id: uuid.UUID
    text: str
    resolve: bool
    created_at: datetime


class Complainant(Output):
    id: uuid.UUID
    name: str
    phone: str | None


class ComplaintOut(Output):
    id: uuid.UUID
    school_id: uuid.UUID
    school_name: str
    category: ComplaintCategory
    text: str
    anonymous: bool
    complainant: Complainant | None = Field(
        description="Who complained; null for the school when the complaint is anonymous."
    )
    status: ComplaintStatus
    created_at: datetime
    escalated_at: datetime | None
    resolved_at: datetime | None
    responses: list[ComplaintResponseOut]
