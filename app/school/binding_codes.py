"""Binding codes (绑定码): the one live code per child a family types to link an account.

Codes are 8 characters from an alphabet without look-alikes (no 0/O, 1/I), so a code
copied from a printed notice is typed right the first time. They expire after 30 days;
issuing a new one replaces the old (one row per student).
"""

from __future__ import annotations

import csv
import io
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import audit, clock
from app.core.principal import Principal
from app.school.integrity import constraint_name
from app.school.models import BindingCode, School, SchoolClass, Student

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8
LIFETIME = timedelta(days=30)
# A printed notice must leave a family time to use its code: shorter-lived ones are renewed.
RENEW_WITHIN = timedelta(days=7)
CODE_UNIQUE = "uq_binding_codes_code"
_ATTEMPTS = 5


@dataclass(frozen=True)
class IssuedCode:
    student_id: uuid.UUID
    code: str
    expires_at: datetime


def generate_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


async def _replace_codes(session: AsyncSession, student_ids: list[uuid.UUID]) -> list[IssuedCode]:
    """New codes for ``student_ids``, replacing their old ones, in one statement.

    40 random bits make a clash with a live code very unlikely; if one happens the
    savepoint is rolled back and the batch is drawn again.
    """
    attempt = 0
    while True:
        attempt += 1
        now = clock.now()
        issued = [IssuedCode(s, generate_code(), now + LIFETIME) for s in student_ids]
        rows = [
            {
                "student_id": c.student_id,
                "code": c.code,
                "expires_at": c.expires_at,
                "created_at": now,
            }
            for c in issued
        ]
        stmt = insert(BindingCode).values(rows)
        stmt = stmt.on_conflict_do_update(
            index_elements=[BindingCode.student_id],
            set_={
                "code": stmt.excluded.code,
                "expires_at": stmt.excluded.expires_at,
                "created_at": stmt.excluded.created_at,
            },
        )
        try:
            async with session.begin_nested():
                await session.execute(stmt)
        except IntegrityError as exc:
            if constraint_name(exc) != CODE_UNIQUE or attempt == _ATTEMPTS:
                raise
        else:
            return issued


async def issue(session: AsyncSession, admin: Principal, student: Student) -> IssuedCode:
    """A new code for the child; the old one stops working at once."""
    (issued,) = await _replace_codes(session, [student.id])
    await audit.record(
        session,
        action="binding_code.issued",
        object_type="student",
        object_id=student.id,
        actor_id=admin.id,
        school_id=student.school_id,
        data={"expires_at": issued.expires_at.isoformat()},  # never the code itself
    )
    return issued


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    # A name starting like a formula must not run as one when the sheet is opened in Excel.
    return "'" + value if value.startswith(_FORMULA_START) else value


async def class_notice_csv(
    session: AsyncSession,
    admin: Principal,
    school_class: SchoolClass,
    *,
    include_archived: bool = False,
) -> str:
    """Every child of the class with a live code (missing or expiring ones are issued now),
    as CSV for printing notices to families. Children who left (archived) only if asked."""
    stmt = select(Student).where(Student.class_id == school_class.id)
    if not include_archived:
        stmt = stmt.where(Student.archived_at.is_(None))
    students = list(await session.scalars(stmt.order_by(Student.student_no, Student.id)))
    codes = {
        c.student_id: IssuedCode(c.student_id, c.code, c.expires_at)
        for c in await session.scalars(
            select(BindingCode).where(BindingCode.student_id.in_([s.id for s in students]))
        )
    }
    renew_before = clock.now() + RENEW_WITHIN
    stale = [s.id for s in students if s.id not in codes or codes[s.id].expires_at < renew_before]
    if stale:
        codes.update((c.student_id, c) for c in await _replace_codes(session, stale))
    await audit.record(
        session,
        action="binding_code.exported",
        object_type="class",
        object_id=school_class.id,
        actor_id=admin.id,
        school_id=school_class.school_id,
        data={"students": len(students), "issued": len(stale)},
    )
    timezone = ZoneInfo(
        await session.scalar(select(School.timezone).where(School.id == school_class.school_id))
        or clock.DEFAULT_TIMEZONE
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["班级", "学号", "姓名", "绑定码", "有效期至"])
    for s in students:
        code = codes[s.id]
        expires = code.expires_at.astimezone(timezone).strftime("%Y-%m-%d %H:%M")
        writer.writerow(
            [_cell(school_class.name), _cell(s.student_no), _cell(s.name), code.code, expires]
        )
    return out.getvalue()
