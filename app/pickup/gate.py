"""At the gate: verify a pass, and hand a child to an adult the family authorised."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Select, Uuid, and_, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.core.errors import Forbidden, NotFound
from app.core.principal import Principal
from app.pickup import errors as _errors  # noqa: F401  (registers the messages)
from app.pickup import incidents
from app.pickup.daystatus import day_statuses
from app.pickup.handovers import (
    SchoolDay,
    class_names,
    ensure_in_care,
    ensure_today,
    handover_context,
    record_handover,
    school_day_of,
)
from app.pickup.identity import code_digest
from app.pickup.models import BlockedAdult, Handover, HandoverKind, PickupPerson
from app.pickup.passes import CodeCheck, adult_out, check_code
from app.pickup.persons import (
    AdultIdentity,
    AuthorisedAdult,
    blocks_in_force_of,
    matching_block,
    may_collect_unannounced,
)
from app.pickup.schemas import GateStudentOut, HandoverIn, VerifyOut
from app.school.models import SchoolClass, Student


async def _refuse_pass(
    principal: Principal,
    school_id: uuid.UUID,
    digest: str,
    reason: str,
    pass_id: uuid.UUID | None = None,
) -> NotFound:
    """Log, audit and count a failed pass check; the caller raises what this returns."""
    await incidents.record_failure(
        actor_id=principal.id,
        school_id=school_id,
        reason=reason,
        code_digest=digest,
        counted=True,
        data={},
        object_id=pass_id,
    )
    return NotFound("pickup.pass_invalid")


async def _refuse_adult(
    principal: Principal, school_id: uuid.UUID, reason: str, **data: Any
) -> Forbidden:
    await incidents.record_failure(
        actor_id=principal.id,
        school_id=school_id,
        reason=reason,
        code_digest=None,
        counted=False,
        data={k: str(v) for k, v in data.items()},
    )
    return Forbidden("pickup.not_authorized")


async def _refuse_if_blocked(
    session: AsyncSession,
    principal: Principal,
    day: SchoolDay,
    students: list[Student],
    blocks: Mapping[uuid.UUID, list[BlockedAdult]],
    adult: AdultIdentity,
    via: str,
) -> None:
    """403 ``pickup.adult_blocked``, with duty staff and admins alerted, for a blocked adult."""
    for student in students:
        blocked = matching_block(blocks.get(student.id, ()), adult)
        if blocked is None:
            continue
        actor = await session.get(User, principal.id)
        names = await class_names(session, {student.class_id})
        await incidents.alert_blocked_attempt(
            school_id=student.school_id,
            student_id=student.id,
            student_name=student.name,
            class_name=names.get(student.class_id, ""),
            blocked_adult_id=blocked.id,
            adult_name=adult.name,
            actor_id=principal.id,
            actor_name=actor.name if actor else "",
            at=day.now,
            local_time=day.now.astimezone(day.zone).strftime("%H:%M"),
            via=via,
        )
        raise Forbidden("pickup.adult_blocked")


async def _live_pass(
    session: AsyncSession, principal: Principal, day: SchoolDay, code: str
) -> tuple[CodeCheck, str]:
    digest = code_digest(code)
    checked = await check_code(session, principal.id, digest, day.school.id, day.today)
    if checked is None:
        raise await _refuse_pass(principal, day.school.id, digest, "unknown_or_expired")
    return checked, digest


@dataclass
class _PassChild:
    student: Student
    class_name: str
    handover: Handover | None  # today's, if the child already left
    blocks: list[BlockedAdult] = field(default_factory=list)


@cache
def _pass_children_select() -> Select[Student, str | None, Handover, BlockedAdult]:
    """The children of a pass by name, each with their class, today's handover and blocks."""
    ids = bindparam("student_ids", type_=ARRAY(Uuid()))
    return (
        select(Student, SchoolClass.name, Handover, BlockedAdult)
        .outerjoin(SchoolClass, SchoolClass.id == Student.class_id)
        .outerjoin(
            Handover,
            and_(Handover.student_id == Student.id, Handover.date == bindparam("day")),
        )
        .outerjoin(BlockedAdult, blocks_in_force_of(Student.id))
        .where(Student.id == any_(ids))
        .order_by(Student.name, Student.id, BlockedAdult.created_at)
    )


async def _pass_children(
    session: AsyncSession, student_ids: list[uuid.UUID], today: date
) -> list[_PassChild]:
    rows = await session.execute(
        _pass_children_select(), {"student_ids": student_ids, "day": today}
    )
    children: dict[uuid.UUID, _PassChild] = {}
    for student, class_name, handover, blocked in rows:
        child = children.setdefault(student.id, _PassChild(student, class_name or "", handover))
        if blocked is not None:
            child.blocks.append(blocked)
    return list(children.values())


async def verify(session: AsyncSession, principal: Principal, code: str) -> VerifyOut:
    """The adult a pass names and its children with their status today."""
    day = await school_day_of(session, principal)
    checked, digest = await _live_pass(session, principal, day, code)
    pickup_pass = checked.pickup_pass
    authorised = {sid: adult for sid, adult in checked.adults.items() if adult is not None}
    if not authorised:
        raise await _refuse_pass(
            principal, day.school.id, digest, "authority_lapsed", pass_id=pickup_pass.id
        )
    children = await _pass_children(session, list(authorised), day.today)
    students = [child.student for child in children]
    done = {child.student.id: child.handover for child in children if child.handover}
    if all(sid in done for sid in authorised):
        raise await _refuse_pass(
            principal, day.school.id, digest, "already_used", pass_id=pickup_pass.id
        )
    await _refuse_if_blocked(
        session,
        principal,
        day,
        students,
        {child.student.id: child.blocks for child in children},
        AdultIdentity(name=pickup_pass.adult_name, phone=pickup_pass.adult_phone),
        via="pass_verify",
    )
    statuses = await day_statuses(session, day.school.id, day.today, [s.id for s in students])
    names = {child.student.id: child.class_name for child in children}
    return VerifyOut(
        pass_id=pickup_pass.id,
        expires_at=pickup_pass.expires_at,
        adult=adult_out(pickup_pass),
        students=[
            GateStudentOut(
                id=s.id,
                name=s.name,
                class_name=names[s.id],
                status=done[s.id].kind if s.id in done else statuses[s.id],
            )
            for s in students
        ],
    )


async def confirm(session: AsyncSession, principal: Principal, body: HandoverIn) -> Handover:
    """Hand a child to the adult of a pass, or to a listed pickup person whose ID staff checked."""
    context = await handover_context(session, principal, body.student_id, body.date)
    student, day = context.student, context.day
    blocks = {student.id: context.blocks}
    ensure_today(body.date, day)
    adult: AuthorisedAdult | None
    pass_id: uuid.UUID | None = None
    if body.pass_code is not None:
        checked, _ = await _live_pass(session, principal, day, body.pass_code)
        pickup_pass, adults = checked.pickup_pass, checked.adults
        pass_id = pickup_pass.id
        adult = adults.get(student.id)
        # Whoever the pass names is checked against the blocks, even for a child not on it.
        identity = AdultIdentity(
            name=adult.name if adult else pickup_pass.adult_name,
            phone=adult.phone if adult else pickup_pass.adult_phone,
            id_number=body.adult_id_number,
        )
        await _refuse_if_blocked(session, principal, day, [student], blocks, identity, via="pass")
        if adult is None:
            raise await _refuse_adult(
                principal,
                day.school.id,
                "not_on_pass" if student.id not in adults else "authority_lapsed",
                student_id=student.id,
                pass_id=pickup_pass.id,
            )
    else:
        assert body.pickup_person_id is not None
        person = await session.get(PickupPerson, body.pickup_person_id)
        if person is None or person.school_id != student.school_id:
            raise await _refuse_adult(
                principal,
                day.school.id,
                "unknown_person",
                student_id=student.id,
                pickup_person_id=body.pickup_person_id,
            )
        await _refuse_if_blocked(
            session,
            principal,
            day,
            [student],
            blocks,
            AdultIdentity(person.name, person.phone, body.adult_id_number),
            via="pickup_person",
        )
        if person.student_id != student.id or not may_collect_unannounced(person, day.today):
            raise await _refuse_adult(
                principal,
                day.school.id,
                "person_not_authorised",
                student_id=student.id,
                pickup_person_id=person.id,
            )
        adult = AuthorisedAdult.of_person(person)
    ensure_in_care(context)
    return await record_handover(
        session,
        principal=principal,
        context=context,
        kind=HandoverKind.PICKED_UP,
        adult=adult,
        pickup_pass_id=pass_id,
        note=body.note,
    )
