"""Signing in: password login, parent registration, WeChat login, and the caller's own account."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import accounts, binding, throttle, tokens, wechat
from app.auth.errors import (
    AuthAccountDisabled,
    AuthInvalidCredentials,
    AuthPasswordIncorrect,
    AuthPhoneTaken,
    Refused,
)
from app.auth.models import RefreshFamily, Role, User
from app.auth.schemas import ChildIn, PasswordChangeIn, RegisterIn
from app.auth.tokens import TokenPair
from app.core import audit, security
from app.core.errors import AuthTokenInvalid
from app.core.personal_data import Section, rows
from app.notifications import service as notifications
from app.privacy import service as privacy
from app.school.models import Guardian, SchoolClass, Student

WECHAT_DEFAULT_NAME = "微信用户"


async def login(
    session: AsyncSession, username: str, password: str, *, ip: str | None
) -> TokenPair:
    """A token pair for the right password; otherwise one answer whoever the username names.

    An unknown username, a wrong password, an account without a password and a disabled
    account all cost one argon2 verification and answer ``auth.invalid_credentials``.
    """
    name = username.strip().lower()
    await throttle.LOGIN.guard(session, account=name, ip=ip)
    user = await session.scalar(select(User).where(User.username == name))
    valid = await accounts.verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        await throttle.LOGIN.failed(session, account=name, ip=ip)
        reason = "unknown_user" if user is None else "disabled" if valid else "wrong_password"
        await audit.record(
            session,
            action="auth.login_failed",
            object_type="user",
            object_id=user.id if user else None,
            actor_id=None,
            school_id=user.school_id if user else None,
            data={"reason": reason},
        )
        raise Refused(AuthInvalidCredentials())
    if user.password_hash and security.needs_rehash(user.password_hash):
        user.password_hash = await accounts.hash_password(password)
    await audit.record(
        session,
        action="auth.login",
        object_type="user",
        object_id=user.id,
        actor_id=user.id,
        school_id=user.school_id,
        data={"method": "password"},
    )
    return await tokens.start_session(session, user)


async def register(session: AsyncSession, body: RegisterIn, *, ip: str | None) -> TokenPair:
    """A parent account (the phone is its username) linked to the child the code names."""
    accounts.check_password(body.password, username=body.phone)
    student = await binding.redeem(
        session, body.binding_code, account=f"phone:{body.phone}", ip=ip, actor_id=None
    )
    user = await accounts.insert_user(
        session,
        username=body.phone,
        phone=body.phone,
        name=body.name,
        password_hash=await accounts.hash_password(body.password),
        roles=[Role.PARENT.value],
    )
    if user is None:
        raise AuthPhoneTaken()
    await privacy.accept_notice(session, user.id, body.privacy_notice_version)
    await audit.record(
        session,
        action="auth.registered",
        object_type="user",
        object_id=user.id,
        actor_id=user.id,
        school_id=None,
        data={"method": "binding_code"},
    )
    await binding.link_guardian(session, user.id, student, body.relationship)
    return await tokens.start_session(session, user)


async def wechat_login(session: AsyncSession, code: str) -> TokenPair:
    """Log in by WeChat; the first login makes a parent account with no children yet.

    WeChat is asked before the database is touched, so no connection waits on it.
    """
    openid = await wechat.openid_for_code(code)
    user = await session.scalar(select(User).where(User.wechat_openid == openid))
    if user is None:
        # Two first logins at once both miss the select; ON CONFLICT lets one insert win.
        user = await accounts.insert_user(
            session, name=WECHAT_DEFAULT_NAME, wechat_openid=openid, roles=[Role.PARENT.value]
        )
        if user is None:
            user = await session.scalar(select(User).where(User.wechat_openid == openid))
            assert user is not None
        else:
            # The mini-program shows the notice before its first login (wx.login).
            await privacy.accept_notice(session, user.id, None)
            await audit.record(
                session,
                action="auth.registered",
                object_type="user",
                object_id=user.id,
                actor_id=user.id,
                school_id=None,
                data={"method": "wechat"},
            )
    if not user.is_active:
        raise AuthAccountDisabled()
    await notifications.register_wechat_login(session, user.id, openid)
    await audit.record(
        session,
        action="auth.login",
        object_type="user",
        object_id=user.id,
        actor_id=user.id,
        school_id=user.school_id,
        data={"method": "wechat"},
    )
    return await tokens.start_session(session, user)


@dataclass(frozen=True)
class Child:
    id: uuid.UUID
    name: str
    class_name: str
    relationship: str


@dataclass(frozen=True)
class Me:
    id: uuid.UUID
    name: str
    username: str | None
    phone: str | None
    roles: list[str]
    school_id: uuid.UUID | None
    children: list[Child]


async def _children(session: AsyncSession, user_id: uuid.UUID) -> list[Child]:
    rows = await session.execute(
        select(Student.id, Student.name, SchoolClass.name, Guardian.relationship)
        .join(Guardian, Guardian.student_id == Student.id)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(Guardian.user_id == user_id)
        .order_by(Guardian.created_at, Student.id)
    )
    return [Child(id=i, name=n, class_name=c, relationship=r) for i, n, c, r in rows]


async def _account(session: AsyncSession, user_id: uuid.UUID, *, lock: bool = False) -> User:
    """The caller's row; ``lock`` holds it (NO KEY) for a change that must not be lost."""
    user = await session.get(
        User, user_id, populate_existing=lock, with_for_update={"key_share": True} if lock else None
    )
    if user is None:  # a valid token for an account that no longer exists
        raise AuthTokenInvalid()
    return user


async def me(session: AsyncSession, user_id: uuid.UUID, *, lock: bool = False) -> Me:
    """The caller's account as stored now, with the children it is linked to.

    ``lock`` holds the account's row until the transaction ends (an erasure).
    """
    user = await _account(session, user_id, lock=lock)
    return Me(
        id=user.id,
        name=user.name,
        username=user.username,
        phone=user.phone,
        roles=sorted(user.roles),
        school_id=user.school_id,
        children=await _children(session, user.id),
    )


async def rename(session: AsyncSession, user_id: uuid.UUID, name: str) -> Me:
    user = await _account(session, user_id)
    if user.name != name:
        await audit.record(
            session,
            action="user.renamed",
            object_type="user",
            object_id=user.id,
            actor_id=user.id,
            school_id=user.school_id,
            data={"from": user.name, "to": name},
        )
        user.name = name
        await session.flush()
    return await me(session, user_id)


async def add_child(
    session: AsyncSession, user_id: uuid.UUID, body: ChildIn, *, ip: str | None
) -> Child:
    """Link another child by its binding code."""
    student = await binding.redeem(
        session, body.binding_code, account=f"user:{user_id}", ip=ip, actor_id=user_id
    )
    await binding.link_guardian(session, user_id, student, body.relationship)
    class_name = await session.scalar(
        select(SchoolClass.name).where(SchoolClass.id == student.class_id)
    )
    return Child(
        id=student.id,
        name=student.name,
        class_name=class_name or "",
        relationship=body.relationship,
    )


async def change_password(
    session: AsyncSession, user_id: uuid.UUID, body: PasswordChangeIn, *, ip: str | None
) -> None:
    """Replace the caller's password; every sign-in ends, this one too (log in again)."""
    user = await _account(session, user_id, lock=True)  # its token_version is bumped
    account = user.username or f"user:{user.id}"
    await throttle.LOGIN.guard(session, account=account, ip=ip)
    if not await accounts.verify_password(user.password_hash, body.current_password):
        await throttle.LOGIN.failed(session, account=account, ip=ip)
        await audit.record(
            session,
            action="auth.password_change_failed",
            object_type="user",
            object_id=user.id,
            actor_id=user.id,
            school_id=user.school_id,
        )
        raise Refused(AuthPasswordIncorrect(field="current_password"))
    accounts.check_password(body.new_password, username=user.username, field="new_password")
    user.password_hash = await accounts.hash_password(body.new_password)
    tokens.end_access_tokens(user)
    revoked = await tokens.revoke_all(session, user.id, "password_changed")
    await audit.record(
        session,
        action="auth.password_changed",
        object_type="user",
        object_id=user.id,
        actor_id=user.id,
        school_id=user.school_id,
        data={"sessions_ended": revoked},
    )


async def _personal_data(
    session: AsyncSession, user_id: uuid.UUID, student_ids: Sequence[uuid.UUID]
) -> dict[str, Any]:
    """The account (never its password hash) and its sign-ins."""
    account = await rows(
        session,
        select(
            User.id,
            User.name,
            User.username,
            User.phone,
            User.roles,
            (User.wechat_openid.is_not(None)).label("wechat_linked"),
            User.created_at,
        ).where(User.id == user_id),
    )
    sign_ins = await rows(
        session,
        select(RefreshFamily.created_at, RefreshFamily.revoked_at, RefreshFamily.revoked_reason)
        .where(RefreshFamily.user_id == user_id)
        .order_by(RefreshFamily.created_at),
    )
    return {"account": account[0] if account else None, "sign_ins": sign_ins}


PERSONAL_DATA = Section("account", ("users", "refresh_families"), _personal_data)


async def erase_account(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Delete the account: its sign-ins, devices, inbox and links to children go with it.

    Its access tokens are refused from then on (``tokens.principal_for`` finds no account).
    """
    user = await _account(session, user_id, lock=True)
    await session.delete(user)
    await session.flush()
