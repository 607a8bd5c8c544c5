"""A school's staff accounts, managed by its admins: create, list, change roles, deactivate.

A change of roles, activation or password ends the member's access tokens at once (401 on
their next request); after a role change their next refresh brings the new roles, while
deactivation and password resets also end every sign-in.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import accounts, tokens
from app.auth.errors import AuthUsernameTaken, StaffLastAdmin, StaffNotFound
from app.auth.models import STAFF_ROLES, Role, User
from app.core import audit
from app.core.pagination import PageParams, paginate
from app.school.models import School
from app.staff import service as outside_staff  # vetting of external staff and volunteers
from app.staff.schemas import StaffIn, StaffOut, StaffPatch

_STAFF_ROLE_VALUES = frozenset(r.value for r in STAFF_ROLES)


async def create_account(
    session: AsyncSession,
    *,
    school_id: uuid.UUID,
    username: str,
    password: str,
    name: str,
    phone: str | None,
    roles: list[str],
    actor_id: uuid.UUID | None,
) -> User:
    """A staff account of the school (also the first admin made by ``kehou create-school``)."""
    login = accounts.normalize_username(username)
    accounts.check_password(password, username=login)
    user = await accounts.insert_user(
        session,
        school_id=school_id,
        username=login,
        phone=phone,
        name=name,
        password_hash=await accounts.hash_password(password),
        roles=sorted(roles),
    )
    if user is None:
        raise AuthUsernameTaken()
    await audit.record(
        session,
        action="staff.created",
        object_type="user",
        object_id=user.id,
        actor_id=actor_id,
        school_id=school_id,
        data={"username": login, "roles": sorted(roles)},
    )
    return user


async def create(
    session: AsyncSession, school_id: uuid.UUID, actor_id: uuid.UUID, body: StaffIn
) -> User:
    outside_staff.check_employment(body.employment, body.vetting)
    user = await create_account(
        session,
        school_id=school_id,
        username=body.username,
        password=body.password,
        name=body.name,
        phone=body.phone,
        roles=list(body.roles),
        actor_id=actor_id,
    )
    user.employment = body.employment
    await session.flush()
    if body.vetting is not None:
        await outside_staff.record_vetting(session, user, body.vetting, actor_id)
    return user


async def describe(session: AsyncSession, users: list[User]) -> list[StaffOut]:
    """Staff accounts as the API shows them, with outside staff's vetting records."""
    vettings = await outside_staff.vettings_of(session, [u.id for u in users])
    return [
        StaffOut.model_validate(u).model_copy(update={"vetting": vettings.get(u.id)}) for u in users
    ]


async def list_staff(
    session: AsyncSession,
    school_id: uuid.UUID,
    page: PageParams,
    *,
    role: str | None,
    is_active: bool | None,
) -> tuple[list[User], str | None]:
    stmt = select(User).where(User.school_id == school_id)
    if role is not None:
        stmt = stmt.where(User.roles.contains([role]))
    if is_active is not None:
        stmt = stmt.where(User.is_active.is_(is_active))
    return await paginate(session, stmt, page, (User.created_at, User.id))


async def get(session: AsyncSession, school_id: uuid.UUID, user_id: uuid.UUID) -> User:
    """A staff member of this school; anyone else (another school, a parent) is 404."""
    user = await session.get(User, user_id)
    if user is None or user.school_id != school_id:
        raise StaffNotFound()
    return user


def _is_admin(roles: list[str], active: bool) -> bool:
    return active and Role.SCHOOL_ADMIN.value in roles


async def _lock_staff_changes(session: AsyncSession, school_id: uuid.UUID) -> None:
    """Serialise role and activation changes within a school.

    Two admins demoting each other at once take turns, so the second sees the first's
    change and the school keeps an admin. ``FOR NO KEY UPDATE`` leaves inserts that
    reference the school (students, classes) unblocked.
    """
    await session.execute(
        select(School.id).where(School.id == school_id).with_for_update(key_share=True)
    )


async def _other_admins(session: AsyncSession, school_id: uuid.UUID, user_id: uuid.UUID) -> int:
    count: int | None = await session.scalar(
        select(func.count(User.id)).where(
            User.school_id == school_id,
            User.id != user_id,
            User.is_active.is_(True),
            User.roles.contains([Role.SCHOOL_ADMIN.value]),
        )
    )
    return count or 0


async def update(
    session: AsyncSession,
    school_id: uuid.UUID,
    actor_id: uuid.UUID,
    user_id: uuid.UUID,
    body: StaffPatch,
) -> User:
    if body.roles is not None or body.is_active is not None:
        await _lock_staff_changes(session, school_id)
    # Read after the lock, so a change committed while we waited is the one we build on;
    # the member's row is locked too, so two edits of one member never lose a token_version
    # bump (NO KEY: rows referencing the member are not held up).
    user = await session.get(
        User, user_id, populate_existing=True, with_for_update={"key_share": True}
    )
    if user is None or user.school_id != school_id:
        raise StaffNotFound()
    if body.password is not None:
        accounts.check_password(body.password, username=user.username)

    changes: dict[str, Any] = {}
    roles = sorted(user.roles)
    if body.roles is not None:
        # Roles outside the staff set (a teacher who is also a parent) are kept as they are.
        roles = sorted({r for r in user.roles if r not in _STAFF_ROLE_VALUES} | set(body.roles))
    active = user.is_active if body.is_active is None else body.is_active
    if (
        _is_admin(user.roles, user.is_active)
        and not _is_admin(roles, active)
        and not await _other_admins(session, school_id, user.id)
    ):
        raise StaffLastAdmin()

    if roles != sorted(user.roles):
        changes["roles"] = {"from": sorted(user.roles), "to": roles}
        user.roles = roles
    if active != user.is_active:
        changes["is_active"] = {"from": user.is_active, "to": active}
        user.is_active = active
    if body.name is not None and body.name != user.name:
        changes["name"] = {"from": user.name, "to": body.name}
        user.name = body.name
    if "phone" in body.model_fields_set and body.phone != user.phone:
        changes["phone"] = {"from": user.phone, "to": body.phone}
        user.phone = body.phone
    if body.password is not None:
        user.password_hash = await accounts.hash_password(body.password)
        changes["password"] = "reset"  # that it changed, never what to

    if body.vetting is not None:
        await outside_staff.record_vetting(session, user, body.vetting, actor_id)
    if not changes:
        return user
    if changes.keys() & {"roles", "is_active", "password"}:
        tokens.end_access_tokens(user)  # their tokens in hand say otherwise: 401 from now on
    await session.flush()
    if "is_active" in changes and not active:
        changes["sessions_ended"] = await tokens.revoke_all(session, user.id, "deactivated")
    elif "password" in changes:
        changes["sessions_ended"] = await tokens.revoke_all(session, user.id, "password_reset")
    await audit.record(
        session,
        action="staff.updated",
        object_type="user",
        object_id=user.id,
        actor_id=actor_id,
        school_id=school_id,
        data=changes,
    )
    return user
