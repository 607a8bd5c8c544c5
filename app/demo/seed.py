"""Seeding the demo school once per database, and describing it on every start.

The school is set up and lived in through the domain services (``school.py``,
``activity.py``), not raw rows: seats are counted, reviews and withdrawals move the waitlist,
families are notified and every change is in the audit trail, as if the school and the
families had used the API. An audit event (``demo.seeded``) marks the database as seeded.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import audit, clock, database
from app.core.audit import AuditEvent
from app.demo import activities, activity, school, seats
from app.demo import district as demo_district
from app.demo import fees as demo_fees
from app.demo import ledger as history
from app.demo import staff as staff_side
from app.district.models import District
from app.enrollment.models import Enrollment
from app.school.models import School, SchoolClass, Student, Term

log = logging.getLogger(__name__)

# Held for the seeding transaction, so two servers starting at once seed one school.
ADVISORY_LOCK = 0x6B65686F75  # "kehou"
SEEDED = "demo.seeded"


@dataclass(frozen=True)
class DemoSchool:
    """What the start-up banner says about the demo school."""

    school_id: uuid.UUID
    name: str
    created: bool  # seeded by this call (else found as an earlier start left it)
    today: date
    term_name: str
    term_start: date
    term_end: date
    term_weekdays: list[int]
    service_day: bool  # today is a service day of the demo term
    students: int
    classes: int
    enrollments: dict[str, int]  # by status
    # The demo district holding the demo school and a second, smaller school.
    district_name: str | None = None
    second_school_id: uuid.UUID | None = None
    second_school_name: str | None = None


async def seed_demo() -> DemoSchool:
    """Seed the demo school unless this database has it; either way, describe it.

    One transaction: a failure leaves nothing behind, and the next start tries again.
    """
    async with database.sessionmaker()() as session, session.begin():
        await session.execute(select(func.pg_advisory_xact_lock(ADVISORY_LOCK)))
        school_id = await seeded_school(session)
        created = school_id is None
        if school_id is None:
            world = await school.set_up(session, clock.today(clock.DEFAULT_TIMEZONE))
            await activity.play(session, world)
            await staff_side.set_up(session, world)
            await history.play(session, world)
            await seats.play(session, world)
            await staff_side.play(session, world)
            await activities.play(session, world)
            second_school = await demo_district.seed(session, world)
            # The demo school stays free; 城南小学 charges per month.
            await demo_fees.charge_per_month(session, await session.get_one(School, second_school))
            school_id = world.school_id
            await audit.record(
                session,
                action=SEEDED,
                object_type="school",
                object_id=school_id,
                actor_id=None,
                school_id=school_id,
                data={"date": world.today.isoformat()},
            )
        demo = await describe(session, school_id, created=created)
    log.info(
        "demo.%s school_id=%s students=%d enrollments=%d",
        "seeded" if created else "found",
        demo.school_id,
        demo.students,
        sum(demo.enrollments.values()),
    )
    return demo


async def seeded_school(session: AsyncSession) -> uuid.UUID | None:
    """The demo school of this database, if it was seeded (and not deleted since)."""
    return await session.scalar(
        select(AuditEvent.school_id)
        .join(School, School.id == AuditEvent.school_id)
        .where(AuditEvent.action == SEEDED)
        .order_by(AuditEvent.created_at)
        .limit(1)
    )


async def describe(session: AsyncSession, school_id: uuid.UUID, *, created: bool) -> DemoSchool:
    demo = await session.get_one(School, school_id)
    today = clock.today(demo.timezone)
    term = await session.scalar(
        select(Term).where(Term.school_id == school_id).order_by(Term.start_date.desc()).limit(1)
    )
    assert term is not None  # the demo always has its term
    counted = await session.execute(
        select(Enrollment.status, func.count())
        .where(Enrollment.school_id == school_id)
        .group_by(Enrollment.status)
    )
    return DemoSchool(
        school_id=demo.id,
        name=demo.name,
        created=created,
        today=today,
        term_name=term.name,
        term_start=term.start_date,
        term_end=term.end_date,
        term_weekdays=sorted(term.weekdays),
        service_day=(
            term.start_date <= today <= term.end_date
            and today.isoweekday() in term.weekdays
            and today not in term.closures
        ),
        students=await _count(session, Student, school_id),
        classes=await _count(session, SchoolClass, school_id),
        enrollments={status: n for status, n in sorted(counted.all())},
        **await _district(session, demo),
    )


async def _district(session: AsyncSession, demo: School) -> dict[str, Any]:
    """The demo school's district and the other school in it (the first placed there)."""
    if demo.district_id is None:
        return {}
    district = await session.get_one(District, demo.district_id)
    second = await session.scalar(
        select(School)
        .where(School.district_id == demo.district_id, School.id != demo.id)
        .order_by(School.created_at, School.id)
        .limit(1)
    )
    return {
        "district_name": district.name,
        "second_school_id": second.id if second else None,
        "second_school_name": second.name if second else None,
    }


async def _count(session: AsyncSession, model: Any, school_id: uuid.UUID) -> int:
    stmt = select(func.count()).select_from(model).where(model.school_id == school_id)
    return int(await session.scalar(stmt) or 0)
