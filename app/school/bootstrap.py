"""Creating a school with its first admin (the ``kehou create-school`` command)."""

from __future__ import annotations

import uuid

from app.auth.models import Role, User
from app.core import audit
from app.core.database import sessionmaker
from app.core.security import hash_password
from app.school.models import School


async def create_school(
    *, name: str, admin_username: str, admin_password: str
) -> tuple[uuid.UUID, uuid.UUID]:
    async with sessionmaker()() as session, session.begin():
        school = School(name=name)
        session.add(school)
        await session.flush()
        admin = User(
            school_id=school.id,
            username=admin_username,
            name=admin_username,
            password_hash=hash_password(admin_password),
            roles=[Role.SCHOOL_ADMIN.value],
        )
        session.add(admin)
        await session.flush()
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
