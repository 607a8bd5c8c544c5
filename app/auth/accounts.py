"""Account rules shared by every way an account is made: usernames, password strength, hashing."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.errors import AuthPasswordWeak, AuthUsernameInvalid
from app.auth.models import User
from app.core import clock, security
from app.core.executors import PASSWORD_HASHING, run_in

MIN_PASSWORD_LENGTH = 8
_USERNAME = re.compile(r"^[a-z0-9_.@+-]{3,64}$")


def normalize_username(raw: str) -> str:
    """Usernames are case-insensitive: ``Zhang.Li`` and ``zhang.li`` are one account."""
    username = raw.strip().lower()
    if not _USERNAME.fullmatch(username):
        raise AuthUsernameInvalid(field="username")
    return username


def _character_class(c: str) -> str:
    if c.isdigit():
        return "digit"
    if c.islower():
        return "lower"
    if c.isupper():
        return "upper"
    return "other"  # symbols, spaces, Chinese characters


def is_weak_password(password: str, *, username: str | None = None) -> bool:
    """Under 8 characters, all of one class (lower, upper, digit, other), or the username."""
    if len(password) < MIN_PASSWORD_LENGTH or len({_character_class(c) for c in password}) < 2:
        return True
    return username is not None and password.strip().lower() == username.lower()


def check_password(password: str, *, username: str | None, field: str = "password") -> None:
    if is_weak_password(password, username=username):
        raise AuthPasswordWeak(field=field)


# argon2 takes tens of milliseconds of CPU on purpose: on its own pool, off the event loop,
# so it stalls no one and nothing else (a spreadsheet parse) can make logins wait.
async def hash_password(password: str) -> str:
    return await run_in(PASSWORD_HASHING, security.hash_password, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    return await run_in(PASSWORD_HASHING, security.verify_password, password_hash, password)


async def insert_user(session: AsyncSession, **fields: Any) -> User | None:
    """Insert an account; ``None`` when its username or WeChat openid is already taken.

    ``ON CONFLICT DO NOTHING`` rather than catching the unique violation, so two requests
    racing for one username leave the transaction usable and answer 409, never 500.
    """
    row = {"id": uuid.uuid4(), "created_at": clock.now(), "is_active": True, **fields}
    stmt = pg_insert(User).values(**row).on_conflict_do_nothing().returning(User)
    return (await session.scalars(stmt)).one_or_none()
