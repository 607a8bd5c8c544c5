"""Ledger and statistics timing for a school of 3,000 children (not a test; run by hand).

    psql -h 127.0.0.1 -U postgres -c "create database kehou_bench_ledger"
    export KEHOU_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/kehou_bench_ledger
    .venv/bin/kehou migrate
    KEHOU_BENCH_DATABASE_URL=$KEHOU_DATABASE_URL .venv/bin/python -m bench.ledger

Seeds two schools as the roster's benchmark does (60 classes, two slots, 120 groups, two
weeks of marks, 300 leaves), then times one school's daily ledger, its month, and a
term's attendance statistics, and prints the plan of the month's set query.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from app.attendance.roster import status_counts_select
from app.core.principal import Principal, Role
from app.ledger import service
from app.ledger.schemas import AttendanceBy
from bench.roster import DAY, TERM_START, best_of, seed_school


async def main() -> None:
    engine = create_async_engine(os.environ["KEHOU_BENCH_DATABASE_URL"])
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        seeded = [await seed_school(session, n) for n in range(2)]
        await session.commit()
    async with engine.begin() as connection:
        await connection.execute(text("ANALYZE"))
    school_id, _ = seeded[1]
    admin = Principal(uuid.uuid4(), frozenset({Role.SCHOOL_ADMIN.value}), school_id)
    term_end = date(2026, 7, 3)
    async with sessions() as session:
        lines = await service.daily(session, admin, DAY)
        ms = await best_of(5, lambda: service.daily(session, admin, DAY))
        print(f"daily ledger:   {len(lines)} groups in {ms:.1f} ms")
        month, _ = await service.monthly(session, admin, "2026-03")
        ms = await best_of(3, lambda: service.monthly(session, admin, "2026-03"))
        print(f"monthly ledger: {len(month)} group-days in {ms:.1f} ms")
        rows = await service.attendance_stats(
            session, admin, TERM_START, term_end, AttendanceBy.CLASS
        )
        ms = await best_of(
            3,
            lambda: service.attendance_stats(
                session, admin, TERM_START, term_end, AttendanceBy.CLASS
            ),
        )
        print(f"term's attendance by class: {len(rows)} classes in {ms:.1f} ms")
        stmt = status_counts_select()
        state = stmt.compile(engine.sync_engine).construct_expanded_state(
            {"school_id": school_id, "first_day": date(2026, 3, 1), "last_day": date(2026, 3, 31)}
        )
        connection = await session.connection()
        plan = await connection.exec_driver_sql(
            "EXPLAIN (ANALYZE, BUFFERS) " + state.statement, tuple(state.positional_parameters)
        )
        print("--- plan of the month's counts")
        print("\n".join(row[0] for row in plan))
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
