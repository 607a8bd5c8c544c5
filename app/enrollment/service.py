"""A family's side of enrollment: apply, change days and slots, cancel, withdraw."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.personal_data import Section, remove, rows
from app.core.principal import Principal
from app.enrollment import events, rules, seats
from app.enrollment.errors import (
    EnrollmentAgreementRequired,
    EnrollmentChangeEmpty,
    EnrollmentDuplicate,
    EnrollmentEffectiveDateInvalid,
    EnrollmentNotActive,
    EnrollmentNotCancellable,
    EnrollmentSlotFull,
    EnrollmentSlotsInvalid,
    EnrollmentStartDateInvalid,
    EnrollmentStudentArchived,
    EnrollmentTermEnded,
    EnrollmentTermInvalid,
    EnrollmentWeekdaysInvalid,
    status_params,
)
from app.enrollment.models import (
    CLOSED,
    SEAT_HOLDING,
    Enrollment,
    EnrollmentReview,
    EnrollmentSlot,
    EnrollmentStatus,
)
from app.enrollment.schemas import EnrollmentChange, EnrollmentIn, WithdrawIn
from app.enrollment.slots import last_slot_of
from app.school import access
from app.school.errors import StudentHasEnrollments
from app.school.events import StudentArchived, StudentDeleting
from app.school.models import Group, School, Slot, Term

OPEN_ENROLLMENT_INDEX = "uq_enrollments_open_student_term"
CANCELLABLE = (
    EnrollmentStatus.PENDING_CLASS_REVIEW,
    EnrollmentStatus.PENDING_SCHOOL_REVIEW,
    EnrollmentStatus.WAITLISTED,
)


def _weekdays(term: Term, weekdays: list[int]) -> list[int]:
    if len(set(weekdays)) != len(weekdays) or not set(weekdays) <= set(term.weekdays):
        raise EnrollmentWeekdaysInvalid(
            field="weekdays", allowed=", ".join(str(d) for d in sorted(term.weekdays))
        )
    return sorted(weekdays)


def _slots(term_slots: dict[uuid.UUID, Slot], slot_ids: list[uuid.UUID]) -> list[Slot]:
    if len(set(slot_ids)) != len(slot_ids) or not set(slot_ids) <= set(term_slots):
        raise EnrollmentSlotsInvalid(field="slot_ids")
    return [term_slots[s] for s in slot_ids]


async def _context(session: AsyncSession, enrollment: Enrollment) -> tuple[School, Term]:
    school = await session.get(School, enrollment.school_id)
    term = await session.get(Term, enrollment.term_id)
    assert school is not None and term is not None
    return school, term


async def apply(session: AsyncSession, principal: Principal, body: EnrollmentIn) -> Enrollment:
    """A parent applies for their child: active, pending review or waitlisted."""
    student = await access.guarded_student(session, principal, body.student_id)
    if student.archived_at is not None:
        raise EnrollmentStudentArchived()
    term = await session.get(Term, body.term_id)
    if term is None or term.school_id != student.school_id:
        raise EnrollmentTermInvalid(field="term_id")
    school = await session.get(School, student.school_id)
    assert school is not None
    today = clock.today(school.timezone)
    if today > term.end_date:
        raise EnrollmentTermEnded(field="term_id", end_date=term.end_date)
    await events.applying.emit(session, events.EnrollmentApplying(term.id))
    if body.agreement_version != term.agreement_version:
        raise EnrollmentAgreementRequired(field="agreement_version", version=term.agreement_version)
    weekdays = _weekdays(term, body.weekdays)
    earliest = max(today, term.start_date)
    start = body.start_date or earliest
    if not earliest <= start <= term.end_date:
        raise EnrollmentStartDateInvalid(
            field="start_date", earliest=earliest, latest=term.end_date
        )

    term_seats = await seats.lock_term(session, term.id)
    chosen = _slots(term_seats.slots, body.slot_ids)
    chosen_ids = [s.id for s in chosen]
    # Nobody jumps the queue: a seat someone waiting needs is not a newcomer's.
    full = term_seats.full(student.class_id, chosen_ids)
    queued = term_seats.queued(student.class_id, chosen_ids)
    status = EnrollmentStatus.WAITLISTED if full or queued else rules.first_stage(school)
    now = clock.now()
    enrollment = Enrollment(
        id=uuid.uuid4(),
        school_id=school.id,
        student_id=student.id,
        term_id=term.id,
        status=status,
        weekdays=weekdays,
        last_slot_id=last_slot_of(chosen),
        start_date=start,
        agreement_version=term.agreement_version,
        agreement_accepted_at=now,
        applied_by=principal.id,
        applied_at=now,
    )
    session.add(enrollment)
    try:
        await session.flush()
    except IntegrityError as exc:
        # The partial unique index decides "one open enrollment per child and term",
        # also for two guardians of the same child applying at the same moment.
        if OPEN_ENROLLMENT_INDEX in str(exc.orig):
            raise EnrollmentDuplicate() from exc
        raise
    session.add_all(EnrollmentSlot(enrollment_id=enrollment.id, slot_id=s.id) for s in chosen)
    await rules.record(
        session,
        enrollment,
        "enrollment.applied",
        actor_id=principal.id,
        data={
            "to": status.value,
            "weekdays": weekdays,
            "slot_ids": [str(s.id) for s in chosen],
            "start_date": start.isoformat(),
            "agreement_version": term.agreement_version,
            **_why_waitlisted(full, queued),
        },
    )
    if status in rules.AWAITING_REVIEW:
        await rules.notify_reviewers(session, enrollment)
    if status is EnrollmentStatus.ACTIVE:
        await events.activated.emit(session, events.EnrollmentActivated(enrollment))
    return enrollment


def _why_waitlisted(full: list[Slot | Group], queued: list[Slot]) -> dict[str, list[str]]:
    why = {
        "full_slots": [str(s.id) for s in full if isinstance(s, Slot)],
        "full_groups": [str(g.id) for g in full if isinstance(g, Group)],
        "queued_slots": [str(s.id) for s in queued],
    }
    return {k: v for k, v in why.items() if v}


def _ids(ids: Iterable[uuid.UUID]) -> list[str]:
    return sorted(str(i) for i in ids)


async def change(
    session: AsyncSession, principal: Principal, enrollment: Enrollment, body: EnrollmentChange
) -> Enrollment:
    """New weekdays and/or slots for an active enrollment, from today on.

    An added slot must have a free seat nobody waits for, in the slot and in the child's
    group there (409 ``enrollment.slot_full``; nothing changes); a dropped slot's seat goes
    to the waitlist at once. The audit event keeps the days and slots before and after.
    """
    if body.weekdays is None and body.slot_ids is None:
        raise EnrollmentChangeEmpty()
    term = await session.get(Term, enrollment.term_id)
    assert term is not None
    term_seats = await seats.lock_term(session, term.id)
    term_slots = term_seats.slots
    enrollment = await seats.lock_enrollment(session, enrollment.id)
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise EnrollmentNotActive(**status_params(enrollment.status))

    weekdays = enrollment.weekdays if body.weekdays is None else _weekdays(term, body.weekdays)
    current = (await seats.slot_ids_of(session, [enrollment.id]))[enrollment.id]
    wanted = current if body.slot_ids is None else {s.id for s in _slots(term_slots, body.slot_ids)}
    added, dropped = wanted - current, current - wanted
    if added:
        class_id = await seats.class_of(session, enrollment)
        blocked = term_seats.full(class_id, added) + term_seats.queued(class_id, added)
        if blocked:
            raise EnrollmentSlotFull(slot=blocked[0].name)
    if list(weekdays) == list(enrollment.weekdays) and not added and not dropped:
        return enrollment

    data: dict[str, Any] = {}
    if list(weekdays) != list(enrollment.weekdays):
        data["weekdays"] = {"from": list(enrollment.weekdays), "to": list(weekdays)}
        enrollment.weekdays = list(weekdays)
    if added or dropped:
        data["slot_ids"] = {"from": _ids(current), "to": _ids(wanted)}
        if dropped:
            await session.execute(
                delete(EnrollmentSlot).where(
                    EnrollmentSlot.enrollment_id == enrollment.id,
                    EnrollmentSlot.slot_id.in_(dropped),
                )
            )
        session.add_all(EnrollmentSlot(enrollment_id=enrollment.id, slot_id=s) for s in added)
        enrollment.last_slot_id = last_slot_of(term_slots[s] for s in wanted)
    enrollment.updated_at = clock.now()
    await session.flush()
    await rules.record(session, enrollment, "enrollment.changed", actor_id=principal.id, data=data)
    await seats.promote_waitlist(session, term.id)
    return enrollment


async def cancel(session: AsyncSession, principal: Principal, enrollment: Enrollment) -> Enrollment:
    """The family takes back an application still in review or on the waitlist."""
    await seats.lock_term(session, enrollment.term_id)
    enrollment = await seats.lock_enrollment(session, enrollment.id)
    if enrollment.status not in CANCELLABLE:
        raise EnrollmentNotCancellable(**status_params(enrollment.status))
    held_seat = enrollment.status in SEAT_HOLDING
    await rules.move(
        session,
        enrollment,
        EnrollmentStatus.CANCELLED,
        action="enrollment.cancelled",
        actor_id=principal.id,
    )
    await session.flush()
    if held_seat:
        await seats.promote_waitlist(session, enrollment.term_id)
    return enrollment


async def withdraw(
    session: AsyncSession, principal: Principal, enrollment: Enrollment, body: WithdrawIn
) -> Enrollment:
    """The family leaves the service from an effective date (approval first if the policy says)."""
    school, term = await _context(session, enrollment)
    await seats.lock_term(session, term.id)
    enrollment = await seats.lock_enrollment(session, enrollment.id)
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise EnrollmentNotActive(**status_params(enrollment.status))
    today = clock.today(school.timezone)
    effective = body.effective_date or today
    if not today <= effective <= term.end_date:
        raise EnrollmentEffectiveDateInvalid(
            field="effective_date", earliest=today, latest=term.end_date
        )
    enrollment.withdrawal_reason = body.reason
    enrollment.withdrawal_effective_date = effective
    enrollment.withdrawal_requested_at = clock.now()
    data = {"reason": body.reason, "effective_date": effective.isoformat()}

    if rules.withdrawal_needs_approval(school):
        await rules.move(
            session,
            enrollment,
            EnrollmentStatus.WITHDRAWAL_PENDING,
            action="enrollment.withdrawal_requested",
            actor_id=principal.id,
            data=data,
        )
        await session.flush()
        return enrollment

    enrollment.end_date = effective
    await rules.move(
        session,
        enrollment,
        EnrollmentStatus.WITHDRAWN,
        action="enrollment.withdrawn",
        actor_id=principal.id,
        data=data,
    )
    await session.flush()
    await seats.promote_waitlist(session, term.id, seats_free_from=effective)
    return enrollment


# ---- seats, for whatever changes a term's capacities or groups ----


async def lock_seats(session: AsyncSession, term_id: uuid.UUID) -> seats.Seats:
    """Lock the term's seats before changing a slot's or a group's capacity or classes.

    Call it before any other lock of the term's rows (one order on every path). The answer
    says what each slot and group holds (``slot_held``, ``group_held``).
    """
    return await seats.lock_term(session, term_id)


async def lock_enrollment(session: AsyncSession, enrollment_id: uuid.UUID) -> Enrollment:
    """The enrollment, row-locked and re-read (after ``lock_seats``: one lock order)."""
    return await seats.lock_enrollment(session, enrollment_id)


def priority_order() -> ColumnElement[int]:
    """A column on ``Student`` ordering a queue by priority flags (any flag before none, then
    in order of need): the waitlists' first key, also the activities' (``app.activities``)."""
    return seats.waitlist_rank()


async def promote_waitlist(session: AsyncSession, term_id: uuid.UUID) -> list[Enrollment]:
    """Seats were added (a capacity raised, a group added or re-fed): serve the waitlist."""
    return await seats.promote_waitlist(session, term_id)


# ---- a child who left the school ----


async def refuse_deleting_enrolled(session: AsyncSession, event: StudentDeleting) -> None:
    """A child with any enrollment (their history) is not deleted: 409
    ``student.has_enrollments`` (heard before a student is deleted: ``app/wiring.py``)."""
    enrolled = exists().where(Enrollment.student_id == event.student.id)
    if await session.scalar(select(enrolled)):
        raise StudentHasEnrollments()


async def end_for_leaver(session: AsyncSession, event: StudentArchived) -> None:
    """The child left the school (archived): every enrollment still running ends today
    (heard when a student is archived: ``app/wiring.py``).

    Active ones and pending withdrawals are withdrawn from today (off the roster from today
    on, their days before kept); applications still in review or waiting are cancelled; a
    withdrawal dated later ends today instead. Freed seats go to the waitlist at once.
    """
    student, principal = event.student, event.principal
    school = await session.get(School, student.school_id)
    assert school is not None
    today = clock.today(school.timezone)
    running = select(Enrollment.id, Enrollment.term_id).where(
        Enrollment.student_id == student.id,
        Enrollment.status.not_in(CLOSED)
        | ((Enrollment.status == EnrollmentStatus.WITHDRAWN) & (Enrollment.end_date > today)),
    )
    for enrollment_id, term_id in (
        await session.execute(running.order_by(Enrollment.term_id))
    ).all():
        await seats.lock_term(session, term_id)
        enrollment = await seats.lock_enrollment(session, enrollment_id)
        data = {"reason": "student.archived"}
        if enrollment.status in CANCELLABLE:
            await rules.move(
                session,
                enrollment,
                EnrollmentStatus.CANCELLED,
                action="enrollment.ended",
                actor_id=principal.id,
                data=data,
            )
        else:
            enrollment.end_date = min(enrollment.end_date or today, today)
            await rules.move(
                session,
                enrollment,
                EnrollmentStatus.WITHDRAWN,
                action="enrollment.ended",
                actor_id=principal.id,
                data={**data, "end_date": enrollment.end_date.isoformat()},
            )
        await session.flush()
        await seats.promote_waitlist(session, term_id, seats_free_from=today)


async def _personal_data(
    session: AsyncSession, user_id: uuid.UUID, student_ids: Sequence[uuid.UUID]
) -> dict[str, Any]:
    """The children's enrollments, their chosen slots and the reviewers' decisions."""
    enrollments = await rows(
        session,
        select(
            Enrollment.id,
            Enrollment.student_id,
            Enrollment.term_id,
            Enrollment.status,
            Enrollment.weekdays,
            Enrollment.start_date,
            Enrollment.end_date,
            Enrollment.agreement_version,
            Enrollment.agreement_accepted_at,
            Enrollment.applied_at,
            Enrollment.withdrawal_reason,
            Enrollment.withdrawal_effective_date,
        )
        .where(Enrollment.student_id.in_(student_ids))
        .order_by(Enrollment.applied_at),
    )
    ids = [e["id"] for e in enrollments]
    chosen = await session.execute(
        select(EnrollmentSlot.enrollment_id, EnrollmentSlot.slot_id).where(
            EnrollmentSlot.enrollment_id.in_(ids)
        )
    )
    slots: dict[uuid.UUID, list[uuid.UUID]] = {i: [] for i in ids}
    for enrollment_id, slot_id in chosen:
        slots[enrollment_id].append(slot_id)
    for e in enrollments:
        e["slot_ids"] = slots[e["id"]]
    reviews = await rows(
        session,
        select(
            EnrollmentReview.enrollment_id,
            EnrollmentReview.stage,
            EnrollmentReview.decision,
            EnrollmentReview.comment,
            EnrollmentReview.created_at,
        )
        .where(EnrollmentReview.enrollment_id.in_(ids))
        .order_by(EnrollmentReview.created_at),
    )
    return {"enrollments": enrollments, "enrollment_reviews": reviews}


PERSONAL_DATA = Section(
    "enrollment", ("enrollments", "enrollment_slots", "enrollment_reviews"), _personal_data
)


async def purge_terms(
    session: AsyncSession, term_ids: Sequence[uuid.UUID], *, dry_run: bool
) -> dict[str, int]:
    """The enrollments of these (long-ended) terms, with their slots and reviews (cascade)."""
    of_terms = Enrollment.term_id.in_(term_ids)
    return {"enrollments": await remove(session, Enrollment, of_terms, dry_run=dry_run)}
