"""A school's gate rules: pass lifetime and the grades that may leave alone.

(The late-pickup grace is part of the school policy: ``school.service.policy_of``.)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import audit
from app.core.principal import Principal
from app.pickup.models import PickupSettings
from app.pickup.schemas import PickupSettingsPatch

# How long a pickup pass lives unless the school chose otherwise (2–30 minutes).
PASS_TTL_MINUTES = 10


@dataclass(frozen=True)
class GateRules:
    self_release_grades: list[int]
    pass_ttl_minutes: int


async def gate_rules(session: AsyncSession, school_id: uuid.UUID) -> GateRules:
    row = await session.get(PickupSettings, school_id)
    if row is None:
        return GateRules(self_release_grades=[], pass_ttl_minutes=PASS_TTL_MINUTES)
    return GateRules(
        self_release_grades=sorted(row.self_release_grades or []),
        pass_ttl_minutes=row.pass_ttl_minutes or PASS_TTL_MINUTES,
    )


async def update_gate_rules(
    session: AsyncSession, principal: Principal, body: PickupSettingsPatch
) -> GateRules:
    school_id = principal.staff_school()
    row = await session.get(PickupSettings, school_id)
    if row is None:
        row = PickupSettings(school_id=school_id, self_release_grades=[])
        session.add(row)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("self_release_grades") is not None:
        row.self_release_grades = sorted(set(changes["self_release_grades"]))
    if "pass_ttl_minutes" in changes:  # null returns to the default
        row.pass_ttl_minutes = changes["pass_ttl_minutes"]
    await session.flush()
    await audit.record(
        session,
        action="pickup_settings.updated",
        object_type="school",
        object_id=school_id,
        actor_id=principal.id,
        school_id=school_id,
        data=changes,
    )
    return await gate_rules(session, school_id)
