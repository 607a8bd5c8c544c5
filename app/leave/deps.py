"""Who may read leave requests, and loading the one the caller may see (else 404)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path
from sqlalchemy import select

from app.auth.deps import CurrentUser, ParentUser, require_roles
from app.auth.models import Role
from app.core.database import SessionDep
from app.core.errors import Forbidden
from app.core.principal import Principal
from app.leave.errors import LeaveNotFound
from app.leave.models import LeaveRequest
from app.leave.service import visible_to
from app.school import access

# Parents, homeroom teachers and admins have leave lists; duty staff read the roster instead.
LeaveReader = Annotated[
    Principal, Depends(require_roles(Role.PARENT, Role.TEACHER, Role.SCHOOL_ADMIN))
]


async def visible_leave(
    session: SessionDep,
    principal: CurrentUser,
    leave_id: Annotated[uuid.UUID, Path(alias="id")],
) -> LeaveRequest:
    leave = await session.scalar(
        select(LeaveRequest).where(LeaveRequest.id == leave_id, visible_to(principal))
    )
    if leave is None:
        raise LeaveNotFound()
    return leave


VisibleLeave = Annotated[LeaveRequest, Depends(visible_leave)]


async def guarded_leave(
    session: SessionDep, principal: ParentUser, leave: VisibleLeave
) -> LeaveRequest:
    """A leave request of one of the caller's own children (a parent's own actions)."""
    if not await access.is_guardian(session, principal.id, leave.student_id):
        raise Forbidden()
    return leave


GuardedLeave = Annotated[LeaveRequest, Depends(guarded_leave)]
