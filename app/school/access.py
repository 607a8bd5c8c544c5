"""Who may see which student, and who a student's guardians are (used by every domain).

Another family's child or another school's record answers 404 (``NotFound``), never 403,
so a caller learns nothing about objects outside their reach.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import STAFF_ROLES, Role, User
from app.core import clock
from app.core.principal import Principal
from app.school.errors import StudentNotFound
from app.school.models import Guardian, School, SchoolClass, Student


def is_staff_of(principal: Principal, school_id: uuid.UUID) -> bool:
    return principal.school_id == school_id and any(r.value in principal.roles for r in STAFF_ROLES)


async def is_guardian(session: AsyncSession, user_id: uuid.UUID, student_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(Guardian.user_id).where(
            Guardian.user_id == user_id, Guardian.student_id == student_id
        )
    )
    return found is not None


async def visible_student(
    session: AsyncSession, principal: Principal, student_id: uuid.UUID
) -> Student:
    """The student if the caller is staff of its school or one of its guardians, else 404."""
    student = await session.get(Student, student_id)
    if student is None:
        raise StudentNotFound()
    if is_staff_of(principal, student.school_id):
        return student
    if Role.PARENT.value in principal.roles and await is_guardian(
        session, principal.id, student.id
    ):
        return student
    raise StudentNotFound()


async def guarded_student(
    session: AsyncSession, principal: Principal, student_id: uuid.UUID
) -> Student:
    """The student if the caller is one of its guardians (parents' own actions), else 404."""
    student = await session.get(Student, student_id)
    if student is None or not await is_guardian(session, principal.id, student_id):
        raise StudentNotFound()
    return student


async def guardian_ids(session: AsyncSession, student_id: uuid.UUID) -> list[uuid.UUID]:
    """Every guardian account of a student (the recipients of family notifications)."""
    rows = await session.scalars(
        select(Guardian.user_id)
        .where(Guardian.student_id == student_id)
        .order_by(Guardian.created_at)
    )
    return list(rows)


async def school_admin_ids(session: AsyncSession, school_id: uuid.UUID) -> list[uuid.UUID]:
    """The active admin accounts of a school (recipients of the school's office notices)."""
    rows = await session.scalars(
        select(User.id)
        .where(
            User.school_id == school_id,
            User.is_active,
            User.roles.contains([Role.SCHOOL_ADMIN.value]),
        )
        .order_by(User.id)
    )
    return list(rows)


async def children_of(session: AsyncSession, user_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.scalars(select(Guardian.student_id).where(Guardian.user_id == user_id))
    return list(rows)


async def homeroom_teacher_id(session: AsyncSession, class_id: uuid.UUID) -> uuid.UUID | None:
    return await session.scalar(
        select(SchoolClass.homeroom_teacher_id).where(SchoolClass.id == class_id)
    )


async def school_today(session: AsyncSession, school_id: uuid.UUID) -> date:
    """Today's date in the school's time zone."""
    timezone = await session.scalar(select(School.timezone).where(School.id == school_id))
    return clock.today(timezone or clock.DEFAULT_TIMEZONE)


async def readable_school_ids(session: AsyncSession, principal: Principal) -> set[uuid.UUID]:
    """Schools whose set-up (terms, slots) the caller may read: their own as staff, and as a
    parent every school where one of their children is."""
    schools: set[uuid.UUID] = set()
    if principal.school_id is not None and is_staff_of(principal, principal.school_id):
        schools.add(principal.school_id)
    if Role.PARENT.value in principal.roles:
        rows = await session.scalars(
            select(Student.school_id)
            .join(Guardian, Guardian.student_id == Student.id)
            .where(Guardian.user_id == principal.id)
            .distinct()
        )
        schools.update(rows)
    return schools
