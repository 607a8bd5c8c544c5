"""Duty shifts and the handoffs between them."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.models import Base, IdMixin


class Post(StrEnum):
    GATE = "gate"  # 校门
    PATROL = "patrol"  # 巡查
    LEAD = "lead"  # 带班领导


class DutyShift(IdMixin, Base):
    """One staff member on duty at a post on a day, from a time to a time."""

    __tablename__ = "duty_shifts"
    __table_args__ = (
        Index("ix_duty_shifts_school_date", "school_id", "date"),
        CheckConstraint("start_time < end_time", name="times_ordered"),
        CheckConstraint("post IN ('gate', 'patrol', 'lead')", name="post_known"),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    date: Mapped[dt.date]
    start_time: Mapped[dt.time]
    end_time: Mapped[dt.time]
    staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    post: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class DutyHandoff(IdMixin, Base):
    """交接班: a shift handing over to the next, with the children still in care then."""

    __tablename__ = "duty_handoffs"

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    from_shift_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("duty_shifts.id", ondelete="CASCADE"), index=True
    )
    to_shift_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("duty_shifts.id", ondelete="SET NULL")
    )
    at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    notes: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # [{"student_id", "name", "class_name"}] as they were at ``at``: the record stays true.
    children_in_care: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
