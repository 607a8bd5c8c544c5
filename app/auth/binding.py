"""Binding codes: how a family links an account to a child.

A code is eight characters from an alphabet without look-alikes (no 0/O, 1/I/L). Each
child has at most one live code; issuing a new one replaces the old. A code stays valid
until it expires or is replaced, so both parents (and grandparents) can use the same one.
Wrong guesses are throttled per account and per address (``throttle.BINDING``).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import errors as _errors  # noqa: F401  (registers the messages)
from app.auth import throttle
from app.auth.errors import Refused
from app.core import audit, clock
from app.core.errors import Conflict, NotFound
from app.school.models import BindingCode, Guardian, Student

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
CODE_TTL = timedelta(days=30)


def normalize(raw: str) -> str:
    """What a parent types, as stored: spaces and dashes dropped, upper case."""
    return "".join(c for c in raw if c not in " -\t").upper()


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


async def issue_code(
    session: AsyncSession, student_id: uuid.UUID, *, ttl: timedelta = CODE_TTL
) -> BindingCode:
    """A new live code for the student; the previous one (if any) stops working."""
    now = clock.now()
    for _ in range(5):  # a clash among 31^8 codes is rare; try again rather than fail
        code = _new_code()
        stmt = (
            pg_insert(BindingCode)
            .values(student_id=student_id, code=code, expires_at=now + ttl, created_at=now)
            .on_conflict_do_update(
                index_elements=["student_id"],
                set_={"code": code, "expires_at": now + ttl, "created_at": now},
            )
            .returning(BindingCode)
            .execution_options(populate_existing=True)
        )
        try:
            async with session.begin_nested():
                return (await session.scalars(stmt)).one()
        except IntegrityError:
            continue
    raise RuntimeError("could not draw an unused binding code")


async def redeem(
    session: AsyncSession,
    raw_code: str,
    *,
    account: str | None,
    ip: str | None,
    actor_id: uuid.UUID | None,
) -> Student:
    """The student a live code names, or ``Refused`` 404 ``binding.invalid`` (counted)."""
    await throttle.BINDING.guard(session, account=account, ip=ip)
    code = normalize(raw_code)
    student = await session.scalar(
        select(Student)
        .join(BindingCode, BindingCode.student_id == Student.id)
        .where(BindingCode.code == code, BindingCode.expires_at > clock.now())
    )
    if student is None:
        await throttle.BINDING.failed(session, account=account, ip=ip)
        await audit.record(
            session,
            action="binding.failed",
            object_type="binding_code",
            object_id=None,
            actor_id=actor_id,
            school_id=None,
        )
        raise Refused(NotFound("binding.invalid"))
    return student


async def link_guardian(
    session: AsyncSession, user_id: uuid.UUID, student: Student, relationship: str
) -> Guardian:
    """Make the account a guardian of the student (409 ``binding.already_linked`` if it is)."""
    now = clock.now()
    stmt = (
        pg_insert(Guardian)
        .values(user_id=user_id, student_id=student.id, relationship=relationship, created_at=now)
        .on_conflict_do_nothing()
        .returning(Guardian)
    )
    guardian = (await session.scalars(stmt)).one_or_none()
    if guardian is None:
        raise Conflict("binding.already_linked")
    await audit.record(
        session,
        action="guardian.linked",
        object_type="student",
        object_id=student.id,
        actor_id=user_id,
        school_id=student.school_id,
        data={"user_id": str(user_id), "relationship": relationship, "via": "binding_code"},
    )
    return guardian
