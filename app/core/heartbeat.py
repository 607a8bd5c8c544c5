"""Worker heartbeats: each worker stamps its row; ``/readyz`` and ``/metrics`` read the newest.

The times are the database's own (``now()``), so a worker's clock and the service clock
(which tests freeze) never make a live worker look dead.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, Integer, String, delete, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base

# A worker stamps its row this often; readiness allows several missed beats (settings.py).
BEAT_EVERY_SECONDS = 10.0
# Rows of workers gone this long are deleted by the next beat of any worker.
FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class WorkersSeen:
    last_beat_age: float | None  # seconds; None when no worker ever beat
    alive: int  # workers that beat within the window asked about


class WorkerHeartbeat(Base):
    """One row per worker process (``kehou worker``, or the server's in-process worker)."""

    __tablename__ = "worker_heartbeats"

    worker: Mapped[str] = mapped_column(String(64), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


async def beat(session: AsyncSession, worker: str) -> None:
    """Stamp ``worker`` as alive now, and forget workers gone for a day (flushes)."""
    now = func.now()
    statement = pg_insert(WorkerHeartbeat).values(
        worker=worker,
        host=socket.gethostname()[:255],
        pid=os.getpid(),
        started_at=now,
        seen_at=now,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[WorkerHeartbeat.worker], set_={"seen_at": now}
        )
    )
    await session.execute(
        delete(WorkerHeartbeat).where(
            WorkerHeartbeat.seen_at < func.now() - text(f"interval '{FORGET_AFTER.days} days'")
        )
    )


async def workers_seen(connection: AsyncConnection, within_seconds: float) -> WorkersSeen:
    """How long ago any worker beat (database clock) and how many beat within the window."""
    window = func.make_interval(0, 0, 0, 0, 0, 0, within_seconds)
    age, alive = (
        await connection.execute(
            select(
                func.extract("epoch", func.now() - func.max(WorkerHeartbeat.seen_at)),
                func.count().filter(WorkerHeartbeat.seen_at > func.now() - window),
            )
        )
    ).one()
    return WorkersSeen(None if age is None else float(age), int(alive))
