"""The roster's two forms agree: the daily roster (``roster_select``, the status rules as
lookups per child) and the range's counts (``status_counts_select``, the rules' range forms
``OVER_A_RANGE``) give every (day, group, class) the same statuses.

One rich term: every status, an activity group (assigned mid-range, a waitlisted choice),
leave for the whole day, for one slot, overlapping and pending, a child withdrawn mid-range,
one starting mid-range, one on Mondays only, one in the evening only, a second class,
and a closure.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.activities.models import ActivityChoice, ChoiceStatus
from app.attendance import service as attendance
from app.attendance.models import RollCallMark, RosterStatus
from app.core import clock
from app.enrollment.models import Enrollment, EnrollmentStatus
from app.pickup.models import Handover
from app.school.models import Group, GroupKind, Slot, Student
from tests.attendance.factories import QINGMING, TERM_START, Campus, build_campus, create_leave
from tests.factories import create_class, create_group

FIRST = TERM_START - timedelta(days=3)  # before the term: no rows
LAST = QINGMING + timedelta(days=2)  # past the closure


def day(n: int) -> date:
    return TERM_START + timedelta(days=n)


async def _activity_group(session: AsyncSession, campus: Campus) -> Group:
    group = Group(
        school_id=campus.school.id,
        term_id=campus.term.id,
        slot_id=campus.activity.id,
        name="书法社",
        capacity=20,
        kind=GroupKind.ACTIVITY,
        weekdays=[2, 4],
    )
    session.add(group)
    await session.flush()
    return group


async def _choose(
    session: AsyncSession, child: Student, group: Group, status: str, start: date | None
) -> None:
    enrollment = await session.scalar(
        select(Enrollment.id).where(Enrollment.student_id == child.id)
    )
    assert enrollment is not None
    session.add(
        ActivityChoice(
            enrollment_id=enrollment,
            student_id=child.id,
            group_id=group.id,
            rank=1,
            status=status,
            start_date=start,
        )
    )
    await session.flush()


def _mark(campus: Campus, child: Student, slot: Slot, on: date, status: str) -> RollCallMark:
    return RollCallMark(
        school_id=campus.school.id,
        student_id=child.id,
        slot_id=slot.id,
        day=on,
        status=status,
        marked_at=clock.now(),
    )


def _handover(campus: Campus, child: Student, on: date, kind: str) -> Handover:
    return Handover(
        school_id=campus.school.id,
        student_id=child.id,
        date=on,
        kind=kind,
        picked_up_at=clock.now(),
        confirmed_by=campus.duty.id,
        confirmed_by_name=campus.duty.name,
    )


async def _rich_term(session: AsyncSession, campus: Campus) -> None:
    c = campus
    painter = await c.add_child(session)
    waiting = await c.add_child(session)
    withdrawn = await c.add_child(session, status=EnrollmentStatus.WITHDRAWN, end_date=day(12))
    late = await c.add_child(session, start_date=day(9))
    mondays = await c.add_child(session, weekdays=[1])
    evening_only = await c.add_child(session, slots=[c.evening])
    sick = await c.add_child(session)
    other_class = await create_class(session, c.school, name="四年级1班")
    await create_group(session, c.evening, classes=[other_class], leader=c.leader)
    neighbour = await c.add_child(session, school_class=other_class)

    activity = await _activity_group(session, c)
    await _choose(session, painter, activity, ChoiceStatus.ASSIGNED, day(10))
    await _choose(session, waiting, activity, ChoiceStatus.WAITLISTED, day(0))

    await create_leave(session, sick, c.term, day(2), day(4))
    await create_leave(session, sick, c.term, day(3), day(8))  # overlaps the first
    await create_leave(session, evening_only, c.term, day(1), day(2), slots=[c.evening])
    await create_leave(session, c.student, c.term, day(1), day(2), slots=[c.activity])
    await create_leave(session, late, c.term, day(9), day(9), status="pending")

    children = [c.student, painter, waiting, withdrawn, late, mondays, evening_only, sick]
    children.append(neighbour)
    rows: list[object] = []
    for n in range(0, (LAST - TERM_START).days + 1):
        on = day(n)
        for i, child in enumerate(children):
            pattern = (n + i) % 6
            if pattern in (0, 1, 2):
                rows.append(_mark(c, child, c.evening, on, "absent" if pattern == 0 else "present"))
            if pattern in (1, 3):
                rows.append(_mark(c, child, c.activity, on, "present"))
            if pattern == 2:
                rows.append(_handover(c, child, on, "picked_up"))
            if pattern == 4:
                rows.append(_handover(c, child, on, "released"))
    session.add_all(rows)
    await session.commit()


def _daily(entries: list[attendance.RosterEntry]) -> Counter[tuple[object, ...]]:
    return Counter((e.group_id, e.class_id, e.status) for e in entries)


async def test_the_ranges_counts_are_each_days_roster(session: AsyncSession) -> None:
    campus = await build_campus(session)
    await _rich_term(session, campus)
    school_id = campus.school.id

    counts = await attendance.status_counts(session, school_id, FIRST, LAST)
    by_day: dict[date, Counter[tuple[object, ...]]] = {}
    for c in counts:
        by_day.setdefault(c.day, Counter())[(c.group_id, c.class_id, c.status)] += c.count

    seen: Counter[RosterStatus] = Counter()
    groups = set()
    on = FIRST
    while on <= LAST:
        roster = await attendance.expected_students(session, school_id, on)
        assert by_day.get(on, Counter()) == _daily(roster), on
        seen.update(e.status for e in roster)
        groups.update(e.group_id for e in roster)
        on += timedelta(days=1)

    # the fixture is as rich as it says
    assert set(seen) == set(RosterStatus)
    assert len(groups) == 4  # two class groups, the second class's, the activity group
    assert QINGMING not in by_day and FIRST not in by_day
    # one day asked alone is that day of the range
    for n in (2, 10, 16):
        alone = await attendance.status_counts(session, school_id, day(n), day(n))
        assert (
            Counter({(c.group_id, c.class_id, c.status): c.count for c in alone}) == by_day[day(n)]
        )
