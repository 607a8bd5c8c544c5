"""Gate pickup's entry point for other domains: a family's pickup records, erased or expired.

(The gate's own flows live in ``handovers.py``, ``passes.py``, ``persons.py`` …)
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.personal_data import Section, remove, rows
from app.pickup.models import (
    BlockedAdult,
    Handover,
    LateCase,
    PickupPass,
    PickupPassStudent,
    PickupPerson,
    ReleaseConsent,
    VerificationFailure,
    VoidedHandover,
)


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
