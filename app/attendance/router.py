"""Roster and roll-call endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.attendance import deps, service
from app.attendance.deps import RosterGroup
from app.attendance.schemas import RollCallIn, RosterItemOut, RosterOut
from app.audit import service as audit_trail
from app.auth.deps import Idempotent, StaffUser, TeacherOrAdmin
from app.core.database import SessionDep
from app.core.schemas import Day
from app.school import access
from app.school.models import Group

router = APIRouter(tags=["attendance"])


def _roster_out(group: Group, day: dt.date, entries: list[service.RosterEntry]) -> RosterOut:
    return RosterOut(
        date=day,
        group_id=group.id,
        slot_id=group.slot_id,
        term_id=group.term_id,
        items=[RosterItemOut.model_validate(e) for e in entries],
    )


@router.get("/rosters", response_model=RosterOut)
async def get_roster(
    session: SessionDep,
    user: StaffUser,
    group: RosterGroup,
    day: Annotated[
        Day | None, Query(alias="date", description="Defaults to today at the school.")
    ] = None,
) -> RosterOut:
    """The children a group expects on a day, with each one's status (closures: empty)."""
    day = day or await access.school_today(session, group.school_id)
    entries = await service.group_roster(session, group, day)
    await audit_trail.record_read(session, user, "GET /rosters", [e.student_id for e in entries])
    return _roster_out(group, day, entries)


@router.post("/attendance/roll-calls", response_model=RosterOut)
async def take_roll_call(
    body: RollCallIn, session: SessionDep, user: TeacherOrAdmin, idem: Idempotent
) -> Response:
    """Mark children present or absent (the last mark wins); answers with the roster.

    A child newly marked absent without approved leave alerts every guardian
    (`attendance.absent`) once per child, slot and day.
    """
    group = await deps.roll_call_group(session, user, body.group_id)

    async def roll_call() -> RosterOut:
        return _roster_out(
            group, body.date, await service.take_roll_call(session, user, group, body)
        )

    return await idem.run(200, roll_call)
