"""Who may check in with a group: its own staff, in its school (another school's: 404)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.checkins import service
from app.checkins.schemas import CheckInIn
from app.core.principal import Principal
from app.school.models import Group


async def staffed_group(session: AsyncSession, principal: Principal, body: CheckInIn) -> Group:
    """The body's group if the caller staffs it (the id comes in the body)."""
    group = await service.school_group(session, principal, body.group_id)
    service.ensure_staff_of(principal, group)
    return group
