"""Reviewers' side of enrollment: the class, school and withdrawal decisions.

One endpoint decides whatever the enrollment awaits. The class stage belongs to the child's
homeroom teacher; a school admin stands in only when the class has no homeroom teacher who
can act (none set, or the account is disabled or left the school), so the teacher's review
the policy asks for is never skipped silently. The school and withdrawal stages belong to
the school's admins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role
from app.core import clock
from app.core.principal import Principal
from app.enrollment import rules, seats
from app.enrollment.errors import EnrollmentNotReviewer, EnrollmentWrongStage, status_params
from app.enrollment.models import (
    Enrollment,
    EnrollmentReview,
    EnrollmentStatus,
    ReviewStage,
)
from app.enrollment.schemas import ReviewIn
from app.notifications.templates import Kind
from app.school.models import School, Student, Term

STAGE_OF_STATUS = {
    EnrollmentStatus.PENDING_CLASS_REVIEW: ReviewStage.CLASS,
    EnrollmentStatus.PENDING_SCHOOL_REVIEW: ReviewStage.SCHOOL,
    EnrollmentStatus.WITHDRAWAL_PENDING: ReviewStage.WITHDRAWAL,
}


async def _check_reviewer(
    session: AsyncSession,
    principal: Principal,
    school: School,
    enrollment: Enrollment,
    stage: ReviewStage | None,
) -> None:
    """403 for someone who reviews no stage of this child; 409 for a reviewer out of turn."""
    student = await session.get(Student, enrollment.student_id)
    assert student is not None
    teacher = await rules.acting_homeroom_teacher(session, school.id, student)
    is_homeroom = teacher is not None and teacher.id == principal.id and principal.has(Role.TEACHER)
    if not (is_homeroom or principal.is_school_admin):
        raise EnrollmentNotReviewer()
    if stage is ReviewStage.CLASS:
        if is_homeroom or teacher is None:
            return
    elif stage is not None and principal.is_school_admin:
        return
    # a reviewer out of turn: nothing awaits a decision, or it awaits someone else's
    raise EnrollmentWrongStage(**status_params(enrollment.status))


def _comment(comment: str | None) -> str:
    return f"审核意见：{comment}" if comment else ""


@dataclass(frozen=True)
class _Outcome:
    to: EnrollmentStatus
    notice: str  # the outcome as the family's notice says it (zh-CN)
    seats_free_from: date | None = None  # set when the decision gives up seats


def _decide_application(
    school: School, enrollment: Enrollment, stage: ReviewStage, approve: bool, today: date
) -> _Outcome:
    if not approve:
        return _Outcome(EnrollmentStatus.REJECTED, "未通过", seats_free_from=today)
    if stage is ReviewStage.CLASS and rules.school_reviews_after_class(school):
        return _Outcome(EnrollmentStatus.PENDING_SCHOOL_REVIEW, "已通过班主任审核，等待学校审核")
    # On the roster from the start date, but never on days before it was approved.
    enrollment.start_date = max(enrollment.start_date, today)
    return _Outcome(EnrollmentStatus.ACTIVE, "已通过")


def _decide_withdrawal(enrollment: Enrollment, approve: bool, today: date) -> _Outcome:
    if approve:
        # The requested date stands even when the approval comes after it.
        effective = enrollment.withdrawal_effective_date or today
        enrollment.end_date = effective
        return _Outcome(
            EnrollmentStatus.WITHDRAWN, "退出申请已批准", seats_free_from=max(effective, today)
        )
    enrollment.withdrawal_reason = None
    enrollment.withdrawal_effective_date = None
    enrollment.withdrawal_requested_at = None
    return _Outcome(EnrollmentStatus.ACTIVE, "退出申请未获批准")


async def review(
    session: AsyncSession, principal: Principal, enrollment: Enrollment, body: ReviewIn
) -> Enrollment:
    """Decide the stage the enrollment awaits; the family is told, freed seats are refilled."""
    school = await session.get(School, enrollment.school_id)
    term = await session.get(Term, enrollment.term_id)
    assert school is not None and term is not None
    await seats.lock_term(session, term.id)
    enrollment = await seats.lock_enrollment(session, enrollment.id)
    stage = STAGE_OF_STATUS.get(EnrollmentStatus(enrollment.status))
    await _check_reviewer(session, principal, school, enrollment, stage)
    if stage is None or (body.stage is not None and body.stage != stage):
        raise EnrollmentWrongStage(**status_params(enrollment.status))

    today = clock.today(school.timezone)
    approve = body.decision == "approve"
    if stage is ReviewStage.WITHDRAWAL:
        outcome = _decide_withdrawal(enrollment, approve, today)
    else:
        outcome = _decide_application(school, enrollment, stage, approve, today)

    session.add(
        EnrollmentReview(
            enrollment_id=enrollment.id,
            stage=stage.value,
            decision=body.decision,
            comment=body.comment or None,
            reviewer_id=principal.id,
        )
    )
    data = {"stage": stage.value, "decision": body.decision, "comment": body.comment or None}
    if outcome.to is EnrollmentStatus.ACTIVE and stage is not ReviewStage.WITHDRAWAL:
        data["start_date"] = enrollment.start_date.isoformat()
    await rules.move(
        session,
        enrollment,
        outcome.to,
        action="enrollment.reviewed",
        actor_id=principal.id,
        data=data,
    )
    await rules.notify_family(
        session,
        enrollment,
        kind=Kind.ENROLLMENT_DECIDED,
        params={"outcome": outcome.notice, "comment": _comment(body.comment)},
        data={"stage": stage.value, "decision": body.decision},
    )
    if outcome.seats_free_from is not None:
        await seats.promote_waitlist(session, term.id, seats_free_from=outcome.seats_free_from)
    return enrollment
