"""A database restart under load: requests lost, and what guarding against it costs per request.

Three ways for the session dependency to meet a pool whose connections the server closed:

- ``none``: nothing; the first statement on a dead connection fails (503) and SQLAlchemy
  then discards the pool;
- ``pre_ping``: ``create_async_engine(..., pool_pre_ping=True)``;
- ``check`` (the service's way, ``app.core.database.open_session``): a pooled connection
  asyncpg already saw closed is thrown away before its transaction begins.

For each: CPU per request as ``bench.cost`` measures it (``--ops``), then ``--users`` clients
in a closed loop on ``GET /notifications`` while every backend of the benchmark's database
is terminated (``pg_terminate_backend``: a restart as the pool sees it, without restarting
the server other work shares), counting the answers that were not 200. Uses the benchmark's
data set (``python -m bench.run --schools 1 --data-only`` first).

    .venv/bin/python -m bench.outage --schools 1 --variants none,pre_ping,check
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter

import asyncpg
import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.core import database
from bench import cost, dataset
from bench.load import Crowd
from bench.run import LOCAL_SERVER, database_name

VARIANTS = ("none", "pre_ping", "check")
_checked_open_session = database.open_session


def _use_variant(variant: str) -> None:
    async def plain() -> database.AsyncSession:
        return database.sessionmaker()()

    def pinged(url: str) -> AsyncEngine:
        return create_async_engine(
            url,
            pool_size=database.POOL_SIZE,
            max_overflow=database.MAX_OVERFLOW,
            pool_pre_ping=True,
        )

    database.open_session = _checked_open_session if variant == "check" else plain  # type: ignore[assignment]
    database.new_engine = pinged if variant == "pre_ping" else _new_engine  # type: ignore[assignment]


_new_engine = database.new_engine


async def _terminate_backends(url: str) -> int:
    conn = await asyncpg.connect(dataset.asyncpg_dsn(url))
    try:
        killed = await conn.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        for _ in range(200):
            left = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND backend_type = 'client backend'"
            )
            if not left:
                break
            await asyncio.sleep(0.01)
        return int(killed or 0)
    finally:
        await conn.close()


async def _restart_under_load(args: argparse.Namespace, url: str) -> dict[str, int]:
    from app.main import app

    crowd = Crowd(seed=7)
    day = args.today
    await crowd.load(url, 0, 1, [0], day)
    school = crowd.schools[0]
    parents = [g[0] for g in list(school.guardians.values())[: args.users]]
    statuses: Counter[str] = Counter()
    stop = asyncio.Event()
    killed_at = 0.0

    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client,
    ):

        async def user(parent: str) -> None:
            while not stop.is_set():
                method, path, headers, _ = crowd.inbox_call(parent)
                started = time.monotonic()
                response = await client.request(method, path, headers=headers)
                # sent before the server went (the ones lost were in flight: lost whatever
                # the pool does), or after it
                phase = "before" if not killed_at or started < killed_at else "after"
                statuses[f"{phase} {response.status_code}"] += 1

        # Wall time per request, one at a time: what the guard's round trips add.
        walls = []
        for _ in range(args.sequential):
            method, path, headers, _ = crowd.inbox_call(parents[0])
            started = time.perf_counter()
            await client.request(method, path, headers=headers)
            walls.append((time.perf_counter() - started) * 1000)
        walls.sort()
        wall = {"wall_ms_p50": walls[len(walls) // 2], "wall_ms_p90": walls[len(walls) * 9 // 10]}

        # A restart while nobody is asking: the next requests, one at a time.
        await _warm(engine := database.get_engine())
        await _terminate_backends(url)
        idle: Counter[int] = Counter()
        for _ in range(5):
            method, path, headers, _ = crowd.inbox_call(parents[0])
            idle[(await client.request(method, path, headers=headers)).status_code] += 1

        await _warm(engine)
        users = [asyncio.create_task(user(p)) for p in parents]
        await asyncio.sleep(args.seconds / 2)
        killed = await _terminate_backends(url)
        killed_at = time.monotonic()
        await asyncio.sleep(args.seconds / 2)
        stop.set()
        await asyncio.gather(*users)
        await database.dispose_engine()
    return {
        **{k: round(v, 2) for k, v in wall.items()},
        "idle_restart_next_5": dict(idle),
        "backends_killed_under_load": killed,
        **dict(sorted(statuses.items())),
    }


async def _warm(engine: AsyncEngine) -> None:
    """A pool grown by an earlier burst: most of its connections idle when the server goes."""
    warm = [await engine.connect() for _ in range(database.POOL_SIZE)]
    for connection in warm:
        await connection.execute(text("SELECT 1"))
        await connection.close()


async def _guard_cost(rounds: int = 7, per_round: int = 300) -> dict[str, float]:
    """The guard alone: a session taking its pooled connection, and giving it back, with
    nothing else in the request (min over rounds: CPU and wall µs per session)."""
    database.get_engine()
    cpu, wall = [], []
    for _ in range(rounds):
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        for _ in range(per_round):
            session = await database.open_session()
            await session.connection()
            await session.close()
        cpu.append((time.process_time() - started_cpu) / per_round * 1e6)
        wall.append((time.perf_counter() - started_wall) / per_round * 1e6)
    await database.dispose_engine()
    return {"guard_cpu_us": round(min(cpu), 1), "guard_wall_us": round(min(wall), 1)}


async def main_async(args: argparse.Namespace) -> None:
    url = args.database_url or f"{LOCAL_SERVER}/{database_name(args.schools, args.children)}"
    for variant in args.variants:
        _use_variant(variant)
        print(f"== {variant}", flush=True)
        await database.dispose_engine()
        if args.guard_only:
            from app.core.settings import Settings, use_settings

            use_settings(Settings(env="production", database_url=url, jwt_secret="x" * 32))
            print(await _guard_cost(), flush=True)
            continue
        await cost.measure(
            argparse.Namespace(
                schools=args.schools,
                children=args.children,
                database_url=url,
                ops=args.ops,
                batches=args.batches,
                per_batch=args.per_batch,
            )
        )
        await database.dispose_engine()
        conn = await asyncpg.connect(dataset.asyncpg_dsn(url))
        try:
            args.today = (await dataset.prepare_run(conn)).today.isoformat()
        finally:
            await conn.close()
        print(f"restart under load: {await _restart_under_load(args, url)}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.outage", description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=1)
    parser.add_argument("--children", type=int, default=3000)
    parser.add_argument("--database-url")
    parser.add_argument("--variants", type=lambda s: s.split(","), default=list(VARIANTS))
    parser.add_argument("--ops", type=lambda s: s.split(","), default=["inbox", "roster"])
    parser.add_argument("--batches", type=int, default=15)
    parser.add_argument("--per-batch", type=int, default=30)
    parser.add_argument("--users", type=int, default=3, help="clients during the restart")
    parser.add_argument("--seconds", type=float, default=4.0, help="load around the restart")
    parser.add_argument("--sequential", type=int, default=200, help="requests timed one by one")
    parser.add_argument("--guard-only", action="store_true", help="time the guard alone")
    asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
