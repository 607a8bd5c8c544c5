"""A district, the plans its schools file for each term, and families' complaints."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.models import Base, IdMixin


class District(IdMixin, Base):
    """An education bureau (区教育局) and the schools placed in it (``schools.district_id``)."""

    __tablename__ = "districts"

    name: Mapped[str] = mapped_column(String(100))
    # While set, a term's enrollment stays closed until the district approves its plan.
    require_plan_approval: Mapped[bool] = mapped_column(default=False, server_default="false")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class PlanStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"  # editable again


class SchoolPlan(IdMixin, Base):
    """A school's after-school service plan for one term (实施方案), filed with the district."""

    __tablename__ = "school_plans"
    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'submitted', 'approved', 'returned')", name="status_known"
        ),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("schools.id", ondelete="CASCADE"), index=True
    )
    term_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("terms.id", ondelete="CASCADE"), unique=True
    )
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    # The district's comment on its last decision.
    comment: Mapped[str | None] = mapped_column(String(500))
    updated_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)


class ComplaintCategory(StrEnum):
    FEES = "fees"
    SAFETY = "safety"
    QUALITY = "quality"
    STAFF = "staff"
    OTHER = "other"


class ComplaintStatus(StrEnum):
    OPEN = "open"  # no answer yet
    ANSWERED = "answered"  # answered, not resolved
    RESOLVED = "resolved"


# A complaint not resolved this long after it was made goes to the district.
ESCALATE_AFTER_DAYS = 7


class Complaint(IdMixin, Base):
    """A family's complaint about a school (监督举报), answered by the school's admins."""

    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint(
            "category IN ('fees', 'safety', 'quality', 'staff', 'other')", name="category_known"
        ),
        CheckConstraint("status IN ('open', 'answered', 'resolved')", name="status_known"),
        Index("ix_complaints_school_created", "school_id", "created_at", "id"),
        # The escalation sweep reads only the complaints it may still escalate.
        Index(
            "ix_complaints_awaiting_escalation",
            "created_at",
            postgresql_where=text("escalated_at IS NULL AND status <> 'resolved'"),
        ),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    complainant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    category: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    # Hides the complainant from the school; the district still sees who it is.
    anonymous: Mapped[bool]
    status: Mapped[str] = mapped_column(String(16), default=ComplaintStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    escalated_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]


class ComplaintResponse(IdMixin, Base):
    """A school admin's answer to a complaint; ``resolve`` closes it."""

    __tablename__ = "complaint_responses"

    complaint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    resolve: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class SchoolDay(Base):
    """One school's roll-call figures of one day, counted by the worker.

    The district's statistics read these (a few thousand rows for 200 schools and a month)
    instead of the month's roll-call marks (millions). ``district.count_days`` recounts the
    last ``RECOUNT_DAYS`` days every few minutes and fills in older days once.
    """

    __tablename__ = "district_school_days"

    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("schools.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    sessions: Mapped[int]  # group × slot with a roll call
    present: Mapped[int]
    marked: Mapped[int]
    staff_minutes: Mapped[int]
    overtime_minutes: Mapped[int]
    counted_at: Mapped[datetime]
