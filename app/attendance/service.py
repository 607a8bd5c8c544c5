"""Rosters for a group or a whole school, and roll call with its absence alerts.

The roster rules and the status extension point for gate pickup are in ``roster.py``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from sqlalchemy import Date, Select, Table, Uuid, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY, Insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.attendance.errors import (
    AttendanceDuplicateMark,
    AttendanceFutureDate,
    AttendanceNotOnRoster,
    AttendanceOutsideTerm,
    AttendanceSlotMismatch,
)
from app.attendance.models import MarkStatus, RollCallMark, RosterStatus
from app.attendance.roster import (
    day_params,
    group_days_select,
    group_members_select,
    group_roster_select,
    roster_select,
    status_counts_select,
)
from app.attendance.schemas import RollCallIn
from app.checkins import service as checkins
from app.core import audit, clock
from app.core.personal_data import Section, remove, rows
from app.core.principal import Principal
from app.notifications import service as notifications
from app.notifications.templates import Kind
from app.school.models import Group, Guardian, School, Slot, Student, Term
from app.staff import service as staff


@dataclass(frozen=True)
class RosterEntry:
    """One child on one group's roster for one slot and day."""

    student_id: uuid.UUID
    name: str
    student_no: str
    class_id: uuid.UUID
    class_name: str
    group_id: uuid.UUID
    group_name: str
    slot_id: uuid.UUID
    term_id: uuid.UUID
    status: RosterStatus


def _entry(row: Sequence[Any]) -> RosterEntry:
    """A roster row as an entry: ``roster_select``'s columns are the fields, in order (a
    roster is read at every roll call and gate; building by name cost 15 µs a child)."""
    (student_id, name, student_no, class_id, class_name, group_id, group_name, slot_id,
     term_id, status) = row  # fmt: skip
    return RosterEntry(
        student_id,
        name,
        student_no,
        class_id,
        class_name,
        group_id,
        group_name,
        slot_id,
        term_id,
        RosterStatus(status),
    )


async def group_roster(session: AsyncSession, group: Group, day: dt.date) -> list[RosterEntry]:
    """The roster of ``group`` on ``day`` (one query; empty on closures and days off)."""
    rows = await session.execute(group_roster_select(), {"group_id": group.id, **day_params(day)})
    return [_entry(row) for row in rows]


async def expected_students(
    session: AsyncSession,
    school_id: uuid.UUID,
    date: dt.date,
    slot_id: uuid.UUID | None = None,
    *,
    student_ids: Collection[uuid.UUID] | None = None,
) -> list[RosterEntry]:
    """Every child on any roster of the school on ``date`` (one row per child and slot),
    with its status; callers filter on status (e.g. pickup's waiting list keeps
    ``expected``/``present``). One query, whatever the school's size.

    A child whose class feeds no group of a slot is on no roster (a set-up gap, not a rule).
    """
    stmt = roster_select().where(Group.school_id == school_id)
    if slot_id is not None:
        stmt = stmt.where(Group.slot_id == slot_id)
    if student_ids is not None:
        stmt = stmt.where(Student.id.in_(student_ids))
    rows = await session.execute(stmt, day_params(date))
    return [_entry(row) for row in rows]


@dataclass(frozen=True)
class StatusCount:
    """How many children of one class had one roster status in one group on one day."""

    day: dt.date
    group_id: uuid.UUID
    class_id: uuid.UUID
    status: RosterStatus
    count: int


async def status_counts(
    session: AsyncSession, school_id: uuid.UUID, first_day: dt.date, last_day: dt.date
) -> list[StatusCount]:
    """The roster's statuses counted per day, group and class, from ``first_day`` to
    ``last_day``: one set query (the roster grouped), whatever the school's size."""
    rows = await session.execute(
        status_counts_select(),
        {"school_id": school_id, "first_day": first_day, "last_day": last_day},
    )
    return [
        StatusCount(day, group_id, class_id, RosterStatus(status), n)
        for day, group_id, class_id, status, n in rows
    ]


async def group_service_days(
    session: AsyncSession, school_id: uuid.UUID, first_day: dt.date, last_day: dt.date
) -> list[tuple[dt.date, uuid.UUID]]:
    """Each (day, group) of the school in the range on which the group's term runs."""
    rows = await session.execute(
        group_days_select(),
        {"school_id": school_id, "first_day": first_day, "last_day": last_day},
    )
    return [(day, group_id) for day, group_id in rows]


async def roll_calls_taken(
    session: AsyncSession, school_id: uuid.UUID, day: dt.date
) -> dict[uuid.UUID, dt.datetime]:
    """When each group's roll was last taken on ``day`` (its latest mark)."""
    rows = await session.execute(
        select(RollCallMark.group_id, func.max(RollCallMark.marked_at))
        .where(RollCallMark.school_id == school_id, RollCallMark.day == day)
        .where(RollCallMark.group_id.is_not(None))
        .group_by(RollCallMark.group_id)
    )
    return {group_id: at for group_id, at in rows if group_id is not None}


async def take_roll_call(
    session: AsyncSession, principal: Principal, group: Group, body: RollCallIn
) -> list[RosterEntry]:
    """Record marks (the last one wins), alert guardians of newly absent children, and
    answer with the group's roster. Each roll call is one audit event with every mark and
    the mark it replaced, which is the history of the day."""
    if body.slot_id != group.slot_id:
        raise AttendanceSlotMismatch(field="slot_id")
    timezone, term_start, term_end = (
        await session.execute(_school_zone_and_term(), {"term_id": group.term_id})
    ).one()
    today = clock.today(timezone)
    await staff.ensure_vetting_valid(session, principal.id, today)
    if body.date > today:
        raise AttendanceFutureDate(field="date")
    if not term_start <= body.date <= term_end:
        raise AttendanceOutsideTerm(field="date")

    on_roster = set(
        await session.scalars(
            group_members_select(), {"group_id": group.id, **day_params(body.date)}
        )
    )
    seen: set[uuid.UUID] = set()
    for i, mark in enumerate(body.marks):
        if mark.student_id in seen:
            raise AttendanceDuplicateMark(field=f"marks.{i}.student_id")
        if mark.student_id not in on_roster:
            raise AttendanceNotOnRoster(field=f"marks.{i}.student_id")
        seen.add(mark.student_id)

    # Same order in every transaction, so two roll calls at once cannot deadlock.
    marks = sorted(body.marks, key=lambda m: m.student_id)
    rows = await session.execute(
        _previous_marks(), {"slot_id": group.slot_id, "day": body.date, "marked": list(seen)}
    )
    previous: dict[uuid.UUID, str] = {student_id: status for student_id, status in rows}
    now = clock.now()
    # One statement run for every mark (an executemany), not a fresh many-row statement
    # built, keyed and compiled for each roll call.
    await session.execute(
        _upsert_marks(),
        [
            {
                "student_id": m.student_id,
                "slot_id": group.slot_id,
                "day": body.date,
                "school_id": group.school_id,
                "group_id": group.id,
                "status": m.status.value,
                "marked_by": principal.id,
                "marked_at": now,
            }
            for m in marks
        ],
    )
    await audit.record(
        session,
        action="attendance.roll_call",
        object_type="group",
        object_id=group.id,
        actor_id=principal.id,
        school_id=group.school_id,
        data={
            "date": body.date.isoformat(),
            "slot_id": str(group.slot_id),
            "catch_up": body.date < today,
            "marks": [
                {
                    "student_id": str(m.student_id),
                    "status": m.status.value,
                    "previous": previous.get(m.student_id),
                }
                for m in marks
            ],
        },
    )

    # Whoever takes the roll was with the group: their check-in (once per group, slot, day).
    await checkins.check_in_by_roll_call(session, group, body.date, principal.id)

    roster = await group_roster(session, group, body.date)
    marked_absent = {m.student_id for m in marks if m.status == MarkStatus.ABSENT}
    # On approved leave the status stays on_leave: nobody is alarmed about an expected absence.
    absent = [
        e for e in roster if e.student_id in marked_absent and e.status == RosterStatus.ABSENT
    ]
    await _alert_absences(session, group, body.date, absent)
    return roster


# The statements of a roll call, built once (a teacher's phone sends one per group and
# slot; building them cost more CPU than running them).


@cache
def _school_zone_and_term() -> Select[str, dt.date, dt.date]:
    """The school's zone (for its today) and the group's term dates, in one round trip."""
    return (
        select(School.timezone, Term.start_date, Term.end_date)
        .join(School, School.id == Term.school_id)
        .where(Term.id == bindparam("term_id", type_=Uuid()))
    )


@cache
def _previous_marks() -> Select[uuid.UUID, str]:
    """The marks a roll call replaces: for the slot and day, of the children it marks."""
    return select(RollCallMark.student_id, RollCallMark.status).where(
        RollCallMark.slot_id == bindparam("slot_id", type_=Uuid()),
        RollCallMark.day == bindparam("day", type_=Date()),
        RollCallMark.student_id == any_(bindparam("marked", type_=ARRAY(Uuid()))),
    )


@cache
def _guardians_and_slot() -> Select[uuid.UUID, uuid.UUID, str]:
    """The guardians of ``students``, and the slot the absence notice names with them."""
    return (
        select(
            Guardian.student_id,
            Guardian.user_id,
            select(Slot.name)
            .where(Slot.id == bindparam("slot_id", type_=Uuid()))
            .scalar_subquery(),
        )
        .where(Guardian.student_id == any_(bindparam("students", type_=ARRAY(Uuid()))))
        .order_by(Guardian.user_id)
    )


@cache
def _upsert_marks() -> Insert:
    """Insert a mark, or replace the child's mark for that slot and day: the last one wins."""
    upsert = pg_insert(cast(Table, RollCallMark.__table__))
    return upsert.on_conflict_do_update(
        index_elements=[RollCallMark.student_id, RollCallMark.slot_id, RollCallMark.day],
        set_={
            "status": upsert.excluded.status,
            "group_id": upsert.excluded.group_id,
            "marked_by": upsert.excluded.marked_by,
            "marked_at": upsert.excluded.marked_at,
        },
    )


async def _alert_absences(
    session: AsyncSession, group: Group, day: dt.date, absent: list[RosterEntry]
) -> None:
    """Tell every guardian, once per child, slot and day (the dedupe key), whatever is resent."""
    if not absent:
        return
    rows = (
        await session.execute(
            _guardians_and_slot(),
            {"slot_id": group.slot_id, "students": [e.student_id for e in absent]},
        )
    ).all()
    slot_name = rows[0][2] if rows else ""  # the same on every row
    guardians: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for student_id, user_id, _ in rows:
        guardians[student_id].append(user_id)
    for entry in absent:
        await notifications.notify(
            session,
            recipients=guardians[entry.student_id],
            kind=Kind.ATTENDANCE_ABSENT,
            params={
                "student_name": entry.name,
                "date": f"{day.month}月{day.day}日",
                "slot_name": slot_name,
            },
            data={
                "student_id": str(entry.student_id),
                "slot_id": str(group.slot_id),
                "group_id": str(group.id),
                "date": day.isoformat(),
            },
            dedupe_key=f"absent:{entry.student_id}:{group.slot_id}:{day.isoformat()}",
        )


async def _personal_data(
    session: AsyncSession, user_id: uuid.UUID, student_ids: Sequence[uuid.UUID]
) -> dict[str, Any]:
    """The children's roll-call marks."""
    marks = await rows(
        session,
        select(
            RollCallMark.student_id,
            RollCallMark.day,
            RollCallMark.slot_id,
            RollCallMark.status,
            RollCallMark.marked_at,
        )
        .where(RollCallMark.student_id.in_(student_ids))
        .order_by(RollCallMark.day, RollCallMark.slot_id),
    )
    return {"attendance_marks": marks}


PERSONAL_DATA = Section("attendance", ("roll_call_marks",), _personal_data)


async def purge_terms(
    session: AsyncSession, term_ids: Sequence[uuid.UUID], *, dry_run: bool
) -> dict[str, int]:
    """The roll-call marks of these (long-ended) terms' slots."""
    of_terms = RollCallMark.slot_id.in_(select(Slot.id).where(Slot.term_id.in_(term_ids)))
    return {"roll_call_marks": await remove(session, RollCallMark, of_terms, dry_run=dry_run)}
