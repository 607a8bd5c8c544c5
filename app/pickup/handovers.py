"""Handovers: the one record per child and day of leaving the school's care, and the gate list."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Select, Table, Uuid, bindparam, func, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.attendance.roster import day_params
from app.auth.models import User
from app.core import audit, clock
from app.core.errors import Conflict, Invalid, NotFound
from app.core.pagination import PageParams, paginate
from app.core.principal import Principal
from app.notifications import service as notifications
from app.notifications.templates import Kind
from app.pickup import errors as _errors  # noqa: F401  (registers the messages)
from app.pickup.daystatus import DayStatus, attending_children, slots_of_child, status_of_slots
from app.pickup.models import BlockedAdult, Handover, HandoverKind, LateCase
from app.pickup.persons import AuthorisedAdult, blocks_in_force_of
from app.pickup.schemas import GateListItem, HandoverOut
from app.school.access import is_guardian, is_staff_of
from app.school.models import Guardian, School, SchoolClass, Student


@dataclass(frozen=True)
class SchoolDay:
    """A school's zone and its today, read once per request."""

    school: School
    zone: ZoneInfo
    now: datetime
    today: date


def _day_of(school: School) -> SchoolDay:
    zone = ZoneInfo(school.timezone)
    now = clock.now()
    return SchoolDay(school=school, zone=zone, now=now, today=now.astimezone(zone).date())


async def school_day(session: AsyncSession, school_id: uuid.UUID) -> SchoolDay:
    school = await session.get(School, school_id)
    if school is None:
        raise NotFound("student.not_found")
    return _day_of(school)


@dataclass(frozen=True)
class HandoverContext:
    """What every handover of a child needs, read in one round trip at the gate."""

    student: Student
    day: SchoolDay
    staff_name: str  # who confirms, as the family's notice names them
    guardians: list[uuid.UUID]  # who is told, first linked first
    blocks: list[BlockedAdult]  # adults who must never collect the child, oldest first
    status: DayStatus  # the child's status on the day the request names


@cache
def _context_select() -> Select[Any]:
    """The student (of the caller's school only), their school, the staff name, the guardians,
    the child's slots on the day of ``day_params`` (``daystatus.slots_of_child``), and a row
    per block in force (one row with none when there is none).

    Built once (the gate runs it on every handover); the values are bound parameters.
    """
    staff_name = (
        select(User.name).where(User.id == bindparam("staff_id", type_=Uuid())).scalar_subquery()
    )
    guardians = func.array(
        select(Guardian.user_id)
        .where(Guardian.student_id == Student.id)
        .order_by(Guardian.created_at)
        .scalar_subquery()
    )
    slots = slots_of_child(Student.id)
    return (
        select(Student, School, staff_name, guardians, *slots.c, BlockedAdult)
        .join(School, School.id == Student.school_id)
        .join(slots, true())
        .outerjoin(BlockedAdult, blocks_in_force_of(Student.id))
        .order_by(BlockedAdult.created_at)
        .where(
            Student.id == bindparam("student_id", type_=Uuid()),
            Student.school_id == bindparam("school_id", type_=Uuid()),
        )
    )


async def handover_context(
    session: AsyncSession, principal: Principal, student_id: uuid.UUID, day: date
) -> HandoverContext:
    """A student of the staff caller's own school (else 404) with the rest of a handover's
    needs; their status is read for ``day``, the date the request names (which the caller
    then checks is the school's today)."""
    params: dict[str, Any] = {
        "student_id": student_id,
        "school_id": principal.staff_school(),
        "staff_id": principal.id,
        **day_params(day),
    }
    rows = (await session.execute(_context_select(), params)).all()
    if not rows:
        raise NotFound("student.not_found")
    student, school, staff_name, guardians, starts, ends, leaves, marks, _ = rows[0]
    return HandoverContext(
        student,
        _day_of(school),
        staff_name or "",
        list(guardians),
        blocks=[blocked for *_, blocked in rows if blocked is not None],
        status=status_of_slots(starts, ends, leaves, marks),
    )


async def school_student(
    session: AsyncSession, principal: Principal, student_id: uuid.UUID
) -> Student:
    """A student of the staff caller's own school, else 404."""
    student = await session.get(Student, student_id)
    if student is None or student.school_id != principal.staff_school():
        raise NotFound("student.not_found")
    return student


async def class_names(session: AsyncSession, class_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not class_ids:
        return {}
    rows = await session.execute(
        select(SchoolClass.id, SchoolClass.name).where(SchoolClass.id.in_(class_ids))
    )
    return dict(rows.all())


def ensure_today(day: date, school_day: SchoolDay) -> None:
    if day != school_day.today:
        raise Invalid("pickup.date_not_today", field="date", today=school_day.today.isoformat())


def ensure_in_care(context: HandoverContext) -> None:
    """A child absent or on leave is not the gate's to hand over."""
    if context.status == DayStatus.ABSENT:
        raise Conflict("pickup.child_absent")
    if context.status == DayStatus.ON_LEAVE:
        raise Conflict("pickup.child_on_leave")


@cache
def _insert_handover() -> Select[uuid.UUID]:
    """One row per child and day; the unique (student, date) decides between racing gates.

    A Core insert of values all known beforehand (the ORM's insert path, returning a loaded
    object, cost the gate half a millisecond of CPU), and its audit event written by the
    same statement (``audit.recording``): the gate's one round trip for both.
    """
    table = cast(Table, Handover.__table__)
    handover = (
        pg_insert(table)
        .values({c.name: bindparam(c.name, type_=c.type) for c in table.c})
        .on_conflict_do_nothing(index_elements=["student_id", "date"])
        .returning(table.c.id)
        .cte("handover")
    )
    return select(handover.c.id).add_cte(audit.recording(handover).cte("event"))


async def record_handover(
    session: AsyncSession,
    *,
    principal: Principal,
    context: HandoverContext,
    kind: HandoverKind,
    adult: AuthorisedAdult | None,
    pickup_pass_id: uuid.UUID | None,
    note: str | None,
) -> Handover:
    """Insert the day's handover (409 if the child already left) and tell every guardian."""
    student, school_day = context.student, context.day
    now = school_day.now
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "school_id": student.school_id,
        "student_id": student.id,
        "date": school_day.today,
        "kind": kind,
        "picked_up_at": now,
        "adult_kind": adult.kind if adult else None,
        "adult_user_id": adult.user_id if adult else None,
        "pickup_person_id": adult.pickup_person_id if adult else None,
        "pickup_pass_id": pickup_pass_id,
        "adult_name": adult.name if adult else None,
        "adult_phone": adult.phone if adult else None,
        "adult_relationship": adult.relationship if adult else None,
        "confirmed_by": principal.id,
        "confirmed_by_name": context.staff_name,
        "note": note,
    }
    event = audit.recording_params(
        action=f"pickup.{kind}",
        object_type="handover",
        actor_id=principal.id,
        school_id=student.school_id,
        data={
            "student_id": str(student.id),
            "date": school_day.today.isoformat(),
            "adult_kind": values["adult_kind"],
            "adult_name": values["adult_name"],
            "pickup_pass_id": str(pickup_pass_id) if pickup_pass_id else None,
            "pickup_person_id": str(values["pickup_person_id"])
            if values["pickup_person_id"]
            else None,
        },
    )
    if await session.scalar(_insert_handover(), {**values, **event}) is None:
        raise Conflict("pickup.already_done")  # and no event: it had no row to describe
    handover = Handover(**values)
    await notifications.notify(
        session,
        recipients=context.guardians,
        kind=Kind.PICKUP_HANDED_OVER if kind == HandoverKind.PICKED_UP else Kind.PICKUP_RELEASED,
        params={
            "student_name": student.name,
            "time": now.astimezone(school_day.zone).strftime("%H:%M"),
            "adult_name": handover.adult_name or "",
            "staff_name": context.staff_name,
        },
        data={
            "student_id": str(student.id),
            "handover_id": str(handover.id),
            "date": school_day.today.isoformat(),
            "kind": kind.value,
            "adult_name": handover.adult_name,
            "picked_up_at": now.isoformat(),
        },
        # per handover, not per day: a handover voided as a mistake may be followed by another
        dedupe_key=f"pickup.handover:{handover.id}",
    )
    return handover


async def get_handover(
    session: AsyncSession, principal: Principal, handover_id: uuid.UUID
) -> Handover:
    """A handover for staff of its school or a guardian of its child, else 404."""
    handover = await session.get(Handover, handover_id)
    if handover is None:
        raise NotFound("pickup.handover_not_found")
    if is_staff_of(principal, handover.school_id) or await is_guardian(
        session, principal.id, handover.student_id
    ):
        return handover
    raise NotFound("pickup.handover_not_found")


async def handovers_on(
    session: AsyncSession,
    school_id: uuid.UUID,
    day: date,
    student_ids: Collection[uuid.UUID] | None = None,
) -> dict[uuid.UUID, Handover]:
    """The day's handovers of the school (or of some of its children), by child."""
    stmt = select(Handover).where(Handover.school_id == school_id, Handover.date == day)
    if student_ids is not None:
        stmt = stmt.where(Handover.student_id.in_(list(student_ids)))
    return {h.student_id: h for h in await session.scalars(stmt)}


async def waiting_children(
    session: AsyncSession, school_id: uuid.UUID, day: date
) -> list[tuple[Student, str]]:
    """The children still in the school's care on ``day`` (``GET /pickups?status=waiting``):
    on a roster, neither absent nor on leave, not yet handed over or released; with their
    class names, by name."""
    ids = still_waiting(
        await attending_children(session, school_id, day),
        await handovers_on(session, school_id, day),
    )
    students = list(
        await session.scalars(
            select(Student).where(Student.id.in_(ids)).order_by(Student.name, Student.id)
        )
    )
    names = await class_names(session, {s.class_id for s in students})
    return [(s, names.get(s.class_id, "")) for s in students]


def still_waiting(attending: Collection[uuid.UUID], done: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """Who is still waiting: in care today and not yet handed over or released."""
    return set(attending) - set(done)


async def gate_list(
    session: AsyncSession,
    principal: Principal,
    day: date | None,
    status: Literal["waiting", "done"] | None,
    page: PageParams,
) -> tuple[list[GateListItem], str | None]:
    """Children in care on ``day`` (never absent or on leave) and how each left, by name."""
    school_day = await school_day_of(session, principal)
    day = day or school_day.today
    attending = await attending_children(session, school_day.school.id, day)
    done = await handovers_on(session, school_day.school.id, day)
    if status == "waiting":
        ids = still_waiting(attending, done)
    elif status == "done":
        ids = set(done)
    else:
        ids = set(attending) | set(done)
    students, cursor = await paginate(
        session,
        select(Student).where(Student.id.in_(ids)),
        page,
        (Student.name, Student.id),
    )
    names = await class_names(session, {s.class_id for s in students})
    late = set(
        await session.scalars(
            select(LateCase.student_id).where(
                LateCase.date == day, LateCase.student_id.in_([s.id for s in students])
            )
        )
    )
    items = []
    for student in students:
        handover = done.get(student.id)
        expected = attending.get(student.id)
        items.append(
            GateListItem(
                student_id=student.id,
                name=student.name,
                class_name=names.get(student.class_id, ""),
                status=handover.kind if handover else "waiting",
                slot_end_at=datetime.combine(day, expected.last_slot_end, tzinfo=school_day.zone)
                if expected
                else None,
                late=student.id in late,
                handover=HandoverOut.model_validate(handover) if handover else None,
            )
        )
    return items, cursor


async def school_day_of(session: AsyncSession, principal: Principal) -> SchoolDay:
    return await school_day(session, principal.staff_school())
