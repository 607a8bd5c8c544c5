"""Creating a school with its first admin: ``kehou create-school``, and the demo's schools.

A composition root like ``cli.py``: it joins the school, its district and its first staff
account, so it sits above the domains it calls.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role, User
from app.core import audit
from app.core.database import sessionmaker
from app.district import service as district
from app.school.models import School
from app.staff import accounts as staff


async def create_school(
    *,
    name: str,
    admin_username: str,
    admin_password: str,
    district_id: uuid.UUID | None = None,
) -> tuple[uuid.UUID, uuid.UUID]:
    """The new school's id and its admin's, in a transaction of its own (the command);
    nothing is created when the admin is refused (see ``add_school``)."""
    async with sessionmaker()() as session, session.begin():
        school, admin = await add_school(
            session,
            name=name,
            admin_username=admin_username,
            admin_password=admin_password,
            district_id=district_id,
        )
        return school.id, admin.id


async def add_school(
    session: AsyncSession,
    *,
    name: str,
    admin_username: str,
    admin_password: str,
    admin_name: str | None = None,
    admin_phone: str | None = None,
    district_id: uuid.UUID | None = None,
) -> tuple[School, User]:
    """A school with the default policy, placed in ``district_id`` if given, and its first
    admin (named by the username unless ``admin_name``), in the caller's transaction.

    Raises ``Invalid`` (weak password, malformed username), ``Conflict`` (username taken)
    or ``NotFound`` (no such district).
    """
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
        name=admin_name or admin_username,
        phone=admin_phone,
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
    return school, admin
