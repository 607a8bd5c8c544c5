"""Late pickup: children still waiting after the grace period, alerts, and how each case ended."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import audit, clock, database
from app.core.errors import NotFound
from app.core.pagination import PageParams, paginate
from app.core.principal import Principal
from app.notifications import service as notifications
from app.notifications.templates import Kind
from app.pickup import errors as _errors  # noqa: F401  (registers the messages)
from app.pickup.daystatus import waiting_after
from app.pickup.handovers import class_names, school_day_of
from app.pickup.incidents import staff_on_watch
from app.pickup.models import Handover, LateCase
from app.pickup.schemas import AcknowledgeIn, LateCaseOut
from app.pickup.school_rules import late_grace
from app.school.access import guardian_ids
from app.school.models import School, Slot, Student, Term

log = logging.getLogger(__name__)


@dataclass
class LateSweep:
    """What one run of the detector did (for the worker's log line)."""

    detected: int = 0
    escalated: int = 0


# Between two schools of a sweep: a district's sweep is a few seconds of database work,
# spread out so it never holds a core the gate's requests are waiting for.
PAUSE_BETWEEN_SCHOOLS = 0.02
# For each school's transaction. Background work: one core at most, never a parallel plan.
# And a plan for each school's own values: the generic plan PostgreSQL settles on for a
# prepared statement after a few runs cannot see that a school's ended slots are few, and
# walks every enrollment of the district's terms (15 ms a school instead of 0.2 ms).
_SWEEP_SETTINGS = text(
    "SELECT set_config('max_parallel_workers_per_gather', '0', true),"
    " set_config('plan_cache_mode', 'force_custom_plan', true)"
)


async def detect_late_pickups(session: AsyncSession, now: datetime) -> LateSweep:
    """Find children still waiting past the grace and alert, escalating after twice the grace.

    Meant to run every minute or so from the worker; safe to run often and from several
    workers at once (one case per child and day, notifications deduplicated). ``session``
    reads which schools to look at; each school is then swept and committed in a
    transaction of its own, so a family hears at once rather than after the whole district
    (and one school's failure keeps the others' alerts).
    """
    sweep = LateSweep()
    first_ends = await _first_slot_ends(session, now)
    schools = [
        (school.id, ZoneInfo(school.timezone), late_grace(school.policy))
        for school in await session.scalars(select(School).order_by(School.id))
    ]
    swept = 0
    for school_id, zone, grace in schools:
        local = now.astimezone(zone)
        first_end = first_ends.get(school_id)
        # Nobody can be late before the school's earliest slot ends and the grace passes:
        # at the peak most schools of a district are skipped without a look at their roster.
        if (
            first_end is None
            or local
            < local.replace(
                hour=first_end.hour, minute=first_end.minute, second=first_end.second, microsecond=0
            )
            + grace
        ):
            continue
        if swept:
            await asyncio.sleep(PAUSE_BETWEEN_SCHOOLS)
        swept += 1
        async with database.sessionmaker()() as own, own.begin():
            await own.execute(_SWEEP_SETTINGS)
            await _sweep_school(own, school_id, zone, grace, now, sweep)
    if sweep.detected or sweep.escalated:
        log.info("late pickups: %d new, %d escalated", sweep.detected, sweep.escalated)
    return sweep


async def _first_slot_ends(session: AsyncSession, now: datetime) -> dict[uuid.UUID, time]:
    """Each school's earliest slot end among terms that may run today (any zone's today)."""
    around = now.date()
    rows = await session.execute(
        select(Slot.school_id, func.min(Slot.end_time))
        .join(Term, Term.id == Slot.term_id)
        .where(
            Term.start_date <= around + timedelta(days=1),
            Term.end_date >= around - timedelta(days=1),
        )
        .group_by(Slot.school_id)
    )
    return {school_id: first_end for school_id, first_end in rows}


async def _sweep_school(
    session: AsyncSession,
    school_id: uuid.UUID,
    zone: ZoneInfo,
    grace: timedelta,
    now: datetime,
    sweep: LateSweep,
) -> None:
    local = now.astimezone(zone)
    day = local.date()
    cutoff = local - grace  # a slot that ended by then is past its grace
    if cutoff.date() != day:
        return
    waiting = await waiting_after(session, school_id, day, cutoff.time())
    due: dict[uuid.UUID, datetime] = {}
    for student_id, expected in waiting.items():
        ends_at = datetime.combine(day, expected.last_slot_end, tzinfo=zone)
        if now >= ends_at + grace:
            due[student_id] = ends_at
    if not due:
        return
    cases = {
        c.student_id: c
        for c in await session.scalars(
            select(LateCase).where(LateCase.date == day, LateCase.student_id.in_(list(due)))
        )
    }
    students = {
        s.id: s for s in await session.scalars(select(Student).where(Student.id.in_(list(due))))
    }
    names = await class_names(session, {s.class_id for s in students.values()})
    watchers: list[uuid.UUID] | None = None
    for student_id, ends_at in due.items():
        student = students[student_id]
        minutes = int((now - ends_at).total_seconds() // 60)
        case = cases.get(student_id)
        if case is None:
            case = await _open_case(session, school_id, student_id, day, ends_at, now)
            if case is None:  # another worker opened it a moment ago
                continue
            sweep.detected += 1
            await notifications.notify(
                session,
                recipients=await guardian_ids(session, student_id),
                kind=Kind.PICKUP_LATE,
                params={"student_name": student.name, "minutes": minutes},
                data={
                    "student_id": str(student_id),
                    "date": day.isoformat(),
                    "late_case_id": str(case.id),
                },
                dedupe_key=f"pickup.late:{student_id}:{day.isoformat()}",
            )
        # An acknowledged case has someone on it already; escalation would only add noise.
        if case.escalated_at is not None or case.acknowledged_at is not None:
            continue
        if now < ends_at + 2 * grace:
            continue
        claimed = await session.scalar(
            update(LateCase)
            .where(LateCase.id == case.id, LateCase.escalated_at.is_(None))
            .values(escalated_at=now)
            .returning(LateCase.id)
        )
        if claimed is None:
            continue
        sweep.escalated += 1
        if watchers is None:
            watchers = await staff_on_watch(session, school_id)
        await notifications.notify(
            session,
            recipients=watchers,
            kind=Kind.PICKUP_LATE_ESCALATED,
            params={
                "student_name": student.name,
                "class_name": names.get(student.class_id, ""),
                "minutes": minutes,
            },
            data={
                "student_id": str(student_id),
                "date": day.isoformat(),
                "late_case_id": str(case.id),
            },
            dedupe_key=f"pickup.late_escalated:{student_id}:{day.isoformat()}",
        )


async def _open_case(
    session: AsyncSession,
    school_id: uuid.UUID,
    student_id: uuid.UUID,
    day: date,
    ends_at: datetime,
    now: datetime,
) -> LateCase | None:
    case_id = await session.scalar(
        pg_insert(LateCase)
        .values(
            id=uuid.uuid4(),
            school_id=school_id,
            student_id=student_id,
            date=day,
            slot_end_at=ends_at,
            detected_at=now,
        )
        .on_conflict_do_nothing(index_elements=["student_id", "date"])
        .returning(LateCase.id)
    )
    if case_id is None:
        return None
    await audit.record(
        session,
        action="pickup.late_detected",
        object_type="late_pickup",
        object_id=case_id,
        actor_id=None,
        school_id=school_id,
        data={"student_id": str(student_id), "date": day.isoformat()},
    )
    return await session.get(LateCase, case_id)


async def _cases_out(session: AsyncSession, cases: list[LateCase]) -> list[LateCaseOut]:
    students = {
        s.id: s
        for s in await session.scalars(
            select(Student).where(Student.id.in_([c.student_id for c in cases]))
        )
    }
    names = await class_names(session, {s.class_id for s in students.values()})
    kinds = {
        (student_id, day): kind
        for student_id, day, kind in await session.execute(
            select(Handover.student_id, Handover.date, Handover.kind).where(
                Handover.student_id.in_(list(students)),
                Handover.date.in_({c.date for c in cases}),
            )
        )
    }
    return [
        LateCaseOut(
            id=c.id,
            student_id=c.student_id,
            name=students[c.student_id].name,
            class_name=names.get(students[c.student_id].class_id, ""),
            date=c.date,
            slot_end_at=c.slot_end_at,
            detected_at=c.detected_at,
            escalated_at=c.escalated_at,
            status=kinds.get((c.student_id, c.date), "waiting"),
            acknowledged_at=c.acknowledged_at,
            acknowledged_by=c.acknowledged_by,
            outcome=c.outcome,
            note=c.note,
        )
        for c in cases
    ]


async def list_late(
    session: AsyncSession, principal: Principal, day: date | None, page: PageParams
) -> tuple[list[LateCaseOut], str | None]:
    school_day = await school_day_of(session, principal)
    stmt = select(LateCase).where(
        LateCase.school_id == school_day.school.id,
        LateCase.date == (day or school_day.today),
    )
    cases, cursor = await paginate(session, stmt, page, (LateCase.detected_at, LateCase.id))
    return await _cases_out(session, cases), cursor


async def acknowledge(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, body: AcknowledgeIn
) -> LateCaseOut:
    """Record how a late case ended (a later acknowledgement corrects an earlier one)."""
    case = await session.get(LateCase, case_id, with_for_update=True)
    if case is None or case.school_id != principal.staff_school():
        raise NotFound("pickup.late_case_not_found")
    case.acknowledged_at = clock.now()
    case.acknowledged_by = principal.id
    case.outcome = body.outcome
    case.note = body.note
    await session.flush()
    await audit.record(
        session,
        action="pickup.late_acknowledged",
        object_type="late_pickup",
        object_id=case.id,
        actor_id=principal.id,
        school_id=case.school_id,
        data={"outcome": body.outcome, "note": body.note},
    )
    return (await _cases_out(session, [case]))[0]


async def count_open(session: AsyncSession, within: timedelta = timedelta(hours=24)) -> int:
    """Late cases detected within ``within`` that nobody has acknowledged yet (/metrics)."""
    return int(
        await session.scalar(
            select(func.count()).where(
                LateCase.acknowledged_at.is_(None),
                LateCase.detected_at > func.now() - within,
            )
        )
        or 0
    )
