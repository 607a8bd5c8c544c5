"""Terms (dates, weekdays, closures, the safety agreement) and their daily slots."""

from __future__ import annotations

import uuid
from datetime import date, time, timedelta

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.pagination import PageParams, paginate
from app.core.principal import Principal
from app.enrollment import service as enrollment
from app.enrollment.models import CLOSED, Enrollment, EnrollmentSlot
from app.enrollment.slots import refresh_last_slots
from app.school import changes, events
from app.school.capacity import check_not_below_seats
from app.school.errors import (
    SlotHasEnrollments,
    SlotHasGroups,
    SlotOverlaps,
    SlotTimesUnordered,
    TermClosureOutside,
    TermDatesUnordered,
    TermHasEnrollments,
    TermHasSlots,
    TermOverlaps,
    TermTooLong,
    TermWeekdaysInUse,
)
from app.school.integrity import delete_unless_referenced
from app.school.lookup import in_school, referenced
from app.school.models import Group, School, Slot, Term
from app.school.schemas import SlotIn, SlotPatch, TermIn, TermPatch

# A term is a semester or a school year at most; a longer one is a typo in a year.
MAX_TERM_LENGTH = timedelta(days=366)


# ---- terms ----


def _check_calendar(start: date, end: date, closures: list[date]) -> None:
    if end < start:
        raise TermDatesUnordered(field="end_date")
    if end - start > MAX_TERM_LENGTH:
        raise TermTooLong(field="end_date", days=MAX_TERM_LENGTH.days)
    for i, closure in enumerate(closures):
        if not start <= closure <= end:
            raise TermClosureOutside(field=f"closures.{i}", date=closure.isoformat())


async def list_terms(
    session: AsyncSession, school_ids: set[uuid.UUID], page: PageParams
) -> tuple[list[Term], str | None]:
    stmt = select(Term).where(Term.school_id.in_(school_ids))
    return await paginate(session, stmt, page, (Term.start_date, Term.id), descending=True)


async def _check_no_overlap(
    session: AsyncSession, school_id: uuid.UUID, start: date, end: date, term_id: uuid.UUID | None
) -> None:
    """Two terms of a school never share a day (409 ``term.overlaps``).

    The school's row lock makes two terms created or moved at once decide one after the other;
    ``FOR NO KEY UPDATE`` leaves rows that merely reference the school unblocked.
    """
    await session.scalar(
        select(School.id).where(School.id == school_id).with_for_update(key_share=True)
    )
    overlapping = select(Term).where(
        Term.school_id == school_id, Term.start_date <= end, Term.end_date >= start
    )
    if term_id is not None:
        overlapping = overlapping.where(Term.id != term_id)
    other = await session.scalar(overlapping.order_by(Term.start_date).limit(1))
    if other is not None:
        raise TermOverlaps(
            name=other.name, start=other.start_date.isoformat(), end=other.end_date.isoformat()
        )


async def create_term(session: AsyncSession, admin: Principal, body: TermIn) -> Term:
    _check_calendar(body.start_date, body.end_date, body.closures)
    await _check_no_overlap(session, admin.staff_school(), body.start_date, body.end_date, None)
    term = Term(school_id=admin.staff_school(), agreement_version=1, **body.model_dump())
    session.add(term)
    await session.flush()
    await changes.record(session, admin, "term.created", term, {"name": term.name})
    return term


async def update_term(session: AsyncSession, admin: Principal, term: Term, body: TermPatch) -> Term:
    values = body.model_dump(exclude_unset=True)
    if "start_date" in values or "end_date" in values:  # the school's lock before the term's
        start, end = (
            values.get("start_date", term.start_date),
            values.get("end_date", term.end_date),
        )
        await _check_no_overlap(session, term.school_id, start, end, term.id)
    # Locked so two concurrent edits of the agreement bump its version twice, not once.
    await in_school(session, Term, term.id, term.school_id, "term.not_found", lock=True)
    _check_calendar(
        values.get("start_date", term.start_date),
        values.get("end_date", term.end_date),
        values.get("closures", term.closures),
    )
    if "weekdays" in values:
        await _check_weekdays_unused(session, term, set(term.weekdays) - set(values["weekdays"]))
    changed = changes.apply(term, values)
    if changed.pop("agreement_text", None):
        # Families must accept the new text: enrollment asks for the current version. The
        # trail keeps the version, not the (long) texts.
        term.agreement_version += 1
        changed["agreement_version"] = [term.agreement_version - 1, term.agreement_version]
    if changed:
        await session.flush()
        await changes.record(session, admin, "term.updated", term, {"changes": changed})
        if "closures" in changed:  # days closed after payment are refunded pro rata
            await events.closures_changed.emit(session, events.TermClosuresChanged(term, admin.id))
    return term


async def _check_weekdays_unused(session: AsyncSession, term: Term, removed: set[int]) -> None:
    if not removed:
        return
    in_use = await session.scalar(
        select(
            exists().where(
                Enrollment.term_id == term.id,
                Enrollment.status.not_in(CLOSED),
                Enrollment.weekdays.overlap(sorted(removed)),
            )
        )
    )
    if in_use:
        raise TermWeekdaysInUse()


async def delete_term(session: AsyncSession, admin: Principal, term: Term) -> None:
    await in_school(session, Term, term.id, term.school_id, "term.not_found", lock=True)
    if await session.scalar(select(exists().where(Enrollment.term_id == term.id))):
        raise TermHasEnrollments()
    if await session.scalar(select(exists().where(Slot.term_id == term.id))):
        raise TermHasSlots()
    await changes.record(session, admin, "term.deleted", term, {"name": term.name})
    await delete_unless_referenced(session, term, "term.in_use")


# ---- slots ----


async def list_slots(session: AsyncSession, term: Term) -> list[Slot]:
    # A term has a handful of slots a day (they may not overlap), so they come in one page.
    rows = await session.scalars(
        select(Slot).where(Slot.term_id == term.id).order_by(Slot.start_time, Slot.id)
    )
    return list(rows)


async def _check_times(
    session: AsyncSession, term_id: uuid.UUID, start: time, end: time, slot_id: uuid.UUID | None
) -> None:
    if start >= end:
        raise SlotTimesUnordered(field="end_time")
    # The caller holds the term's row lock, so no other slot of the term appears meanwhile.
    overlapping = select(Slot).where(
        Slot.term_id == term_id, Slot.start_time < end, Slot.end_time > start
    )
    if slot_id is not None:
        overlapping = overlapping.where(Slot.id != slot_id)
    other = await session.scalar(overlapping.limit(1))
    if other is not None:
        raise SlotOverlaps(
            name=other.name,
            start=other.start_time.strftime("%H:%M"),
            end=other.end_time.strftime("%H:%M"),
        )


async def create_slot(session: AsyncSession, admin: Principal, body: SlotIn) -> Slot:
    school_id = admin.staff_school()
    term = await referenced(
        session, Term, body.term_id, school_id, "term.not_found", field="term_id", lock=True
    )
    await _check_times(session, term.id, body.start_time, body.end_time, None)
    slot = Slot(school_id=school_id, **body.model_dump())
    session.add(slot)
    await session.flush()
    await changes.record(
        session, admin, "slot.created", slot, {"name": slot.name, "term_id": term.id}
    )
    return slot


async def update_slot(session: AsyncSession, admin: Principal, slot: Slot, body: SlotPatch) -> Slot:
    values = body.model_dump(exclude_unset=True)
    # The seats' lock first (before the term's): the order every seat decision takes.
    seats = await enrollment.lock_seats(session, slot.term_id)
    if "capacity" in values:
        held = seats.slot_held[slot.id]
        check_not_below_seats(slot.name, slot.capacity, values["capacity"], held)
    if "start_time" in values or "end_time" in values:
        await session.get(Term, slot.term_id, with_for_update=True)
        await _check_times(
            session,
            slot.term_id,
            values.get("start_time", slot.start_time),
            values.get("end_time", slot.end_time),
            slot.id,
        )
    changed = changes.apply(slot, values)
    if changed:
        await session.flush()
        if "end_time" in changed:  # it may now end before or after another of its term
            await refresh_last_slots(session, slot.term_id)
        await changes.record(session, admin, "slot.updated", slot, {"changes": changed})
        if "capacity" in changed:  # a raised capacity's seats go to the waitlist first
            await enrollment.promote_waitlist(session, slot.term_id)
    return slot


async def delete_slot(session: AsyncSession, admin: Principal, slot: Slot) -> None:
    await in_school(session, Slot, slot.id, slot.school_id, "slot.not_found", lock=True)
    if await session.scalar(select(exists().where(Group.slot_id == slot.id))):
        raise SlotHasGroups()
    if await session.scalar(select(exists().where(EnrollmentSlot.slot_id == slot.id))):
        raise SlotHasEnrollments()
    await changes.record(session, admin, "slot.deleted", slot, {"name": slot.name})
    await delete_unless_referenced(session, slot, "slot.in_use")
