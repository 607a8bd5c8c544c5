"""Care logs (看护记录): what a group's staff wrote down about a session."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.models import Base, IdMixin


class CareLogKind(StrEnum):
    ACTIVITY = "activity"  # what the group did
    NOTE = "note"  # anything worth keeping
    INCIDENT = "incident"  # an accident or a conflict; with a child, their guardians are told


class CareLog(IdMixin, Base):
    __tablename__ = "care_logs"
    __table_args__ = (
        # The ledger reads a school's day; a group's history reads its days.
        Index("ix_care_logs_school_date", "school_id", "date", "created_at"),
        Index("ix_care_logs_group_date", "group_id", "date"),
        CheckConstraint("kind IN ('activity', 'note', 'incident')", name="kind_known"),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    slot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("slots.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(2000))
    student_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    date: Mapped[dt.date]
