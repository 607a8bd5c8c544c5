"""Leave request endpoints: parents ask and cancel, homeroom teachers and admins decide."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response

from app.audit import service as audit_trail
from app.auth.deps import CurrentUser, Idempotent, ParentUser, TeacherOrAdmin
from app.core.database import SessionDep
from app.core.pagination import PageDep
from app.core.schemas import Day, Page
from app.leave import examples, service
from app.leave.deps import GuardedLeave, LeaveReader, VisibleLeave
from app.leave.models import LeaveStatus
from app.leave.schemas import LeaveDecisionIn, LeaveRequestIn, LeaveRequestOut

router = APIRouter(tags=["leave"])


@router.post("/leave-requests", status_code=201, response_model=LeaveRequestOut)
async def create_leave_request(
    body: LeaveRequestIn, session: SessionDep, user: LeaveReader, idem: Idempotent
) -> Response:
    """A guardian asks for leave for their child (starts `pending`, the homeroom teacher is
    told); or the homeroom teacher or an admin records, with `channel` `phone` or `paper`,
    a leave the family gave in person (`approved` at once, the guardians are told)."""
    return await idem.run(201, lambda: service.create(session, user, body))


@router.get("/leave-requests", response_model=Page[LeaveRequestOut])
async def list_leave_requests(
    session: SessionDep,
    user: LeaveReader,
    page: PageDep,
    status: LeaveStatus | None = None,
    day: Annotated[
        Day | None, Query(alias="date", description="Requests covering this date.")
    ] = None,
    student_id: uuid.UUID | None = None,
) -> Page[LeaveRequestOut]:
    """Newest first: a parent's own children, a teacher's homeroom classes, an admin's school."""
    items, cursor = await service.list_visible(
        session, user, page, status=status, day=day, student_id=student_id
    )
    await audit_trail.record_read(
        session, user, "GET /leave-requests", [i.student_id for i in items]
    )
    return Page(items=items, next_cursor=cursor)


@router.get("/leave-requests/{id}", response_model=LeaveRequestOut)
async def get_leave_request(
    session: SessionDep, leave: VisibleLeave, user: CurrentUser
) -> LeaveRequestOut:
    await audit_trail.record_read(session, user, "GET /leave-requests/{id}", [leave.student_id])
    return (await service.describe(session, [leave]))[0]


@router.post("/leave-requests/{id}/decision", response_model=LeaveRequestOut)
async def decide_leave_request(
    body: Annotated[LeaveDecisionIn, Body(openapi_examples=examples.DECISIONS)],
    session: SessionDep,
    user: TeacherOrAdmin,
    leave: VisibleLeave,
) -> LeaveRequestOut:
    """Approve or reject a pending request; every guardian is notified (`leave.decided`)."""
    return await service.decide(session, user, leave, body)


@router.post("/leave-requests/{id}/cancel", response_model=LeaveRequestOut)
async def cancel_leave_request(
    session: SessionDep, user: ParentUser, leave: GuardedLeave
) -> LeaveRequestOut:
    """Withdraw a request while it is pending, or approved but not yet started."""
    return await service.cancel(session, user, leave)
