"""The notification worker process: delivery rounds until told to stop, whatever happens.

Database and provider outages are waited out with backoff (nothing is lost meanwhile: the
outbox is in the database); expired idempotency keys and old outbox rows are purged on the
way; SIGTERM/SIGINT finish the round in flight, then stop. ``kehou worker`` runs this, and
``kehou serve`` runs it in-process with the embedded database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock, database, heartbeat
from app.core.metrics import record_heartbeat
from app.notifications.delivery import Worker, is_database_outage

log = logging.getLogger(__name__)

# How long a worker with nothing (or less than a batch) due waits before claiming again.
# Short: a handover's push leaves sooner, and a gate peak's pushes go out in small rounds
# instead of one burst a second that takes a core from the API for a fifth of a second.
# An idle poll is one index lookup on the partial "due" index.
IDLE_SECONDS = 0.2
HOUSEKEEPING_EVERY_SECONDS = 600.0
STATS_EVERY_SECONDS = 60.0
MAX_ERROR_BACKOFF_SECONDS = 30.0


class Periodic(Protocol):
    """A job run every ``every_seconds`` in its own transaction (see ``app.jobs``)."""

    @property
    def name(self) -> str: ...
    @property
    def every_seconds(self) -> float: ...
    @property
    def run(self) -> Callable[[AsyncSession, datetime], Awaitable[object]]: ...


async def run_periodic(job: Periodic) -> None:
    """One turn of ``job``: committed when it succeeds, rolled back when it raises."""
    async with database.sessionmaker()() as session, session.begin():
        result = await job.run(session, clock.now())
    log.debug("job.done name=%s result=%s", job.name, result)


async def run_forever(
    *,
    stop: asyncio.Event | None = None,
    handle_signals: bool = True,
    worker: Worker | None = None,
    idle_seconds: float = IDLE_SECONDS,
    housekeeping_every: float = HOUSEKEEPING_EVERY_SECONDS,
    max_error_backoff: float = MAX_ERROR_BACKOFF_SECONDS,
    jobs: Sequence[Periodic] = (),
) -> None:
    """Deliver until ``stop`` is set (or SIGTERM/SIGINT): the current batch is finished first.

    Database outages and provider outages are waited out with backoff; nothing is lost
    while waiting, because the outbox is in the database.
    """
    from app.core.settings import get_settings
    from app.notifications.providers import from_settings

    worker = worker or Worker(providers=from_settings(get_settings()))
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT) if handle_signals else ()

    def on_signal(sig: signal.Signals) -> None:
        log.info("notify.worker stopping on %s; finishing the current batch", sig.name)
        stop.set()
        loop.remove_signal_handler(sig)  # a second signal stops the process at once

    for sig in signals:
        loop.add_signal_handler(sig, on_signal, sig)

    log.info("notify.worker started worker=%s channels=%s", worker.name, sorted(worker.providers))
    failures = 0
    next_housekeeping = loop.time()
    next_stats = loop.time() + STATS_EVERY_SECONDS
    # Jobs run beside delivery, never in its way: a district's late-pickup sweep can take
    # seconds, and a handover's push must not wait for it.
    jobs_task = asyncio.create_task(_run_jobs(jobs, stop), name="periodic-jobs")
    # Its own task too: a long batch or a slow job must not make a live worker look dead.
    beat_task = asyncio.create_task(_beat(worker.name, stop), name="worker-heartbeat")
    try:
        while not stop.is_set():
            if loop.time() >= next_housekeeping:
                # never let housekeeping starve delivery: a failure waits for its next turn
                next_housekeeping = loop.time() + housekeeping_every
                try:
                    await worker.housekeep()
                except Exception as exc:
                    log.warning("notify.housekeeping_failed error=%s: %s", type(exc).__name__, exc)
            try:
                claimed = await worker.run_once()
                failures = 0
            except Exception as exc:
                failures += 1
                if is_database_outage(exc):
                    worker.metrics.db_errors += 1
                    log.warning("notify.database_unavailable error=%s", type(exc).__name__)
                else:
                    worker.metrics.errors += 1
                    # the traceback once; a repeat of the same trouble is one line
                    log.error(
                        "notify.round_failed failures=%d error=%s: %s",
                        failures,
                        type(exc).__name__,
                        str(exc).splitlines()[0] if str(exc) else "",
                        exc_info=failures == 1,
                    )
                backoff = min(max_error_backoff, 0.5 * 2 ** min(failures, 10))
                await _sleep_until(stop, backoff * (0.5 + random.random() / 2))  # noqa: S311
                continue
            if loop.time() >= next_stats:
                log.info("notify.stats worker=%s %s", worker.name, worker.metrics.line())
                next_stats = loop.time() + STATS_EVERY_SECONDS
            if claimed < worker.batch_size:
                await _sleep_until(stop, idle_seconds)
    finally:
        stop.set()  # also when delivery itself failed: the jobs stop with it
        for sig in signals:
            loop.remove_signal_handler(sig)
        try:
            await jobs_task  # the job in flight, if any, finishes (its transaction is one unit)
        except asyncio.CancelledError:
            jobs_task.cancel()  # told twice to stop: roll the job back instead
            raise
        finally:
            beat_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat_task
        await worker.flush_on_shutdown()
        await worker.aclose()
        log.info("notify.worker stopped worker=%s %s", worker.name, worker.metrics.line())


async def _run_jobs(jobs: Sequence[Periodic], stop: asyncio.Event) -> None:
    """Each job when due, one after another, until ``stop``; a failure waits for its next turn."""
    if not jobs:
        return
    loop = asyncio.get_running_loop()
    next_run = {job.name: loop.time() for job in jobs}
    while not stop.is_set():
        for job in jobs:
            if stop.is_set() or loop.time() < next_run[job.name]:
                continue
            next_run[job.name] = loop.time() + job.every_seconds
            started = loop.time()
            try:
                await run_periodic(job)
            except Exception as exc:
                log.warning("job.failed name=%s error=%s: %s", job.name, type(exc).__name__, exc)
            took = loop.time() - started
            if took > job.every_seconds / 2:
                log.warning(
                    "job.slow name=%s seconds=%.1f every=%.0f", job.name, took, job.every_seconds
                )
        await _sleep_until(stop, max(0.0, min(next_run.values()) - loop.time()))


async def _beat(worker: str, stop: asyncio.Event) -> None:
    """Stamp this worker's heartbeat every ``BEAT_EVERY_SECONDS`` until ``stop``."""
    while not stop.is_set():
        try:
            async with database.sessionmaker()() as session, session.begin():
                await heartbeat.beat(session, worker)
            record_heartbeat()
        except Exception as exc:  # the delivery loop reports outages; one line here
            log.warning("worker.heartbeat_failed error=%s", type(exc).__name__)
        await _sleep_until(stop, heartbeat.BEAT_EVERY_SECONDS)


async def _sleep_until(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
