"""Late pickup: the sweep that finds children still waiting after the grace period and alerts."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import audit, database
from app.notifications import service as notifications
from app.notifications.templates import Kind
from app.pickup import repository
from app.pickup.daystatus import waiting_after
from app.pickup.models import LateCase
from app.school import service as school_service
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
        (school.id, ZoneInfo(school.timezone), school_service.policy_of(school).late_pickup_grace)
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
            await repository.plan_for_the_sweep(own)
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
    names = await repository.class_names(session, {s.class_id for s in students.values()})
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
            watchers = await repository.staff_on_watch(session, school_id)
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
