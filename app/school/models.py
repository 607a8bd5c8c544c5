"""A school's structure: policy, terms, slots, classes, groups, students and guardians."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any, Literal, get_args

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.models import Base, IdMixin

DEFAULT_POLICY: dict[str, Any] = {
    "enrollment_review": "class_then_school",
    "withdrawal_review": "none",
    "max_group_size": 45,
    "late_pickup_grace_minutes": 15,
    "fees": {"mode": "free", "waivers": {}},
    "overtime_after": "16:30",
    "pay_rates": {"session_hour_fen": 0, "overtime_hour_fen": 0, "duty_hour_fen": 0},
}


# Priority flags (优先): a child with any of them is served first from a waitlist (by
# enrollment and by the activities' lottery, in this order of need) and may be waived fees
# (the policy's ``fees.waivers``).
Priority = Literal["special_needs", "left_behind", "migrant", "low_income"]
PRIORITIES: tuple[Priority, ...] = get_args(Priority)


class School(IdMixin, Base):
    __tablename__ = "schools"

    name: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    policy: Mapped[dict[str, Any]] = mapped_column(JSONB, default=lambda: dict(DEFAULT_POLICY))
    # The district (区教育局) the school reports to, if any (``app.district``).
    district_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("districts.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class SchoolClass(IdMixin, Base):
    """A homeroom class (班级), e.g. 三年级2班."""

    __tablename__ = "classes"
    __table_args__ = (
        UniqueConstraint("school_id", "name"),
        CheckConstraint("grade BETWEEN 1 AND 9", name="grade_range"),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    grade: Mapped[int] = mapped_column(SmallInteger)
    homeroom_teacher_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class Student(IdMixin, Base):
    __tablename__ = "students"
    __table_args__ = (UniqueConstraint("school_id", "student_no"),)

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    class_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("classes.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    student_no: Mapped[str] = mapped_column(String(32))
    # ``Priority`` flags, each once.
    priority: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    # A child who left the school (毕业、转学): kept for the records, off lists and rosters.
    archived_at: Mapped[datetime | None]


class Guardian(Base):
    """A parent account linked to a child (by binding code or by the school)."""

    __tablename__ = "guardians"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    student_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    relationship: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class BindingCode(Base):
    """The one live code a family types to link an account to a child."""

    __tablename__ = "binding_codes"

    student_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(16), unique=True)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class Term(IdMixin, Base):
    __tablename__ = "terms"
    __table_args__ = (
        CheckConstraint("start_date <= end_date", name="dates_ordered"),
        CheckConstraint(
            "cardinality(weekdays) BETWEEN 1 AND 7"
            " AND weekdays <@ ARRAY[1, 2, 3, 4, 5, 6, 7]::smallint[]",
            name="weekdays_iso",
        ),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("schools.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    start_date: Mapped[date]
    end_date: Mapped[date]
    weekdays: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger))
    closures: Mapped[list[date]] = mapped_column(ARRAY(Date), default=list)
    agreement_text: Mapped[str] = mapped_column(Text)
    agreement_version: Mapped[int] = mapped_column(default=1)
    # How activity choices are served: ``first_come`` (at once, by the seat rules) or
    # ``lottery`` (requested until an admin draws: ``app.activities``).
    activity_allocation: Mapped[str] = mapped_column(
        String(16), default="first_come", server_default="first_come"
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class Slot(IdMixin, Base):
    """A daily time slot of a term (课后活动 15:30–16:30, 晚托 16:30–18:00)."""

    __tablename__ = "slots"
    __table_args__ = (
        CheckConstraint("start_time < end_time", name="times_ordered"),
        CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity_positive"),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    term_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("terms.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    start_time: Mapped[time]
    end_time: Mapped[time]
    capacity: Mapped[int | None]
    # The slot's fee per term or per month, as the school's fee mode says (0: free).
    fee_fen: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class Group(IdMixin, Base):
    """An after-school group of one slot, led by a teacher, fed by one or more classes."""

    __tablename__ = "groups"
    __table_args__ = (CheckConstraint("capacity >= 1", name="capacity_positive"),)

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    term_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("terms.id", ondelete="CASCADE"), index=True
    )
    slot_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("slots.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    leader_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # A school staff member beside the leader (required when the leader is outside staff).
    assistant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    capacity: Mapped[int]
    # ``class``: fed by its classes every service day; ``activity`` (课程社团、走班): its
    # children are those assigned to it (``app.activities``), on its ``weekdays`` only.
    kind: Mapped[str] = mapped_column(String(16), default="class", server_default="class")
    weekdays: Mapped[list[int] | None] = mapped_column(ARRAY(SmallInteger))
    grades: Mapped[list[int] | None] = mapped_column(ARRAY(SmallInteger))
    category: Mapped[str | None] = mapped_column(String(16))
    venue: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class GroupKind:
    CLASS = "class"
    ACTIVITY = "activity"


class GroupClass(Base):
    """A class feeding a group; a class feeds at most one group per slot."""

    __tablename__ = "group_classes"
    __table_args__ = (UniqueConstraint("slot_id", "class_id"),)

    group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    class_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    slot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("slots.id", ondelete="CASCADE"))
