"""The queries of activities and clubs: activity groups, choices, seats held and waiting."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.activities.models import ActivityChoice, ChoiceStatus
from app.auth.models import User
from app.core.personal_data import rows
from app.enrollment.models import ON_ROSTER, SEAT_HOLDING, Enrollment, EnrollmentSlot
from app.school.models import Group, GroupKind, SchoolClass, Slot, Student, Term

# A choice counts (for a seat held or a place in a queue) while its enrollment holds seats.
_HOLDING = and_(Enrollment.id == ActivityChoice.enrollment_id, Enrollment.status.in_(SEAT_HOLDING))


async def activities_of_term(
    session: AsyncSession, term_id: uuid.UUID, grade: int | None = None
) -> list[tuple[Group, Slot, str | None]]:
    """The term's activity groups (open to ``grade``), by slot and name, with the slot and
    the leader's name."""
    stmt = (
        select(Group, Slot, User.name)
        .join(Slot, Slot.id == Group.slot_id)
        .outerjoin(User, User.id == Group.leader_id)
        .where(Group.term_id == term_id, Group.kind == GroupKind.ACTIVITY)
        .order_by(Slot.start_time, Group.name, Group.id)
    )
    if grade is not None:
        stmt = stmt.where(Group.grades.contains([grade]))
    return [(g, s, n) for g, s, n in (await session.execute(stmt)).all()]


async def activities_by_id(
    session: AsyncSession, term_id: uuid.UUID, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Group]:
    rows = await session.scalars(
        select(Group).where(
            Group.id.in_(list(ids)), Group.term_id == term_id, Group.kind == GroupKind.ACTIVITY
        )
    )
    return {g.id: g for g in rows}


async def held(session: AsyncSession, group_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Seats held per activity: assigned choices of enrollments that hold seats."""
    rows = await session.execute(
        select(ActivityChoice.group_id, func.count())
        .join(Enrollment, _HOLDING)
        .where(
            ActivityChoice.group_id.in_(list(group_ids)),
            ActivityChoice.status == ChoiceStatus.ASSIGNED,
        )
        .group_by(ActivityChoice.group_id)
    )
    return {group_id: n for group_id, n in rows.all()}


async def waiting(
    session: AsyncSession, group_id: uuid.UUID, priority: ColumnElement[int]
) -> list[ActivityChoice]:
    """An activity's waitlist in serving order: ``priority`` (the waitlists' order of the
    priority flags, a column on ``Student``), then the time of choosing."""
    rows = await session.scalars(
        select(ActivityChoice)
        .join(Enrollment, _HOLDING)
        .join(Student, Student.id == ActivityChoice.student_id)
        .where(
            ActivityChoice.group_id == group_id,
            ActivityChoice.status == ChoiceStatus.WAITLISTED,
        )
        .order_by(priority, ActivityChoice.chosen_at, ActivityChoice.id)
    )
    return list(rows)


async def activities_with_waitlist(session: AsyncSession, term_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.scalars(
        select(ActivityChoice.group_id)
        .distinct()
        .join(Enrollment, _HOLDING)
        .where(Enrollment.term_id == term_id, ActivityChoice.status == ChoiceStatus.WAITLISTED)
        .order_by(ActivityChoice.group_id)
    )
    return list(rows)


async def choices_of(session: AsyncSession, enrollment_id: uuid.UUID) -> list[ActivityChoice]:
    rows = await session.scalars(
        select(ActivityChoice)
        .where(ActivityChoice.enrollment_id == enrollment_id)
        .order_by(ActivityChoice.rank, ActivityChoice.chosen_at)
    )
    return list(rows)


async def requested(
    session: AsyncSession, term_id: uuid.UUID, priority: ColumnElement[int]
) -> list[tuple[ActivityChoice, int]]:
    """The term's choices waiting for the draw, each with its child's ``priority`` order."""
    rows = await session.execute(
        select(ActivityChoice, priority)
        .join(Enrollment, _HOLDING)
        .join(Student, Student.id == ActivityChoice.student_id)
        .where(Enrollment.term_id == term_id, ActivityChoice.status == ChoiceStatus.REQUESTED)
    )
    return [(c, order) for c, order in rows.all()]


async def enrollment_slot_ids(session: AsyncSession, enrollment_id: uuid.UUID) -> set[uuid.UUID]:
    rows = await session.scalars(
        select(EnrollmentSlot.slot_id).where(EnrollmentSlot.enrollment_id == enrollment_id)
    )
    return set(rows)


async def grade_of(session: AsyncSession, student: Student) -> int:
    grade = await session.scalar(
        select(SchoolClass.grade).where(SchoolClass.id == student.class_id)
    )
    assert grade is not None
    return grade


async def group_names(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    rows = await session.execute(select(Group.id, Group.name).where(Group.id.in_(list(ids))))
    return {i: n for i, n in rows.all()}


async def quality_per_week(
    session: AsyncSession, term_id: uuid.UUID, not_quality: Iterable[str]
) -> list[tuple[uuid.UUID, str, str, int]]:
    """Per child with an enrollment holding seats in the term: how many meetings a week of
    quality activities (categories outside ``not_quality``) they are assigned, counted on
    their service days."""
    stmt = (
        select(Student.id, Student.name, SchoolClass.name, Enrollment.weekdays, Group.weekdays)
        .select_from(Enrollment)
        .join(Student, Student.id == Enrollment.student_id)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .outerjoin(
            ActivityChoice,
            and_(
                ActivityChoice.enrollment_id == Enrollment.id,
                ActivityChoice.status == ChoiceStatus.ASSIGNED,
            ),
        )
        .outerjoin(
            Group,
            and_(Group.id == ActivityChoice.group_id, Group.category.not_in(list(not_quality))),
        )
        .where(
            Enrollment.term_id == term_id,
            Enrollment.status.in_(SEAT_HOLDING),
            Student.archived_at.is_(None),
        )
        .order_by(SchoolClass.grade, SchoolClass.name, Student.student_no, Student.id)
    )
    per_week: dict[uuid.UUID, tuple[str, str, int]] = {}
    for student_id, name, class_name, days, activity_days in (await session.execute(stmt)).all():
        meets = len(set(days) & set(activity_days or ()))
        _, _, before = per_week.get(student_id, (name, class_name, 0))
        per_week[student_id] = (name, class_name, before + meets)
    return [(i, n, c, w) for i, (n, c, w) in per_week.items()]


async def enrollments_in(
    session: AsyncSession, student_id: uuid.UUID, first: date, last: date
) -> list[tuple[Enrollment, Term]]:
    """The child's enrollments on a roster whose term overlaps ``first``..``last``."""
    rows = await session.execute(
        select(Enrollment, Term)
        .join(Term, Term.id == Enrollment.term_id)
        .where(
            Enrollment.student_id == student_id,
            Enrollment.status.in_(ON_ROSTER),
            Term.start_date <= last,
            Term.end_date >= first,
        )
    )
    return [(e, t) for e, t in rows.all()]


async def slot_and_group_info(
    session: AsyncSession, pairs: Sequence[tuple[uuid.UUID, uuid.UUID]]
) -> dict[tuple[uuid.UUID, uuid.UUID], dict[str, Any]]:
    """What a timetable shows of each (slot, group)."""
    if not pairs:
        return {}
    rows = await session.execute(
        select(Slot, Group, User.name)
        .join(Group, Group.slot_id == Slot.id)
        .outerjoin(User, User.id == Group.leader_id)
        .where(Group.id.in_([g for _, g in pairs]))
    )
    return {
        (slot.id, group.id): {
            "slot_id": slot.id,
            "slot_name": slot.name,
            "start_time": slot.start_time,
            "end_time": slot.end_time,
            "group_id": group.id,
            "group_name": group.name,
            "category": group.category,
            "venue": group.venue,
            "leader_name": leader_name,
        }
        for slot, group, leader_name in rows.all()
    }


async def choices_of_children(
    session: AsyncSession, student_ids: Sequence[uuid.UUID]
) -> list[dict[str, Any]]:
    """The children's activity choices with the activity's name, as plain rows (an export)."""
    return await rows(
        session,
        select(
            ActivityChoice.student_id,
            ActivityChoice.group_id,
            Group.name.label("activity_name"),
            ActivityChoice.rank,
            ActivityChoice.status,
            ActivityChoice.chosen_at,
            ActivityChoice.decided_at,
        )
        .join(Group, Group.id == ActivityChoice.group_id)
        .where(ActivityChoice.student_id.in_(student_ids))
        .order_by(ActivityChoice.chosen_at),
    )
