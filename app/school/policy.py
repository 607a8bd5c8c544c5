"""A school's own rules (一校一方案): review modes, group size, pickup grace, fees, overtime
and pay rates.

Stored as JSONB on ``School.policy`` and read one way, ``Policy.of(school)`` (the school
service's ``policy_of`` and ``policy``): what the school set, with defaults for the rest.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.schemas import Text
from app.school.models import DEFAULT_POLICY, Priority, School

EnrollmentReview = Literal["none", "class", "class_then_school"]
WithdrawalReview = Literal["none", "school"]
GroupSize = Annotated[int, Field(ge=1, le=500, description="Largest capacity a group may have.")]
GraceMinutes = Annotated[
    int,
    Field(ge=0, le=240, description="Minutes after the last slot before `pickup.late` is sent."),
]

FeeMode = Literal["free", "per_term", "per_month"]


def _to_ten_thousandths(value: float) -> float:
    exponent = Decimal(str(value)).as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -4:
        raise ValueError("a waiver fraction has at most 4 decimal places")
    return value


WaiverFraction = Annotated[
    float,
    Field(ge=0, le=1, description="Share of the fee waived: 0.5 is half, 1 is all."),
    AfterValidator(_to_ten_thousandths),
]
Waivers = Annotated[dict[Priority, WaiverFraction], Field(max_length=4)]


class FeesPolicy(BaseModel):
    """How the school charges: free, per term or per month; waivers by priority flag."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: FeeMode = "free"
    waivers: Waivers = Field(default_factory=dict)


# When the day's overtime starts (seed 000: 晚托 after 16:30 counts as overtime).
OvertimeAfter = Annotated[
    str,
    Text(5, min_length=5, pattern=r"^([01]\d|2[0-3]):[0-5]\d$"),
    Field(description="HH:MM: minutes after it are overtime in the workload."),
]
FenPerHour = Annotated[int, Field(ge=0, le=10_000_000, description="Fen per hour.")]


class PayRates(BaseModel):
    """What an hour of each kind of work pays, in fen (工作量报酬)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    session_hour_fen: FenPerHour = 0
    overtime_hour_fen: FenPerHour = 0
    duty_hour_fen: FenPerHour = 0


class Policy(BaseModel):
    """The effective policy: what is stored, with defaults for keys a school never set."""

    model_config = ConfigDict(frozen=True)

    enrollment_review: EnrollmentReview
    withdrawal_review: WithdrawalReview
    max_group_size: GroupSize
    late_pickup_grace_minutes: GraceMinutes
    fees: FeesPolicy = Field(default_factory=FeesPolicy)
    overtime_after: OvertimeAfter = "16:30"
    pay_rates: PayRates = Field(default_factory=PayRates)

    @property
    def overtime_starts(self) -> dt.time:
        """``overtime_after`` as a time of day (the workload's split)."""
        return dt.time.fromisoformat(self.overtime_after)

    @property
    def late_pickup_grace(self) -> dt.timedelta:
        """How long after the day's last slot a child still waiting is a late pickup."""
        return dt.timedelta(minutes=self.late_pickup_grace_minutes)

    @classmethod
    def of(cls, school: School) -> Policy:
        """``school``'s policy in force."""
        return cls.read(school.policy)

    @classmethod
    def read(cls, stored: dict[str, Any] | None) -> Policy:
        """The stored JSONB with defaults for what it leaves out. A stored value that does
        not validate (written by hand, or under older rules) reads as its default, so one
        school's bad row cannot stop a sweep over every school."""
        values = {**DEFAULT_POLICY, **(stored or {})}
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            bad = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
            return cls.model_validate({**values, **{k: DEFAULT_POLICY[k] for k in bad}})


def merge(before: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """A PATCH of the policy: what it leaves out keeps its value, inside ``fees`` and
    ``pay_rates`` too."""
    after = {**before, **patch}
    if "fees" in patch:
        fees = {**before.get("fees", {}), **patch["fees"]}
        if "waivers" in patch["fees"]:
            fees["waivers"] = {**before.get("fees", {}).get("waivers", {}), **fees["waivers"]}
        after["fees"] = fees
    if "pay_rates" in patch:
        after["pay_rates"] = {**before.get("pay_rates", {}), **patch["pay_rates"]}
    return after


async def in_force(session: AsyncSession, school_id: uuid.UUID) -> Policy:
    """The policy in force for ``school_id`` now (changes apply to later requests only)."""
    stored = await session.scalar(select(School.policy).where(School.id == school_id))
    return Policy.read(stored)
