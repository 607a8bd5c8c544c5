"""Who may call the district's endpoints, and loading what the caller may see (else 404)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path

from app.auth.deps import SchoolAdmin, require_roles
from app.core.database import SessionDep
from app.core.errors import Forbidden
from app.core.principal import Principal, Role
from app.district import plans
from app.district.models import SchoolPlan
from app.school.errors import TermNotFound
from app.school.models import Term


async def _district_admin(
    principal: Annotated[Principal, Depends(require_roles(Role.DISTRICT_ADMIN))],
) -> Principal:
    if principal.district_id is None:  # a district role without a district reaches nothing
        raise Forbidden()
    return principal


# An admin of a district (区教育局): counts of its schools, their plans, escalated complaints.
DistrictAdmin = Annotated[Principal, Depends(_district_admin)]
# Who has complaints to list: the parents who made them, the school admins who answer them.
ComplaintReader = Annotated[Principal, Depends(require_roles(Role.PARENT, Role.SCHOOL_ADMIN))]


async def _plan_of_district(
    session: SessionDep,
    principal: DistrictAdmin,
    plan_id: Annotated[uuid.UUID, Path()],
) -> SchoolPlan:
    return await plans.visible_plan(session, principal, plan_id)


# A plan one of the district's schools has submitted.
DistrictPlan = Annotated[SchoolPlan, Depends(_plan_of_district)]


async def _term_of_school(
    session: SessionDep, admin: SchoolAdmin, term_id: Annotated[uuid.UUID, Path()]
) -> Term:
    term = await session.get(Term, term_id)
    if term is None or term.school_id != admin.staff_school():
        raise TermNotFound()
    return term


# A term of the school admin's own school.
AdminTerm = Annotated[Term, Depends(_term_of_school)]
