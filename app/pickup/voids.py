"""Voiding a mistaken handover: the child is waiting again, the family is told, it is audited.

The voided handover moves, with its id, from ``handovers`` to ``voided_handovers``: everything
that asks "who has left today" (the gate list, the roster, the late sweep, the next handover's
one-per-day rule) reads ``handovers`` only, so none of it has to learn about voids.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import audit, clock
from app.core.errors import Conflict, NotFound
from app.core.principal import Principal
from app.notifications import service as notifications
from app.notifications.templates import Kind
from app.pickup import errors as _errors  # noqa: F401  (registers the messages)
from app.pickup.handovers import get_handover, school_day
from app.pickup.models import Handover, HandoverFacts, VoidedHandover
from app.pickup.schemas import VoidIn
from app.school.access import guardian_ids, is_guardian, is_staff_of
from app.school.models import Student

_FACTS = tuple(HandoverFacts.__annotations__)


async def void_handover(
    session: AsyncSession, admin: Principal, handover_id: uuid.UUID, body: VoidIn
) -> VoidedHandover:
    """Void a handover of the admin's school (404 otherwise; 409 if already voided)."""
    school_id = admin.staff_school()
    # Locked: two admins voiding at once, or a void racing nothing else that changes the row.
    handover = await session.scalar(
        select(Handover).where(Handover.id == handover_id).with_for_update()
    )
    if handover is None or handover.school_id != school_id:
        voided = await session.get(VoidedHandover, handover_id)
        if voided is not None and voided.school_id == school_id:
            raise Conflict("pickup.already_voided")
        raise NotFound("pickup.handover_not_found")

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
    await _tell_guardians(session, voided)
    return voided


async def _tell_guardians(session: AsyncSession, voided: VoidedHandover) -> None:
    student = await session.get(Student, voided.student_id)
    assert student is not None
    day = await school_day(session, voided.school_id)
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


async def handover_or_voided(
    session: AsyncSession, principal: Principal, handover_id: uuid.UUID
) -> Handover | VoidedHandover:
    """A handover, or the voided one with that id, for staff of its school or a guardian."""
    try:
        return await get_handover(session, principal, handover_id)
    except NotFound:
        voided = await session.get(VoidedHandover, handover_id)
        if voided is not None and (
            is_staff_of(principal, voided.school_id)
            or await is_guardian(session, principal.id, voided.student_id)
        ):
            return voided
        raise
