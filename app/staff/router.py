"""HTTP endpoints of a school's staff accounts: /staff (shown with identity and access)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.auth.deps import SchoolAdmin
from app.auth.schemas import StaffRole
from app.core.database import SessionDep
from app.core.errors import PROBLEM_SCHEMA
from app.core.pagination import PageDep
from app.core.schemas import Page
from app.staff import accounts as staff
from app.staff.schemas import StaffIn, StaffOut, StaffPatch

# Under the tag of /auth and /me, right after them in /docs (``app.main._routers``).
router = APIRouter(tags=["auth"])


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    content = {"application/problem+json": {"schema": PROBLEM_SCHEMA}}
    return {status: {"description": "Problem", "content": content} for status in statuses}


@router.post("/staff", status_code=201, response_model=StaffOut, responses=_problems(403, 409))
async def create_staff(body: StaffIn, session: SessionDep, admin: SchoolAdmin) -> StaffOut:
    """Add a staff account to the admin's school.

    Username taken: 409 `auth.username_taken`; weak password: 422 `auth.password_weak`.
    """
    user = await staff.create(session, admin.staff_school(), admin.id, body)
    return (await staff.describe(session, [user]))[0]


@router.get("/staff", response_model=Page[StaffOut], responses=_problems(403))
async def list_staff(
    session: SessionDep,
    admin: SchoolAdmin,
    page: PageDep,
    role: Annotated[StaffRole | None, Query(description="Only staff holding this role.")] = None,
    is_active: Annotated[bool | None, Query(description="Only active (or inactive) staff.")] = None,
) -> Page[StaffOut]:
    """The staff of the admin's school, oldest account first."""
    users, cursor = await staff.list_staff(
        session, admin.staff_school(), page, role=role, is_active=is_active
    )
    return Page[StaffOut](items=await staff.describe(session, users), next_cursor=cursor)


@router.get("/staff/{staff_id}", response_model=StaffOut, responses=_problems(403, 404))
async def get_staff(staff_id: uuid.UUID, session: SessionDep, admin: SchoolAdmin) -> StaffOut:
    """One staff member of the admin's school (anyone else: 404 `staff.not_found`)."""
    user = await staff.get(session, admin.staff_school(), staff_id)
    return (await staff.describe(session, [user]))[0]


@router.patch("/staff/{staff_id}", response_model=StaffOut, responses=_problems(403, 404, 409))
async def update_staff(
    staff_id: uuid.UUID, body: StaffPatch, session: SessionDep, admin: SchoolAdmin
) -> StaffOut:
    """Change a staff member's name, phone, roles or password, or (de)activate them.

    A change of roles, activation or password ends the member's access tokens at once
    (401; after a role change their next refresh brings the new roles); deactivation and
    a password reset also end their sign-ins. Removing the school's last active admin:
    409 `staff.last_admin`.
    """
    user = await staff.update(session, admin.staff_school(), admin.id, staff_id, body)
    return (await staff.describe(session, [user]))[0]
