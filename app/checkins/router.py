"""Staff check-in endpoints."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.auth.deps import TeacherOrAdmin
from app.checkins import deps, service
from app.checkins.schemas import CheckInIn, CheckInOut
from app.core.database import SessionDep

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
