"""A child's enrollment in a term's after-school service, with its chosen days and slots."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, SmallInteger, String, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.models import Base, IdMixin


class EnrollmentStatus(StrEnum):
    PENDING_CLASS_REVIEW = "pending_class_review"
    PENDING_SCHOOL_REVIEW = "pending_school_review"
    ACTIVE = "active"
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"
    WITHDRAWAL_PENDING = "withdrawal_pending"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"


# Statuses that hold a seat in each chosen slot.
SEAT_HOLDING = (
    EnrollmentStatus.PENDING_CLASS_REVIEW,
    EnrollmentStatus.PENDING_SCHOOL_REVIEW,
    EnrollmentStatus.ACTIVE,
    EnrollmentStatus.WITHDRAWAL_PENDING,
)
# Statuses whose child may be on a roster (between start_date and end_date): a pending
# withdrawal is still enrolled, and a withdrawn child attends until the effective date.
ON_ROSTER = (
    EnrollmentStatus.ACTIVE,
    EnrollmentStatus.WITHDRAWAL_PENDING,
    EnrollmentStatus.WITHDRAWN,
)
# Statuses after which the enrollment is over (a new one may be made).
CLOSED = (EnrollmentStatus.REJECTED, EnrollmentStatus.WITHDRAWN, EnrollmentStatus.CANCELLED)


class Enrollment(IdMixin, Base):
    __tablename__ = "enrollments"
    __table_args__ = (
        # One open enrollment per child and term (409 enrollment.duplicate).
        Index(
            "uq_enrollments_open_student_term",
            "student_id",
            "term_id",
            unique=True,
            postgresql_where=text("status NOT IN ('rejected', 'withdrawn', 'cancelled')"),
        ),
        Index("ix_enrollments_term_status", "term_id", "status"),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("schools.id", ondelete="CASCADE"), index=True
    )
    student_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), index=True
    )
    term_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("terms.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(32))
    weekdays: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger))
    # The chosen slot that ends last (``app.enrollment.slots``): the late-pickup sweep finds
    # the children whose day is over by an index lookup from the slots that have ended.
    # Kept by whatever changes the slots (theirs or their times); none without slots.
    last_slot_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("slots.id", ondelete="RESTRICT"), index=True
    )
    # On the roster from start_date; off it from end_date (the withdrawal's effective date).
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    # The signed safety agreement (安全责任书) of the term: version and time of acceptance.
    agreement_version: Mapped[int]
    agreement_accepted_at: Mapped[datetime]
    applied_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    applied_at: Mapped[datetime] = mapped_column(default=clock.now)
    withdrawal_reason: Mapped[str | None] = mapped_column(String(500))
    # The date the family asked to leave from; becomes end_date once the withdrawal stands.
    withdrawal_effective_date: Mapped[date | None]
    withdrawal_requested_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)


class ReviewStage(StrEnum):
    CLASS = "class"  # the homeroom teacher (班主任)
    SCHOOL = "school"  # a school admin
    WITHDRAWAL = "withdrawal"  # a school admin, when the policy asks for approval to leave


class EnrollmentReview(IdMixin, Base):
    """One reviewer's decision on one stage, with the comment the family reads."""

    __tablename__ = "enrollment_reviews"

    enrollment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(String(16))
    decision: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(String(500))
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class EnrollmentSlot(Base):
    """A slot chosen by an enrollment (a seat in that slot while the enrollment holds one)."""

    __tablename__ = "enrollment_slots"

    enrollment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), primary_key=True
    )
    slot_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("slots.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
