"""A school's own rules (一校一方案): review modes, group size, pickup grace (read by all)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.school.models import DEFAULT_POLICY, School

EnrollmentReview = Literal["none", "class", "class_then_school"]
WithdrawalReview = Literal["none", "school"]
GroupSize = Annotated[int, Field(ge=1, le=500, description="Largest capacity a group may have.")]
GraceMinutes = Annotated[
    int,
    Field(ge=0, le=240, description="Minutes after the last slot before `pickup.late` is sent."),
]


class Policy(BaseModel):
    """The effective policy: what is stored, with defaults for keys a school never set."""

    model_config = ConfigDict(frozen=True)

    enrollment_review: EnrollmentReview
    withdrawal_review: WithdrawalReview
    max_group_size: GroupSize
    late_pickup_grace_minutes: GraceMinutes

    @classmethod
    def from_stored(cls, stored: dict[str, Any] | None) -> Policy:
        return cls.model_validate({**DEFAULT_POLICY, **(stored or {})})


async def school_policy(session: AsyncSession, school_id: uuid.UUID) -> Policy:
    """The policy in force for ``school_id`` now (changes apply to later requests only)."""
    stored = await session.scalar(select(School.policy).where(School.id == school_id))
    return Policy.from_stored(stored)
