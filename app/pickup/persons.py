"""The lists the gate decides by (``authorisation.may_collect``): the pickup persons a
family authorised, and the adults a school admin blocked (a custody order)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.core import audit, clock
from app.core.errors import Invalid
from app.core.pagination import PageParams, paginate
from app.core.principal import Principal
from app.notifications import service as notifications
from app.notifications.templates import Kind
from app.pickup.errors import (
    PickupBlockedAdultNotFound,
    PickupPersonDuplicate,
    PickupPersonNotFound,
    PickupPersonsLimit,
    PickupValidityInvalid,
)
from app.pickup.identity import id_number_digest, normalise_id_number, normalise_phone
from app.pickup.models import BlockedAdult, PickupPerson
from app.pickup.schemas import BlockedAdultIn, PickupPersonIn, PickupPersonPatch
from app.school.access import guardian_ids
from app.school.models import Student

MAX_PICKUP_PERSONS = 20


async def list_persons(
    session: AsyncSession, student: Student, page: PageParams
) -> tuple[list[PickupPerson], str | None]:
    stmt = select(PickupPerson).where(
        PickupPerson.student_id == student.id, PickupPerson.removed_at.is_(None)
    )
    return await paginate(session, stmt, page, (PickupPerson.created_at, PickupPerson.id))


async def live_person(
    session: AsyncSession, student_id: uuid.UUID, person_id: uuid.UUID
) -> PickupPerson:
    person = await session.get(PickupPerson, person_id)
    if person is None or person.student_id != student_id or person.removed_at is not None:
        raise PickupPersonNotFound()
    return person


def _check_window(valid_from: date | None, valid_until: date | None) -> None:
    if valid_from is not None and valid_until is not None and valid_from > valid_until:
        raise PickupValidityInvalid(field="valid_until")


async def _save(session: AsyncSession, person: PickupPerson) -> None:
    # The partial unique index settles two guardians adding the same phone at once.
    try:
        async with session.begin_nested():
            session.add(person)
            await session.flush()
    except IntegrityError as exc:
        raise PickupPersonDuplicate() from exc


async def _phone_taken(
    session: AsyncSession, student_id: uuid.UUID, phone: str, except_id: uuid.UUID | None = None
) -> bool:
    stmt = select(PickupPerson.id).where(
        PickupPerson.student_id == student_id,
        PickupPerson.phone == phone,
        PickupPerson.removed_at.is_(None),
    )
    if except_id is not None:
        stmt = stmt.where(PickupPerson.id != except_id)
    return (await session.scalar(stmt)) is not None


async def add_person(
    session: AsyncSession, principal: Principal, student: Student, body: PickupPersonIn
) -> PickupPerson:
    _check_window(body.valid_from, body.valid_until)
    live = await session.scalar(
        select(func.count()).where(
            PickupPerson.student_id == student.id, PickupPerson.removed_at.is_(None)
        )
    )
    if (live or 0) >= MAX_PICKUP_PERSONS:
        raise PickupPersonsLimit(limit=MAX_PICKUP_PERSONS)
    phone = normalise_phone(body.phone)
    if await _phone_taken(session, student.id, phone):
        raise PickupPersonDuplicate()
    person = PickupPerson(
        school_id=student.school_id,
        student_id=student.id,
        name=body.name,
        phone=phone,
        relationship=body.relationship,
        level=body.level,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        created_by=principal.id,
    )
    await _save(session, person)
    await audit.record(
        session,
        action="pickup_person.added",
        object_type="pickup_person",
        object_id=person.id,
        actor_id=principal.id,
        school_id=student.school_id,
        data={"student_id": str(student.id), "name": person.name, "level": person.level},
    )
    # The other guardians hear of every new adult who may collect their child.
    actor = await session.get(User, principal.id)
    await notifications.notify(
        session,
        recipients=[g for g in await guardian_ids(session, student.id) if g != principal.id],
        kind=Kind.PICKUP_PERSON_ADDED,
        params={
            "student_name": student.name,
            "actor_name": actor.name if actor else "",
            "adult_name": person.name,
            "relationship": person.relationship,
        },
        data={"student_id": str(student.id), "pickup_person_id": str(person.id)},
    )
    return person


async def update_person(
    session: AsyncSession,
    principal: Principal,
    student: Student,
    person_id: uuid.UUID,
    body: PickupPersonPatch,
) -> PickupPerson:
    person = await live_person(session, student.id, person_id)
    changes = body.model_dump(exclude_unset=True)
    for field in ("name", "phone", "relationship", "level"):
        if field in changes and changes[field] is None:
            raise Invalid(field=field)
    if "phone" in changes:
        changes["phone"] = normalise_phone(changes["phone"])
        if await _phone_taken(session, student.id, changes["phone"], except_id=person.id):
            raise PickupPersonDuplicate()
    _check_window(
        changes.get("valid_from", person.valid_from), changes.get("valid_until", person.valid_until)
    )
    for field, value in changes.items():
        setattr(person, field, value)
    await _save(session, person)
    await audit.record(
        session,
        action="pickup_person.updated",
        object_type="pickup_person",
        object_id=person.id,
        actor_id=principal.id,
        school_id=student.school_id,
        data={"student_id": str(student.id), "changes": sorted(changes)},
    )
    return person


async def remove_person(
    session: AsyncSession, principal: Principal, student: Student, person_id: uuid.UUID
) -> None:
    person = await live_person(session, student.id, person_id)
    person.removed_at = clock.now()
    await session.flush()
    await audit.record(
        session,
        action="pickup_person.removed",
        object_type="pickup_person",
        object_id=person.id,
        actor_id=principal.id,
        school_id=student.school_id,
        data={"student_id": str(student.id), "name": person.name},
    )


# Blocked adults ------------------------------------------------------------------------------


async def list_blocked(
    session: AsyncSession, student: Student, page: PageParams
) -> tuple[list[BlockedAdult], str | None]:
    stmt = select(BlockedAdult).where(
        BlockedAdult.student_id == student.id, BlockedAdult.lifted_at.is_(None)
    )
    return await paginate(session, stmt, page, (BlockedAdult.created_at, BlockedAdult.id))


async def block_adult(
    session: AsyncSession, principal: Principal, student: Student, body: BlockedAdultIn
) -> BlockedAdult:
    id_number = normalise_id_number(body.id_number) if body.id_number else None
    blocked = BlockedAdult(
        school_id=student.school_id,
        student_id=student.id,
        name=body.name,
        phone=normalise_phone(body.phone),
        id_number_digest=id_number_digest(id_number) if id_number else None,
        id_number_tail=id_number[-4:] if id_number else None,
        note=body.note,
        created_by=principal.id,
    )
    session.add(blocked)
    await session.flush()
    await audit.record(
        session,
        action="blocked_adult.added",
        object_type="blocked_adult",
        object_id=blocked.id,
        actor_id=principal.id,
        school_id=student.school_id,
        data={"student_id": str(student.id), "name": blocked.name},
    )
    return blocked


async def lift_block(
    session: AsyncSession, principal: Principal, student: Student, blocked_id: uuid.UUID
) -> None:
    blocked = await session.get(BlockedAdult, blocked_id)
    if blocked is None or blocked.student_id != student.id or blocked.lifted_at is not None:
        raise PickupBlockedAdultNotFound()
    blocked.lifted_at = clock.now()
    blocked.lifted_by = principal.id
    await session.flush()
    await audit.record(
        session,
        action="blocked_adult.lifted",
        object_type="blocked_adult",
        object_id=blocked.id,
        actor_id=principal.id,
        school_id=student.school_id,
        data={"student_id": str(student.id), "name": blocked.name},
    )
