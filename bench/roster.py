"""Roster timing for a school of 3,000 children, with the plans PostgreSQL chose.

    .venv/bin/python -m bench.roster [--database-url URL]

Makes and migrates its database (``kehou_bench_roster`` on 127.0.0.1:5432 unless named),
seeds it once with three schools of 3,000 children (60 classes, two slots, one group per
class and slot, two weeks of marks, 300 leaves), then prints the database time of one
group's roster and of a whole school's (round trip included, best of five) and the
``EXPLAIN (ANALYZE, BUFFERS)`` of both. ``bench.cost`` measures the roster endpoint's CPU
on the benchmark's own data set; this shows where the database spends its part.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time as timer
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

import app.models_registry  # noqa: F401  (every table, for the ORM's relationships)
from app.attendance.models import RollCallMark
from app.attendance.roster import day_params, roster_select
from app.attendance.service import expected_students, group_roster
from app.core.migrations import upgrade
from app.enrollment.models import Enrollment, EnrollmentSlot
from app.enrollment.slots import last_slot_of
from app.leave.models import LeaveRequest
from app.school.models import Group, GroupClass, School, SchoolClass, Slot, Student, Term
from bench.run import LOCAL_SERVER, ensure_database

DAY = date(2026, 3, 10)  # a Tuesday
TERM_START = date(2026, 3, 2)


async def seed_school(session: AsyncSession, n: int) -> tuple[uuid.UUID, uuid.UUID]:
    now = datetime.now(UTC)
    school = School(id=uuid.uuid4(), name=f"bench{n}")
    session.add(school)
    await session.flush()
    term = Term(
        id=uuid.uuid4(),
        school_id=school.id,
        name="春季",
        start_date=TERM_START,
        end_date=date(2026, 7, 3),
        weekdays=[1, 2, 3, 4, 5],
        closures=[],
        agreement_text="安全责任书",
        agreement_version=1,
    )
    session.add(term)
    await session.flush()
    slots = [
        Slot(
            id=uuid.uuid4(),
            school_id=school.id,
            term_id=term.id,
            name=name,
            start_time=a,
            end_time=b,
        )
        for name, a, b in [
            ("课后活动", time(15, 30), time(16, 30)),
            ("晚托", time(16, 30), time(18)),
        ]
    ]
    session.add_all(slots)
    await session.flush()
    classes = [
        {"id": uuid.uuid4(), "school_id": school.id, "name": f"{i}班", "grade": 1 + i % 6}
        for i in range(60)
    ]
    await session.execute(insert(SchoolClass), classes)
    groups: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    for slot in slots:
        for c in classes:
            group = {
                "id": uuid.uuid4(),
                "school_id": school.id,
                "term_id": term.id,
                "slot_id": slot.id,
                "name": f"{slot.name}{c['name']}",
                "capacity": 45,
            }
            groups.append(group)
            links.append({"group_id": group["id"], "class_id": c["id"], "slot_id": slot.id})
    await session.execute(insert(Group), groups)
    await session.execute(insert(GroupClass), links)
    students = [
        {
            "id": uuid.uuid4(),
            "school_id": school.id,
            "class_id": classes[i % 60]["id"],
            "name": f"学生{i}",
            "student_no": f"{i:05d}",
            "priority": [],
        }
        for i in range(3000)
    ]
    await session.execute(insert(Student), students)
    enrollments = [
        {
            "id": uuid.uuid4(),
            "school_id": school.id,
            "student_id": s["id"],
            "term_id": term.id,
            "status": "active",
            "weekdays": [1, 2, 3, 4, 5],
            "last_slot_id": last_slot_of(slots),
            "start_date": TERM_START,
            "agreement_version": 1,
            "agreement_accepted_at": now,
        }
        for s in students
    ]
    await session.execute(insert(Enrollment), enrollments)
    await session.execute(
        insert(EnrollmentSlot),
        [{"enrollment_id": e["id"], "slot_id": s.id} for e in enrollments for s in slots],
    )
    days = [TERM_START + timedelta(days=k) for k in range(9)]
    marks = [
        {
            "student_id": s["id"],
            "slot_id": slot.id,
            "day": d,
            "school_id": school.id,
            "status": "present",
            "marked_at": now,
        }
        for d in days
        if d.isoweekday() <= 5
        for s in students
        for slot in slots
    ]
    for k in range(0, len(marks), 5000):
        await session.execute(insert(RollCallMark), marks[k : k + 5000])
    await session.execute(
        insert(LeaveRequest),
        [
            {
                "id": uuid.uuid4(),
                "school_id": school.id,
                "student_id": s["id"],
                "term_id": term.id,
                "start_date": DAY - timedelta(days=random.randint(0, 5)),
                "end_date": DAY + timedelta(days=random.randint(0, 3)),
                "kind": "sick",
                "reason": "bench",
                "status": "approved",
            }
            for s in random.sample(students, 300)
        ],
    )
    return school.id, groups[0]["id"]


async def best_of(runs: int, work: Callable[[], Awaitable[object]]) -> float:
    times = []
    for _ in range(runs):
        start = timer.perf_counter()
        await work()
        times.append(timer.perf_counter() - start)
    return min(times) * 1000


async def seed_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    """The three bench schools, seeded on the first run only."""
    async with sessions() as session:
        if await session.scalar(select(School.id).where(School.name == "bench2")) is not None:
            return
        for n in range(3):
            await seed_school(session, n)
        await session.commit()


async def main(url: str) -> None:
    await ensure_database(url)
    await asyncio.to_thread(upgrade, url)
    engine = create_async_engine(url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    await seed_once(sessions)
    async with engine.begin() as connection:
        await connection.execute(text("ANALYZE"))
    async with sessions() as session:
        school_id = await session.scalar(select(School.id).where(School.name == "bench1"))
        group_id = await session.scalar(
            select(Group.id).where(Group.school_id == school_id).order_by(Group.name).limit(1)
        )
    assert school_id is not None and group_id is not None
    async with sessions() as session:
        group = await session.get_one(Group, group_id)
        rows = len(await group_roster(session, group, DAY))
        ms = await best_of(5, lambda: group_roster(session, group, DAY))
        print(f"one group's roster: {rows} rows in {ms:.1f} ms (round trip included)")
        rows = len(await expected_students(session, school_id, DAY))
        ms = await best_of(5, lambda: expected_students(session, school_id, DAY))
        print(f"the whole school:   {rows} rows in {ms:.1f} ms (round trip included)")
        for label, stmt in [
            ("group", roster_select().where(Group.id == group_id)),
            ("school", roster_select().where(Group.school_id == school_id)),
        ]:
            state = stmt.compile(engine.sync_engine).construct_expanded_state(day_params(DAY))
            params = tuple(state.positional_parameters)
            connection = await session.connection()
            plan = await connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + state.statement, params
            )
            print(f"--- plan of the {label} roster")
            print("\n".join(row[0] for row in plan))
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="bench.roster", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"{LOCAL_SERVER}/kehou_bench_roster")
    asyncio.run(main(parser.parse_args().database_url))
