"""A staff member's check-in with a group for one slot on one day."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.models import Base, IdMixin


class CheckInSource(StrEnum):
    MANUAL = "manual"  # POST /staff-check-ins
    ROLL_CALL = "roll_call"  # taking the group's roll call


class StaffCheckIn(IdMixin, Base):
    """Who was with a group: the trace of teachers' participation (and, later, their pay)."""

    __tablename__ = "staff_check_ins"
    __table_args__ = (
        # Once per adult, group, slot and day, however often they tap or take the roll.
        UniqueConstraint("user_id", "group_id", "slot_id", "date"),
        # The ledger's day and the workload's month of a school: one index range.
        Index("ix_staff_check_ins_school_date", "school_id", "date"),
        CheckConstraint("source IN ('manual', 'roll_call')", name="source_known"),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    slot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("slots.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    checked_in_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    source: Mapped[str] = mapped_column(String(16))
    date: Mapped[dt.date]
