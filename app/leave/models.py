"""A child's leave request for a date range and some or all slots of a term."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.models import Base, IdMixin


class LeaveKind(StrEnum):
    SICK = "sick"
    PERSONAL = "personal"
    EARLY_PICKUP = "early_pickup"


class LeaveStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class LeaveChannel(StrEnum):
    APP = "app"  # asked by a guardian in the app
    PHONE = "phone"  # given by phone, recorded by the homeroom teacher or an admin
    PAPER = "paper"  # a written note, recorded by the homeroom teacher or an admin


# Statuses that claim the child's days: a new request overlapping one of them is refused.
CLAIMING = (LeaveStatus.PENDING, LeaveStatus.APPROVED)


class LeaveRequest(IdMixin, Base):
    __tablename__ = "leave_requests"
    __table_args__ = (
        CheckConstraint("start_date <= end_date", name="dates_ordered"),
        CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'cancelled')", name="status_known"
        ),
        CheckConstraint("kind IN ('sick', 'personal', 'early_pickup')", name="kind_known"),
        CheckConstraint("channel IN ('app', 'phone', 'paper')", name="channel_known"),
        # The roster's on_leave lookup and the overlap check both go by child and dates.
        Index("ix_leave_requests_student_dates", "student_id", "start_date", "end_date"),
        Index("ix_leave_requests_school_created", "school_id", "created_at", "id"),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    student_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    term_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("terms.id", ondelete="CASCADE"))
    start_date: Mapped[date]
    end_date: Mapped[date]
    # NULL: every slot of those days; otherwise only these slots.
    slot_ids: Mapped[list[uuid.UUID] | None] = mapped_column(ARRAY(UUID(as_uuid=True)))
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default=LeaveStatus.PENDING)
    channel: Mapped[str] = mapped_column(
        String(8), default=LeaveChannel.APP, server_default=LeaveChannel.APP.value
    )
    requested_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]
    decision_comment: Mapped[str | None] = mapped_column(String(500))
    cancelled_at: Mapped[datetime | None]
