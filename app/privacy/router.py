"""HTTP endpoints of guardians' data rights: /me/data, DELETE /me, the notice, the read log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.audit import service as audit_trail
from app.audit.schemas import RecordReadOut
from app.auth.deps import ParentUser
from app.core.database import SessionDep
from app.core.errors import PROBLEM_SCHEMA
from app.core.pagination import PageDep
from app.core.schemas import Page
from app.privacy import service
from app.privacy.deps import AdminStudent
from app.privacy.schemas import MyDataOut, PrivacyNoticeOut

router = APIRouter(tags=["privacy"])


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    content = {"application/problem+json": {"schema": PROBLEM_SCHEMA}}
    return {status: {"description": "Problem", "content": content} for status in statuses}


@router.get("/privacy-notice", response_model=PrivacyNoticeOut)
async def privacy_notice() -> PrivacyNoticeOut:
    """The current privacy notice (public): the text a parent accepts by registering."""
    return service.current_notice()


@router.get("/me/data", response_model=MyDataOut, responses=_problems(401, 403))
async def my_data(session: SessionDep, parent: ParentUser) -> MyDataOut:
    """Everything Kehou holds about the caller and their children, one section per domain."""
    return await service.my_data(session, parent.id)


@router.delete("/me", status_code=204, responses=_problems(401, 403))
async def erase_me(session: SessionDep, parent: ParentUser) -> None:
    """Erase the caller's account (see README, "Personal data"); its tokens stop at once."""
    await service.erase_account(session, parent.id)


@router.get(
    "/students/{student_id}/access-log",
    response_model=Page[RecordReadOut],
    responses=_problems(401, 403, 404),
)
async def access_log(student: AdminStudent, session: SessionDep, page: PageDep) -> Any:
    """Who among the staff read the child's record, when, and through which endpoint."""
    return await audit_trail.record_reads(session, student.id, page)
