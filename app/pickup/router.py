"""Gate pickup endpoints: thin wrappers that authorise, call a service, shape the answer."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Query, Response

from app.audit import service as audit_trail
from app.auth.deps import CurrentUser, DutyOrAdmin, Idempotent, ParentUser, SchoolAdmin, StaffUser
from app.core.database import SessionDep
from app.core.pagination import PageDep
from app.core.schemas import Day, Page, Text
from app.pickup import examples, service
from app.pickup.deps import AdminStudent, GateStudent, GuardiansStudent, VisibleStudent
from app.pickup.schemas import (
    AcknowledgeIn,
    BlockedAdultIn,
    BlockedAdultOut,
    GateListItem,
    HandoverIn,
    HandoverOut,
    LateCaseOut,
    PassStudentOut,
    PickupPassCreated,
    PickupPassIn,
    PickupPassOut,
    PickupPersonIn,
    PickupPersonOut,
    PickupPersonPatch,
    PickupSettingsOut,
    PickupSettingsPatch,
    ReleaseConsentIn,
    ReleaseConsentOut,
    ReleaseIn,
    VerifyIn,
    VerifyOut,
    VoidIn,
)

router = APIRouter(tags=["pickup"])

DateQuery = Annotated[Day | None, Query(description="School-local date; default today.")]


# Pickup persons --------------------------------------------------------------------------------


@router.get(
    "/students/{student_id}/pickup-persons",
    response_model=Page[PickupPersonOut],
)
async def list_pickup_persons(
    student: VisibleStudent, session: SessionDep, page: PageDep, user: CurrentUser
) -> Page[PickupPersonOut]:
    """The adults the family authorised (guardians, and staff of the school)."""
    items, cursor = await service.list_persons(session, student, page)
    await audit_trail.record_read(session, user, "GET /students/{id}/pickup-persons", [student.id])
    return Page[PickupPersonOut](
        items=[PickupPersonOut.model_validate(p) for p in items], next_cursor=cursor
    )


@router.post(
    "/students/{student_id}/pickup-persons",
    status_code=201,
    response_model=PickupPersonOut,
)
async def create_pickup_person(
    body: PickupPersonIn, student: GuardiansStudent, session: SessionDep, user: ParentUser
) -> PickupPersonOut:
    """Authorise an adult to collect the child; the other guardians are told."""
    person = await service.add_person(session, user, student, body)
    return PickupPersonOut.model_validate(person)


@router.patch(
    "/students/{student_id}/pickup-persons/{person_id}",
    response_model=PickupPersonOut,
)
async def update_pickup_person(
    person_id: uuid.UUID,
    body: PickupPersonPatch,
    student: GuardiansStudent,
    session: SessionDep,
    user: ParentUser,
) -> PickupPersonOut:
    person = await service.update_person(session, user, student, person_id, body)
    return PickupPersonOut.model_validate(person)


@router.delete(
    "/students/{student_id}/pickup-persons/{person_id}",
    status_code=204,
    response_class=Response,
)
async def delete_pickup_person(
    person_id: uuid.UUID, student: GuardiansStudent, session: SessionDep, user: ParentUser
) -> None:
    await service.remove_person(session, user, student, person_id)


# Blocked adults --------------------------------------------------------------------------------


@router.get(
    "/students/{student_id}/blocked-adults",
    response_model=Page[BlockedAdultOut],
)
async def list_blocked_adults(
    student: GateStudent, session: SessionDep, page: PageDep, user: CurrentUser
) -> Page[BlockedAdultOut]:
    """Adults who must never collect the child (duty staff and school admins)."""
    items, cursor = await service.list_blocked(session, student, page)
    await audit_trail.record_read(session, user, "GET /students/{id}/blocked-adults", [student.id])
    return Page[BlockedAdultOut](
        items=[BlockedAdultOut.model_validate(b) for b in items], next_cursor=cursor
    )


@router.post(
    "/students/{student_id}/blocked-adults",
    status_code=201,
    response_model=BlockedAdultOut,
)
async def create_blocked_adult(
    body: BlockedAdultIn, student: AdminStudent, session: SessionDep, user: SchoolAdmin
) -> BlockedAdultOut:
    """Forbid an adult to collect the child (custody order); the gate refuses and alerts."""
    return BlockedAdultOut.model_validate(await service.block_adult(session, user, student, body))


@router.delete(
    "/students/{student_id}/blocked-adults/{blocked_id}",
    status_code=204,
    response_class=Response,
)
async def delete_blocked_adult(
    blocked_id: uuid.UUID, student: AdminStudent, session: SessionDep, user: SchoolAdmin
) -> None:
    await service.lift_block(session, user, student, blocked_id)


# Release without an adult (弹性离校) ------------------------------------------------------------


@router.get(
    "/students/{student_id}/release-consent",
    response_model=ReleaseConsentOut,
)
async def get_release_consent(student: VisibleStudent, session: SessionDep) -> ReleaseConsentOut:
    return ReleaseConsentOut.model_validate(await service.consent_of(session, student))


@router.post(
    "/students/{student_id}/release-consent",
    status_code=201,
    response_model=ReleaseConsentOut,
)
async def give_release_consent(
    student: GuardiansStudent,
    session: SessionDep,
    user: ParentUser,
    body: ReleaseConsentIn | None = None,
) -> ReleaseConsentOut:
    """A guardian consents that the child may leave on their own where the school allows it."""
    consent = await service.give_consent(session, user, student, body)
    return ReleaseConsentOut.model_validate(consent)


@router.delete(
    "/students/{student_id}/release-consent",
    status_code=204,
    response_class=Response,
)
async def withdraw_release_consent(
    student: GuardiansStudent, session: SessionDep, user: ParentUser
) -> None:
    await service.withdraw_consent(session, user, student)


@router.get("/pickup-settings", response_model=PickupSettingsOut)
async def get_pickup_settings(session: SessionDep, user: StaffUser) -> PickupSettingsOut:
    rules = await service.gate_rules(session, user.staff_school())
    return PickupSettingsOut.model_validate(rules)


@router.patch("/pickup-settings", response_model=PickupSettingsOut)
async def update_pickup_settings(
    body: PickupSettingsPatch, session: SessionDep, user: SchoolAdmin
) -> PickupSettingsOut:
    """Grades allowed to leave on their own, and how long pickup passes live."""
    rules = await service.update_gate_rules(session, user, body)
    return PickupSettingsOut.model_validate(rules)


# Pickup passes ---------------------------------------------------------------------------------


@router.post(
    "/pickup-passes",
    status_code=201,
    response_model=PickupPassCreated,
)
async def create_pickup_pass(
    body: PickupPassIn, session: SessionDep, user: ParentUser
) -> PickupPassCreated:
    """A short-lived code (show it as a QR) naming an adult and some of the caller's children."""
    issued = await service.issue(session, user, body)
    return PickupPassCreated(
        id=issued.pickup_pass.id,
        code=issued.code,
        qr_payload=service.qr_payload(issued.code),
        expires_at=issued.pickup_pass.expires_at,
        date=issued.pickup_pass.date,
        adult=service.adult_out(issued.pickup_pass),
        students=[PassStudentOut(id=s.id, name=s.name) for s in issued.students],
    )


@router.get("/pickup-passes", response_model=Page[PickupPassOut])
async def list_pickup_passes(
    session: SessionDep, user: ParentUser, page: PageDep
) -> Page[PickupPassOut]:
    """The passes the caller issued, newest first."""
    items, cursor = await service.list_issued(session, user, page)
    return Page[PickupPassOut](items=items, next_cursor=cursor)


@router.delete(
    "/pickup-passes/{pass_ref}",
    status_code=204,
    response_class=Response,
)
async def revoke_pickup_pass(
    pass_ref: Annotated[str, Text(64), Path(description="The pass id or its code.")],
    session: SessionDep,
    user: ParentUser,
) -> None:
    """Revoke a pass by its id or its code (the issuer or a guardian of a child on it)."""
    await service.revoke(session, user, pass_ref)


# At the gate -----------------------------------------------------------------------------------


@router.post("/pickups/verify", response_model=VerifyOut)
async def verify_pickup_pass(body: VerifyIn, session: SessionDep, user: DutyOrAdmin) -> VerifyOut:
    """Who a pass names and its children with their status today."""
    return await service.verify(session, user, body.code)


@router.post(
    "/pickups",
    status_code=201,
    response_model=HandoverOut,
)
async def create_pickup(
    body: Annotated[HandoverIn, Body(openapi_examples=examples.HANDOVERS)],
    session: SessionDep,
    user: DutyOrAdmin,
    idem: Idempotent,
) -> Response:
    """Hand a child over to the adult of a pass or a listed pickup person; guardians are told."""

    async def produce() -> HandoverOut:
        return HandoverOut.model_validate(await service.hand_over(session, user, body))

    return await idem.run(201, produce)


@router.post(
    "/pickups/release",
    status_code=201,
    response_model=HandoverOut,
)
async def release_student(
    body: ReleaseIn, session: SessionDep, user: DutyOrAdmin, idem: Idempotent
) -> Response:
    """Record that a child left without an adult (consent and school policy required)."""

    async def produce() -> HandoverOut:
        return HandoverOut.model_validate(await service.release(session, user, body))

    return await idem.run(201, produce)


@router.get("/pickups", response_model=Page[GateListItem])
async def list_pickups(
    session: SessionDep,
    user: DutyOrAdmin,
    page: PageDep,
    date: DateQuery = None,
    status: Annotated[
        Literal["waiting", "done"] | None,
        Query(description="`waiting`: not yet collected; `done`: picked up or released."),
    ] = None,
) -> Page[GateListItem]:
    """Children in care on a date (never absent or on leave), by name, with how each left."""
    items, cursor = await service.gate_list(session, user, date, status, page)
    return Page[GateListItem](items=items, next_cursor=cursor)


@router.get("/pickups/late", response_model=Page[LateCaseOut])
async def list_late_pickups(
    session: SessionDep, user: DutyOrAdmin, page: PageDep, date: DateQuery = None
) -> Page[LateCaseOut]:
    """Children still waiting after the grace period on a date, and how each case ended."""
    items, cursor = await service.list_late(session, user, date, page)
    return Page[LateCaseOut](items=items, next_cursor=cursor)


@router.post(
    "/pickups/late/{case_id}/acknowledge",
    response_model=LateCaseOut,
)
async def acknowledge_late_pickup(
    case_id: uuid.UUID, body: AcknowledgeIn, session: SessionDep, user: DutyOrAdmin
) -> LateCaseOut:
    return await service.acknowledge(session, user, case_id, body)


@router.get("/pickups/{handover_id}", response_model=HandoverOut)
async def get_pickup(handover_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> HandoverOut:
    """One handover, for staff of its school or a guardian of the child; a voided one says so
    (`voided_at`, `void_reason`)."""
    handover = await service.handover_or_voided(session, user, handover_id)
    await audit_trail.record_read(session, user, "GET /pickups/{id}", [handover.student_id])
    return HandoverOut.model_validate(handover)


@router.post("/pickups/{handover_id}/void", response_model=HandoverOut)
async def void_pickup(
    handover_id: uuid.UUID, body: VoidIn, session: SessionDep, user: SchoolAdmin
) -> HandoverOut:
    """Void a mistaken handover (school admin), with the reason the family reads. The child is
    waiting again (`GET /pickups?status=waiting`, the roster), a new handover that day is
    possible, every guardian is told (`pickup.voided`) and the void is audited. Voiding it
    again: 409 `pickup.already_voided`."""
    return HandoverOut.model_validate(await service.void_handover(session, user, handover_id, body))
