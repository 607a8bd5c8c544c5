"""Enrollment (报名) and withdrawal (退出) endpoints."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from app.audit import service as audit_trail
from app.auth.deps import CurrentUser, Idempotent, ParentUser, TeacherOrAdmin
from app.core.database import SessionDep
from app.core.errors import PROBLEM_SCHEMA
from app.core.pagination import PageDep
from app.core.schemas import Page
from app.enrollment import examples, queries, review, service
from app.enrollment.deps import (
    EnrollmentReader,
    FamilyEnrollment,
    SchoolEnrollment,
    VisibleEnrollment,
)
from app.enrollment.models import EnrollmentStatus
from app.enrollment.schemas import (
    EnrollmentChange,
    EnrollmentEventOut,
    EnrollmentIn,
    EnrollmentOut,
    ReviewIn,
    WithdrawIn,
)

router = APIRouter(tags=["enrollment"])


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    content = {"application/problem+json": {"schema": PROBLEM_SCHEMA}}
    return {status: {"description": "Problem", "content": content} for status in statuses}


@router.post(
    "/enrollments",
    status_code=201,
    response_model=EnrollmentOut,
    responses=_problems(401, 403, 404, 409),
)
async def create_enrollment(
    body: EnrollmentIn, session: SessionDep, user: ParentUser, idem: Idempotent
) -> Response:
    """Apply for a child (parent). Status follows the school's policy, or `waitlisted`."""

    async def produce() -> EnrollmentOut:
        enrollment = await service.apply(session, user, body)
        return (await queries.present(session, [enrollment]))[0]

    return await idem.run(201, produce)


@router.get("/enrollments", response_model=Page[EnrollmentOut], responses=_problems(401, 403))
async def list_enrollments(
    session: SessionDep,
    user: EnrollmentReader,
    page: PageDep,
    term_id: uuid.UUID | None = None,
    status: EnrollmentStatus | None = None,
    student_id: uuid.UUID | None = None,
    class_id: uuid.UUID | None = None,
) -> Page[EnrollmentOut]:
    """Parent: their children's; teacher: their homeroom classes'; admin: the school's.

    Oldest application first, so `?status=pending_class_review` reads as a review queue.
    """
    where = queries.EnrollmentFilter(
        term_id=term_id, status=status, student_id=student_id, class_id=class_id
    )
    items, cursor = await queries.list_enrollments(session, user, where, page)
    await audit_trail.record_read(session, user, "GET /enrollments", [i.student_id for i in items])
    return Page(items=items, next_cursor=cursor)


@router.get(
    "/enrollments/{enrollment_id}",
    response_model=EnrollmentOut,
    responses=_problems(401, 403, 404),
)
async def get_enrollment(
    enrollment: VisibleEnrollment, session: SessionDep, user: CurrentUser
) -> EnrollmentOut:
    await audit_trail.record_read(session, user, "GET /enrollments/{id}", [enrollment.student_id])
    return (await queries.present(session, [enrollment]))[0]


@router.patch(
    "/enrollments/{enrollment_id}",
    response_model=EnrollmentOut,
    responses=_problems(401, 403, 404, 409),
)
async def change_enrollment(
    enrollment: FamilyEnrollment, body: EnrollmentChange, session: SessionDep, user: ParentUser
) -> EnrollmentOut:
    """Change the weekdays and/or slots of an active enrollment (parent), from today on."""
    changed = await service.change(session, user, enrollment, body)
    return (await queries.present(session, [changed]))[0]


@router.post(
    "/enrollments/{enrollment_id}/review",
    response_model=EnrollmentOut,
    responses=_problems(401, 403, 404, 409),
)
async def review_enrollment(
    enrollment: SchoolEnrollment,
    body: Annotated[ReviewIn, Body(openapi_examples=examples.REVIEWS)],
    session: SessionDep,
    user: TeacherOrAdmin,
    idem: Idempotent,
) -> Response:
    """Decide the stage the enrollment awaits: class review (homeroom teacher), school
    review or a withdrawal (school admin). Guardians are notified (`enrollment.decided`).
    """

    async def produce() -> EnrollmentOut:
        decided = await review.review(session, user, enrollment, body)
        return (await queries.present(session, [decided]))[0]

    return await idem.run(200, produce)


@router.post(
    "/enrollments/{enrollment_id}/withdraw",
    response_model=EnrollmentOut,
    responses=_problems(401, 403, 404, 409),
)
async def withdraw_enrollment(
    enrollment: FamilyEnrollment,
    body: WithdrawIn,
    session: SessionDep,
    user: ParentUser,
    idem: Idempotent,
) -> Response:
    """Leave from `effective_date` (parent): `withdrawn`, or `withdrawal_pending` when the
    school's policy asks for approval."""

    async def produce() -> EnrollmentOut:
        withdrawn = await service.withdraw(session, user, enrollment, body)
        return (await queries.present(session, [withdrawn]))[0]

    return await idem.run(200, produce)


@router.post(
    "/enrollments/{enrollment_id}/cancel",
    response_model=EnrollmentOut,
    responses=_problems(401, 403, 404, 409),
)
async def cancel_enrollment(
    enrollment: FamilyEnrollment, session: SessionDep, user: ParentUser, idem: Idempotent
) -> Response:
    """Take back an application still in review or on the waitlist (parent)."""

    async def produce() -> EnrollmentOut:
        cancelled = await service.cancel(session, user, enrollment)
        return (await queries.present(session, [cancelled]))[0]

    return await idem.run(200, produce)


@router.get(
    "/enrollments/{enrollment_id}/events",
    response_model=Page[EnrollmentEventOut],
    responses=_problems(401, 403, 404),
)
async def list_enrollment_events(
    enrollment: VisibleEnrollment, session: SessionDep, page: PageDep
) -> Page[EnrollmentEventOut]:
    """The audit trail of the enrollment, oldest first."""
    items, cursor = await queries.events(session, enrollment, page)
    return Page(items=items, next_cursor=cursor)
