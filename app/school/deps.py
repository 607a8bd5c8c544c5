"""Walls of school set-up: load the object the caller may reach, else 404 (never its data).

``Admin*`` loaders admit the school admin of the object's school (other roles are refused
with 403 before anything is loaded); ``Staff*`` any staff of that school; ``Readable*`` staff
and the guardians of a child at that school (parents need terms and slots to enrol).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.deps import CurrentUser, SchoolAdmin, StaffUser, require_roles
from app.auth.models import Role
from app.core.database import SessionDep
from app.core.errors import Invalid, NotFound
from app.core.principal import Principal
from app.school import access, service
from app.school.errors import SlotNotFound, TermNotFound
from app.school.lookup import in_school
from app.school.models import Group, SchoolClass, Slot, Student, Term

# Who may read a school's calendar (terms, slots): its staff, and parents for enrolling.
CalendarReader = Annotated[
    Principal,
    Depends(require_roles(Role.PARENT, Role.TEACHER, Role.DUTY, Role.SCHOOL_ADMIN)),
]


async def _readable(session: AsyncSession, principal: Principal, school_id: uuid.UUID) -> bool:
    return school_id in await access.readable_school_ids(session, principal)


async def _admin_term(term_id: uuid.UUID, session: SessionDep, admin: SchoolAdmin) -> Term:
    return await in_school(session, Term, term_id, admin.staff_school(), "term.not_found")


async def _readable_term(term_id: uuid.UUID, session: SessionDep, user: CalendarReader) -> Term:
    term = await session.get(Term, term_id)
    if term is None or not await _readable(session, user, term.school_id):
        raise TermNotFound()
    return term


async def _readable_term_query(
    term_id: Annotated[uuid.UUID, Query(description="The term.")],
    session: SessionDep,
    user: CalendarReader,
) -> Term:
    """The term a query names; unknown or out of reach is a bad parameter (422)."""
    try:
        return await _readable_term(term_id, session, user)
    except NotFound as exc:
        raise Invalid("term.not_found", field="term_id") from exc


async def _admin_slot(slot_id: uuid.UUID, session: SessionDep, admin: SchoolAdmin) -> Slot:
    return await in_school(session, Slot, slot_id, admin.staff_school(), "slot.not_found")


async def _readable_slot(slot_id: uuid.UUID, session: SessionDep, user: CalendarReader) -> Slot:
    slot = await session.get(Slot, slot_id)
    if slot is None or not await _readable(session, user, slot.school_id):
        raise SlotNotFound()
    return slot


async def _admin_class(class_id: uuid.UUID, session: SessionDep, admin: SchoolAdmin) -> SchoolClass:
    return await in_school(session, SchoolClass, class_id, admin.staff_school(), "class.not_found")


async def _staff_class(class_id: uuid.UUID, session: SessionDep, staff: StaffUser) -> SchoolClass:
    return await in_school(session, SchoolClass, class_id, staff.staff_school(), "class.not_found")


async def _admin_group(group_id: uuid.UUID, session: SessionDep, admin: SchoolAdmin) -> Group:
    return await in_school(session, Group, group_id, admin.staff_school(), "group.not_found")


async def _staff_group(group_id: uuid.UUID, session: SessionDep, staff: StaffUser) -> Group:
    return await in_school(session, Group, group_id, staff.staff_school(), "group.not_found")


# The student walls: the loaders are school's service's, which gate pickup's walls call too.
async def _admin_student(student_id: uuid.UUID, session: SessionDep, admin: SchoolAdmin) -> Student:
    return await service.school_student(session, admin, student_id)


async def _staff_student(student_id: uuid.UUID, session: SessionDep, staff: StaffUser) -> Student:
    return await service.school_student(session, staff, student_id)


async def _visible_student(
    student_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> Student:
    return await service.visible_student(session, user, student_id)


AdminTerm = Annotated[Term, Depends(_admin_term)]
ReadableTerm = Annotated[Term, Depends(_readable_term)]
ReadableTermQuery = Annotated[Term, Depends(_readable_term_query)]
AdminSlot = Annotated[Slot, Depends(_admin_slot)]
ReadableSlot = Annotated[Slot, Depends(_readable_slot)]
AdminClass = Annotated[SchoolClass, Depends(_admin_class)]
StaffClass = Annotated[SchoolClass, Depends(_staff_class)]
AdminGroup = Annotated[Group, Depends(_admin_group)]
StaffGroup = Annotated[Group, Depends(_staff_group)]
AdminStudent = Annotated[Student, Depends(_admin_student)]
StaffStudent = Annotated[Student, Depends(_staff_student)]
# Staff of the child's school, or one of the child's guardians.
VisibleStudent = Annotated[Student, Depends(_visible_student)]
