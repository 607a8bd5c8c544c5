"""How long the district's figures take over 200 schools (``GET /district/stats``, ``/schools``).

Its own database (``kehou_bench_district``), built by ``alembic upgrade head`` and filled by
set-returning SQL with foreign-key checks off (only the rows the figures read): per school a
term, two slots (15:30–16:30, 16:30–18:00), ``--groups`` groups per slot, ``--enrolled``
enrollments, and a roll-call mark per enrolled child, slot and school day of the month. Then
it times the service calls the endpoints make, a few times each, and prints the best and the
median. Run: ``.venv/bin/python -m bench.district_stats --fresh --schools 200 --enrolled 700``.

2026-12-04, 200 schools × 700 enrolled × 2 slots × 20 days = 5.6 million marks, 2 cores at a
load of 12 (other work): counting the marks per request, stats 18.0 s and schools 6.6 s; from
the worker's day counts, stats 0.37 s and schools 0.66 s; the worker's 10-minute count 9 s,
the hourly week 26 s, the month's history once 14 s.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from app.core import clock, database
from app.core.migrations import upgrade
from app.core.pagination import PageParams
from app.core.principal import Principal, Role
from app.core.settings import Settings, use_settings
from app.district import service

SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
NAME = "kehou_bench_district"
MONTH = "2026-11"

FILL = """
SET session_replication_role = replica;
INSERT INTO districts (id, name, require_plan_approval, created_at)
    VALUES (:district, '基准区', false, now());
INSERT INTO users (id, district_id, username, name, roles, is_active, created_at)
    VALUES (:admin, :district, 'bench.district', '基准区', '{district_admin}', true, now());
INSERT INTO schools (id, name, timezone, policy, district_id, created_at)
    SELECT gen_random_uuid(), '学校' || s, 'Asia/Shanghai', '{}', :district, now()
    FROM generate_series(1, :schools) s;
INSERT INTO terms (id, school_id, name, start_date, end_date, weekdays, closures,
                   agreement_text, agreement_version, created_at)
    SELECT gen_random_uuid(), id, '学期', '2026-09-01', '2027-01-22', '{1,2,3,4,5}',
           '{2026-10-01}', '', 1, now() FROM schools;
INSERT INTO slots (id, school_id, term_id, name, start_time, end_time, created_at)
    SELECT gen_random_uuid(), t.school_id, t.id, v.name, v.s, v.e, now()
    FROM terms t, (VALUES ('课后活动', time '15:30', time '16:30'),
                          ('晚托', time '16:30', time '18:00')) v(name, s, e);
INSERT INTO groups (id, school_id, term_id, slot_id, name, capacity, created_at)
    SELECT gen_random_uuid(), sl.school_id, sl.term_id, sl.id, 'g' || g, 45, now()
    FROM slots sl, generate_series(1, :groups) g;
INSERT INTO students (id, school_id, class_id, name, student_no, priority, created_at)
    SELECT gen_random_uuid(), s.id, gen_random_uuid(), 'x', n::text, '{}', now()
    FROM schools s, generate_series(1, :enrolled) n;
INSERT INTO enrollments (id, school_id, student_id, term_id, status, weekdays, start_date,
                         agreement_version, agreement_accepted_at, applied_at, updated_at)
    SELECT gen_random_uuid(), st.school_id, st.id, t.id, 'active', '{1,2,3,4,5}',
           '2026-09-01', 1, now(), now(), now()
    FROM students st JOIN terms t ON t.school_id = st.school_id;
INSERT INTO roll_call_marks (student_id, slot_id, day, school_id, group_id, status, marked_at)
    SELECT st.id, g.slot_id, d::date, st.school_id, g.id,
           CASE WHEN random() < 0.05 THEN 'absent' ELSE 'present' END, now()
    FROM students st
    CROSS JOIN generate_series(date '2026-11-02', date '2026-11-27', interval '1 day') d
    JOIN LATERAL (
        SELECT g.id, g.slot_id FROM groups g
        WHERE g.school_id = st.school_id AND g.name = 'g' || (1 + (st.student_no::int % :groups))
    ) g ON true
    WHERE extract(isodow FROM d) < 6;
SET session_replication_role = origin;
"""


async def _admin(statement: str) -> None:
    engine = create_async_engine(SERVER, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(statement))
    await engine.dispose()


async def _timed(label: str, runs: int, call: object) -> None:
    took = []
    for _ in range(runs):
        start = time.perf_counter()
        async with database.sessionmaker()() as session:
            await call(session)  # type: ignore[operator]
        took.append(time.perf_counter() - start)
    best, median = min(took) * 1000, statistics.median(took) * 1000
    print(f"{label:<40} best {best:8.0f} ms   median {median:8.0f} ms")


async def _commit(session: Any, job: Any) -> None:
    await job(session, clock.now())
    await session.commit()


async def main(args: argparse.Namespace) -> None:
    url = SERVER.rsplit("/", 1)[0] + "/" + NAME
    if args.fresh:
        await _admin(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
        await _admin(f'CREATE DATABASE "{NAME}"')
    use_settings(Settings(env="test", database_url=url, jwt_secret="b" * 40))
    engine = create_async_engine(url, pool_size=2)
    database.use_engine(engine)
    district, admin = uuid.uuid4(), uuid.uuid4()
    if args.fresh:
        await asyncio.to_thread(upgrade, url)
        start = time.perf_counter()
        async with engine.begin() as conn:
            for statement in FILL.split(";\n"):
                if statement.strip():
                    await conn.execute(
                        text(statement),
                        {"district": district, "admin": admin, "schools": args.schools,
                         "groups": args.groups, "enrolled": args.enrolled},
                    )  # fmt: skip
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
        print(f"filled in {time.perf_counter() - start:.0f} s")
    async with engine.connect() as conn:
        row = (await conn.execute(text("SELECT id FROM districts LIMIT 1"))).one()
        marks = (await conn.execute(text("SELECT count(*) FROM roll_call_marks"))).scalar()
        schools = (await conn.execute(text("SELECT count(*) FROM schools"))).scalar()
    print(f"{schools} schools, {marks} roll-call marks in {MONTH}")
    who = Principal(uuid.uuid4(), frozenset({Role.DISTRICT_ADMIN.value}), None, row[0])
    clock.freeze(datetime(2026, 11, 27, 8, 0, tzinfo=UTC))
    if args.fresh:
        await _timed("worker: first count (the month's history)", 1,
                     lambda s: _commit(s, service.count_recent_days))  # fmt: skip
    await _timed("worker: count today and yesterday", args.runs,
                 lambda s: _commit(s, service.count_recent_days))  # fmt: skip
    await _timed("worker: recount the week", 1,
                 lambda s: _commit(s, service.recount_week))  # fmt: skip
    month = service.Month.parse(MONTH)
    page = PageParams(limit=200, cursor=None)
    await _timed("GET /district/stats (200 per page)", args.runs,
                 lambda s: service.month_stats(s, who, month, page))  # fmt: skip
    await _timed("GET /district/schools (200 per page)", args.runs,
                 lambda s: service.list_schools(s, who, page))  # fmt: skip
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schools", type=int, default=200)
    parser.add_argument("--groups", type=int, default=60)
    parser.add_argument("--enrolled", type=int, default=2100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--fresh", action="store_true", help="rebuild the database")
    asyncio.run(main(parser.parse_args()))
