"""Who may see a group's roster and who may take its roll call (another school's: 404)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.attendance.errors import (
    AttendanceGroupNotFound,
    AttendanceNotGroupLeader,
    AttendanceRosterForbidden,
)
from app.auth.deps import StaffUser
from app.auth.models import Role
from app.core.database import SessionDep
from app.core.principal import Principal
from app.school import service as school
from app.school.models import Group, GroupClass, SchoolClass


async def school_group(session: AsyncSession, principal: Principal, group_id: uuid.UUID) -> Group:
    group = await session.get(Group, group_id)
    if group is None or group.school_id != principal.school_id:
        raise AttendanceGroupNotFound()
    return group


async def roster_group(
    session: SessionDep,
    principal: StaffUser,
    group_id: Annotated[uuid.UUID, Query(description="The group whose roster to read.")],
) -> Group:
    """The group if the caller leads it, teaches a class feeding it, is on duty or an admin."""
    group = await school_group(session, principal, group_id)
    if principal.has(Role.SCHOOL_ADMIN, Role.DUTY) or principal.id in school.group_staff_ids(group):
        return group
    homeroom = await session.scalar(
        select(GroupClass.class_id)
        .join(SchoolClass, SchoolClass.id == GroupClass.class_id)
        .where(GroupClass.group_id == group.id, SchoolClass.homeroom_teacher_id == principal.id)
        .limit(1)
    )
    if homeroom is None:
        raise AttendanceRosterForbidden()
    return group


RosterGroup = Annotated[Group, Depends(roster_group)]


async def roll_call_group(
    session: AsyncSession, principal: Principal, group_id: uuid.UUID
) -> Group:
    """The group if the caller leads or assists it or is a school admin (the id comes in the
    body)."""
    group = await school_group(session, principal, group_id)
    if not (principal.is_school_admin or principal.id in school.group_staff_ids(group)):
        raise AttendanceNotGroupLeader()
    return group
