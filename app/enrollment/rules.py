"""Where an application starts under the school's policy, and the one audited way a status
changes."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role, User
from app.core import audit
from app.enrollment import events
from app.enrollment.models import Enrollment, EnrollmentStatus
from app.notifications import service as notifications
from app.notifications.templates import Kind
from app.school import access
from app.school import service as school_service
from app.school.models import School, Student, Term

OBJECT_TYPE = "enrollment"


def first_stage(school: School) -> EnrollmentStatus:
    """Where an application (or a promotion from the waitlist) starts under the policy."""
    if school_service.policy_of(school).enrollment_review == "none":
        return EnrollmentStatus.ACTIVE
    return EnrollmentStatus.PENDING_CLASS_REVIEW


def school_reviews_after_class(school: School) -> bool:
    """The policy wants the school's review after the class's (``class_then_school``)."""
    return school_service.policy_of(school).enrollment_review == "class_then_school"


def withdrawal_needs_approval(school: School) -> bool:
    """The policy wants a school admin to approve a withdrawal (``withdrawal_review``)."""
    return school_service.policy_of(school).withdrawal_review == "school"


async def record(
    session: AsyncSession,
    enrollment: Enrollment,
    action: str,
    *,
    actor_id: uuid.UUID | None,
    data: dict[str, Any],
) -> None:
    await audit.record(
        session,
        action=action,
        object_type=OBJECT_TYPE,
        object_id=enrollment.id,
        actor_id=actor_id,
        school_id=enrollment.school_id,
        data=data,
    )


async def move(
    session: AsyncSession,
    enrollment: Enrollment,
    to: EnrollmentStatus,
    *,
    action: str,
    actor_id: uuid.UUID | None,
    data: dict[str, Any] | None = None,
) -> None:
    """Change the status and write the audit event saying who moved it, from where to where.

    An enrollment that comes to await a decision is put in its reviewers' queue.
    The domains above hear of it in the same transaction (``events``): fees bills an
    enrollment that becomes active and refunds pro rata when a withdrawal stands.
    """
    previous = enrollment.status
    enrollment.status = to
    await record(
        session,
        enrollment,
        action,
        actor_id=actor_id,
        data={"from": previous, "to": to.value, **(data or {})},
    )
    if to is EnrollmentStatus.ACTIVE and previous != EnrollmentStatus.WITHDRAWAL_PENDING:
        await events.activated.emit(session, events.EnrollmentActivated(enrollment))
    elif to is EnrollmentStatus.WITHDRAWN:
        await events.withdrawn.emit(session, events.EnrollmentWithdrawn(enrollment, actor_id))
    if to in AWAITING_REVIEW and previous != to:
        await notify_reviewers(session, enrollment)


# What each awaited decision is called in a reviewer's queue.
AWAITING_REVIEW = {
    EnrollmentStatus.PENDING_CLASS_REVIEW: "报名申请（班级审核）",
    EnrollmentStatus.PENDING_SCHOOL_REVIEW: "报名申请（学校复核）",
    EnrollmentStatus.WITHDRAWAL_PENDING: "退出申请",
}


async def acting_homeroom_teacher(
    session: AsyncSession, school_id: uuid.UUID, student: Student
) -> User | None:
    """The child's homeroom teacher if they can act (set, active, a teacher of the school)."""
    teacher_id = await access.homeroom_teacher_id(session, student.class_id)
    teacher = await session.get(User, teacher_id) if teacher_id else None
    if (
        teacher is None
        or not teacher.is_active
        or teacher.school_id != school_id
        or Role.TEACHER.value not in teacher.roles
    ):
        return None
    return teacher


async def reviewer_ids(session: AsyncSession, enrollment: Enrollment) -> list[uuid.UUID]:
    """Who decides what the enrollment awaits: the homeroom teacher at class review (the
    school's admins when no homeroom teacher can act), the school's admins otherwise."""
    if enrollment.status == EnrollmentStatus.PENDING_CLASS_REVIEW:
        student = await session.get(Student, enrollment.student_id)
        assert student is not None
        teacher = await acting_homeroom_teacher(session, enrollment.school_id, student)
        if teacher is not None:
            return [teacher.id]
    return await access.school_admin_ids(session, enrollment.school_id)


async def notify_reviewers(session: AsyncSession, enrollment: Enrollment) -> None:
    """``review.pending`` to the reviewers: always in the inbox, pushes coalesced."""
    student = await session.get(Student, enrollment.student_id)
    assert student is not None
    item = AWAITING_REVIEW[EnrollmentStatus(enrollment.status)]
    await notifications.notify_coalesced(
        session,
        recipients=await reviewer_ids(session, enrollment),
        kind=Kind.REVIEW_PENDING,
        params={"item": f"{student.name}的{item}", "detail": f"{student.name}的{item}等待您审核"},
        data={
            "object_type": OBJECT_TYPE,
            "enrollment_id": str(enrollment.id),
            "student_id": str(enrollment.student_id),
            "status": enrollment.status,
        },
        dedupe_key=f"review:{enrollment.id}:{enrollment.status}",
    )


async def notify_family(
    session: AsyncSession,
    enrollment: Enrollment,
    *,
    kind: str,
    params: dict[str, Any],
    data: dict[str, Any] | None = None,
) -> None:
    """Tell every guardian of the child (inbox and push, in this transaction)."""
    student = await session.get(Student, enrollment.student_id)
    term = await session.get(Term, enrollment.term_id)
    assert student is not None and term is not None
    await notifications.notify(
        session,
        recipients=await access.guardian_ids(session, enrollment.student_id),
        kind=kind,
        params={"student_name": student.name, "term_name": term.name, **params},
        data={
            "enrollment_id": str(enrollment.id),
            "student_id": str(enrollment.student_id),
            "status": enrollment.status,
            **(data or {}),
        },
    )
