"""Creating a school with its first admin (the ``kehou create-school`` command)."""

from __future__ import annotations

import uuid

from app.auth import staff
from app.auth.models import Role
from app.core import audit
from app.core.database import sessionmaker
from app.district import service as district
from app.school.models import School


async def create_school(
    *,
    name: str,
    admin_username: str,
    admin_password: str,
    district_id: uuid.UUID | None = None,
) -> tuple[uuid.UUID, uuid.UUID]:
    """The new school's id and its admin's; nothing is created when the admin is refused.

    Raises ``Invalid`` (weak password, malformed username), ``Conflict`` (username taken)
    or ``NotFound`` (no such district).
    """
    async with sessionmaker()() as session, session.begin():
        school = School(name=name)
        session.add(school)
        await session.flush()
        if district_id is not None:
            await district.place_school(session, school, district_id)
        admin = await staff.create_account(
            session,
            school_id=school.id,
            username=admin_username,
            password=admin_password,
            name=admin_username,
            phone=None,
            roles=[Role.SCHOOL_ADMIN.value],
            actor_id=None,
        )
        await audit.record(
            session,
            action="school.created",
            object_type="school",
            object_id=school.id,
            actor_id=None,
            school_id=school.id,
            data={"admin_user_id": str(admin.id)},
        )
        return school.id, admin.id
