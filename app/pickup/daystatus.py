"""Who is in the school's care on a date: the seam between the gate and the roster.

A child is *expected* on a date when an active (or withdrawal-pending) enrollment covers it:
the term runs that day, the weekday is one of the term's and the enrollment's, the date is
no closure, and ``start_date <= date < end_date``. Of the expected, roll call and leave
decide who is ``absent`` or ``on_leave``; the rest are the children the gate must hand over.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, time
from enum import StrEnum

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.enrollment.models import Enrollment, EnrollmentSlot, EnrollmentStatus
from app.school.models import Slot, Term

# Statuses under which the child is on the roster (withdrawal takes effect at end_date).
ON_ROSTER = (EnrollmentStatus.ACTIVE, EnrollmentStatus.WITHDRAWAL_PENDING)


class DayStatus(StrEnum):
    EXPECTED = "expected"
    ABSENT = "absent"
    ON_LEAVE = "on_leave"
    NOT_EXPECTED = "not_expected"


@dataclass(frozen=True)
class ExpectedDay:
    """An expected child's day: the slots they attend and when the last one ends (local)."""

    slot_ids: frozenset[uuid.UUID]
    last_slot_end: time


async def expected_children(
    session: AsyncSession,
    school_id: uuid.UUID,
    day: date,
    student_ids: Collection[uuid.UUID] | None = None,
) -> dict[uuid.UUID, ExpectedDay]:
    """The children an enrollment puts in the school's care on ``day`` (one query)."""
    weekday = day.isoweekday()
    conditions: list[ColumnElement[bool]] = [
        Enrollment.school_id == school_id,
        Enrollment.status.in_(ON_ROSTER),
        Enrollment.start_date <= day,
        or_(Enrollment.end_date.is_(None), Enrollment.end_date > day),
        Enrollment.weekdays.contains([weekday]),
        Term.start_date <= day,
        Term.end_date >= day,
        Term.weekdays.contains([weekday]),
        ~Term.closures.contains([day]),
    ]
    if student_ids is not None:
        if not student_ids:
            return {}
        conditions.append(Enrollment.student_id.in_(list(student_ids)))
    rows = await session.execute(
        select(Enrollment.student_id, func.array_agg(Slot.id), func.max(Slot.end_time))
        .join(Term, Term.id == Enrollment.term_id)
        .join(EnrollmentSlot, EnrollmentSlot.enrollment_id == Enrollment.id)
        .join(Slot, Slot.id == EnrollmentSlot.slot_id)
        .where(*conditions)
        .group_by(Enrollment.student_id)
    )
    return {
        student_id: ExpectedDay(slot_ids=frozenset(slot_ids), last_slot_end=last_end)
        for student_id, slot_ids, last_end in rows.all()
    }


async def day_statuses(
    session: AsyncSession,
    school_id: uuid.UUID,
    day: date,
    student_ids: Collection[uuid.UUID],
) -> dict[uuid.UUID, str]:
    """``expected`` | ``absent`` | ``on_leave`` | ``not_expected`` for each child on ``day``.

    TODO(attend integration): once ``app.leave`` and ``app.attendance`` are on main, mark a
    child ``on_leave`` when approved leave covers the date for all their slots that day, and
    ``absent`` when roll call marked them absent. Until then every enrolled child counts as
    expected.
    """
    expected = await expected_children(session, school_id, day, student_ids)
    return {
        sid: DayStatus.EXPECTED if sid in expected else DayStatus.NOT_EXPECTED
        for sid in student_ids
    }


async def attending_children(
    session: AsyncSession, school_id: uuid.UUID, day: date
) -> dict[uuid.UUID, ExpectedDay]:
    """The expected children who are neither absent nor on leave: the gate's to hand over."""
    expected = await expected_children(session, school_id, day)
    statuses = await day_statuses(session, school_id, day, list(expected))
    return {sid: d for sid, d in expected.items() if statuses[sid] == DayStatus.EXPECTED}
