"""Who a survey is for: its audience's students, and the surveys a family may see.

A child is in the audience when the survey names neither grades nor classes (the whole
school), or names the child's grade, or names the child's class.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, Select, and_, any_, exists, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.school.models import Guardian, SchoolClass, Student
from app.surveys.models import Survey


def reaches(survey: Survey) -> ColumnElement[bool]:
    """SQL: the student (joined with its class) is in ``survey``'s audience (a loaded row)."""
    parts: list[ColumnElement[bool]] = []
    if survey.audience_grades:
        parts.append(SchoolClass.grade.in_(survey.audience_grades))
    if survey.audience_class_ids:
        parts.append(Student.class_id.in_(survey.audience_class_ids))
    return and_(Student.school_id == survey.school_id, or_(*parts) if parts else true())


def reaches_row() -> ColumnElement[bool]:
    """SQL: the student (joined with its class) is in the audience of the ``Survey`` in scope."""
    return and_(
        Student.school_id == Survey.school_id,
        or_(
            and_(
                func.cardinality(Survey.audience_grades) == 0,
                func.cardinality(Survey.audience_class_ids) == 0,
            ),
            SchoolClass.grade == any_(Survey.audience_grades),
            Student.class_id == any_(Survey.audience_class_ids),
        ),
    )


def includes(survey: Survey, student: Student, school_class: SchoolClass) -> bool:
    if student.school_id != survey.school_id:
        return False
    if not survey.audience_grades and not survey.audience_class_ids:
        return True
    return (
        school_class.grade in survey.audience_grades
        or student.class_id in survey.audience_class_ids
    )


async def students(session: AsyncSession, survey: Survey) -> list[tuple[Student, SchoolClass]]:
    """The audience's students with their classes, by grade, class and student number."""
    rows = await session.execute(
        select(Student, SchoolClass)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(reaches(survey))
        .order_by(SchoolClass.grade, SchoolClass.name, Student.student_no)
    )
    return [(student, school_class) for student, school_class in rows]


async def count_by_class(session: AsyncSession, survey: Survey) -> dict[uuid.UUID, int]:
    rows = await session.execute(
        select(Student.class_id, func.count())
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(reaches(survey))
        .group_by(Student.class_id)
    )
    return {class_id: n for class_id, n in rows}


def schools_of(user_id: uuid.UUID) -> Select[uuid.UUID]:
    """SQL: the schools of a guardian's children."""
    return (
        select(Student.school_id)
        .join(Guardian, Guardian.student_id == Student.id)
        .where(Guardian.user_id == user_id)
    )


def has_child_in_audience(user_id: uuid.UUID) -> ColumnElement[bool]:
    """SQL: the ``Survey`` row in scope reaches at least one child of ``user_id``."""
    return exists(
        select(Guardian.student_id)
        .join(Student, Student.id == Guardian.student_id)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(Guardian.user_id == user_id, reaches_row())
    )


async def children_of(
    session: AsyncSession, user_id: uuid.UUID
) -> list[tuple[Student, SchoolClass]]:
    """A guardian's children with their classes, by name."""
    rows = await session.execute(
        select(Student, SchoolClass)
        .join(Guardian, Guardian.student_id == Student.id)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(Guardian.user_id == user_id)
        .order_by(Student.name, Student.id)
    )
    return [(student, school_class) for student, school_class in rows]
