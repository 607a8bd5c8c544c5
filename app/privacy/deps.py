"""Who may use guardians' data rights: a parent for their own data, an admin for the log."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from app.auth.deps import SchoolAdmin
from app.core.database import SessionDep
from app.school.access import is_staff_of
from app.school.errors import StudentNotFound
from app.school.models import Student


async def _admin_student(student_id: uuid.UUID, session: SessionDep, admin: SchoolAdmin) -> Student:
    """A child of the admin's school, else 404 (another school's child is never confirmed)."""
    student = await session.get(Student, student_id)
    if student is None or not is_staff_of(admin, student.school_id):
        raise StudentNotFound()
    return student


AdminStudent = Annotated[Student, Depends(_admin_student)]
