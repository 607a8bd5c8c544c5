"""Request and response bodies of school set-up."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
)

from app.core.schemas import Day, Input, Name, Output, Patch, ShortText, Text
from app.school import examples
from app.school.models import Priority
from app.school.policy import (
    EnrollmentReview,
    FeeMode,
    FenPerHour,
    GraceMinutes,
    GroupSize,
    OvertimeAfter,
    Policy,
    Waivers,
    WithdrawalReview,
)

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _parse_clock_time(value: Any) -> Any:
    if isinstance(value, time):
        return value
    if not isinstance(value, str) or not _HHMM.match(value):
        raise ValueError("must be a time of day as HH:MM (00:00–23:59)")
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


# A time of day as "HH:MM" both ways (seconds mean nothing for a school timetable).
ClockTime = Annotated[
    time,
    BeforeValidator(_parse_clock_time),
    PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": _HHMM.pattern, "examples": ["15:30"]}),
]
# Lists that are sets: order and repeats carry no meaning, so they are stored sorted, once each.
_AsSet = AfterValidator(lambda values: sorted(set(values)))
Weekday = Annotated[int, Field(strict=True, ge=1, le=7, description="ISO weekday, Monday = 1.")]
Weekdays = Annotated[list[Weekday], Field(min_length=1, max_length=7), _AsSet]
Closures = Annotated[list[Day], Field(max_length=366), _AsSet]
Grade = Annotated[int, Field(strict=True, ge=1, le=9)]
Capacity = Annotated[int, Field(strict=True, ge=1, le=10_000)]
AgreementText = Annotated[str, Text(20_000, multiline=True)]
StudentNo = Annotated[str, Text(32, pattern=r"^[0-9A-Za-z_-]+$")]
FeeFen = Annotated[
    int,
    Field(
        strict=True,
        ge=0,
        le=100_000_000,
        description="Fee in fen (分) per term or per month, as the school's fee mode says.",
    ),
]


# ---- school and policy ----


class SchoolOut(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.SCHOOL_OUT]})

    id: uuid.UUID
    name: str
    timezone: str
    policy: Policy
    created_at: datetime

    @field_validator("policy", mode="before")
    @classmethod
    def _with_defaults(cls, stored: Any) -> Any:
        return Policy.read(stored) if isinstance(stored, dict) else stored


class FeesPatch(Patch):
    mode: FeeMode | None = None
    waivers: Waivers | None = Field(
        default=None, description="Merged into the current waivers; 0 takes a flag's waiver off."
    )


class PayRatesPatch(Patch):
    session_hour_fen: FenPerHour | None = None
    overtime_hour_fen: FenPerHour | None = None
    duty_hour_fen: FenPerHour | None = None


class PolicyPatch(Patch):
    enrollment_review: EnrollmentReview | None = None
    withdrawal_review: WithdrawalReview | None = None
    max_group_size: GroupSize | None = None
    late_pickup_grace_minutes: GraceMinutes | None = None
    fees: FeesPatch | None = None
    overtime_after: OvertimeAfter | None = None
    pay_rates: PayRatesPatch | None = Field(
        default=None, description="Merged into the current rates (fen per hour)."
    )


class SchoolPatch(Patch):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.SCHOOL_PATCH]})

    name: ShortText | None = None
    timezone: Annotated[str, Text(64)] | None = Field(
        default=None, description="An IANA time zone such as `Asia/Shanghai`."
    )
    policy: PolicyPatch | None = None


# ---- terms and slots ----


ActivityAllocation = Annotated[
    Literal["first_come", "lottery"],
    Field(
        description="How activity choices are served: `first_come` (assigned or waitlisted at"
        " once) or `lottery` (requested until `POST /terms/{id}/allocate-activities`)."
    ),
]


class TermIn(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.TERM_IN]})

    name: ShortText
    start_date: Day
    end_date: Day
    weekdays: Weekdays = Field(description="Days the service runs (schools normally run 1..5).")
    closures: Closures = Field(
        default_factory=list, description="Dates inside the term with no service (holidays)."
    )
    agreement_text: AgreementText = Field(description="The safety agreement (安全责任书).")
    activity_allocation: ActivityAllocation = "first_come"


class TermPatch(Patch):
    name: ShortText | None = None
    start_date: Day | None = None
    end_date: Day | None = None
    weekdays: Weekdays | None = None
    closures: Closures | None = None
    agreement_text: AgreementText | None = Field(
        default=None, description="A changed text bumps `agreement_version`."
    )
    activity_allocation: ActivityAllocation | None = None


class TermOut(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.TERM_OUT]})

    id: uuid.UUID
    name: str
    start_date: date
    end_date: date
    weekdays: list[int]
    closures: list[date]
    agreement_text: str
    agreement_version: int
    activity_allocation: str
    created_at: datetime


class SlotIn(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.SLOT_IN]})

    term_id: uuid.UUID
    name: Name
    start_time: ClockTime
    end_time: ClockTime
    capacity: Capacity | None = Field(default=None, description="Seats; null = no limit.")
    fee_fen: FeeFen = 0


class SlotPatch(Patch):
    nullable = frozenset({"capacity"})

    name: Name | None = None
    start_time: ClockTime | None = None
    end_time: ClockTime | None = None
    capacity: Capacity | None = Field(default=None, description="Seats; null = no limit.")
    fee_fen: FeeFen | None = None


class SlotOut(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.SLOT_OUT]})

    id: uuid.UUID
    term_id: uuid.UUID
    name: str
    start_time: ClockTime
    end_time: ClockTime
    capacity: int | None
    fee_fen: int
    created_at: datetime


# ---- classes and groups ----


class ClassIn(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.CLASS_IN]})

    name: Name = Field(examples=["三年级2班"])
    grade: Grade
    homeroom_teacher_id: uuid.UUID | None = None


class ClassPatch(Patch):
    nullable = frozenset({"homeroom_teacher_id"})

    name: Name | None = None
    grade: Grade | None = None
    homeroom_teacher_id: uuid.UUID | None = None


class ClassOut(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.CLASS_OUT]})

    id: uuid.UUID
    name: str
    grade: int
    homeroom_teacher_id: uuid.UUID | None
    created_at: datetime


ClassIds = Annotated[list[uuid.UUID], Field(max_length=100), _AsSet]


class GroupIn(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.GROUP_IN]})

    kind: Literal["class"] = "class"
    term_id: uuid.UUID
    slot_id: uuid.UUID
    name: Name
    leader_id: uuid.UUID
    assistant_id: uuid.UUID | None = Field(
        default=None,
        description="A school teacher beside the leader; required when the leader is outside "
        "staff (external or volunteer).",
    )
    class_ids: ClassIds = Field(description="The classes whose enrolled children this group takes.")
    capacity: Capacity | None = Field(
        default=None, description="At most the policy's `max_group_size` (its value if omitted)."
    )


ActivityCategory = Literal["sports", "arts", "science", "reading", "labour", "homework", "care"]
# Categories that do not count as a quality activity (素质教育) a week.
NOT_QUALITY: tuple[ActivityCategory, ...] = ("homework", "care")


class ActivityGroupIn(Input):
    """An activity group (课程社团、走班): its children are those assigned to it by their
    families' choices (``PUT /enrollments/{id}/activities``), on its weekdays only."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.ACTIVITY_IN]})

    kind: Literal["activity"]
    term_id: uuid.UUID
    slot_id: uuid.UUID
    name: Name
    leader_id: uuid.UUID
    assistant_id: uuid.UUID | None = None
    weekdays: Weekdays
    grades: Annotated[list[Grade], Field(min_length=1, max_length=9), _AsSet]
    category: ActivityCategory
    venue: ShortText
    capacity: Capacity
    description: Annotated[str, Text(2000)] = ""


class GroupPatch(Patch):
    nullable = frozenset({"assistant_id"})

    name: Name | None = None
    leader_id: uuid.UUID | None = None
    assistant_id: uuid.UUID | None = None
    class_ids: ClassIds | None = None
    capacity: Capacity | None = None


class GroupOut(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.GROUP_OUT]})

    id: uuid.UUID
    term_id: uuid.UUID
    slot_id: uuid.UUID
    name: str
    leader_id: uuid.UUID | None
    assistant_id: uuid.UUID | None = None
    class_ids: list[uuid.UUID]
    capacity: int
    kind: str = "class"
    weekdays: list[int] | None = None
    grades: list[int] | None = None
    category: str | None = None
    venue: str | None = None
    description: str | None = None
    created_at: datetime


# ---- students, guardians, binding codes ----

Priorities = Annotated[list[Priority], Field(max_length=4), _AsSet]


class StudentIn(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.STUDENT_IN]})

    name: Name
    student_no: StudentNo
    class_id: uuid.UUID
    priority: Priorities = Field(default_factory=list)


class StudentPatch(Patch):
    name: Name | None = None
    student_no: StudentNo | None = None
    class_id: uuid.UUID | None = None
    priority: Priorities | None = None


class StudentOut(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.STUDENT_OUT]})

    id: uuid.UUID
    name: str
    student_no: str
    class_id: uuid.UUID
    class_name: str
    priority: list[Priority]
    created_at: datetime
    archived_at: datetime | None = Field(
        default=None, description="Set when the child left the school (kept for the records)."
    )


class GuardianOut(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.GUARDIAN_OUT]})

    user_id: uuid.UUID
    name: str
    phone: str | None
    relationship: str
    linked_at: datetime


class BindingCodeOut(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.BINDING_CODE_OUT]})

    student_id: uuid.UUID
    code: str = Field(examples=["7KQ4MZ2P"])
    expires_at: datetime


# ---- roster import ----


class ImportedRow(Output):
    row: int = Field(description="Row number in the file (the header is row 1).")
    student_no: str
    student_id: uuid.UUID
    outcome: Literal["created", "updated"]


class ImportReport(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.IMPORT_REPORT]})

    total_rows: int
    created: int
    updated: int
    rows: list[ImportedRow]
