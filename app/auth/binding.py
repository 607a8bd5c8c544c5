"""Redeeming binding codes: how a family links an account to a child.

The school issues the codes (one live code per child, ``app/school``). A code stays valid
until it expires or is replaced, so both parents (and grandparents) can use the same one.
Wrong guesses are throttled per account and per address (``throttle.BINDING``).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import throttle
from app.auth.errors import BindingAlreadyLinked, BindingInvalid, Refused
from app.core import audit, clock
from app.school.models import BindingCode, Guardian, Student


def normalize(raw: str) -> str:
    """What a parent types, as codes are stored: spaces and dashes dropped, upper case."""
    return "".join(c for c in raw if c not in " -\t").upper()


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
        raise Refused(BindingInvalid())
    return student


async def link_guardian(
    session: AsyncSession,
    user_id: uuid.UUID,
    student: Student,
    relationship: str,
    *,
    via: str = "binding_code",
) -> Guardian:
    """Make the account a guardian of the student (409 ``binding.already_linked`` if it is);
    ``via`` says how in the audit event (a redeemed binding code, or the demo's seeding)."""
    now = clock.now()
    stmt = (
        pg_insert(Guardian)
        .values(user_id=user_id, student_id=student.id, relationship=relationship, created_at=now)
        .on_conflict_do_nothing()
        .returning(Guardian)
    )
    guardian = (await session.scalars(stmt)).one_or_none()
    if guardian is None:
        raise BindingAlreadyLinked()
    await audit.record(
        session,
        action="guardian.linked",
        object_type="student",
        object_id=student.id,
        actor_id=user_id,
        school_id=student.school_id,
        data={"user_id": str(user_id), "relationship": relationship, "via": via},
    )
    return guardian
