"""Reading enrollments: who sees which, the response shape, the audit trail."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role, User
from app.core.audit import AuditEvent
from app.core.pagination import PageParams, paginate
from app.core.principal import Principal
from app.enrollment.models import (
    Enrollment,
    EnrollmentReview,
    EnrollmentSlot,
    EnrollmentStatus,
)
from app.enrollment.rules import OBJECT_TYPE
from app.enrollment.schemas import EnrollmentEventOut, EnrollmentOut, ReviewOut
from app.school.models import Guardian, SchoolClass, Slot, Student, Term


def _scope(principal: Principal) -> ColumnElement[bool]:
    """Parents see their children's, homeroom teachers their classes', admins their school's."""
    reach: list[ColumnElement[bool]] = []
    if principal.has(Role.PARENT):
        reach.append(
            Enrollment.student_id.in_(
                select(Guardian.student_id).where(Guardian.user_id == principal.id)
            )
        )
    if principal.school_id is not None and principal.is_school_admin:
        reach.append(Enrollment.school_id == principal.school_id)
    elif principal.school_id is not None and principal.has(Role.TEACHER):
        reach.append(
            and_(
                Enrollment.school_id == principal.school_id,
                Enrollment.student_id.in_(
                    select(Student.id)
                    .join(SchoolClass, SchoolClass.id == Student.class_id)
                    .where(SchoolClass.homeroom_teacher_id == principal.id)
                ),
            )
        )
    return or_(*reach) if reach else false()


@dataclass(frozen=True)
class EnrollmentFilter:
    term_id: uuid.UUID | None = None
    status: EnrollmentStatus | None = None
    student_id: uuid.UUID | None = None
    class_id: uuid.UUID | None = None


async def list_enrollments(
    session: AsyncSession, principal: Principal, where: EnrollmentFilter, page: PageParams
) -> tuple[list[EnrollmentOut], str | None]:
    """The enrollments the caller may see, in application order (a review queue's order)."""
    stmt = select(Enrollment).where(_scope(principal))
    if where.term_id is not None:
        stmt = stmt.where(Enrollment.term_id == where.term_id)
    if where.status is not None:
        stmt = stmt.where(Enrollment.status == where.status)
    if where.student_id is not None:
        stmt = stmt.where(Enrollment.student_id == where.student_id)
    if where.class_id is not None:
        stmt = stmt.where(
            Enrollment.student_id.in_(select(Student.id).where(Student.class_id == where.class_id))
        )
    rows, cursor = await paginate(
        session,
        stmt,
        page,
        (Enrollment.applied_at, Enrollment.id),
    )
    return await present(session, rows), cursor


async def present(session: AsyncSession, enrollments: Sequence[Enrollment]) -> list[EnrollmentOut]:
    """Response bodies for a page of enrollments, in a fixed number of queries."""
    if not enrollments:
        return []
    ids = [e.id for e in enrollments]
    students = {
        row.id: row
        for row in await session.execute(
            select(Student.id, Student.name, Student.class_id, SchoolClass.name.label("class_name"))
            .join(SchoolClass, SchoolClass.id == Student.class_id)
            .where(Student.id.in_({e.student_id for e in enrollments}))
        )
    }
    term_rows = await session.execute(
        select(Term.id, Term.name).where(Term.id.in_({e.term_id for e in enrollments}))
    )
    terms = {term_id: name for term_id, name in term_rows}
    slot_ids: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for enrollment_id, slot_id in await session.execute(
        select(EnrollmentSlot.enrollment_id, EnrollmentSlot.slot_id)
        .join(Slot, Slot.id == EnrollmentSlot.slot_id)
        .where(EnrollmentSlot.enrollment_id.in_(ids))
        .order_by(Slot.start_time, Slot.id)
    ):
        slot_ids[enrollment_id].append(slot_id)
    reviews: dict[uuid.UUID, list[ReviewOut]] = defaultdict(list)
    for review, reviewer_name in await session.execute(
        select(EnrollmentReview, User.name)
        .outerjoin(User, User.id == EnrollmentReview.reviewer_id)
        .where(EnrollmentReview.enrollment_id.in_(ids))
        .order_by(EnrollmentReview.created_at, EnrollmentReview.id)
    ):
        reviews[review.enrollment_id].append(
            ReviewOut.model_validate({**_columns(review), "reviewer_name": reviewer_name})
        )
    out = []
    for e in enrollments:
        student = students[e.student_id]
        out.append(
            EnrollmentOut.model_validate(
                {
                    **_columns(e),
                    "student_name": student.name,
                    "class_id": student.class_id,
                    "class_name": student.class_name,
                    "term_name": terms[e.term_id],
                    "slot_ids": slot_ids[e.id],
                    "reviews": reviews[e.id],
                }
            )
        )
    return out


def _columns(row: Enrollment | EnrollmentReview) -> dict[str, object]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


async def events(
    session: AsyncSession, enrollment: Enrollment, page: PageParams
) -> tuple[list[EnrollmentEventOut], str | None]:
    """The enrollment's audit trail, oldest first (without where requests came from)."""
    rows, cursor = await paginate(
        session,
        select(AuditEvent).where(
            AuditEvent.object_type == OBJECT_TYPE, AuditEvent.object_id == enrollment.id
        ),
        page,
        (AuditEvent.created_at, AuditEvent.id),
    )
    actor_ids = {r.actor_id for r in rows if r.actor_id is not None}
    names: dict[uuid.UUID, str] = {}
    if actor_ids:
        actors = await session.execute(select(User.id, User.name).where(User.id.in_(actor_ids)))
        names = {user_id: name for user_id, name in actors}
    return [
        EnrollmentEventOut(
            id=r.id,
            action=r.action,
            actor_id=r.actor_id,
            actor_name=names.get(r.actor_id) if r.actor_id else None,
            created_at=r.created_at,
            data=r.data,
        )
        for r in rows
    ], cursor
