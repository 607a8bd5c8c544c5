"""Activities and clubs (课程社团、走班): families choose, seats and waitlists, the lottery,
a child's week, and the quality-activity check.

An activity group is a group of one slot (``app.school``, ``kind = activity``) with its
weekdays, grades and category. A family ranks the activities they want for an enrollment;
an *assigned* choice puts the child on the activity's roster on its weekdays instead of the
class group's (the roster's one rule, ``app.attendance.roster._placed``).

Seats follow the slots' queue rules: an activity holds as many assigned children (of
enrollments holding seats) as its capacity; past that, a choice waits, and waiting children
are served by priority flags, then the time they chose: a newcomer never takes a seat while
someone waits for it. Every change takes the term's seat locks first (slots, then groups,
activity groups among them), then the enrollment: the order of every seat decision.

In a ``lottery`` term, choices stay ``requested`` until an admin draws: by priority flags,
then rank, then a draw from the seed over a stable order (``draw``), so the same seed and
choices give the same result.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import combinations
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.activities import repository as repo
from app.activities.errors import (
    ActivityClash,
    ActivityDuplicate,
    ActivityEnrollmentNotOpen,
    ActivityGradeNotEligible,
    ActivityNotFound,
    ActivityNotLottery,
    ActivitySlotNotChosen,
    ActivityWeekdayNotChosen,
    ActivityWeekInvalid,
)
from app.activities.models import ActivityChoice, ChoiceStatus
from app.activities.schemas import (
    ActivityOut,
    AllocationOut,
    ChoiceOut,
    ChoicesIn,
    QualityGap,
    TimetableDay,
    TimetableOut,
    TimetableSlot,
)
from app.attendance import service as attendance
from app.attendance.models import RosterStatus
from app.core import audit, clock
from app.core.personal_data import Section
from app.core.principal import Principal
from app.enrollment import service as enrollments
from app.enrollment.models import Enrollment, EnrollmentStatus
from app.notifications import service as notifications
from app.notifications.templates import Kind
from app.school import access
from app.school.models import Group, Student, Term
from app.school.schemas import NOT_QUALITY

# Enrollments whose family may choose activities.
CHOOSING = (
    EnrollmentStatus.PENDING_CLASS_REVIEW,
    EnrollmentStatus.PENDING_SCHOOL_REVIEW,
    EnrollmentStatus.ACTIVE,
)
LOTTERY = "lottery"


# ---- the activities a child may choose ----


async def list_activities(
    session: AsyncSession, term: Term, student: Student | None
) -> list[ActivityOut]:
    """The term's activity groups (those open to ``student``'s grade), with seats left."""
    grade = await repo.grade_of(session, student) if student is not None else None
    found = await repo.activities_of_term(session, term.id, grade)
    held = await repo.held(session, (g.id for g, _, _ in found))
    return [
        ActivityOut(
            id=g.id,
            term_id=g.term_id,
            slot_id=g.slot_id,
            slot_name=slot.name,
            name=g.name,
            category=g.category or "",
            venue=g.venue,
            description=g.description,
            weekdays=g.weekdays or [],
            grades=g.grades or [],
            leader_id=g.leader_id,
            leader_name=leader_name,
            assistant_id=g.assistant_id,
            capacity=g.capacity,
            seats_left=max(0, g.capacity - held.get(g.id, 0)),
        )
        for g, slot, leader_name in found
    ]


async def open_to(session: AsyncSession, enrollment: Enrollment) -> list[Group]:
    """The activities this enrollment may choose: its child's grade, its slots, its days."""
    student = await session.get(Student, enrollment.student_id)
    assert student is not None
    grade = await repo.grade_of(session, student)
    slot_ids = await repo.enrollment_slot_ids(session, enrollment.id)
    return [
        group
        for group, _, _ in await repo.activities_of_term(session, enrollment.term_id, grade)
        if group.slot_id in slot_ids and set(group.weekdays or ()) <= set(enrollment.weekdays)
    ]


# ---- choosing ----


async def describe_choices(session: AsyncSession, enrollment: Enrollment) -> list[ChoiceOut]:
    chosen = await repo.choices_of(session, enrollment.id)
    names = await repo.group_names(session, (c.group_id for c in chosen))
    return [
        ChoiceOut(
            activity_id=c.group_id, activity_name=names[c.group_id], rank=c.rank, status=c.status
        )
        for c in chosen
    ]


def _check_choices(
    body: ChoicesIn,
    found: dict[uuid.UUID, Group],
    grade: int,
    slot_ids: set[uuid.UUID],
    weekdays: Iterable[int],
) -> None:
    """Each choice an activity of the term the child may take on their days; no two clash."""
    ids = [c.activity_id for c in body.choices]
    if len(set(ids)) != len(ids):
        raise ActivityDuplicate(field="choices")
    for i, choice in enumerate(body.choices):
        group = found.get(choice.activity_id)
        if group is None:
            raise ActivityNotFound(field=f"choices.{i}.activity_id")
        if grade not in (group.grades or ()):
            raise ActivityGradeNotEligible(field=f"choices.{i}", name=group.name)
        if group.slot_id not in slot_ids:
            raise ActivitySlotNotChosen(field=f"choices.{i}", name=group.name)
        if not set(group.weekdays or ()) <= set(weekdays):
            raise ActivityWeekdayNotChosen(field=f"choices.{i}", name=group.name)
    for a, b in combinations((found[i] for i in ids), 2):
        if a.slot_id == b.slot_id and set(a.weekdays or ()) & set(b.weekdays or ()):
            raise ActivityClash(field="choices", first=a.name, second=b.name)


async def set_choices(
    session: AsyncSession, principal: Principal, enrollment: Enrollment, body: ChoicesIn
) -> list[ChoiceOut]:
    """Make ``body`` the enrollment's ranked choices.

    A choice kept keeps its place (its status and time of choosing; its rank may change); a
    choice dropped frees its seat for the activity's waitlist; a new one is assigned when a
    seat is free and nobody waits for it, else waitlisted (``requested`` in a lottery term).
    """
    term = await session.get(Term, enrollment.term_id)
    assert term is not None
    await enrollments.lock_seats(session, term.id)
    enrollment = await enrollments.lock_enrollment(session, enrollment.id)
    if enrollment.status not in CHOOSING:
        raise ActivityEnrollmentNotOpen()
    student = await session.get(Student, enrollment.student_id)
    assert student is not None
    wanted = {c.activity_id: c.rank for c in body.choices}
    found = await repo.activities_by_id(session, term.id, wanted)
    _check_choices(
        body,
        found,
        await repo.grade_of(session, student),
        await repo.enrollment_slot_ids(session, enrollment.id),
        enrollment.weekdays,
    )
    existing = {c.group_id: c for c in await repo.choices_of(session, enrollment.id)}
    freed = []
    for group_id, choice in existing.items():
        if group_id in wanted:
            choice.rank = wanted[group_id]
            continue
        if choice.status == ChoiceStatus.ASSIGNED:
            freed.append(group_id)
        await session.delete(choice)
    await session.flush()
    held = await repo.held(session, wanted)
    now = clock.now()
    today = await access.school_today(session, enrollment.school_id)
    added = {}
    for group_id, rank in wanted.items():
        if group_id in existing:
            continue
        status = await _status_of_new_choice(session, term, found[group_id], held)
        added[str(group_id)] = status
        session.add(
            ActivityChoice(
                enrollment_id=enrollment.id,
                student_id=enrollment.student_id,
                group_id=group_id,
                rank=rank,
                status=status,
                chosen_at=now,
                decided_at=now if status == ChoiceStatus.ASSIGNED else None,
                start_date=today if status == ChoiceStatus.ASSIGNED else None,
            )
        )
    await session.flush()
    if freed:
        await serve_waitlists(session, term.id)
    await audit.record(
        session,
        action="activity.chosen",
        object_type="enrollment",
        object_id=enrollment.id,
        actor_id=principal.id,
        school_id=enrollment.school_id,
        data={
            "choices": {str(k): v for k, v in wanted.items()},
            "added": added,
            "dropped": [str(g) for g in existing if g not in wanted],
        },
    )
    return await describe_choices(session, enrollment)


async def _status_of_new_choice(
    session: AsyncSession, term: Term, group: Group, held: dict[uuid.UUID, int]
) -> ChoiceStatus:
    if term.activity_allocation == LOTTERY:
        return ChoiceStatus.REQUESTED
    if held.get(group.id, 0) < group.capacity and not await repo.waiting(
        session, group.id, enrollments.priority_order()
    ):
        held[group.id] = held.get(group.id, 0) + 1
        return ChoiceStatus.ASSIGNED
    return ChoiceStatus.WAITLISTED


async def serve_waitlists(session: AsyncSession, term_id: uuid.UUID) -> None:
    """Give every free activity seat of the term to those waiting for it (the term's seat
    locks held: ``app.enrollment.seats.promote_waitlist`` calls this whenever seats free)."""
    term = await session.get(Term, term_id)
    assert term is not None
    for group_id in await repo.activities_with_waitlist(session, term_id):
        await _promote(session, term, group_id)


async def _promote(session: AsyncSession, term: Term, group_id: uuid.UUID) -> None:
    """Give the activity's free seats to its waitlist, in serving order (term locked)."""
    group = await session.get(Group, group_id)
    assert group is not None
    free = group.capacity - (await repo.held(session, [group_id])).get(group_id, 0)
    if free <= 0:
        return
    today = await access.school_today(session, term.school_id)
    for choice in (await repo.waiting(session, group_id, enrollments.priority_order()))[:free]:
        choice.status = ChoiceStatus.ASSIGNED
        choice.decided_at = clock.now()
        choice.start_date = today
        await _tell_family(session, term, choice.student_id, {choice.group_id: True})


async def _tell_family(
    session: AsyncSession, term: Term, student_id: uuid.UUID, outcome: dict[uuid.UUID, bool]
) -> None:
    """``activity.assigned`` to the child's guardians: which activities they got, which not."""
    student = await session.get(Student, student_id)
    assert student is not None
    names = await repo.group_names(session, outcome)
    won = "、".join(names[g] for g, ok in outcome.items() if ok) or "无"
    lost = "、".join(names[g] for g, ok in outcome.items() if not ok) or "无"
    await notifications.notify(
        session,
        recipients=await access.guardian_ids(session, student_id),
        kind=Kind.ACTIVITY_ASSIGNED,
        params={
            "student_name": student.name,
            "term_name": term.name,
            "assigned": won,
            "not_assigned": lost,
        },
        data={
            "student_id": student_id,
            "term_id": term.id,
            "assigned": [g for g, ok in outcome.items() if ok],
            "not_assigned": [g for g, ok in outcome.items() if not ok],
        },
    )


# ---- the lottery ----


@dataclass(frozen=True)
class Request:
    """A choice waiting for the draw: whose, for what, its child's priority order, its rank."""

    choice_id: uuid.UUID
    student_id: uuid.UUID
    group_id: uuid.UUID
    priority: int
    rank: int


def draw(requests: Sequence[Request], free: dict[uuid.UUID, int], seed: int) -> set[uuid.UUID]:
    """The choices that win a seat: served by priority order, then rank, then a draw.

    The draw shuffles the requests in a stable order (child, then activity) with
    ``random.Random(seed)``: the same seed and requests give the same winners, whatever
    order the database returned them in.
    """
    stable = sorted(requests, key=lambda r: (str(r.student_id), str(r.group_id)))
    lots = list(range(len(stable)))
    random.Random(seed).shuffle(lots)  # noqa: S311  (a reproducible draw, not a secret)
    served = sorted(zip(lots, stable, strict=True), key=lambda x: (x[1].priority, x[1].rank, x[0]))
    seats = dict(free)
    winners = set()
    for _, request in served:
        if seats.get(request.group_id, 0) > 0:
            seats[request.group_id] -= 1
            winners.add(request.choice_id)
    return winners


async def allocate(session: AsyncSession, admin: Principal, term: Term, seed: int) -> AllocationOut:
    """Draw the term's requested choices; families are told their results."""
    if term.activity_allocation != LOTTERY:
        raise ActivityNotLottery()
    await enrollments.lock_seats(session, term.id)
    pending = await repo.requested(session, term.id, enrollments.priority_order())
    groups = await repo.activities_by_id(session, term.id, {c.group_id for c, _ in pending})
    held = await repo.held(session, groups)
    free = {g.id: max(0, g.capacity - held.get(g.id, 0)) for g in groups.values()}
    winners = draw(
        [Request(c.id, c.student_id, c.group_id, order, c.rank) for c, order in pending],
        free,
        seed,
    )
    now = clock.now()
    today = await access.school_today(session, term.school_id)
    outcomes: dict[uuid.UUID, dict[uuid.UUID, bool]] = defaultdict(dict)
    for choice, _ in pending:
        won = choice.id in winners
        choice.status = ChoiceStatus.ASSIGNED if won else ChoiceStatus.NOT_ASSIGNED
        choice.decided_at = now
        choice.start_date = today if won else None
        outcomes[choice.student_id][choice.group_id] = won
    await session.flush()
    for student_id in sorted(outcomes, key=str):
        await _tell_family(session, term, student_id, outcomes[student_id])
    result = AllocationOut(
        seed=seed, assigned=len(winners), not_assigned=len(pending) - len(winners)
    )
    await audit.record(
        session,
        action="activity.allocated",
        object_type="term",
        object_id=term.id,
        actor_id=admin.id,
        school_id=term.school_id,
        data=result.model_dump(),
    )
    return result


# ---- a child's week ----


def week_days(week: str) -> list[date]:
    """The seven dates of ISO week ``YYYY-Www`` (422 when the year has no such week)."""
    year, number = int(week[:4]), int(week[6:])
    try:
        monday = date.fromisocalendar(year, number, 1)
    except ValueError:
        raise ActivityWeekInvalid(field="week", week=week) from None
    return [monday + timedelta(days=i) for i in range(7)]


async def timetable(session: AsyncSession, student: Student, week: str) -> TimetableOut:
    """Per service day of the week: each slot with the group the roster puts the child in
    (an activity on its days, else the class group), leave and closures shown as such."""
    days = week_days(week)
    covering = await repo.enrollments_in(session, student.id, days[0], days[-1])
    items = []
    for day in days:
        served = [term for enrollment, term in covering if _service_day(enrollment, term, day)]
        if not served:
            continue
        if any(day in term.closures for term in served):
            items.append(TimetableDay(date=day, closed=True, slots=[]))
            continue
        entries = await attendance.expected_students(
            session, student.school_id, day, student_ids=[student.id]
        )
        info = await repo.slot_and_group_info(session, [(e.slot_id, e.group_id) for e in entries])
        slots = [
            TimetableSlot(
                **info[(e.slot_id, e.group_id)], on_leave=e.status == RosterStatus.ON_LEAVE
            )
            for e in entries
        ]
        slots.sort(key=lambda s: s.start_time)
        items.append(TimetableDay(date=day, slots=slots))
    return TimetableOut(student_id=student.id, week=week, items=items)


def _service_day(enrollment: Enrollment, term: Term, day: date) -> bool:
    """The term runs that weekday and the enrollment covers the day (closures aside)."""
    return (
        term.start_date <= day <= term.end_date
        and day.isoweekday() in term.weekdays
        and day.isoweekday() in enrollment.weekdays
        and enrollment.start_date <= day
        and (enrollment.end_date is None or day < enrollment.end_date)
    )


# ---- the quality-activity check ----


async def quality_gaps(session: AsyncSession, term: Term) -> list[QualityGap]:
    """Children with fewer than one quality activity (outside homework and care) a week."""
    rows = await repo.quality_per_week(session, term.id, NOT_QUALITY)
    return [
        QualityGap(student_id=i, name=n, class_name=c, per_week=w) for i, n, c, w in rows if w < 1
    ]


async def _personal_data(
    session: AsyncSession, user_id: uuid.UUID, student_ids: Sequence[uuid.UUID]
) -> dict[str, Any]:
    """The activities chosen for the children, and what became of each choice."""
    return {"activity_choices": await repo.choices_of_children(session, student_ids)}


PERSONAL_DATA = Section("activities", ("activity_choices",), _personal_data)
