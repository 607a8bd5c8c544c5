"""Who may call the activity endpoints, and loading what the caller may see (else 404)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from app.auth.deps import ParentUser, SchoolAdmin, require_roles
from app.core.database import SessionDep
from app.core.principal import Principal, Role
from app.enrollment.errors import EnrollmentNotFound
from app.enrollment.models import Enrollment
from app.school import access
from app.school.errors import TermNotFound
from app.school.models import Term

# A child's activities and week: their guardians and the school's staff.
ChildReader = Annotated[
    Principal,
    Depends(require_roles(Role.PARENT, Role.TEACHER, Role.DUTY, Role.SCHOOL_ADMIN)),
]


async def family_enrollment(
    enrollment_id: uuid.UUID, session: SessionDep, parent: ParentUser
) -> Enrollment:
    """An enrollment of one of the caller's own children."""
    enrollment = await session.get(Enrollment, enrollment_id)
    if enrollment is None or not await access.is_guardian(
        session, parent.id, enrollment.student_id
    ):
        raise EnrollmentNotFound()
    return enrollment


async def admin_term(term_id: uuid.UUID, session: SessionDep, admin: SchoolAdmin) -> Term:
    term = await session.get(Term, term_id)
    if term is None or term.school_id != admin.school_id:
        raise TermNotFound()
    return term


async def admin_term_query(term_id: uuid.UUID, session: SessionDep, admin: SchoolAdmin) -> Term:
    """``admin_term`` from the query string (``?term_id=``)."""
    return await admin_term(term_id, session, admin)


FamilyEnrollment = Annotated[Enrollment, Depends(family_enrollment)]
AdminTerm = Annotated[Term, Depends(admin_term)]
AdminTermQuery = Annotated[Term, Depends(admin_term_query)]
