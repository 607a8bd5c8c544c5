"""弹性离校: a child leaving without an adult, with a guardian's consent and the school's leave."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import audit, clock
from app.core.errors import Conflict, NotFound
from app.core.principal import Principal
from app.pickup import errors as _errors  # noqa: F401  (registers the messages)
from app.pickup.handovers import (
    ensure_in_care,
    ensure_today,
    handover_context,
    record_handover,
)
from app.pickup.models import Handover, HandoverKind, ReleaseConsent
from app.pickup.schemas import ReleaseConsentIn, ReleaseIn
from app.pickup.school_rules import gate_rules
from app.school.access import is_guardian
from app.school.models import SchoolClass, Student


async def give_consent(
    session: AsyncSession, principal: Principal, student: Student, body: ReleaseConsentIn | None
) -> ReleaseConsent:
    note = body.note if body else None
    await session.execute(
        pg_insert(ReleaseConsent)
        .values(student_id=student.id, given_by=principal.id, given_at=clock.now(), note=note)
        .on_conflict_do_update(
            index_elements=["student_id"],
            set_={"given_by": principal.id, "given_at": clock.now(), "note": note},
        )
    )
    consent = await session.get(ReleaseConsent, student.id, populate_existing=True)
    assert consent is not None
    await audit.record(
        session,
        action="release_consent.given",
        object_type="student",
        object_id=student.id,
        actor_id=principal.id,
        school_id=student.school_id,
        data={"note": note},
    )
    return consent


async def live_consent(session: AsyncSession, student: Student) -> ReleaseConsent | None:
    """The consent, if the guardian who gave it is still one (an unlinked parent's lapses)."""
    consent = await session.get(ReleaseConsent, student.id)
    if consent is None or consent.given_by is None:
        return None
    if not await is_guardian(session, consent.given_by, student.id):
        return None
    return consent


async def consent_of(session: AsyncSession, student: Student) -> ReleaseConsent:
    consent = await live_consent(session, student)
    if consent is None:
        raise NotFound("pickup.release_consent_not_found")
    return consent


async def withdraw_consent(session: AsyncSession, principal: Principal, student: Student) -> None:
    consent = await session.get(ReleaseConsent, student.id)
    if consent is None:
        raise NotFound("pickup.release_consent_not_found")
    await session.delete(consent)
    await session.flush()
    await audit.record(
        session,
        action="release_consent.withdrawn",
        object_type="student",
        object_id=student.id,
        actor_id=principal.id,
        school_id=student.school_id,
    )


async def release(session: AsyncSession, principal: Principal, body: ReleaseIn) -> Handover:
    """Record that a child left on their own (`released`); every guardian is told."""
    context = await handover_context(session, principal, body.student_id, body.date)
    student, day = context.student, context.day
    ensure_today(body.date, day)
    if await live_consent(session, student) is None:
        raise Conflict("pickup.release_not_consented")
    grade = await session.scalar(
        select(SchoolClass.grade).where(SchoolClass.id == student.class_id)
    )
    if grade not in (await gate_rules(session, student.school_id)).self_release_grades:
        raise Conflict("pickup.release_grade_not_allowed")
    ensure_in_care(context)
    return await record_handover(
        session,
        principal=principal,
        context=context,
        kind=HandoverKind.RELEASED,
        adult=None,
        pickup_pass_id=None,
        note=body.note,
    )
