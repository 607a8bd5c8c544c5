"""Who may read the ledgers and write a group's care log (another school's group: 404)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.principal import Principal
from app.ledger import service
from app.ledger.schemas import CareLogIn
from app.school.models import Group


async def loggable_group(session: AsyncSession, principal: Principal, body: CareLogIn) -> Group:
    """The body's group if the caller staffs it or is an admin (the id comes in the body)."""
    group = await service.school_group(session, principal, body.group_id)
    service.ensure_may_log(principal, group)
    return group
