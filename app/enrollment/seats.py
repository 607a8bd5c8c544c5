"""Seats: the term's slot locks, who holds a seat, and filling freed seats from the waitlist.

Every status change in a term first locks all of that term's slot rows (in id order) and only
then the enrollment row it changes: one lock order on every path, so two families racing for
the last seat are served one after the other and no two paths deadlock. The row lock is
``FOR NO KEY UPDATE``: it excludes every other seat decision (and a capacity UPDATE) just as
``FOR UPDATE`` would, but not the foreign-key checks of rows that merely reference a slot
(roll calls, leave requests), which need not wait for an enrollment to commit.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import ColumnElement, any_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import NotFound
from app.enrollment import rules
from app.enrollment.errors import STATUS_LABELS
from app.enrollment.models import SEAT_HOLDING, Enrollment, EnrollmentSlot, EnrollmentStatus
from app.notifications.templates import Kind
from app.school.models import School, Slot, Student, Term

# Served first from a waitlist: any flag before none, then in this order of need.
PRIORITY_FLAGS = ("special_needs", "left_behind", "migrant", "low_income")


async def lock_term(session: AsyncSession, term_id: uuid.UUID) -> dict[uuid.UUID, Slot]:
    """Lock every slot of the term, in id order; held until the request's commit."""
    rows = await session.scalars(
        select(Slot)
        .where(Slot.term_id == term_id)
        .order_by(Slot.id)
        .with_for_update(key_share=True)
    )
    return {slot.id: slot for slot in rows}


async def lock_enrollment(session: AsyncSession, enrollment_id: uuid.UUID) -> Enrollment:
    """The enrollment, row-locked and re-read (call after ``lock_term``)."""
    enrollment = await session.scalar(
        select(Enrollment)
        .where(Enrollment.id == enrollment_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if enrollment is None:
        raise NotFound("enrollment.not_found")
    return enrollment


async def seats_taken(session: AsyncSession, slot_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many seat-holding enrollments each slot has."""
    rows = await session.execute(
        select(EnrollmentSlot.slot_id, func.count())
        .join(Enrollment, Enrollment.id == EnrollmentSlot.enrollment_id)
        .where(EnrollmentSlot.slot_id.in_(list(slot_ids)), Enrollment.status.in_(SEAT_HOLDING))
        .group_by(EnrollmentSlot.slot_id)
    )
    taken: dict[uuid.UUID, int] = defaultdict(int)
    for slot_id, count in rows:
        taken[slot_id] = count
    return taken


def full_slots(slots: Iterable[Slot], taken: dict[uuid.UUID, int]) -> list[Slot]:
    """The slots without a free seat (a slot without capacity never fills)."""
    return [s for s in slots if s.capacity is not None and taken[s.id] >= s.capacity]


async def slot_ids_of(
    session: AsyncSession, enrollment_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, set[uuid.UUID]]:
    rows = await session.execute(
        select(EnrollmentSlot.enrollment_id, EnrollmentSlot.slot_id).where(
            EnrollmentSlot.enrollment_id.in_(list(enrollment_ids))
        )
    )
    chosen: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for enrollment_id, slot_id in rows:
        chosen[enrollment_id].add(slot_id)
    return chosen


def _waitlist_rank() -> ColumnElement[int]:
    return case(
        *[(any_(Student.priority) == flag, rank) for rank, flag in enumerate(PRIORITY_FLAGS)],
        else_=len(PRIORITY_FLAGS),
    )


async def waitlist(session: AsyncSession, term_id: uuid.UUID) -> list[Enrollment]:
    """The term's waitlist in serving order: priority flags, then application time."""
    rows = await session.scalars(
        select(Enrollment)
        .join(Student, Student.id == Enrollment.student_id)
        .where(Enrollment.term_id == term_id, Enrollment.status == EnrollmentStatus.WAITLISTED)
        .order_by(_waitlist_rank(), Enrollment.applied_at, Enrollment.id)
    )
    return list(rows)


async def fill_from_waitlist(
    session: AsyncSession,
    *,
    school: School,
    term: Term,
    slots: dict[uuid.UUID, Slot],
    today: date,
    seats_free_from: date,
) -> list[Enrollment]:
    """Promote, in serving order, every waitlisted enrollment whose slots all have a seat.

    Call with the term locked, after a seat was freed (or capacity raised). One that still
    lacks a seat in some slot is passed over, so a freed seat never stays empty while
    someone waiting could use it. A promoted child starts no earlier than the day the seat
    is actually empty (a withdrawal's effective date).
    """
    candidates = await waitlist(session, term.id)
    if not candidates:
        return []
    taken = await seats_taken(session, slots)
    chosen = await slot_ids_of(session, (c.id for c in candidates))
    stage = rules.first_stage(school)
    promoted = []
    for candidate in candidates:
        wanted = [slots[s] for s in chosen[candidate.id] if s in slots]
        if full_slots(wanted, taken):
            continue
        start = max(candidate.start_date, today, seats_free_from)
        if start > term.end_date:
            continue
        for slot in wanted:
            taken[slot.id] += 1
        data = {"start_date": start.isoformat()} if start != candidate.start_date else {}
        candidate.start_date = start
        await rules.move(
            session, candidate, stage, action="enrollment.promoted", actor_id=None, data=data
        )
        await rules.notify_family(
            session,
            candidate,
            kind=Kind.ENROLLMENT_PROMOTED,
            params={"status": STATUS_LABELS[stage][0]},
        )
        promoted.append(candidate)
    return promoted
