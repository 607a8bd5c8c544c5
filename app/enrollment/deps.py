"""Who may call enrollment endpoints, and loading the enrollment the caller may see (else 404)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from app.auth.deps import ParentUser, TeacherOrAdmin, require_roles
from app.auth.models import Role
from app.core.database import SessionDep
from app.core.principal import Principal
from app.enrollment.errors import EnrollmentNotFound
from app.enrollment.models import Enrollment
from app.school import access

# Parents, teachers and school admins read enrollments; duty staff and district admins do not.
EnrollmentReader = Annotated[
    Principal, Depends(require_roles(Role.PARENT, Role.TEACHER, Role.SCHOOL_ADMIN))
]


async def _load(session: SessionDep, enrollment_id: uuid.UUID) -> Enrollment:
    enrollment = await session.get(Enrollment, enrollment_id)
    if enrollment is None:
        raise EnrollmentNotFound()
    return enrollment


def _is_school_reader(principal: Principal, enrollment: Enrollment) -> bool:
    return principal.school_id == enrollment.school_id and principal.has(
        Role.TEACHER, Role.SCHOOL_ADMIN
    )


async def visible_enrollment(
    enrollment_id: uuid.UUID, session: SessionDep, principal: EnrollmentReader
) -> Enrollment:
    """A guardian's child's, or any of the caller's school if they teach or administer there."""
    enrollment = await _load(session, enrollment_id)
    if _is_school_reader(principal, enrollment):
        return enrollment
    if principal.has(Role.PARENT) and await access.is_guardian(
        session, principal.id, enrollment.student_id
    ):
        return enrollment
    raise EnrollmentNotFound()


async def family_enrollment(
    enrollment_id: uuid.UUID, session: SessionDep, principal: ParentUser
) -> Enrollment:
    """The enrollment of one of the caller's own children (what a family may change)."""
    enrollment = await _load(session, enrollment_id)
    if not await access.is_guardian(session, principal.id, enrollment.student_id):
        raise EnrollmentNotFound()
    return enrollment


async def school_enrollment(
    enrollment_id: uuid.UUID, session: SessionDep, principal: TeacherOrAdmin
) -> Enrollment:
    """An enrollment of the reviewer's own school (who of them decides is the service's rule)."""
    enrollment = await _load(session, enrollment_id)
    if principal.school_id != enrollment.school_id:
        raise EnrollmentNotFound()
    return enrollment


VisibleEnrollment = Annotated[Enrollment, Depends(visible_enrollment)]
FamilyEnrollment = Annotated[Enrollment, Depends(family_enrollment)]
SchoolEnrollment = Annotated[Enrollment, Depends(school_enrollment)]
