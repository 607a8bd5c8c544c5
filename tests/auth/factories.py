"""Rows the auth tests stand on: classes, students, binding codes, guardians, token pairs."""

from __future__ import annotations

import secrets
from datetime import timedelta
from itertools import count

import httpx
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.core import clock
from app.school.models import BindingCode, Guardian, School, SchoolClass, Student
from tests.factories import PASSWORD

_seq = count(1)


async def create_class(
    session: AsyncSession, school: School, *, name: str | None = None
) -> SchoolClass:
    school_class = SchoolClass(school_id=school.id, name=name or f"三年级{next(_seq)}班", grade=3)
    session.add(school_class)
    await session.flush()
    return school_class


async def create_student(
    session: AsyncSession,
    school: School,
    *,
    school_class: SchoolClass | None = None,
    name: str | None = None,
) -> Student:
    school_class = school_class or await create_class(session, school)
    n = next(_seq)
    student = Student(
        school_id=school.id,
        class_id=school_class.id,
        name=name or f"学生{n}",
        student_no=f"S{n:05d}",
    )
    session.add(student)
    await session.flush()
    return student


CODE_TTL = timedelta(days=30)


async def create_binding_code(
    session: AsyncSession, student: Student, *, ttl: timedelta = CODE_TTL
) -> BindingCode:
    """The student's live code (replacing any), as the school issues them."""
    code = "".join(secrets.choice("23456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(8))
    await session.execute(delete(BindingCode).where(BindingCode.student_id == student.id))
    row = BindingCode(student_id=student.id, code=code, expires_at=clock.now() + ttl)
    session.add(row)
    await session.flush()
    return row


async def link_guardian(
    session: AsyncSession, user: User, student: Student, *, relationship: str = "母亲"
) -> Guardian:
    guardian = Guardian(user_id=user.id, student_id=student.id, relationship=relationship)
    session.add(guardian)
    await session.flush()
    return guardian


async def login(
    client: httpx.AsyncClient, user: User, password: str = PASSWORD
) -> dict[str, object]:
    response = await client.post(
        "/auth/login", json={"username": user.username, "password": password}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def bearer(pair: dict[str, object]) -> dict[str, str]:
    return {"Authorization": f"Bearer {pair['access_token']}"}
