"""Who may call the pickup endpoints, and the students they may reach (else 404).

The loaders are school's (``app.school.service``), as are school's own student walls.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from app.auth.deps import CurrentUser, DutyOrAdmin, ParentUser, SchoolAdmin
from app.core.database import SessionDep
from app.school import service as school
from app.school.models import Student


async def _guardian_of(student_id: uuid.UUID, session: SessionDep, user: ParentUser) -> Student:
    return await school.guarded_student(session, user, student_id)


async def _visible(student_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Student:
    return await school.visible_student(session, user, student_id)


async def _gate_staff_of(student_id: uuid.UUID, session: SessionDep, user: DutyOrAdmin) -> Student:
    return await school.school_student(session, user, student_id)


async def _admin_of(student_id: uuid.UUID, session: SessionDep, user: SchoolAdmin) -> Student:
    return await school.school_student(session, user, student_id)


# A child of the calling parent (other families' children: 404).
GuardiansStudent = Annotated[Student, Depends(_guardian_of)]
# A child the caller may see: a guardian, or staff of its school (as ``school.deps``).
VisibleStudent = Annotated[Student, Depends(_visible)]
# A child of the school of the calling duty staff or admin.
GateStudent = Annotated[Student, Depends(_gate_staff_of)]
# A child of the calling school admin's school (as ``school.deps``).
AdminStudent = Annotated[Student, Depends(_admin_of)]
