"""The cast of school set-up tests: a school with its admin and staff, a parent, and a
second school whose admin must find nothing of the first."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role, User
from app.school.models import School
from tests.factories import auth, create_school, create_user


@dataclass
class Cast:
    school: School
    admin: User
    teacher: User
    duty: User
    parent: User
    other_school: School
    other_admin: User
    other_teacher: User

    def headers(self, who: str, language: str | None = None) -> dict[str, str]:
        return auth(getattr(self, who), language=language)


@pytest.fixture
async def cast(session: AsyncSession) -> Cast:
    school = await create_school(session)
    other = await create_school(session)
    people = Cast(
        school=school,
        admin=await create_user(session, roles=[Role.SCHOOL_ADMIN], school=school),
        teacher=await create_user(session, roles=[Role.TEACHER], school=school),
        duty=await create_user(session, roles=[Role.DUTY], school=school),
        parent=await create_user(session, roles=[Role.PARENT], phone="13800000001"),
        other_school=other,
        other_admin=await create_user(session, roles=[Role.SCHOOL_ADMIN], school=other),
        other_teacher=await create_user(session, roles=[Role.TEACHER], school=other),
    )
    await session.commit()
    return people


# Roles refused every write of school set-up.
NOT_ADMINS = ("teacher", "duty", "parent")
