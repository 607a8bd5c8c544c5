"""Load the survey the caller may act on, else 404 (another school's, or not for this family)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from app.auth.deps import ParentUser, SchoolAdmin, require_roles
from app.auth.models import Role
from app.core.database import SessionDep
from app.core.principal import Principal
from app.surveys import queries
from app.surveys.models import Survey

# Parents read the surveys for their children; school admins, their school's.
ParentOrAdmin = Annotated[Principal, Depends(require_roles(Role.PARENT, Role.SCHOOL_ADMIN))]


async def school_survey(survey_id: uuid.UUID, session: SessionDep, admin: SchoolAdmin) -> Survey:
    return await queries.school_survey(session, admin, survey_id)


async def family_survey(survey_id: uuid.UUID, session: SessionDep, parent: ParentUser) -> Survey:
    return await queries.family_survey(session, parent, survey_id)


# A survey of the calling admin's school, any status.
SchoolSurvey = Annotated[Survey, Depends(school_survey)]
# A published or closed survey for at least one of the calling parent's children.
FamilySurvey = Annotated[Survey, Depends(family_survey)]
