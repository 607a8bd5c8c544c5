"""Who is in the school's care on a date: the seam between the gate and the roster.

A child is *expected* on a date when an active (or withdrawal-pending) enrollment covers it:
the term runs that day, the weekday is one of the term's and the enrollment's, the date is
no closure, and ``start_date <= date < end_date``. Approved leave and roll call then decide,
slot by slot, with the roster's own rules (``app.attendance.roster``):

- ``on_leave`` when approved leave covers every slot the child has that day;
- ``absent`` when the latest slot that has a roll-call mark (leave aside) was marked absent;
- otherwise ``expected``: the gate's to hand over once the last slot not on leave ends.

Unlike the roster, this does not need the child's class to feed a group: a child enrolled
but missing from a group through a set-up gap is still a child waiting at the gate.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, time
from enum import StrEnum
from functools import cache
from typing import Any, TypeVarTuple

from sqlalchemy import (
    ColumnElement,
    Result,
    Select,
    SQLColumnExpression,
    Time,
    Uuid,
    any_,
    bindparam,
    exists,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import LateralFromClause

from app.attendance.models import MarkStatus
from app.attendance.roster import (
    DAY,
    DAY_AS_ARRAY,
    WEEKDAY_AS_ARRAY,
    StudentColumn,
    _enrollment_covers,
    _term_runs,
    day_params,
    on_leave,
    roll_call_mark,
)
from app.enrollment.models import ON_ROSTER, Enrollment, EnrollmentSlot
from app.leave.models import LeaveRequest, LeaveStatus
from app.pickup.models import Handover
from app.school.models import Slot, Term

Ts = TypeVarTuple("Ts")


class DayStatus(StrEnum):
    EXPECTED = "expected"
    ABSENT = "absent"
    ON_LEAVE = "on_leave"
    NOT_EXPECTED = "not_expected"


@dataclass(frozen=True)
class ChildDay:
    """An enrolled child's day: their status, and when their last slot in care ends (local)."""

    status: DayStatus
    last_slot_end: time


def _in_care_conditions(waiting_only: bool) -> list[ColumnElement[bool]]:
    """An enrollment of ``school_id`` covering the day of ``day_params`` (and its child not
    yet handed over that day)."""
    conditions: list[ColumnElement[bool]] = [
        Enrollment.school_id == bindparam("school_id"),
        Enrollment.status.in_(ON_ROSTER),
        # the roster's calendar rules, not a copy of them (which group holds the child at a
        # slot does not matter here: the day is decided slot by slot)
        *_enrollment_covers(DAY, WEEKDAY_AS_ARRAY),
        *_term_runs(DAY, DAY_AS_ARRAY, WEEKDAY_AS_ARRAY),
    ]
    if waiting_only:  # checked before any per-slot lookup
        conditions.append(
            ~exists().where(
                Handover.school_id == Enrollment.school_id,  # the school's day: one index range
                Handover.date == DAY,
                Handover.student_id == Enrollment.student_id,
            )
        )
    return conditions


def _over_slots_in_care(stmt: Select[*Ts], waiting_only: bool) -> Select[*Ts]:
    """``stmt`` over each enrolled slot of the enrollments ``_in_care_conditions`` admit."""
    return (
        stmt.join(Term, Term.id == Enrollment.term_id)
        .join(EnrollmentSlot, EnrollmentSlot.enrollment_id == Enrollment.id)
        .join(Slot, Slot.id == EnrollmentSlot.slot_id)
        .where(*_in_care_conditions(waiting_only))
    )


def _slot_day() -> tuple[SQLColumnExpression[time], SQLColumnExpression[time], Any, Any]:
    """What decides a child's day, per enrolled slot: its start and end, approved leave
    covering it, and its latest roll-call mark (``_child_day`` reads them in this order)."""
    return (
        Slot.start_time,
        Slot.end_time,
        on_leave(Enrollment.student_id, Slot.id, DAY),
        roll_call_mark(Enrollment.student_id, Slot.id, DAY),
    )


@cache
def _enrolled_select(
    for_some_children: bool, waiting_only: bool = False
) -> Select[uuid.UUID, time, time, Any, Any]:
    """A row per child and slot in care on the day of ``day_params`` at ``school_id``
    (and among ``student_ids``; and not yet handed over that day), built once like the
    roster's statements."""
    stmt: Select[uuid.UUID, time, time, Any, Any] = _over_slots_in_care(
        select(Enrollment.student_id, *_slot_day()),
        waiting_only,
    )
    if for_some_children:
        ids = bindparam("student_ids", type_=ARRAY(Uuid()))
        stmt = stmt.where(Enrollment.student_id == any_(ids))
    return stmt


async def enrolled_children(
    session: AsyncSession,
    school_id: uuid.UUID,
    day: date,
    student_ids: Collection[uuid.UUID] | None = None,
    *,
    waiting_only: bool = False,
) -> dict[uuid.UUID, ChildDay]:
    """Every child an enrollment puts in the school's care on ``day``, with their status.

    One query for the whole school: a row per child and slot, with the roster's leave and
    roll-call lookups (index lookups by child, slot and day) evaluated for each.
    """
    params: dict[str, Any] = {"school_id": school_id, **day_params(day)}
    if student_ids is not None:
        if not student_ids:
            return {}
        params["student_ids"] = list(student_ids)
    rows: Result[uuid.UUID, time, time, str | None, str | None] = await session.execute(
        _enrolled_select(student_ids is not None, waiting_only), params
    )
    slots: dict[uuid.UUID, list[tuple[time, time, str | None, str | None]]] = defaultdict(list)
    for student_id, start, end, leave, mark in rows.all():
        slots[student_id].append((start, end, leave, mark))
    return {student_id: _child_day(day_slots) for student_id, day_slots in slots.items()}


def slots_of_child(student_id: StudentColumn) -> LateralFromClause:
    """The enrolled slots of ``student_id`` in care on the day of ``day_params`` at
    ``school_id``, as four arrays (``starts``, ``ends``, ``leaves``, ``marks``) for another
    query to join LATERAL: the handover reads the child's day with its other needs.
    A row of NULLs when the child has no slot that day; ``status_of_slots`` decides."""
    return (
        _over_slots_in_care(
            select(
                *(
                    func.array_agg(column).label(name)
                    for column, name in zip(
                        _slot_day(), ("starts", "ends", "leaves", "marks"), strict=True
                    )
                )
            ).select_from(Enrollment),
            waiting_only=False,
        )
        .where(Enrollment.student_id == student_id)
        .lateral("slots_of_child")
    )


def status_of_slots(
    starts: list[time] | None,
    ends: list[time] | None,
    leaves: list[str | None] | None,
    marks: list[str | None] | None,
) -> DayStatus:
    """The status of a child from the arrays of ``slots_of_child``."""
    if not starts or ends is None or leaves is None or marks is None:
        return DayStatus.NOT_EXPECTED
    return _child_day(list(zip(starts, ends, leaves, marks, strict=True))).status


def _child_day(slots: list[tuple[time, time, str | None, str | None]]) -> ChildDay:
    in_care = sorted((s for s in slots if s[2] is None), key=lambda s: s[0])
    if not in_care:
        return ChildDay(DayStatus.ON_LEAVE, max(s[1] for s in slots))
    marks = [mark for _, _, _, mark in in_care if mark is not None]
    status = DayStatus.ABSENT if marks and marks[-1] == MarkStatus.ABSENT else DayStatus.EXPECTED
    return ChildDay(status, max(s[1] for s in in_care))


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


@cache
def _all_slots_ended_select() -> Select[uuid.UUID]:
    """Children waiting on the day whose every enrolled slot ends by ``ends_by``: from the
    school's slots that have ended, an index lookup of the enrollments they end last
    (``Enrollment.last_slot_id``); no leave or roll-call lookup per slot."""
    return (
        select(Enrollment.student_id)
        .join(Slot, Slot.id == Enrollment.last_slot_id)
        .join(Term, Term.id == Enrollment.term_id)
        .where(
            Slot.school_id == bindparam("school_id"),
            Slot.end_time <= bindparam("ends_by", type_=Time()),
            *_in_care_conditions(waiting_only=True),
        )
    )


@cache
def _on_leave_today_select() -> Select[uuid.UUID]:
    return select(LeaveRequest.student_id).where(
        LeaveRequest.school_id == bindparam("school_id"),
        LeaveRequest.status == LeaveStatus.APPROVED,
        LeaveRequest.start_date <= DAY,
        LeaveRequest.end_date >= DAY,
    )


async def waiting_after(
    session: AsyncSession, school_id: uuid.UUID, day: date, ends_by: time
) -> dict[uuid.UUID, ChildDay]:
    """The children still waiting on ``day`` whose last slot in care ends by ``ends_by``.

    For the late-pickup sweep, which runs every half minute over every school: instead of
    every child's status, only the children who can qualify get one. They are those whose
    enrolled slots all end by then, and those with approved leave that day (leave for a
    later slot moves their last slot in care earlier). A school whose children stay for the
    evening slot costs two index scans until it ends.
    """
    params: dict[str, Any] = {"school_id": school_id, "ends_by": ends_by, **day_params(day)}
    candidates = set(await session.scalars(_all_slots_ended_select(), params))
    candidates |= set(await session.scalars(_on_leave_today_select(), params))
    if not candidates:
        return {}
    enrolled = await enrolled_children(session, school_id, day, candidates, waiting_only=True)
    return {
        sid: child
        for sid, child in enrolled.items()
        if child.status == DayStatus.EXPECTED and child.last_slot_end <= ends_by
    }
