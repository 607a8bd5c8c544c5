"""The worker runs the periodic jobs beside delivery: each in its own transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import audit
from app.core.audit import AuditEvent
from app.jobs import PERIODIC_JOBS, PeriodicJob
from app.notifications.delivery import Worker
from app.notifications.providers import Outcome, Provider, Push
from app.notifications.worker import run_forever
from app.pickup.service import detect_late_pickups
from tests.factories import create_parent
from tests.notifications.factories import create_device, outbox_rows, pickup_notice


def test_the_late_pickup_detector_runs_at_least_every_minute() -> None:
    late = [job for job in PERIODIC_JOBS if job.run is detect_late_pickups]
    assert len(late) == 1
    assert late[0].every_seconds <= 60
    assert len({job.name for job in PERIODIC_JOBS}) == len(PERIODIC_JOBS)


async def test_jobs_commit_their_work_and_a_failing_job_stops_nothing(
    session: AsyncSession,
) -> None:
    runs: list[datetime] = []

    async def record(db: AsyncSession, now: datetime) -> None:
        runs.append(now)
        await audit.record(
            db,
            action="job.ran",
            object_type="job",
            object_id=None,
            actor_id=None,
            school_id=None,
        )

    async def explode(db: AsyncSession, now: datetime) -> None:
        await audit.record(
            db,
            action="job.half_done",
            object_type="job",
            object_id=None,
            actor_id=None,
            school_id=None,
        )
        raise RuntimeError("boom")

    jobs = [PeriodicJob("explode", 0.01, explode), PeriodicJob("record", 0.01, record)]
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_forever(
            stop=stop,
            handle_signals=False,
            worker=Worker(providers={}),
            idle_seconds=0.01,
            jobs=jobs,
        )
    )
    for _ in range(500):
        if len(runs) >= 2:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, timeout=10)

    assert len(runs) >= 2  # the failing job before it did not stop the loop
    actions = list(await session.scalars(select(AuditEvent.action)))
    assert "job.ran" in actions
    assert "job.half_done" not in actions  # rolled back with its failure


async def test_a_slow_job_never_holds_up_delivery(session: AsyncSession) -> None:
    parent = await create_parent(session)
    await create_device(session, parent)
    await session.commit()
    job_running, release_job, delivered = asyncio.Event(), asyncio.Event(), asyncio.Event()

    class Recording(Provider):
        platform = "fcm"

        async def send(self, pushes: Sequence[Push]) -> list[Outcome]:
            delivered.set()
            return [Outcome.sent() for _ in pushes]

    async def sweep(db: AsyncSession, now: datetime) -> None:  # a district-sized sweep
        job_running.set()
        await release_job.wait()

    stop = asyncio.Event()
    task = asyncio.create_task(
        run_forever(
            stop=stop,
            handle_signals=False,
            worker=Worker(providers={"fcm": Recording()}),
            idle_seconds=0.01,
            jobs=[PeriodicJob("sweep", 30.0, sweep)],
        )
    )
    await asyncio.wait_for(job_running.wait(), timeout=10)
    await pickup_notice(session, parent)  # a handover's notice while the sweep runs
    await session.commit()
    await asyncio.wait_for(delivered.wait(), timeout=10)
    assert not release_job.is_set()  # pushed while the job was still running

    stop.set()
    await asyncio.sleep(0.05)
    assert not task.done()  # stopping waits for the job in flight
    release_job.set()
    await asyncio.wait_for(task, timeout=10)
    [row] = await outbox_rows(session)
    assert row.status == "sent"
