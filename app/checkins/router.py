"""Staff check-in endpoints."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.auth.deps import TeacherOrAdmin
from app.checkins import deps, service
from app.checkins.schemas import CheckInIn, CheckInOut
from app.core.database import SessionDep
from app.core.pagination import PageDep
from app.core.schemas import Day, Page

router = APIRouter(tags=["checkins"])


@router.post(
    "/staff-check-ins",
    status_code=201,
    response_model=CheckInOut,
    responses={200: {"model": CheckInOut, "description": "Already checked in: the first one."}},
)
async def check_in(
    body: CheckInIn, session: SessionDep, user: TeacherOrAdmin, response: Response
) -> CheckInOut:
    """Check in with a group you lead or assist, on the day (a roll call does it too).

    Once per adult, group, slot and day: a repeat answers 200 with the first check-in.
    """
    group = await deps.staffed_group(session, user, body)
    check_in, created = await service.check_in(session, user, group, body)
    if not created:
        response.status_code = 200
    return CheckInOut.model_validate(check_in)


@router.get("/staff-check-ins", response_model=Page[CheckInOut])
async def list_check_ins(
    session: SessionDep,
    user: TeacherOrAdmin,
    page: PageDep,
    first: Annotated[Day | None, Query(alias="from")] = None,
    last: Annotated[Day | None, Query(alias="to")] = None,
    group_id: Annotated[uuid.UUID | None, Query()] = None,
    user_id: Annotated[uuid.UUID | None, Query()] = None,
) -> Page[CheckInOut]:
    """Who was with which group, newest first (admin: everyone; teacher: their own)."""
    items, cursor = await service.listing(
        session, user, page, first=first, last=last, group_id=group_id, user_id=user_id
    )
    return Page(items=[CheckInOut.model_validate(c) for c in items], next_cursor=cursor)
