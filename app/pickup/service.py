"""Gate pickup: every rule the router and other domains call. Start here.

At the gate (this module): ``verify`` a pass, ``hand_over`` a child to an adult (who may:
``authorisation.may_collect``), ``release`` a child who leaves alone
(``authorisation.may_leave_alone``), ``void_handover`` a mistaken one, ``gate_list`` and
``waiting_children`` (who is still in care: ``daystatus``), late cases (``list_late``,
``acknowledge``; the sweep that opens them is ``late.detect_late_pickups``).

Behind it, each module holds one rule: ``authorisation`` (who may collect), ``daystatus``
(a child's day: expected, absent, on leave), ``passes`` (issuing and checking codes, the
throttle), ``persons`` (pickup persons and blocked adults), ``release`` (consent to leave
alone), ``school_rules`` (a school's gate settings), ``late`` (the late-pickup sweep),
``incidents`` (what outlives a refused request), ``identity`` (recognising adults);
``repository`` holds the queries, ``roster`` the roster's status rule for handovers.

A family's pickup records for the privacy domain are at the end (``PERSONAL_DATA``).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.core import audit, clock
from app.core.errors import Conflict, Forbidden, NotFound
from app.core.pagination import PageParams, paginate
from app.core.personal_data import Section, remove, rows
from app.core.principal import Principal
from app.notifications import service as notifications
from app.notifications.templates import Kind
from app.pickup import incidents, repository
from app.pickup.authorisation import (
    AdultIdentity,
    AuthorisedAdult,
    Child,
    ListedPerson,
    PassHolder,
    Refusal,
    matching_block,
    may_collect,
    may_leave_alone,
)
from app.pickup.daystatus import DayStatus, attending_children, day_statuses, status_of_slots
from app.pickup.errors import (
    PickupAdultBlocked,
    PickupAlreadyDone,
    PickupAlreadyVoided,
    PickupDateNotToday,
    PickupHandoverNotFound,
    PickupLateCaseNotFound,
    PickupNotAuthorized,
    PickupPassInvalid,
)
from app.pickup.identity import code_digest
from app.pickup.identity import qr_payload as qr_payload
from app.pickup.late import LateSweep as LateSweep
from app.pickup.late import count_open as count_open
from app.pickup.late import detect_late_pickups as detect_late_pickups
from app.pickup.models import (
    BlockedAdult,
    Handover,
    HandoverFacts,
    HandoverKind,
    LateCase,
    PickupPass,
    PickupPassStudent,
    PickupPerson,
    ReleaseConsent,
    VerificationFailure,
    VoidedHandover,
)
from app.pickup.passes import CodeCheck, check_code
from app.pickup.passes import adult_out as adult_out
from app.pickup.passes import issue as issue
from app.pickup.passes import list_issued as list_issued
from app.pickup.passes import purge_verification_failures as purge_verification_failures
from app.pickup.passes import revoke as revoke
from app.pickup.persons import add_person as add_person
from app.pickup.persons import block_adult as block_adult
from app.pickup.persons import lift_block as lift_block
from app.pickup.persons import list_blocked as list_blocked
from app.pickup.persons import list_persons as list_persons
from app.pickup.persons import remove_person as remove_person
from app.pickup.persons import update_person as update_person
from app.pickup.release import consent_of as consent_of
from app.pickup.release import give_consent as give_consent
from app.pickup.release import live_consent
from app.pickup.release import withdraw_consent as withdraw_consent
from app.pickup.schemas import (
    AcknowledgeIn,
    GateListItem,
    GateStudentOut,
    HandoverIn,
    HandoverOut,
    LateCaseOut,
    ReleaseIn,
    VerifyOut,
    VoidIn,
)
from app.pickup.school_rules import gate_rules as gate_rules
from app.pickup.school_rules import update_gate_rules as update_gate_rules
from app.school.access import guardian_ids, is_guardian, is_staff_of
from app.school.errors import StudentNotFound
from app.school.models import School, SchoolClass, Student

# The school's day -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolDay:
    """A school's zone and its today, read once per request."""

    school: School
    zone: ZoneInfo
    now: datetime
    today: date


def _day_of(school: School) -> SchoolDay:
    zone = ZoneInfo(school.timezone)
    now = clock.now()
    return SchoolDay(school=school, zone=zone, now=now, today=now.astimezone(zone).date())


async def _school_day(session: AsyncSession, school_id: uuid.UUID) -> SchoolDay:
    school = await session.get(School, school_id)
    if school is None:
        raise StudentNotFound()
    return _day_of(school)


async def _staff_day(session: AsyncSession, principal: Principal) -> SchoolDay:
    return await _school_day(session, principal.staff_school())


def _ensure_today(day: date, school_day: SchoolDay) -> None:
    if day != school_day.today:
        raise PickupDateNotToday(field="date", today=school_day.today.isoformat())


# Refusals at the gate -------------------------------------------------------------------------


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
    return PickupPassInvalid()


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
    return PickupNotAuthorized()


async def _refuse_blocked(
    session: AsyncSession,
    principal: Principal,
    day: SchoolDay,
    student: Student,
    blocked: BlockedAdult,
    adult: AdultIdentity,
    via: str,
) -> Forbidden:
    """403 ``pickup.adult_blocked``, with duty staff and admins alerted."""
    actor = await session.get(User, principal.id)
    names = await repository.class_names(session, {student.class_id})
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
    return PickupAdultBlocked()


async def _live_pass(
    session: AsyncSession, principal: Principal, day: SchoolDay, code: str
) -> tuple[CodeCheck, str]:
    digest = code_digest(code)
    checked = await check_code(session, principal.id, digest, day.school.id, day.today)
    if checked is None:
        raise await _refuse_pass(principal, day.school.id, digest, "unknown_or_expired")
    return checked, digest


# At the gate ---------------------------------------------------------------------------------


@dataclass
class _PassChild:
    student: Student
    class_name: str
    handover: Handover | None  # today's, if the child already left
    blocks: list[BlockedAdult] = field(default_factory=list)


async def verify(session: AsyncSession, principal: Principal, code: str) -> VerifyOut:
    """The adult a pass names and its children with their status today."""
    day = await _staff_day(session, principal)
    checked, digest = await _live_pass(session, principal, day, code)
    pickup_pass = checked.pickup_pass
    authorised = [sid for sid, adult in checked.adults.items() if adult is not None]
    if not authorised:
        raise await _refuse_pass(
            principal, day.school.id, digest, "authority_lapsed", pass_id=pickup_pass.id
        )
    children: dict[uuid.UUID, _PassChild] = {}
    for row in await repository.pass_children(session, authorised, day.today):
        child = children.setdefault(
            row.Student.id, _PassChild(row.Student, row.class_name or "", row.Handover)
        )
        if row.BlockedAdult is not None:
            child.blocks.append(row.BlockedAdult)
    done = {sid for sid, child in children.items() if child.handover is not None}
    if all(sid in done for sid in authorised):
        raise await _refuse_pass(
            principal, day.school.id, digest, "already_used", pass_id=pickup_pass.id
        )
    identity = AdultIdentity(name=pickup_pass.adult_name, phone=pickup_pass.adult_phone)
    for child in children.values():
        blocked = matching_block(child.blocks, identity)
        if blocked is not None:
            raise await _refuse_blocked(
                session, principal, day, child.student, blocked, identity, via="pass_verify"
            )
    statuses = await day_statuses(session, day.school.id, day.today, list(children))
    return VerifyOut(
        pass_id=pickup_pass.id,
        expires_at=pickup_pass.expires_at,
        adult=adult_out(pickup_pass),
        students=[
            GateStudentOut(
                id=child.student.id,
                name=child.student.name,
                class_name=child.class_name,
                status=child.handover.kind if child.handover else statuses[child.student.id],
            )
            for child in children.values()
        ],
    )


@dataclass(frozen=True)
class _HandoverContext:
    """What every handover of a child needs, read in one round trip at the gate."""

    student: Student
    day: SchoolDay
    staff_name: str  # who confirms, as the family's notice names them
    guardians: list[uuid.UUID]  # who is told, first linked first
    blocks: list[BlockedAdult]  # adults who must never collect the child, oldest first
    status: DayStatus  # the child's status on the day the request names

    def child(self) -> Child:
        return Child(self.student.id, self.student.school_id, self.blocks, self.status)


async def _handover_context(
    session: AsyncSession, principal: Principal, student_id: uuid.UUID, day: date
) -> _HandoverContext:
    """A student of the staff caller's own school (else 404) with the rest of a handover's
    needs; their status is read for ``day``, the date the request names (which the caller
    then checks is the school's today)."""
    found = await repository.handover_context(
        session, student_id, principal.staff_school(), principal.id, day
    )
    if not found:
        raise StudentNotFound()
    row = found[0]
    return _HandoverContext(
        row.Student,
        _day_of(row.School),
        row.staff_name or "",
        list(row.guardians),
        blocks=[r.BlockedAdult for r in found if r.BlockedAdult is not None],
        status=status_of_slots(row.starts, row.ends, row.leaves, row.marks),
    )


_CONFLICTS = {
    Refusal.CHILD_ABSENT: "pickup.child_absent",
    Refusal.CHILD_ON_LEAVE: "pickup.child_on_leave",
    Refusal.NOT_CONSENTED: "pickup.release_not_consented",
    Refusal.GRADE_NOT_ALLOWED: "pickup.release_grade_not_allowed",
}


async def hand_over(session: AsyncSession, principal: Principal, body: HandoverIn) -> Handover:
    """Hand a child to the adult of a pass, or to a listed pickup person whose ID staff
    checked, if ``authorisation.may_collect``; every guardian is told."""
    context = await _handover_context(session, principal, body.student_id, body.date)
    student, day = context.student, context.day
    _ensure_today(body.date, day)
    adult: PassHolder | ListedPerson
    if body.pass_code is not None:
        checked, _ = await _live_pass(session, principal, day, body.pass_code)
        adult = PassHolder(checked.pickup_pass, checked.adults, body.adult_id_number)
        refused_for: dict[str, Any] = {"pass_id": checked.pickup_pass.id}
        via = "pass"
    else:
        assert body.pickup_person_id is not None
        person = await session.get(PickupPerson, body.pickup_person_id)
        adult = ListedPerson(person, body.adult_id_number)
        refused_for = {"pickup_person_id": body.pickup_person_id}
        via = "pickup_person"
    verdict = may_collect(adult, context.child(), day.today)
    if verdict.refusal == Refusal.BLOCKED:
        assert verdict.block is not None and verdict.identity is not None
        raise await _refuse_blocked(
            session, principal, day, student, verdict.block, verdict.identity, via=via
        )
    if verdict.refusal in _CONFLICTS:
        raise Conflict(_CONFLICTS[verdict.refusal])
    if verdict.adult is None:
        raise await _refuse_adult(
            principal, day.school.id, str(verdict.refusal), student_id=student.id, **refused_for
        )
    return await _record_handover(
        session,
        principal=principal,
        context=context,
        kind=HandoverKind.PICKED_UP,
        adult=verdict.adult,
        pickup_pass_id=adult.pickup_pass.id if isinstance(adult, PassHolder) else None,
        note=body.note,
    )


async def release(session: AsyncSession, principal: Principal, body: ReleaseIn) -> Handover:
    """Record that a child left on their own (``released``) if
    ``authorisation.may_leave_alone``; every guardian is told."""
    context = await _handover_context(session, principal, body.student_id, body.date)
    student, day = context.student, context.day
    _ensure_today(body.date, day)
    consented = await live_consent(session, student) is not None
    grade = await session.scalar(
        select(SchoolClass.grade).where(SchoolClass.id == student.class_id)
    )
    rules = await gate_rules(session, student.school_id)
    refusal = may_leave_alone(
        consented=consented,
        grade=grade,
        allowed_grades=rules.self_release_grades,
        status=context.status,
    )
    if refusal is not None:
        raise Conflict(_CONFLICTS[refusal])
    return await _record_handover(
        session,
        principal=principal,
        context=context,
        kind=HandoverKind.RELEASED,
        adult=None,
        pickup_pass_id=None,
        note=body.note,
    )


async def _record_handover(
    session: AsyncSession,
    *,
    principal: Principal,
    context: _HandoverContext,
    kind: HandoverKind,
    adult: AuthorisedAdult | None,
    pickup_pass_id: uuid.UUID | None,
    note: str | None,
) -> Handover:
    """Insert the day's handover (409 if the child already left), audit it and tell every
    guardian."""
    student, school_day = context.student, context.day
    now = school_day.now
    handover = Handover(
        id=uuid.uuid4(),
        school_id=student.school_id,
        student_id=student.id,
        date=school_day.today,
        kind=kind,
        picked_up_at=now,
        adult_kind=adult.kind if adult else None,
        adult_user_id=adult.user_id if adult else None,
        pickup_person_id=adult.pickup_person_id if adult else None,
        pickup_pass_id=pickup_pass_id,
        adult_name=adult.name if adult else None,
        adult_phone=adult.phone if adult else None,
        adult_relationship=adult.relationship if adult else None,
        confirmed_by=principal.id,
        confirmed_by_name=context.staff_name,
        note=note,
    )
    values = {"id": handover.id, **{key: getattr(handover, key) for key in _FACTS}}
    if not await repository.insert_handover(session, values):
        raise PickupAlreadyDone()  # and no event: nothing happened
    await audit.record(
        session,
        action=f"pickup.{kind}",
        object_type="handover",
        object_id=handover.id,
        actor_id=principal.id,
        school_id=student.school_id,
        data={
            "student_id": str(student.id),
            "date": school_day.today.isoformat(),
            "adult_kind": handover.adult_kind,
            "adult_name": handover.adult_name,
            "pickup_pass_id": str(pickup_pass_id) if pickup_pass_id else None,
            "pickup_person_id": str(handover.pickup_person_id)
            if handover.pickup_person_id
            else None,
        },
    )
    await notifications.notify(
        session,
        recipients=context.guardians,
        kind=Kind.PICKUP_HANDED_OVER if kind == HandoverKind.PICKED_UP else Kind.PICKUP_RELEASED,
        params={
            "student_name": student.name,
            "time": now.astimezone(school_day.zone).strftime("%H:%M"),
            "adult_name": handover.adult_name or "",
            "staff_name": context.staff_name,
        },
        data={
            "student_id": str(student.id),
            "handover_id": str(handover.id),
            "date": school_day.today.isoformat(),
            "kind": kind.value,
            "adult_name": handover.adult_name,
            "picked_up_at": now.isoformat(),
        },
        # per handover, not per day: a handover voided as a mistake may be followed by another
        dedupe_key=f"pickup.handover:{handover.id}",
    )
    return handover


# Voiding a mistaken handover ----------------------------------------------------------------
# The voided handover moves, with its id, from ``handovers`` to ``voided_handovers``:
# everything that asks "who has left today" (the gate list, the roster, the late sweep, the
# next handover's one-per-day rule) reads ``handovers`` only, so none of it learns of voids.

_FACTS = tuple(HandoverFacts.__annotations__)


async def void_handover(
    session: AsyncSession, admin: Principal, handover_id: uuid.UUID, body: VoidIn
) -> VoidedHandover:
    """Void a handover of the admin's school (404 otherwise; 409 if already voided): the
    child is waiting again, every guardian is told, and it is audited."""
    school_id = admin.staff_school()
    # Locked: two admins voiding at once, or a void racing nothing else that changes the row.
    handover = await session.scalar(
        select(Handover).where(Handover.id == handover_id).with_for_update()
    )
    if handover is None or handover.school_id != school_id:
        voided = await session.get(VoidedHandover, handover_id)
        if voided is not None and voided.school_id == school_id:
            raise PickupAlreadyVoided()
        raise PickupHandoverNotFound()

    voided = VoidedHandover(
        id=handover.id,
        **{key: getattr(handover, key) for key in _FACTS},
        voided_at=clock.now(),
        voided_by=admin.id,
        void_reason=body.reason,
    )
    await session.delete(handover)
    await session.flush()  # the day's row goes first: its id moves with it
    session.add(voided)
    await session.flush()
    await audit.record(
        session,
        action="pickup.voided",
        object_type="handover",
        object_id=voided.id,
        actor_id=admin.id,
        school_id=school_id,
        data={
            "student_id": str(voided.student_id),
            "date": voided.date.isoformat(),
            "kind": voided.kind,
            "adult_name": voided.adult_name,
            "picked_up_at": voided.picked_up_at.isoformat(),
            "reason": body.reason,
        },
    )
    student = await session.get(Student, voided.student_id)
    assert student is not None
    day = await _school_day(session, voided.school_id)
    await notifications.notify(
        session,
        recipients=await guardian_ids(session, student.id),
        kind=Kind.PICKUP_VOIDED,
        params={
            "student_name": student.name,
            "time": voided.picked_up_at.astimezone(day.zone).strftime("%H:%M"),
            "adult_name": voided.adult_name or "本人",
            "reason": voided.void_reason,
        },
        data={
            "student_id": str(student.id),
            "handover_id": str(voided.id),
            "date": voided.date.isoformat(),
            "reason": voided.void_reason,
        },
        dedupe_key=f"pickup.voided:{voided.id}",
    )
    return voided


async def handover_or_voided(
    session: AsyncSession, principal: Principal, handover_id: uuid.UUID
) -> Handover | VoidedHandover:
    """A handover, or the voided one with that id, for staff of its school or a guardian of
    its child, else 404."""
    found: Handover | VoidedHandover | None = await session.get(Handover, handover_id)
    if found is None:
        found = await session.get(VoidedHandover, handover_id)
    if found is not None and (
        is_staff_of(principal, found.school_id)
        or await is_guardian(session, principal.id, found.student_id)
    ):
        return found
    raise PickupHandoverNotFound()


# Who is still in care -----------------------------------------------------------------------


def _still_waiting(attending: Collection[uuid.UUID], done: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """Who is still waiting: in care today and not yet handed over or released."""
    return set(attending) - set(done)


async def waiting_children(
    session: AsyncSession, school_id: uuid.UUID, day: date
) -> list[tuple[Student, str]]:
    """The children still in the school's care on ``day`` (``GET /pickups?status=waiting``):
    on a roster, neither absent nor on leave, not yet handed over or released; with their
    class names, by name."""
    ids = _still_waiting(
        await attending_children(session, school_id, day),
        await repository.handovers_on(session, school_id, day),
    )
    students = list(
        await session.scalars(
            select(Student).where(Student.id.in_(ids)).order_by(Student.name, Student.id)
        )
    )
    names = await repository.class_names(session, {s.class_id for s in students})
    return [(s, names.get(s.class_id, "")) for s in students]


async def gate_list(
    session: AsyncSession,
    principal: Principal,
    day: date | None,
    status: Literal["waiting", "done"] | None,
    page: PageParams,
) -> tuple[list[GateListItem], str | None]:
    """Children in care on ``day`` (never absent or on leave) and how each left, by name."""
    school_day = await _staff_day(session, principal)
    day = day or school_day.today
    attending = await attending_children(session, school_day.school.id, day)
    done = await repository.handovers_on(session, school_day.school.id, day)
    if status == "waiting":
        ids = _still_waiting(attending, done)
    elif status == "done":
        ids = set(done)
    else:
        ids = set(attending) | set(done)
    students, cursor = await paginate(
        session,
        select(Student).where(Student.id.in_(ids)),
        page,
        (Student.name, Student.id),
    )
    names = await repository.class_names(session, {s.class_id for s in students})
    late = set(
        await session.scalars(
            select(LateCase.student_id).where(
                LateCase.date == day, LateCase.student_id.in_([s.id for s in students])
            )
        )
    )
    items = []
    for student in students:
        handover = done.get(student.id)
        expected = attending.get(student.id)
        items.append(
            GateListItem(
                student_id=student.id,
                name=student.name,
                class_name=names.get(student.class_id, ""),
                status=handover.kind if handover else "waiting",
                slot_end_at=datetime.combine(day, expected.last_slot_end, tzinfo=school_day.zone)
                if expected
                else None,
                late=student.id in late,
                handover=HandoverOut.model_validate(handover) if handover else None,
            )
        )
    return items, cursor


# Late cases (opened by the sweep, ``late.detect_late_pickups``) --------------------------------


async def _cases_out(session: AsyncSession, cases: list[LateCase]) -> list[LateCaseOut]:
    students = {
        s.id: s
        for s in await session.scalars(
            select(Student).where(Student.id.in_([c.student_id for c in cases]))
        )
    }
    names = await repository.class_names(session, {s.class_id for s in students.values()})
    kinds = {
        (row.student_id, row.date): row.kind
        for row in await session.execute(
            select(Handover.student_id, Handover.date, Handover.kind).where(
                Handover.student_id.in_(list(students)),
                Handover.date.in_({c.date for c in cases}),
            )
        )
    }
    return [
        LateCaseOut(
            id=c.id,
            student_id=c.student_id,
            name=students[c.student_id].name,
            class_name=names.get(students[c.student_id].class_id, ""),
            date=c.date,
            slot_end_at=c.slot_end_at,
            detected_at=c.detected_at,
            escalated_at=c.escalated_at,
            status=kinds.get((c.student_id, c.date), "waiting"),
            acknowledged_at=c.acknowledged_at,
            acknowledged_by=c.acknowledged_by,
            outcome=c.outcome,
            note=c.note,
        )
        for c in cases
    ]


async def list_late(
    session: AsyncSession, principal: Principal, day: date | None, page: PageParams
) -> tuple[list[LateCaseOut], str | None]:
    """The late cases of the staff caller's school on ``day`` (default today)."""
    school_day = await _staff_day(session, principal)
    stmt = select(LateCase).where(
        LateCase.school_id == school_day.school.id,
        LateCase.date == (day or school_day.today),
    )
    cases, cursor = await paginate(session, stmt, page, (LateCase.detected_at, LateCase.id))
    return await _cases_out(session, cases), cursor


async def acknowledge(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, body: AcknowledgeIn
) -> LateCaseOut:
    """Record how a late case ended (a later acknowledgement corrects an earlier one)."""
    case = await session.get(LateCase, case_id, with_for_update=True)
    if case is None or case.school_id != principal.staff_school():
        raise PickupLateCaseNotFound()
    case.acknowledged_at = clock.now()
    case.acknowledged_by = principal.id
    case.outcome = body.outcome
    case.note = body.note
    await session.flush()
    await audit.record(
        session,
        action="pickup.late_acknowledged",
        object_type="late_pickup",
        object_id=case.id,
        actor_id=principal.id,
        school_id=case.school_id,
        data={"outcome": body.outcome, "note": body.note},
    )
    return (await _cases_out(session, [case]))[0]


# A family's pickup records (privacy) --------------------------------------------------------


async def _personal_data(
    session: AsyncSession, user_id: uuid.UUID, student_ids: Sequence[uuid.UUID]
) -> dict[str, Any]:
    """Who may collect the children, who did, the passes issued, late days and consents.

    A blocked adult (a custody order) is shown as a fact and dates only: the adult is a
    third party whose identity the school keeps for the gate, not for the family.
    """
    persons = await rows(
        session,
        select(
            PickupPerson.id,
            PickupPerson.student_id,
            PickupPerson.name,
            PickupPerson.phone,
            PickupPerson.relationship,
            PickupPerson.level,
            PickupPerson.valid_from,
            PickupPerson.valid_until,
            PickupPerson.created_at,
            PickupPerson.removed_at,
        )
        .where(PickupPerson.student_id.in_(student_ids))
        .order_by(PickupPerson.created_at),
    )
    passes = await rows(
        session,
        select(
            PickupPass.id,
            PickupPassStudent.student_id,
            PickupPass.adult_name,
            PickupPass.adult_phone,
            PickupPass.adult_relationship,
            PickupPass.date,
            PickupPass.expires_at,
            PickupPass.revoked_at,
            PickupPass.created_at,
        )
        .join(PickupPassStudent, PickupPassStudent.pass_id == PickupPass.id)
        .where(PickupPassStudent.student_id.in_(student_ids))
        .order_by(PickupPass.created_at),
    )
    handovers = await rows(
        session,
        select(
            Handover.id,
            Handover.student_id,
            Handover.date,
            Handover.kind,
            Handover.picked_up_at,
            Handover.adult_name,
            Handover.adult_phone,
            Handover.adult_relationship,
            Handover.confirmed_by_name,
            Handover.note,
        )
        .where(Handover.student_id.in_(student_ids))
        .order_by(Handover.date),
    )
    voided = await rows(
        session,
        select(
            VoidedHandover.id,
            VoidedHandover.student_id,
            VoidedHandover.date,
            VoidedHandover.picked_up_at,
            VoidedHandover.adult_name,
            VoidedHandover.voided_at,
            VoidedHandover.void_reason,
        )
        .where(VoidedHandover.student_id.in_(student_ids))
        .order_by(VoidedHandover.date),
    )
    late = await rows(
        session,
        select(
            LateCase.student_id,
            LateCase.date,
            LateCase.detected_at,
            LateCase.acknowledged_at,
            LateCase.outcome,
            LateCase.note,
        )
        .where(LateCase.student_id.in_(student_ids))
        .order_by(LateCase.date),
    )
    consents = await rows(
        session,
        select(ReleaseConsent.student_id, ReleaseConsent.given_at, ReleaseConsent.note).where(
            ReleaseConsent.student_id.in_(student_ids)
        ),
    )
    blocked = await rows(
        session,
        select(BlockedAdult.student_id, BlockedAdult.created_at, BlockedAdult.lifted_at).where(
            BlockedAdult.student_id.in_(student_ids)
        ),
    )
    return {
        "pickup_persons": persons,
        "pickup_passes": passes,
        "handovers": handovers,
        "voided_handovers": voided,
        "late_pickups": late,
        "release_consents": consents,
        "blocked_adults": blocked,
    }


PERSONAL_DATA = Section(
    "pickup",
    (
        "pickup_persons",
        "pickup_passes",
        "pickup_pass_students",
        "handovers",
        "voided_handovers",
        "late_pickups",
        "release_consents",
        "blocked_adults",
    ),
    _personal_data,
)


@dataclass(frozen=True)
class Forgotten:
    pickup_persons_removed: int
    handover_ids: list[uuid.UUID]  # now under the pseudonym (their audit events are too)


async def forget_guardian(session: AsyncSession, user_id: uuid.UUID, pseudonym: str) -> Forgotten:
    """Erasing a guardian: the pickup persons they added go; handovers keep a pseudonym.

    A handover is the school's record of who took the child (kept), so the guardian's name
    and phone in it become ``pseudonym``. Their passes go with the account (cascade).
    """
    renamed = await session.scalars(
        update(Handover)
        .where(Handover.adult_user_id == user_id)
        .values(adult_name=pseudonym, adult_phone=None)
        .returning(Handover.id)
    )
    handover_ids = list(renamed.all())
    removed = await remove(session, PickupPerson, PickupPerson.created_by == user_id, dry_run=False)
    return Forgotten(pickup_persons_removed=removed, handover_ids=handover_ids)


async def purge_expired(
    session: AsyncSession, before: datetime, *, dry_run: bool
) -> dict[str, int]:
    """Passes that expired, and failed pass checks made, before ``before``."""
    return {
        "pickup_passes": await remove(
            session, PickupPass, PickupPass.expires_at < before, dry_run=dry_run
        ),
        "pickup_verification_failures": await remove(
            session, VerificationFailure, VerificationFailure.created_at < before, dry_run=dry_run
        ),
    }


async def purge_days(
    session: AsyncSession, school_id: uuid.UUID, first: date, last: date, *, dry_run: bool
) -> dict[str, int]:
    """A school's handovers and late cases dated ``first``..``last`` (an ended term's days)."""
    return {
        "handovers": await remove(
            session,
            Handover,
            (Handover.school_id == school_id) & Handover.date.between(first, last),
            dry_run=dry_run,
        ),
        "late_pickups": await remove(
            session,
            LateCase,
            (LateCase.school_id == school_id) & LateCase.date.between(first, last),
            dry_run=dry_run,
        ),
    }
