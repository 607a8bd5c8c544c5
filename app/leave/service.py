"""The rules of leave: who may ask for which days, who decides, and who is told."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role
from app.core import audit, clock
from app.core.pagination import PageParams, paginate
from app.core.personal_data import Section, remove, rows
from app.core.principal import Principal
from app.enrollment.models import CLOSED, Enrollment, EnrollmentSlot
from app.leave.errors import (
    LeaveChannelRequired,
    LeaveDatesReversed,
    LeaveNotCancellable,
    LeaveNotEnrolled,
    LeaveNotPending,
    LeaveNotReviewer,
    LeaveOutsideTerm,
    LeaveOverlap,
    LeaveSlotInvalid,
)
from app.leave.models import CLAIMING, LeaveChannel, LeaveRequest, LeaveStatus
from app.leave.schemas import LeaveDecisionIn, LeaveRequestIn, LeaveRequestOut
from app.notifications import service as notifications
from app.notifications.templates import Kind
from app.school import access
from app.school.models import Guardian, SchoolClass, Student, Term

OUTCOME = {LeaveStatus.APPROVED: "已批准", LeaveStatus.REJECTED: "未获批准"}


def visible_to(principal: Principal) -> ColumnElement[bool]:
    """Which leave requests the caller may see: a parent their children's, a teacher their
    homeroom classes', a school admin the school's (an account holding several roles sees
    the union)."""
    reach: list[ColumnElement[bool]] = []
    if principal.has(Role.PARENT):
        reach.append(
            LeaveRequest.student_id.in_(
                select(Guardian.student_id).where(Guardian.user_id == principal.id)
            )
        )
    if principal.school_id is not None and principal.is_school_admin:
        reach.append(LeaveRequest.school_id == principal.school_id)
    elif principal.school_id is not None and principal.has(Role.TEACHER):
        reach.append(
            LeaveRequest.student_id.in_(
                select(Student.id)
                .join(SchoolClass, SchoolClass.id == Student.class_id)
                .where(
                    SchoolClass.homeroom_teacher_id == principal.id,
                    SchoolClass.school_id == principal.school_id,
                )
            )
        )
    return or_(*reach) if reach else false()


async def create(
    session: AsyncSession, principal: Principal, body: LeaveRequestIn
) -> LeaveRequestOut:
    """A guardian asks for leave (``pending``), or the homeroom teacher or an admin records a
    leave the family gave by phone or on paper (``approved`` at once, guardians told)."""
    recorded = body.channel != LeaveChannel.APP
    if recorded:
        student = await access.visible_student(session, principal, body.student_id)
        if not await _may_decide(session, principal, student.school_id, student):
            raise LeaveNotReviewer()
    elif principal.has(Role.PARENT):
        student = await access.guarded_student(session, principal, body.student_id)
    else:
        raise LeaveChannelRequired(field="channel")
    if body.end_date < body.start_date:
        raise LeaveDatesReversed(field="end_date")
    term = await session.scalar(
        select(Term)
        .where(
            Term.school_id == student.school_id,
            Term.start_date <= body.start_date,
            Term.end_date >= body.start_date,
        )
        .order_by(Term.start_date.desc())
        .limit(1)
    )
    if term is None:
        raise LeaveOutsideTerm(field="start_date")
    if body.end_date > term.end_date:
        raise LeaveOutsideTerm(field="end_date")

    # Lock the child so two requests for overlapping days cannot both pass the overlap check.
    # NO KEY UPDATE: rows that merely reference the child (marks, notifications) stay unblocked.
    await session.execute(
        select(Student.id).where(Student.id == student.id).with_for_update(key_share=True)
    )
    enrollment_id = await session.scalar(
        select(Enrollment.id).where(
            Enrollment.student_id == student.id,
            Enrollment.term_id == term.id,
            Enrollment.status.not_in(CLOSED),
        )
    )
    if enrollment_id is None:
        raise LeaveNotEnrolled(field="student_id")
    slot_ids = await _enrolled_slots(session, enrollment_id, body.slot_ids)
    await _refuse_overlap(session, student.id, body.start_date, body.end_date, slot_ids)

    leave = LeaveRequest(
        school_id=student.school_id,
        student_id=student.id,
        term_id=term.id,
        start_date=body.start_date,
        end_date=body.end_date,
        slot_ids=slot_ids,
        kind=body.kind,
        reason=body.reason,
        status=LeaveStatus.APPROVED if recorded else LeaveStatus.PENDING,
        channel=body.channel,
        requested_by=principal.id,
        decided_by=principal.id if recorded else None,
        decided_at=clock.now() if recorded else None,
    )
    session.add(leave)
    await session.flush()
    await audit.record(
        session,
        action="leave.requested",
        object_type="leave_request",
        object_id=leave.id,
        actor_id=principal.id,
        school_id=leave.school_id,
        data={
            "student_id": str(student.id),
            "start_date": leave.start_date.isoformat(),
            "end_date": leave.end_date.isoformat(),
            "slot_ids": [str(s) for s in slot_ids] if slot_ids else None,
            "kind": leave.kind,
            "channel": leave.channel,
            "status": leave.status,
        },
    )
    if recorded:
        await _tell_guardians(session, leave, student)
    else:
        await _queue_for_reviewers(session, leave, student)
    return (await describe(session, [leave]))[0]


async def _queue_for_reviewers(
    session: AsyncSession, leave: LeaveRequest, student: Student
) -> None:
    """``review.pending`` to the homeroom teacher (the admins when the class has none)."""
    teacher = await access.homeroom_teacher_id(session, student.class_id)
    recipients = [teacher] if teacher else await access.school_admin_ids(session, leave.school_id)
    item = f"{student.name}的请假申请"
    await notifications.notify_coalesced(
        session,
        recipients=recipients,
        kind=Kind.REVIEW_PENDING,
        params={
            "item": item,
            "detail": f"{item}（{_chinese_date(leave.start_date)}至"
            f"{_chinese_date(leave.end_date)}）等待您审批",
        },
        data={
            "object_type": "leave_request",
            "leave_request_id": str(leave.id),
            "student_id": str(student.id),
        },
        dedupe_key=f"review:leave:{leave.id}",
    )


async def _enrolled_slots(
    session: AsyncSession, enrollment_id: uuid.UUID, wanted: list[uuid.UUID] | None
) -> list[uuid.UUID] | None:
    """The requested slots, deduplicated, if the enrollment chose each of them (else 422)."""
    if wanted is None:
        return None
    enrolled = set(
        await session.scalars(
            select(EnrollmentSlot.slot_id).where(EnrollmentSlot.enrollment_id == enrollment_id)
        )
    )
    chosen = list(dict.fromkeys(wanted))
    if not set(chosen) <= enrolled:
        raise LeaveSlotInvalid(field="slot_ids")
    return chosen


async def _refuse_overlap(
    session: AsyncSession,
    student_id: uuid.UUID,
    start: date,
    end: date,
    slot_ids: list[uuid.UUID] | None,
) -> None:
    overlapping = select(LeaveRequest.id).where(
        LeaveRequest.student_id == student_id,
        LeaveRequest.status.in_(CLAIMING),
        LeaveRequest.start_date <= end,
        LeaveRequest.end_date >= start,
    )
    if slot_ids is not None:  # a whole-day leave (NULL) overlaps any slot
        overlapping = overlapping.where(
            or_(LeaveRequest.slot_ids.is_(None), LeaveRequest.slot_ids.overlap(slot_ids))
        )
    if await session.scalar(overlapping.limit(1)) is not None:
        raise LeaveOverlap()


async def list_visible(
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    *,
    status: LeaveStatus | None = None,
    day: date | None = None,
    student_id: uuid.UUID | None = None,
) -> tuple[list[LeaveRequestOut], str | None]:
    """Newest first. ``day`` keeps requests covering that date (a teacher's "who is off today")."""
    stmt = select(LeaveRequest).where(visible_to(principal))
    if status is not None:
        stmt = stmt.where(LeaveRequest.status == status)
    if day is not None:
        stmt = stmt.where(LeaveRequest.start_date <= day, LeaveRequest.end_date >= day)
    if student_id is not None:
        stmt = stmt.where(LeaveRequest.student_id == student_id)
    leaves, cursor = await paginate(
        session,
        stmt,
        page,
        (LeaveRequest.created_at, LeaveRequest.id),
        descending=True,
    )
    return await describe(session, leaves), cursor


async def decide(
    session: AsyncSession, principal: Principal, leave: LeaveRequest, body: LeaveDecisionIn
) -> LeaveRequestOut:
    """Approve or reject a pending request (the child's homeroom teacher or a school admin)."""
    await session.refresh(leave, with_for_update=True)
    student = await session.get_one(Student, leave.student_id)
    if not await _may_decide(session, principal, leave.school_id, student):
        raise LeaveNotReviewer()
    if leave.status != LeaveStatus.PENDING:
        raise LeaveNotPending()

    outcome = LeaveStatus.APPROVED if body.decision == "approve" else LeaveStatus.REJECTED
    leave.status = outcome
    leave.decided_by = principal.id
    leave.decided_at = clock.now()
    leave.decision_comment = body.comment or None
    await session.flush()
    await audit.record(
        session,
        action=f"leave.{outcome}",
        object_type="leave_request",
        object_id=leave.id,
        actor_id=principal.id,
        school_id=leave.school_id,
        data={"comment": leave.decision_comment},
    )
    await _tell_guardians(session, leave, student)
    return (await describe(session, [leave]))[0]


async def _tell_guardians(session: AsyncSession, leave: LeaveRequest, student: Student) -> None:
    """``leave.decided`` to every guardian of the child."""
    await notifications.notify(
        session,
        recipients=await access.guardian_ids(session, student.id),
        kind=Kind.LEAVE_DECIDED,
        params={
            "student_name": student.name,
            "start_date": _chinese_date(leave.start_date),
            "end_date": _chinese_date(leave.end_date),
            "outcome": OUTCOME[LeaveStatus(leave.status)],
            "comment": f"老师留言：{leave.decision_comment}" if leave.decision_comment else "",
        },
        data={
            "leave_request_id": str(leave.id),
            "student_id": str(student.id),
            "status": leave.status,
        },
        dedupe_key=f"leave:{leave.id}",
    )


async def _may_decide(
    session: AsyncSession, principal: Principal, school_id: uuid.UUID, student: Student
) -> bool:
    """The child's homeroom teacher or an admin of the child's school."""
    if principal.school_id != school_id:
        return False
    if principal.is_school_admin:
        return True
    return (
        principal.has(Role.TEACHER)
        and await access.homeroom_teacher_id(session, student.class_id) == principal.id
    )


async def cancel(
    session: AsyncSession, principal: Principal, leave: LeaveRequest
) -> LeaveRequestOut:
    """A guardian withdraws a request while it is pending, or approved but not yet begun."""
    await session.refresh(leave, with_for_update=True)
    today = await access.school_today(session, leave.school_id)
    pending = leave.status == LeaveStatus.PENDING
    if not (pending or (leave.status == LeaveStatus.APPROVED and today < leave.start_date)):
        raise LeaveNotCancellable()
    previous = leave.status
    leave.status = LeaveStatus.CANCELLED
    leave.cancelled_at = clock.now()
    await session.flush()
    await audit.record(
        session,
        action="leave.cancelled",
        object_type="leave_request",
        object_id=leave.id,
        actor_id=principal.id,
        school_id=leave.school_id,
        data={"previous_status": previous},
    )
    return (await describe(session, [leave]))[0]


async def describe(session: AsyncSession, leaves: Sequence[LeaveRequest]) -> list[LeaveRequestOut]:
    """Leave requests with their child's name and class, in one query for the whole page."""
    if not leaves:
        return []
    rows = await session.execute(
        select(Student.id, Student.name, SchoolClass.name)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(Student.id.in_({leave.student_id for leave in leaves}))
    )
    names = {student_id: (name, class_name) for student_id, name, class_name in rows}
    return [
        LeaveRequestOut.model_validate(
            {
                **{c: getattr(leave, c) for c in _COLUMNS},
                "student_name": names[leave.student_id][0],
                "class_name": names[leave.student_id][1],
            }
        )
        for leave in leaves
    ]


_COLUMNS = [c for c in LeaveRequestOut.model_fields if c not in {"student_name", "class_name"}]


def _chinese_date(day: date) -> str:
    return f"{day.month}月{day.day}日"


async def _personal_data(
    session: AsyncSession, user_id: uuid.UUID, student_ids: Sequence[uuid.UUID]
) -> dict[str, Any]:
    """The children's leave requests, whoever recorded them."""
    leave = await rows(
        session,
        select(
            LeaveRequest.id,
            LeaveRequest.student_id,
            LeaveRequest.start_date,
            LeaveRequest.end_date,
            LeaveRequest.slot_ids,
            LeaveRequest.kind,
            LeaveRequest.reason,
            LeaveRequest.status,
            LeaveRequest.channel,
            LeaveRequest.created_at,
            LeaveRequest.decided_at,
            LeaveRequest.decision_comment,
            LeaveRequest.cancelled_at,
        )
        .where(LeaveRequest.student_id.in_(student_ids))
        .order_by(LeaveRequest.created_at),
    )
    return {"leave_requests": leave}


PERSONAL_DATA = Section("leave", ("leave_requests",), _personal_data)


async def purge_terms(
    session: AsyncSession, term_ids: Sequence[uuid.UUID], *, dry_run: bool
) -> dict[str, int]:
    """The leave requests of these (long-ended) terms."""
    of_terms = LeaveRequest.term_id.in_(term_ids)
    return {"leave_requests": await remove(session, LeaveRequest, of_terms, dry_run=dry_run)}
