"""Outside staff for tests: an external instructor with a vetting record."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role, User
from app.school.models import School
from app.staff.models import StaffVetting
from tests.factories import create_user


async def create_outside_staff(
    session: AsyncSession,
    school: School,
    *,
    valid_until: date,
    employment: str = "external",
    name: str = "赵教练",
) -> User:
    user = await create_user(
        session, roles=[Role.TEACHER], school=school, name=name, employment=employment
    )
    session.add(
        StaffVetting(
            user_id=user.id,
            school_id=school.id,
            organisation="阳光体育培训中心",
            checked_at=date(2020, 1, 1),
            certificate_no="SY-2026-0815",
            valid_until=valid_until,
        )
    )
    await session.flush()
    return user
