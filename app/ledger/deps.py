"""Who may read the ledgers and write a group's care log (another school's group: 404)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.deps import TeacherOrAdmin
from app.core.database import SessionDep
from app.core.principal import Principal
from app.core.schemas import Day, Month
from app.ledger import service
from app.ledger.schemas import CareLogIn
from app.school import access
from app.school.models import Group


async def loggable_group(session: AsyncSession, principal: Principal, body: CareLogIn) -> Group:
    """The body's group if the caller staffs it or is an admin (the id comes in the body)."""
    group = await service.school_group(session, principal, body.group_id)
    service.ensure_may_log(principal, group)
    return group


async def ledger_day(
    session: SessionDep,
    user: TeacherOrAdmin,
    day: Annotated[
        Day | None,
        Query(alias="date", description="The day; defaults to today at the school."),
    ] = None,
) -> dt.date:
    return day or await access.school_today(session, user.staff_school())


async def ledger_month(
    session: SessionDep,
    user: TeacherOrAdmin,
    month: Annotated[
        Month | None,
        Query(
            description="The month, `YYYY-MM`; defaults to this month at the school.",
        ),
    ] = None,
) -> str:
    if month is not None:
        return month
    return (await access.school_today(session, user.staff_school())).strftime("%Y-%m")


# The day or month a ledger is about (the school's today or this month when not given).
LedgerDay = Annotated[dt.date, Depends(ledger_day)]
LedgerMonth = Annotated[str, Depends(ledger_month)]
