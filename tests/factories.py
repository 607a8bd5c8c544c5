"""Plain helpers that save real rows for tests to stand on."""

from __future__ import annotations

import uuid
from itertools import count

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role, User
from app.core.security import create_access_token, hash_password
from app.school.models import School

_seq = count(1)
PASSWORD = "correct-horse-battery"
_PASSWORD_HASH = hash_password(PASSWORD)


async def create_school(
    session: AsyncSession, *, name: str | None = None, **fields: object
) -> School:
    school = School(name=name or f"第{next(_seq)}实验小学", **fields)
    session.add(school)
    await session.flush()
    return school


async def create_user(
    session: AsyncSession,
    *,
    roles: list[Role],
    school: School | None = None,
    name: str | None = None,
    username: str | None = None,
    **fields: object,
) -> User:
    n = next(_seq)
    user = User(
        school_id=school.id if school else None,
        username=username or f"user{n}",
        name=name or f"用户{n}",
        password_hash=_PASSWORD_HASH,
        roles=[r.value for r in roles],
        **fields,
    )
    session.add(user)
    await session.flush()
    return user


def auth(user: User, *, language: str | None = None) -> dict[str, str]:
    """Headers carrying a fresh access token for ``user`` (claims as at issue time)."""
    token, _ = create_access_token(user.id, list(user.roles), user.school_id)
    headers = {"Authorization": f"Bearer {token}"}
    if language:
        headers["Accept-Language"] = language
    return headers


def random_id() -> str:
    return str(uuid.uuid4())


async def give_phone(session: AsyncSession, *users: User) -> None:
    """Register an FCM device for each user, so pushes are owed to them (commits)."""
    from app.notifications.models import Device

    for user in users:
        session.add(Device(user_id=user.id, platform="fcm", token=f"fcm-{user.id}"))
    await session.commit()
