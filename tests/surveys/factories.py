"""Rows a survey test stands on: terms, slots, classes, students and their guardians."""

from __future__ import annotations

from datetime import date, time
from itertools import count

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role, User
from app.school.models import Guardian, School, SchoolClass, Slot, Student, Term
from tests.factories import create_user

_seq = count(1)


async def create_term(
    session: AsyncSession, school: School, *, name: str = "2026学年第一学期", **fields: object
) -> Term:
    term = Term(
        school_id=school.id,
        name=name,
        start_date=fields.pop("start_date", date(2026, 9, 1)),
        end_date=fields.pop("end_date", date(2027, 1, 20)),
        weekdays=fields.pop("weekdays", [1, 2, 3, 4, 5]),
        agreement_text="课后服务安全责任书",
        **fields,
    )
    session.add(term)
    await session.flush()
    return term


async def create_slot(
    session: AsyncSession, term: Term, *, name: str, start: str, end: str
) -> Slot:
    slot = Slot(
        school_id=term.school_id,
        term_id=term.id,
        name=name,
        start_time=time.fromisoformat(start),
        end_time=time.fromisoformat(end),
        capacity=None,
    )
    session.add(slot)
    await session.flush()
    return slot


async def create_class(
    session: AsyncSession, school: School, *, grade: int, name: str | None = None
) -> SchoolClass:
    school_class = SchoolClass(
        school_id=school.id, grade=grade, name=name or f"{grade}年级{next(_seq)}班"
    )
    session.add(school_class)
    await session.flush()
    return school_class


async def create_student(
    session: AsyncSession, school_class: SchoolClass, *, name: str | None = None
) -> Student:
    n = next(_seq)
    student = Student(
        school_id=school_class.school_id,
        class_id=school_class.id,
        name=name or f"学生{n}",
        student_no=f"S{n:05d}",
    )
    session.add(student)
    await session.flush()
    return student


async def create_parent(
    session: AsyncSession, *children: Student, relationship: str = "母亲", name: str | None = None
) -> User:
    """A parent account linked to ``children`` as their guardian."""
    parent = await create_user(session, roles=[Role.PARENT], name=name)
    for child in children:
        await link_guardian(session, parent, child, relationship=relationship)
    return parent


async def link_guardian(
    session: AsyncSession, parent: User, child: Student, *, relationship: str = "父亲"
) -> None:
    session.add(Guardian(user_id=parent.id, student_id=child.id, relationship=relationship))
    await session.flush()
