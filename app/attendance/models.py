"""Roll-call marks: the last present/absent mark of a child for a slot on a day."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.models import Base


class MarkStatus(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"


class RosterStatus(StrEnum):
    EXPECTED = "expected"
    ON_LEAVE = "on_leave"
    PRESENT = "present"
    ABSENT = "absent"
    PICKED_UP = "picked_up"  # set by gate pickup
    RELEASED = "released"  # set by gate pickup (弹性离校)


class RollCallMark(Base):
    """The current mark; earlier marks live in the audit trail (``attendance.roll_call``)."""

    __tablename__ = "roll_call_marks"
    __table_args__ = (
        CheckConstraint("status IN ('present', 'absent')", name="status_known"),
        # The ledger's "when was each group's roll taken that day", for the whole school,
        # and the district's day counts, school by school. No index on ``day`` alone: the
        # planner took it for the roster's (child, slot, day) lookup whenever today was not
        # yet in the statistics, and scanned the district's whole day for each child
        # (bench/README.md, "Reports": a roster read 2 → 112 ms with a month of history).
        Index("ix_roll_call_marks_school_day", "school_id", "day"),
    )

    # The key is also the roster's lookup path: (child, slot, day).
    student_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), primary_key=True
    )
    slot_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("slots.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("schools.id", ondelete="CASCADE"), index=True
    )
    # The group whose roll it was (a class may move groups; the mark stays with the child).
    group_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("groups.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    marked_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime] = mapped_column(default=clock.now)


class RollCallAlert(Base):
    """A group whose missing roll call has been announced: once per group, slot and day.

    The per-minute job skips these, so a group whose roll is never taken costs it nothing
    after its one notice (before, every pass re-sent to the deduplication of each
    recipient: 12,000 groups took 63–95 s a pass at 200 schools, bench/README.md).
    """

    __tablename__ = "roll_call_alerts"

    group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    slot_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("slots.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    alerted_at: Mapped[datetime] = mapped_column(default=clock.now)
