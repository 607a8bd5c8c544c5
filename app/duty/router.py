"""Duty rota and 交接班 endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.deps import SchoolAdmin, StaffUser
from app.core.database import SessionDep
from app.core.pagination import PageDep
from app.core.schemas import Day, Page
from app.duty import service
from app.duty.deps import SchoolShift
from app.duty.schemas import HandoffIn, HandoffOut, HandoffsOut, ShiftIn, ShiftOut

router = APIRouter(tags=["duty"])


@router.post("/duty-shifts", status_code=201, response_model=ShiftOut)
async def create_shift(body: ShiftIn, session: SessionDep, admin: SchoolAdmin) -> ShiftOut:
    """Put a staff member of the school on duty at a post (admin).

    Not active staff of the school: 422 `duty.staff_not_found`; a shift of theirs overlapping
    this one: 409 `duty.shift_overlaps`.
    """
    return await service.create_shift(session, admin, body)


@router.get("/duty-shifts", response_model=Page[ShiftOut])
async def list_shifts(
    session: SessionDep,
    user: StaffUser,
    page: PageDep,
    first: Annotated[Day | None, Query(alias="from", description="Default: today.")] = None,
    last: Annotated[Day | None, Query(alias="to", description="Default: a week on.")] = None,
) -> Page[ShiftOut]:
    """The school's duty rota, by day and start time (every staff member reads it)."""
    items, cursor = await service.rota(session, user, first, last, page)
    return Page(items=items, next_cursor=cursor)


@router.post("/duty-shifts/{shift_id}/handoff", status_code=201, response_model=HandoffOut)
async def hand_off(
    shift: SchoolShift, body: HandoffIn, session: SessionDep, user: StaffUser
) -> HandoffOut:
    """交接班: hand the shift over, recording the children still in care at this moment
    (on today's rosters, not absent or on leave, not yet handed over or released).

    Only the shift's staff member or an admin (403 `duty.not_your_shift`); another school's
    shift: 404; a `to_shift_id` that is not another shift of the school: 422.
    """
    return await service.hand_off(session, user, shift, body)


@router.get("/duty-shifts/{shift_id}/handoffs", response_model=HandoffsOut)
async def handoffs(shift: SchoolShift, session: SessionDep) -> HandoffsOut:
    """The handoffs this shift gave or received, oldest first (staff of the school; another
    school's shift: 404)."""
    return HandoffsOut(items=await service.handoffs(session, shift))
