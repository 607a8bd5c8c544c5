"""弹性离校: a guardian's consent that the child may leave without an adult (the release
itself, with the school's leave, is ``service.release``)."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import audit, clock
from app.core.principal import Principal
from app.pickup.errors import PickupReleaseConsentNotFound
from app.pickup.models import ReleaseConsent
from app.pickup.schemas import ReleaseConsentIn
from app.school.access import is_guardian
from app.school.models import Student


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
        raise PickupReleaseConsentNotFound()
    return consent


async def withdraw_consent(session: AsyncSession, principal: Principal, student: Student) -> None:
    consent = await session.get(ReleaseConsent, student.id)
    if consent is None:
        raise PickupReleaseConsentNotFound()
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
