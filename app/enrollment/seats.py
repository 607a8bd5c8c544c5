"""Seats: the term's seat locks, who holds a seat, and the one function that hands seats out.

A seat is a place in a slot and, where the child's class feeds a group of that slot, in that
group: an enrollment that holds seats (pending, active, withdrawal pending) holds one in each
chosen slot and in the group it would be placed in there. A slot or group is full when its
seats held reach its capacity; a slot without capacity never fills.

Every seat decision first locks all of the term's slot rows, then all of its group rows (each
in id order), and only then the enrollment it changes: one lock order on every path, so two
families racing for the last seat are served one after the other, a capacity raised meanwhile
is seen by exactly one of them, and no two paths deadlock. The row lock is ``FOR NO KEY
UPDATE``: it excludes every other seat decision (and a capacity UPDATE) just as ``FOR UPDATE``
would, but not the foreign-key checks of rows that merely reference a slot or group (roll
calls, leave requests), which need not wait for an enrollment to commit.

``promote_waitlist`` is the one function that gives a seat to someone waiting. Whatever frees
or adds a seat (a withdrawal, a rejection, a cancellation, a capacity raised, a group added or
re-fed, an enrollment's slots changed) calls it with the term locked.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, and_, any_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.enrollment import rules
from app.enrollment.errors import STATUS_LABELS, EnrollmentNotFound
from app.enrollment.models import SEAT_HOLDING, Enrollment, EnrollmentSlot, EnrollmentStatus
from app.notifications.templates import Kind
from app.school.models import PRIORITIES, Group, GroupClass, School, Slot, Student, Term


@dataclass
class Seats:
    """A term's seats as they stand under its lock: capacities, seats held, who waits where."""

    slots: dict[uuid.UUID, Slot]
    groups: dict[uuid.UUID, Group]
    # (slot, class) -> the group of that slot the class feeds
    group_of: dict[tuple[uuid.UUID, uuid.UUID], uuid.UUID]
    slot_held: dict[uuid.UUID, int] = field(default_factory=lambda: defaultdict(int))
    group_held: dict[uuid.UUID, int] = field(default_factory=lambda: defaultdict(int))
    # how many waitlisted enrollments chose each slot, and would be placed in each group
    slot_waiting: dict[uuid.UUID, int] = field(default_factory=lambda: defaultdict(int))
    group_waiting: dict[uuid.UUID, int] = field(default_factory=lambda: defaultdict(int))

    def _groups(self, class_id: uuid.UUID, slot_ids: Iterable[uuid.UUID]) -> list[Group]:
        found = (self.group_of.get((s, class_id)) for s in slot_ids)
        return [self.groups[g] for g in found if g is not None]

    def full(self, class_id: uuid.UUID, slot_ids: Iterable[uuid.UUID]) -> list[Slot | Group]:
        """The chosen slots, then the groups the child would be placed in, without a free seat."""
        chosen = sorted((self.slots[s] for s in slot_ids), key=lambda s: s.start_time)
        full: list[Slot | Group] = [
            s for s in chosen if s.capacity is not None and self.slot_held[s.id] >= s.capacity
        ]
        groups = self._groups(class_id, (s.id for s in chosen))
        full += [g for g in groups if self.group_held[g.id] >= g.capacity]
        return full

    def queued(self, class_id: uuid.UUID, slot_ids: Iterable[uuid.UUID]) -> list[Slot]:
        """The chosen slots where every seat that looks free is spoken for by those waiting
        for it (in the slot, or in the group the newcomer would join): a newcomer taking one
        would jump the queue. An unlimited slot, or room beyond the waiting, is anyone's."""
        chosen = sorted((self.slots[s] for s in slot_ids), key=lambda s: s.start_time)
        queued = []
        for slot in chosen:
            group_id = self.group_of.get((slot.id, class_id))
            group = self.groups[group_id] if group_id is not None else None
            if (
                slot.capacity is not None
                and self.slot_waiting[slot.id]
                and self.slot_held[slot.id] + self.slot_waiting[slot.id] >= slot.capacity
            ) or (
                group is not None
                and self.group_waiting[group.id]
                and self.group_held[group.id] + self.group_waiting[group.id] >= group.capacity
            ):
                queued.append(slot)
        return queued

    def take(self, class_id: uuid.UUID, slot_ids: Iterable[uuid.UUID]) -> None:
        slot_ids = list(slot_ids)
        for slot_id in slot_ids:
            self.slot_held[slot_id] += 1
        for group in self._groups(class_id, slot_ids):
            self.group_held[group.id] += 1


async def lock_term(session: AsyncSession, term_id: uuid.UUID) -> Seats:
    """Lock the term's slots, then its groups (each in id order) and count the seats held.

    The locks are held until the request's commit.
    """
    slots = await session.scalars(
        select(Slot)
        .where(Slot.term_id == term_id)
        .order_by(Slot.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    groups = await session.scalars(
        select(Group)
        .where(Group.term_id == term_id)
        .order_by(Group.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    seats = Seats(slots={s.id: s for s in slots}, groups={g.id: g for g in groups}, group_of={})
    if seats.groups:
        feeding = await session.execute(
            select(GroupClass.slot_id, GroupClass.class_id, GroupClass.group_id).where(
                GroupClass.group_id.in_(list(seats.groups))
            )
        )
        seats.group_of = {(s, c): g for s, c, g in feeding}
    await _count(session, term_id, seats)
    return seats


async def _count(session: AsyncSession, term_id: uuid.UUID, seats: Seats) -> None:
    holding = and_(Enrollment.term_id == term_id, Enrollment.status.in_(SEAT_HOLDING))
    by_slot = await session.execute(
        select(EnrollmentSlot.slot_id, func.count())
        .join(Enrollment, Enrollment.id == EnrollmentSlot.enrollment_id)
        .where(holding)
        .group_by(EnrollmentSlot.slot_id)
    )
    seats.slot_held.update({slot_id: n for slot_id, n in by_slot})
    if seats.groups:
        by_group = await session.execute(
            select(GroupClass.group_id, func.count())
            .select_from(EnrollmentSlot)
            .join(Enrollment, Enrollment.id == EnrollmentSlot.enrollment_id)
            .join(Student, Student.id == Enrollment.student_id)
            .join(
                GroupClass,
                and_(
                    GroupClass.slot_id == EnrollmentSlot.slot_id,
                    GroupClass.class_id == Student.class_id,
                ),
            )
            .where(holding)
            .group_by(GroupClass.group_id)
        )
        seats.group_held.update({group_id: n for group_id, n in by_group})
    waiting = await session.execute(
        select(EnrollmentSlot.slot_id, GroupClass.group_id, func.count())
        .join(Enrollment, Enrollment.id == EnrollmentSlot.enrollment_id)
        .join(Student, Student.id == Enrollment.student_id)
        .outerjoin(
            GroupClass,
            and_(
                GroupClass.slot_id == EnrollmentSlot.slot_id,
                GroupClass.class_id == Student.class_id,
            ),
        )
        .where(Enrollment.term_id == term_id, Enrollment.status == EnrollmentStatus.WAITLISTED)
        .group_by(EnrollmentSlot.slot_id, GroupClass.group_id)
    )
    for slot_id, group_id, count in waiting:
        seats.slot_waiting[slot_id] += count
        if group_id is not None:
            seats.group_waiting[group_id] += count


async def lock_enrollment(session: AsyncSession, enrollment_id: uuid.UUID) -> Enrollment:
    """The enrollment, row-locked and re-read (call after ``lock_term``)."""
    enrollment = await session.scalar(
        select(Enrollment)
        .where(Enrollment.id == enrollment_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if enrollment is None:
        raise EnrollmentNotFound()
    return enrollment


async def class_of(session: AsyncSession, enrollment: Enrollment) -> uuid.UUID:
    class_id = await session.scalar(
        select(Student.class_id).where(Student.id == enrollment.student_id)
    )
    assert class_id is not None
    return class_id


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


def waitlist_rank() -> ColumnElement[int]:
    """Served first from a waitlist: any priority flag before none, then in their order of need."""
    return case(
        *[(any_(Student.priority) == flag, rank) for rank, flag in enumerate(PRIORITIES)],
        else_=len(PRIORITIES),
    )


async def waitlist(session: AsyncSession, term_id: uuid.UUID) -> list[tuple[Enrollment, uuid.UUID]]:
    """The term's waitlist in serving order (priority flags, then application time), each
    with the child's class."""
    rows = await session.execute(
        select(Enrollment, Student.class_id)
        .join(Student, Student.id == Enrollment.student_id)
        .where(Enrollment.term_id == term_id, Enrollment.status == EnrollmentStatus.WAITLISTED)
        .order_by(waitlist_rank(), Enrollment.applied_at, Enrollment.id)
    )
    return [(enrollment, class_id) for enrollment, class_id in rows]


async def promote_waitlist(
    session: AsyncSession, term_id: uuid.UUID, *, seats_free_from: date | None = None
) -> list[Enrollment]:
    """Give the term's free seats to the waitlist: the one place anyone waiting gets a seat.

    In serving order, every waitlisted enrollment whose slots and groups all have a free seat
    enters the policy's first stage and its family is told. One that still lacks a seat
    somewhere is passed over, so a seat never stays empty while someone waiting could use it.
    A promoted child starts no earlier than today, nor than ``seats_free_from`` (the day a
    withdrawal actually empties its seat). Takes the term's locks (again, if held).
    """
    seats = await lock_term(session, term_id)
    # The activities' seats (课程社团) follow the same queue rules, under the same locks.
    from app.activities import service as activities

    await activities.serve_waitlists(session, term_id)
    candidates = await waitlist(session, term_id)
    if not candidates:
        return []
    term = await session.get(Term, term_id)
    assert term is not None
    school = await session.get(School, term.school_id)
    assert school is not None
    today = clock.today(school.timezone)
    chosen = await slot_ids_of(session, (c.id for c, _ in candidates))
    stage = rules.first_stage(school)
    promoted = []
    for candidate, class_id in candidates:
        wanted = [s for s in chosen[candidate.id] if s in seats.slots]
        if seats.full(class_id, wanted):
            continue
        start = max(candidate.start_date, today, seats_free_from or today)
        if start > term.end_date:
            continue
        seats.take(class_id, wanted)
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
