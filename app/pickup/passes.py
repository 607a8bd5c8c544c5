"""Pickup passes: issued by a guardian, checked at the gate, throttled when guessed at."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.core import audit, clock
from app.core.pagination import PageParams, paginate
from app.core.principal import Principal
from app.pickup import repository
from app.pickup.authorisation import AuthorisedAdult, PassEntry, is_valid_on, named_on_pass
from app.pickup.errors import (
    PickupPassMixedSchools,
    PickupPassNotFound,
    PickupPersonNotListed,
    PickupTooManyAttempts,
)
from app.pickup.identity import code_digest, mask_phone, new_pass_code, normalise_phone
from app.pickup.models import (
    AdultKind,
    PickupPass,
    PickupPassStudent,
    PickupPerson,
    VerificationFailure,
)
from app.pickup.schemas import AdultOut, PickupPassIn, PickupPassOut
from app.pickup.school_rules import gate_rules
from app.school.access import guarded_student
from app.school.models import Guardian, School, Student

# Failed checks allowed per gate account and per code in the window, then 429.
THROTTLE_LIMIT = 5
THROTTLE_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class IssuedPass:
    pickup_pass: PickupPass
    code: str
    students: list[Student]


def adult_out(pickup_pass: PickupPass) -> AdultOut:
    return AdultOut(
        name=pickup_pass.adult_name,
        phone_masked=mask_phone(pickup_pass.adult_phone),
        relationship=pickup_pass.adult_relationship,
        kind=AdultKind(pickup_pass.adult_kind),
    )


async def _school(session: AsyncSession, school_id: uuid.UUID) -> School:
    school = await session.get(School, school_id)
    assert school is not None  # students always belong to a school
    return school


async def issue(session: AsyncSession, principal: Principal, body: PickupPassIn) -> IssuedPass:
    students = [
        await guarded_student(session, principal, sid) for sid in dict.fromkeys(body.student_ids)
    ]
    if len({s.school_id for s in students}) > 1:
        raise PickupPassMixedSchools(field="student_ids")
    school = await _school(session, students[0].school_id)
    zone = ZoneInfo(school.timezone)
    now = clock.now()
    today = now.astimezone(zone).date()

    persons: dict[uuid.UUID, uuid.UUID | None] = {s.id: None for s in students}
    if body.pickup_person_id is not None:
        chosen = await session.get(PickupPerson, body.pickup_person_id)
        if chosen is None or chosen.student_id not in persons or not is_valid_on(chosen, today):
            raise PickupPersonNotListed(field="pickup_person_id")
        # A person is listed per child: the same phone must be listed for every child named.
        listed = await session.scalars(
            select(PickupPerson).where(
                PickupPerson.student_id.in_(list(persons)), PickupPerson.phone == chosen.phone
            )
        )
        for person in listed:
            if is_valid_on(person, today):
                persons[person.student_id] = person.id
        if any(p is None for p in persons.values()):
            raise PickupPersonNotListed(field="pickup_person_id")
        adult_kind, name, relationship = AdultKind.PICKUP_PERSON, chosen.name, chosen.relationship
        phone: str | None = chosen.phone
    else:
        user = await session.get(User, principal.id)
        assert user is not None
        adult_kind, name, phone = AdultKind.GUARDIAN, user.name, user.phone
        relationship = (
            await session.scalar(
                select(Guardian.relationship).where(
                    Guardian.user_id == principal.id, Guardian.student_id == students[0].id
                )
            )
            or ""
        )

    rules = await gate_rules(session, school.id)
    end_of_day = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone)
    expires_at = min(now + timedelta(minutes=rules.pass_ttl_minutes), end_of_day.astimezone(UTC))
    for _ in range(5):  # a digest collision among live codes is astronomically rare; retry
        code = new_pass_code()
        pickup_pass = PickupPass(
            school_id=school.id,
            code_digest=code_digest(code),
            issued_by=principal.id,
            adult_kind=adult_kind,
            pickup_person_id=body.pickup_person_id,
            adult_name=name,
            adult_phone=normalise_phone(phone) or None,
            adult_relationship=relationship,
            date=today,
            expires_at=expires_at,
        )
        try:
            async with session.begin_nested():
                session.add(pickup_pass)
                await session.flush()
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover
        raise RuntimeError("could not allocate a pickup pass code")
    session.add_all(
        PickupPassStudent(pass_id=pickup_pass.id, student_id=sid, pickup_person_id=pid)
        for sid, pid in persons.items()
    )
    await session.flush()
    await audit.record(
        session,
        action="pickup_pass.issued",
        object_type="pickup_pass",
        object_id=pickup_pass.id,
        actor_id=principal.id,
        school_id=school.id,
        data={
            "student_ids": [str(s.id) for s in students],
            "adult_kind": adult_kind,
            "adult_name": name,
            "expires_at": expires_at.isoformat(),
        },
    )
    return IssuedPass(pickup_pass=pickup_pass, code=code, students=students)


def _status(pickup_pass: PickupPass) -> str:
    if pickup_pass.revoked_at is not None:
        return "revoked"
    return "active" if pickup_pass.expires_at > clock.now() else "expired"


async def list_issued(
    session: AsyncSession, principal: Principal, page: PageParams
) -> tuple[list[PickupPassOut], str | None]:
    """The caller's passes, newest first (the codes themselves are never stored)."""
    stmt = select(PickupPass).where(PickupPass.issued_by == principal.id)
    passes, cursor = await paginate(
        session, stmt, page, (PickupPass.created_at, PickupPass.id), descending=True
    )
    students: dict[uuid.UUID, list[uuid.UUID]] = {p.id: [] for p in passes}
    rows = await session.execute(
        select(PickupPassStudent.pass_id, PickupPassStudent.student_id).where(
            PickupPassStudent.pass_id.in_(list(students))
        )
    )
    for pass_id, student_id in rows.all():
        students[pass_id].append(student_id)
    items = [
        PickupPassOut(
            id=p.id,
            date=p.date,
            expires_at=p.expires_at,
            revoked_at=p.revoked_at,
            status=_status(p),
            adult=adult_out(p),
            student_ids=students[p.id],
            created_at=p.created_at,
        )
        for p in passes
    ]
    return items, cursor


async def revoke(session: AsyncSession, principal: Principal, code_or_id: str) -> None:
    """Revoke a pass by id or code: its issuer or any guardian of a child on it may."""
    try:
        stmt = select(PickupPass).where(PickupPass.id == uuid.UUID(code_or_id))
    except ValueError:
        stmt = select(PickupPass).where(PickupPass.code_digest == code_digest(code_or_id))
    pickup_pass = await session.scalar(stmt.with_for_update())
    if pickup_pass is None:
        raise PickupPassNotFound()
    if pickup_pass.issued_by != principal.id:
        guards = await session.scalar(
            select(Guardian.user_id)
            .join(PickupPassStudent, PickupPassStudent.student_id == Guardian.student_id)
            .where(PickupPassStudent.pass_id == pickup_pass.id, Guardian.user_id == principal.id)
            .limit(1)
        )
        if guards is None:
            raise PickupPassNotFound()
    if pickup_pass.revoked_at is not None:
        return
    pickup_pass.revoked_at = clock.now()
    await session.flush()
    await audit.record(
        session,
        action="pickup_pass.revoked",
        object_type="pickup_pass",
        object_id=pickup_pass.id,
        actor_id=principal.id,
        school_id=pickup_pass.school_id,
    )


# At the gate ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeCheck:
    """A code as the gate reads it: the live pass it opens, and who it authorises for whom."""

    pickup_pass: PickupPass
    # Each child on the pass → the adult as authorised for them now, or None if that lapsed.
    adults: dict[uuid.UUID, AuthorisedAdult | None]


def _throttle(now: datetime, recent: list[datetime] | None) -> None:
    if recent is not None and len(recent) >= THROTTLE_LIMIT:
        free_at = sorted(recent, reverse=True)[THROTTLE_LIMIT - 1] + THROTTLE_WINDOW
        retry_after = max(1, math.ceil((free_at - now).total_seconds()))
        raise PickupTooManyAttempts(retry_after=retry_after)


def _is_live(pickup_pass: PickupPass, school_id: uuid.UUID, today: date, now: datetime) -> bool:
    """Of this school, today's, unrevoked and unexpired."""
    return (
        pickup_pass.school_id == school_id
        and pickup_pass.revoked_at is None
        and pickup_pass.expires_at > now
        and pickup_pass.date == today
    )


async def check_code(
    session: AsyncSession, actor_id: uuid.UUID, digest: str, school_id: uuid.UUID, today: date
) -> CodeCheck | None:
    """The live pass with this code at this school today, or None; 429 first when this gate
    account, or this code, failed too often in the window. Who it names for each child is
    ``authorisation.named_on_pass``'s."""
    now = clock.now()
    rows = await repository.code_check(
        session, actor_id, digest, since=now - THROTTLE_WINDOW, limit=THROTTLE_LIMIT
    )
    first = rows[0]  # every row carries the throttle's windows and the pass
    _throttle(now, first.account_failures)  # the account first, then the code
    _throttle(now, first.code_failures)
    pickup_pass = first.PickupPass
    if pickup_pass is None or not _is_live(pickup_pass, school_id, today, now):
        return None
    entries = {
        row.student_id: PassEntry(row.issuer_relationship, row.pickup_person_id, row.PickupPerson)
        for row in rows
        if row.student_id is not None
    }
    return CodeCheck(pickup_pass, named_on_pass(pickup_pass, entries, today))


# Failures only matter to the throttle's 15-minute window; the audit trail keeps the history.
FAILURE_RETENTION = timedelta(days=1)


async def purge_verification_failures(session: AsyncSession, now: datetime) -> int:
    """Delete throttle rows older than a day (flushes; the caller commits)."""
    result = await session.execute(
        delete(VerificationFailure).where(VerificationFailure.created_at < now - FAILURE_RETENTION)
    )
    return int(getattr(result, "rowcount", 0) or 0)
