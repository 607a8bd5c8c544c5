"""Activities and clubs over HTTP (课程社团、走班): the menu, choosing, the lottery, a child's
week and the quality-activity check."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.activities import service
from app.activities.deps import AdminTerm, AdminTermQuery, ChildReader, FamilyEnrollment
from app.activities.errors import ActivityStudentRequired
from app.activities.schemas import (
    ActivitiesOut,
    AllocateIn,
    AllocationOut,
    ChoicesIn,
    ChoicesOut,
    QualityOut,
    TimetableOut,
)
from app.auth.deps import ParentUser, SchoolAdmin
from app.core.database import SessionDep
from app.core.principal import STAFF_ROLES
from app.core.schemas import Week
from app.school import access
from app.school.errors import TermNotFound
from app.school.models import Term
from app.school.responses import problems

router = APIRouter(tags=["activities"])


@router.get("/activities", response_model=ActivitiesOut, responses=problems(401, 403, 404, 422))
async def list_activities(
    session: SessionDep,
    reader: ChildReader,
    term_id: uuid.UUID,
    student_id: uuid.UUID | None = None,
) -> Any:
    """The term's activity groups with `seats_left`; with `student_id`, those open to that
    child's grade. A guardian asks for their own child (`student_id` required)."""
    student = None
    if student_id is not None:
        student = await access.visible_student(session, reader, student_id)
        school_id = student.school_id
    elif reader.has(*STAFF_ROLES):
        school_id = reader.staff_school()
    else:
        raise ActivityStudentRequired(field="student_id")
    term = await session.get(Term, term_id)
    if term is None or term.school_id != school_id:
        raise TermNotFound()
    return ActivitiesOut(items=await service.list_activities(session, term, student))


@router.get(
    "/enrollments/{enrollment_id}/activities",
    response_model=ChoicesOut,
    responses=problems(401, 403, 404),
)
async def get_choices(enrollment: FamilyEnrollment, session: SessionDep) -> Any:
    """The enrollment's ranked activity choices and where each stands."""
    return ChoicesOut(items=await service.describe_choices(session, enrollment))


@router.put(
    "/enrollments/{enrollment_id}/activities",
    response_model=ChoicesOut,
    responses=problems(401, 403, 404, 409, 422),
)
async def set_choices(
    body: ChoicesIn, enrollment: FamilyEnrollment, session: SessionDep, parent: ParentUser
) -> Any:
    """Replace the enrollment's ranked choices (pending or active enrollments: else 409).
    Each activity's slot and weekdays must be the enrollment's; two activities of the same
    slot and weekday: 422 `activity.clash`. A first-come term assigns or waitlists at once;
    a lottery term keeps them `requested` until the draw."""
    return ChoicesOut(items=await service.set_choices(session, parent, enrollment, body))


@router.post(
    "/terms/{term_id}/allocate-activities",
    response_model=AllocationOut,
    responses=problems(401, 403, 404, 409, 422),
)
async def allocate(
    body: AllocateIn, term: AdminTerm, session: SessionDep, admin: SchoolAdmin
) -> Any:
    """The lottery: requested choices are served by priority flags, then rank, then a draw
    from `seed` (the same seed and choices give the same result); families are told."""
    return await service.allocate(session, admin, term, body.seed)


@router.get(
    "/students/{student_id}/timetable",
    response_model=TimetableOut,
    responses=problems(401, 403, 404, 422),
)
async def timetable(
    student_id: uuid.UUID,
    session: SessionDep,
    reader: ChildReader,
    week: Annotated[
        Week | None,
        Query(description="`YYYY-Www` (ISO week); this week at the school when omitted."),
    ] = None,
) -> Any:
    """The child's week: per service day, each slot with the group the roster puts them in
    (an activity on its days, else their class group), its category, venue and leader; a
    closure as `closed`, a slot on leave as `on_leave`."""
    student = await access.visible_student(session, reader, student_id)
    if week is None:
        year, number, _ = (await access.school_today(session, student.school_id)).isocalendar()
        week = f"{year}-W{number:02d}"
    return await service.timetable(session, student, week)


@router.get(
    "/stats/quality-activities",
    response_model=QualityOut,
    responses=problems(401, 403, 404),
)
async def quality_activities(term: AdminTermQuery, session: SessionDep) -> Any:
    """The enrolled children with fewer than one activity a week outside `homework` and
    `care` (素质教育 at least once a week)."""
    return QualityOut(items=await service.quality_gaps(session, term))
