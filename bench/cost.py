"""CPU per request in process: the app on an ASGI transport, one request at a time.

The figure to compare before and after a change. Throughput on a shared two-core machine
moves with whatever else runs there; the CPU one request costs the API process moves much
less, and the minimum over batches less still. Includes the in-process HTTP client and
ASGI plumbing (about 0.5 ms here), excludes uvicorn's HTTP parsing. Uses the benchmark's
data set (``make bench`` or ``--data-only`` first); handovers are reset first.

    .venv/bin/python -m bench.cost --schools 200 --ops handover,roll_call
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable

import asyncpg
import httpx

from app.core.settings import Settings, use_settings
from bench import dataset
from bench.load import Call, Crowd
from bench.run import BENCH_SECRET, LOCAL_SERVER, database_name

OPS = ("handover", "verify", "inbox", "roster", "roll_call")


async def measure(args: argparse.Namespace) -> dict[str, tuple[float, float]]:
    url = args.database_url or f"{LOCAL_SERVER}/{database_name(args.schools, args.children)}"
    use_settings(Settings(env="production", database_url=url, jwt_secret=BENCH_SECRET))
    from app.main import app  # after the settings: the app reads them at import

    conn = await asyncpg.connect(dataset.asyncpg_dsn(url))
    try:
        day = await dataset.prepare_run(conn)
    finally:
        await conn.close()
    crowd = Crowd(seed=5)
    await crowd.load(url, 0, 1, [min(2, args.schools - 1)], day.today.isoformat())
    school = crowd.schools[0]
    group = school.groups[0]
    collected, code = school.pool.pop(0)  # handed over first: the parent reads its notice
    parent = school.guardians[collected][0]
    calls: dict[str, Callable[[], Call]] = {
        "handover": lambda: crowd.handover_call(school, *school.pool.pop()),
        "verify": lambda: crowd.verify_call(school, school.pool[-1][1]),
        "inbox": lambda: crowd.inbox_call(parent),
        "roster": lambda: crowd.roster_call(group),
        "roll_call": lambda: crowd.roll_call(group),
    }
    results = {}
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
    ):

        async def send(call: Call) -> None:
            method, path, headers, body = call
            headers = {**headers, "Content-Type": "application/json"}
            response = await client.request(method, path, headers=headers, content=body)
            if response.status_code >= 300:
                raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")

        await send(crowd.handover_call(school, collected, code))
        for op in args.ops:
            for _ in range(20):  # warm-up: statement caches, connections
                await send(calls[op]())
            per_request = []
            for _ in range(args.batches):
                batch = [calls[op]() for _ in range(args.per_batch)]
                started = time.process_time()
                for call in batch:
                    await send(call)
                per_request.append((time.process_time() - started) / len(batch) * 1000)
            results[op] = (min(per_request), statistics.median(per_request))
            print(f"{op:<10} CPU ms per request: min {results[op][0]:.2f}", end="")
            print(f"  median {results[op][1]:.2f}", flush=True)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.cost", description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=200)
    parser.add_argument("--children", type=int, default=3000)
    parser.add_argument("--database-url")
    parser.add_argument("--ops", type=lambda s: s.split(","), default=list(OPS))
    parser.add_argument("--batches", type=int, default=15)
    parser.add_argument("--per-batch", type=int, default=30)
    asyncio.run(measure(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
