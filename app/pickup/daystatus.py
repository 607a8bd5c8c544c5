"""A child's day at the gate: expected, absent, on leave, or not expected (the rule).

A child is *expected* on a date when an enrollment on the roster covers it (the roster's
own rule, ``app.attendance.roster.enrolled_on_day``: the term runs that day, the weekday
is one of the term's and the enrollment's, the date is no closure, and
``start_date <= date < end_date``). Approved leave and roll call then decide, slot by
slot, with the roster's own rules (``on_leave``, ``roll_call_mark``):

- ``on_leave`` when approved leave covers every slot the child has that day;
- ``absent`` when the latest slot that has a roll-call mark (leave aside) was marked absent;
- otherwise ``expected``: the gate's to hand over once the last slot not on leave ends.

Unlike the roster, this does not need the child's class to feed a group: a child enrolled
but missing from a group through a set-up gap is still a child waiting at the gate.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, time
from enum import StrEnum
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from app.attendance.models import MarkStatus
from app.pickup import repository


class DayStatus(StrEnum):
    EXPECTED = "expected"
    ABSENT = "absent"
    ON_LEAVE = "on_leave"
    NOT_EXPECTED = "not_expected"


class SlotDay(NamedTuple):
    """One enrolled slot of a child's day: its times, approved leave covering it, its mark."""

    start: time
    end: time
    leave: str | None
    mark: str | None


@dataclass(frozen=True)
class ChildDay:
    """An enrolled child's day: their status, and when their last slot in care ends (local)."""

    status: DayStatus
    last_slot_end: time


def child_day(slots: Sequence[SlotDay]) -> ChildDay:
    """The rule: a child's day from their enrolled slots that day (at least one)."""
    in_care = sorted((s for s in slots if s.leave is None), key=lambda s: s.start)
    if not in_care:
        return ChildDay(DayStatus.ON_LEAVE, max(s.end for s in slots))
    marks = [s.mark for s in in_care if s.mark is not None]
    status = DayStatus.ABSENT if marks and marks[-1] == MarkStatus.ABSENT else DayStatus.EXPECTED
    return ChildDay(status, max(s.end for s in in_care))


def status_of_slots(
    starts: list[time] | None,
    ends: list[time] | None,
    leaves: list[str | None] | None,
    marks: list[str | None] | None,
) -> DayStatus:
    """The status of a child from the arrays of the handover context's day."""
    if not starts or ends is None or leaves is None or marks is None:
        return DayStatus.NOT_EXPECTED
    slots = [SlotDay(*slot) for slot in zip(starts, ends, leaves, marks, strict=True)]
    return child_day(slots).status


async def enrolled_children(
    session: AsyncSession,
    school_id: uuid.UUID,
    day: date,
    student_ids: Collection[uuid.UUID] | None = None,
    *,
    waiting_only: bool = False,
) -> dict[uuid.UUID, ChildDay]:
    """Every child an enrollment puts in the school's care on ``day``, with their day
    (among ``student_ids`` if given; only those not yet handed over if ``waiting_only``)."""
    if student_ids is not None and not student_ids:
        return {}
    rows = await repository.enrolled_slots(
        session, school_id, day, student_ids, waiting_only=waiting_only
    )
    slots: dict[uuid.UUID, list[SlotDay]] = defaultdict(list)
    for row in rows:
        slots[row.student_id].append(SlotDay(row.start, row.end, row.leave, row.mark))
    return {student_id: child_day(day_slots) for student_id, day_slots in slots.items()}


async def day_statuses(
    session: AsyncSession,
    school_id: uuid.UUID,
    day: date,
    student_ids: Collection[uuid.UUID],
) -> dict[uuid.UUID, str]:
    """``expected`` | ``absent`` | ``on_leave`` | ``not_expected`` for each child on ``day``."""
    enrolled = await enrolled_children(session, school_id, day, student_ids)
    return {
        sid: enrolled[sid].status if sid in enrolled else DayStatus.NOT_EXPECTED
        for sid in student_ids
    }


async def attending_children(
    session: AsyncSession, school_id: uuid.UUID, day: date
) -> dict[uuid.UUID, ChildDay]:
    """The enrolled children who are neither absent nor on leave: the gate's to hand over."""
    enrolled = await enrolled_children(session, school_id, day)
    return {sid: d for sid, d in enrolled.items() if d.status == DayStatus.EXPECTED}


async def waiting_after(
    session: AsyncSession, school_id: uuid.UUID, day: date, ends_by: time
) -> dict[uuid.UUID, ChildDay]:
    """The children still waiting on ``day`` whose last slot in care ends by ``ends_by``.

    For the late-pickup sweep, which runs every half minute over every school: only the
    children who can qualify get a status (``repository.late_candidates``).
    """
    candidates = await repository.late_candidates(session, school_id, day, ends_by)
    if not candidates:
        return {}
    enrolled = await enrolled_children(session, school_id, day, candidates, waiting_only=True)
    return {
        sid: child
        for sid, child in enrolled.items()
        if child.status == DayStatus.EXPECTED and child.last_slot_end <= ends_by
    }
