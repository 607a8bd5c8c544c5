"""Applying a partial update to a set-up row, and recording set-up changes in the audit trail."""

from __future__ import annotations

import uuid
from datetime import date, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import audit
from app.core.principal import Principal
from app.school.models import Group, SchoolClass, Slot, Student, Term


def _plain(value: Any) -> Any:
    """Ids, dates and times as the API writes them, so the trail reads like the requests did."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


def apply(row: object, values: dict[str, Any]) -> dict[str, Any]:
    """Set ``values`` on ``row``; answer what actually changed as ``{field: [old, new]}``."""
    changed = {}
    for field, value in values.items():
        old = getattr(row, field)
        if old != value:
            changed[field] = [_plain(old), _plain(value)]
            setattr(row, field, value)
    return changed


async def record(
    session: AsyncSession,
    actor: Principal,
    action: str,
    row: Term | Slot | SchoolClass | Group | Student,
    data: dict[str, Any],
) -> None:
    """An audit event about ``row``; the object type is the action's first word."""
    await audit.record(
        session,
        action=action,
        object_type=action.split(".", 1)[0],
        object_id=row.id,
        actor_id=actor.id,
        school_id=row.school_id,
        data=_plain_dict(data),
    )


def _plain_dict(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain_dict(v) if isinstance(v, dict) else _plain(v) for k, v in data.items()}
