"""Every query of the ledger: care logs, the groups a ledger lists, the statistics' counts.

The roster's statuses are not read here: they come from the attendance service's set
query, so the ledger cannot disagree with the roster.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.auth.models import User
from app.core.personal_data import rows
from app.enrollment.models import Enrollment, EnrollmentSlot, EnrollmentStatus
from app.ledger.models import CareLog
from app.school import service as school
from app.school.models import Group, School, SchoolClass, Slot, Student, Term

# Enrollments that count as taking part in a term: on the rosters now.
PARTICIPATING = (EnrollmentStatus.ACTIVE, EnrollmentStatus.WITHDRAWAL_PENDING)


@dataclass(frozen=True)
class GroupLine:
    """What a ledger says about a group besides its counts."""

    group_id: uuid.UUID
    group_name: str
    kind: str
    slot_id: uuid.UUID
    slot_name: str
    slot_start: dt.time
    leader_name: str | None


async def school_of(session: AsyncSession, school_id: uuid.UUID) -> School:
    return await session.get_one(School, school_id)


async def school_group(
    session: AsyncSession, school_id: uuid.UUID | None, group_id: uuid.UUID
) -> Group | None:
    group = await session.get(Group, group_id)
    return group if group is not None and group.school_id == school_id else None


async def school_student(
    session: AsyncSession, school_id: uuid.UUID, student_id: uuid.UUID
) -> Student | None:
    student = await session.get(Student, student_id)
    return student if student is not None and student.school_id == school_id else None


async def school_term(
    session: AsyncSession, school_id: uuid.UUID | None, term_id: uuid.UUID
) -> Term | None:
    term = await session.get(Term, term_id)
    return term if term is not None and term.school_id == school_id else None


async def group_lines(
    session: AsyncSession,
    school_id: uuid.UUID,
    group_ids: Collection[uuid.UUID],
    staffed_by: uuid.UUID | None = None,
) -> dict[uuid.UUID, GroupLine]:
    """The groups among ``group_ids`` (those ``staffed_by`` staffs, if given)."""
    if not group_ids:
        return {}
    stmt = (
        select(Group.id, Group.name, Group.kind, Slot.id, Slot.name, Slot.start_time, User.name)
        .join(Slot, Slot.id == Group.slot_id)
        .outerjoin(User, User.id == Group.leader_id)
        .where(Group.school_id == school_id, Group.id.in_(group_ids))
    )
    if staffed_by is not None:
        stmt = stmt.where(school.staffed_by(staffed_by))
    rows = await session.execute(stmt)
    return {
        row[0]: GroupLine(row[0], row[1], row[2], row[3], row[4], row[5], row[6]) for row in rows
    }


async def add_care_log(session: AsyncSession, care_log: CareLog) -> None:
    session.add(care_log)
    await session.flush()


_Student = aliased(Student)


def _care_logs() -> Any:
    return (
        select(CareLog, _Student.name, User.name)
        .outerjoin(_Student, _Student.id == CareLog.student_id)
        .outerjoin(User, User.id == CareLog.author_id)
    )


async def care_log(session: AsyncSession, care_log_id: uuid.UUID) -> tuple[CareLog, Any, Any]:
    row = (await session.execute(_care_logs().where(CareLog.id == care_log_id))).one()
    return row[0], row[1], row[2]


async def care_logs_on(
    session: AsyncSession, school_id: uuid.UUID, day: dt.date
) -> list[tuple[CareLog, str | None, str | None]]:
    """The school's care logs of ``day`` in the order they were written."""
    rows = await session.execute(
        _care_logs()
        .where(CareLog.school_id == school_id, CareLog.date == day)
        .order_by(CareLog.created_at, CareLog.id)
    )
    return [(log, student, author) for log, student, author in rows]


async def class_labels(session: AsyncSession, school_id: uuid.UUID) -> dict[uuid.UUID, str]:
    rows = await session.execute(
        select(SchoolClass.id, SchoolClass.name)
        .where(SchoolClass.school_id == school_id)
        .order_by(SchoolClass.grade, SchoolClass.name)
    )
    return {class_id: name for class_id, name in rows}


async def group_labels(session: AsyncSession, school_id: uuid.UUID) -> dict[uuid.UUID, str]:
    rows = await session.execute(
        select(Group.id, Group.name)
        .join(Slot, Slot.id == Group.slot_id)
        .where(Group.school_id == school_id)
        .order_by(Slot.start_time, Group.name)
    )
    return {group_id: name for group_id, name in rows}


# Participation: one GROUP BY each for the school's children and the term's participants.


def _participants(term_id: uuid.UUID) -> Any:
    return select(Enrollment.student_id).where(
        Enrollment.term_id == term_id, Enrollment.status.in_(PARTICIPATING)
    )


async def participation_by_class(
    session: AsyncSession, school_id: uuid.UUID, term_id: uuid.UUID
) -> list[tuple[uuid.UUID, str, int, int, int]]:
    """Per class: id, name, grade, children, children taking part in the term."""
    taking_part = _participants(term_id).subquery()
    rows = await session.execute(
        select(
            SchoolClass.id,
            SchoolClass.name,
            SchoolClass.grade,
            func.count(Student.id),
            func.count(taking_part.c.student_id),
        )
        .outerjoin(Student, Student.class_id == SchoolClass.id)
        .outerjoin(taking_part, taking_part.c.student_id == Student.id)
        .where(SchoolClass.school_id == school_id)
        .group_by(SchoolClass.id)
        .order_by(SchoolClass.grade, SchoolClass.name)
    )
    return [(row[0], row[1], row[2], row[3], row[4]) for row in rows]


async def participation_by_slot(
    session: AsyncSession, term_id: uuid.UUID
) -> list[tuple[uuid.UUID, str, int]]:
    """Per slot of the term: id, name, children taking part in it."""
    rows = await session.execute(
        select(Slot.id, Slot.name, func.count(Enrollment.id))
        .outerjoin(EnrollmentSlot, EnrollmentSlot.slot_id == Slot.id)
        .outerjoin(
            Enrollment,
            (Enrollment.id == EnrollmentSlot.enrollment_id) & Enrollment.status.in_(PARTICIPATING),
        )
        .where(Slot.term_id == term_id)
        .group_by(Slot.id)
        .order_by(Slot.start_time, Slot.name)
    )
    return [(row[0], row[1], row[2]) for row in rows]


async def student_count(session: AsyncSession, school_id: uuid.UUID) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(Student).where(Student.school_id == school_id)
        )
        or 0
    )


async def care_logs_of_children(
    session: AsyncSession, student_ids: Sequence[uuid.UUID]
) -> list[dict[str, Any]]:
    """Care-log entries naming one of ``student_ids``, oldest first, as plain rows."""
    return await rows(
        session,
        select(
            CareLog.id,
            CareLog.student_id,
            CareLog.date,
            CareLog.kind,
            CareLog.text,
            CareLog.created_at,
        )
        .where(CareLog.student_id.in_(student_ids))
        .order_by(CareLog.created_at),
    )
