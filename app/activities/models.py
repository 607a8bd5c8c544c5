"""A family's ranked choice of an activity group (课程社团) for an enrollment, and its fate."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.models import Base, IdMixin


class ChoiceStatus(StrEnum):
    ASSIGNED = "assigned"  # on the activity's roster on its weekdays
    WAITLISTED = "waitlisted"  # first come: waiting for a seat, served in queue order
    REQUESTED = "requested"  # lottery: waiting for the draw
    NOT_ASSIGNED = "not_assigned"  # lottery: not drawn


class ActivityChoice(IdMixin, Base):
    __tablename__ = "activity_choices"
    __table_args__ = (UniqueConstraint("enrollment_id", "group_id"),)

    enrollment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    student_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    rank: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(String(16))
    chosen_at: Mapped[datetime] = mapped_column(default=clock.now)
    decided_at: Mapped[datetime | None]
    # Assigned: on the activity's roster from this day (the school's day it was decided);
    # the days before stay the class group's.
    start_date: Mapped[date | None]
