"""``/metrics``: this process's counters plus what the database says at scrape time.

The database figures (outbox backlog, open late cases, worker heartbeats) are the same from
every replica; each is one short statement, run only when Prometheus scrapes. A database
that does not answer leaves them out and says so in ``kehou_database_up``.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import Response
from sqlalchemy.exc import SQLAlchemyError

from app.core import database, heartbeat
from app.core.metrics import Reading, exposition
from app.core.settings import get_settings
from app.notifications import service as notifications
from app.pickup import service as pickup

log = logging.getLogger(__name__)

SCRAPE_TIMEOUT_SECONDS = 2.0


async def _database_readings() -> list[Reading]:
    async with database.sessionmaker()() as session:
        depth, oldest = await notifications.outbox_backlog(session)
        open_late = await pickup.count_open(session)
        seen = await heartbeat.workers_seen(
            await session.connection(), get_settings().worker_stale_seconds
        )
    return [
        Reading("kehou_outbox_pending", "Pushes waiting in the outbox (due or retrying).", depth),
        Reading(
            "kehou_outbox_oldest_pending_age_seconds",
            "Age of the oldest push still waiting (0 when none).",
            oldest,
        ),
        Reading(
            "kehou_late_pickups_open",
            "Late pickup cases of the last 24 hours nobody has acknowledged.",
            open_late,
        ),
        Reading(
            "kehou_worker_heartbeat_age_seconds",
            "Seconds since any worker's last heartbeat (absent when none ever beat).",
            seen.last_beat_age,
        ),
        Reading(
            "kehou_workers_alive",
            "Workers whose heartbeat is within KEHOU_WORKER_STALE_SECONDS.",
            seen.alive,
        ),
    ]


async def metrics() -> Response:
    """Prometheus text format (scraped by Prometheus; not part of the API)."""
    try:
        async with asyncio.timeout(SCRAPE_TIMEOUT_SECONDS):
            readings = await _database_readings()
        readings.append(Reading("kehou_database_up", "The database answered this scrape.", 1))
    except (TimeoutError, OSError, SQLAlchemyError) as exc:
        log.warning("metrics: database figures unavailable: %s", type(exc).__name__)
        readings = [Reading("kehou_database_up", "The database answered this scrape.", 0)]
    body, content_type = exposition(readings)
    return Response(body, media_type=content_type)
