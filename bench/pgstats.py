"""Server-side timings of a phase: statements (``pg_stat_statements``), slow statements,
checkpoints and autovacuum from the server's log, and the checkpointer's counters.

``prepare`` (before the server starts, so its pool's sessions inherit it): the extension in
the benchmark's database and ``log_min_duration_statement`` for that database only. The
extension needs ``shared_preload_libraries = 'pg_stat_statements'`` on the server (see
bench/README.md); without it the statements are left out and the rest still reported.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

SLOW_MS = 100  # statements at least this long are logged (this database only)
SERVER_LOG = Path("/var/log/postgresql/postgresql-15-main.log")
LOG_WORDS = ("duration:", "checkpoint", "automatic vacuum", "automatic analyze", "still waiting")
_BGWRITER_ROW = "SELECT {} FROM pg_stat_bgwriter"
BGWRITER = (
    "checkpoints_timed",
    "checkpoints_req",
    "checkpoint_write_time",
    "checkpoint_sync_time",
    "buffers_checkpoint",
    "buffers_backend",
    "buffers_backend_fsync",
)


async def prepare(conn: asyncpg.Connection) -> dict[str, Any]:
    """Statement statistics and the slow-statement log for this database; the settings
    a district's server would run with, as found."""
    database = await conn.fetchval("SELECT current_database()")
    await conn.execute(f'ALTER DATABASE "{database}" SET log_min_duration_statement = {SLOW_MS}')
    statements = False
    with contextlib.suppress(asyncpg.PostgresError):
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        await conn.fetchval("SELECT count(*) FROM pg_stat_statements")
        statements = True
    settings = {
        name: await conn.fetchval(f"SHOW {name}")
        for name in (
            "autovacuum",
            "fsync",
            "synchronous_commit",
            "shared_buffers",
            "max_wal_size",
            "checkpoint_timeout",
            "checkpoint_completion_target",
            "work_mem",
        )
    }
    return {"pg_stat_statements": statements, "settings": settings}


class Window:
    """What the server did between ``start`` and ``stop``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.started: datetime | None = None
        self.before: dict[str, Any] = {}

    async def _conn(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.url.replace("postgresql+asyncpg://", "postgresql://"))

    async def start(self) -> None:
        conn = await self._conn()
        try:
            with contextlib.suppress(asyncpg.PostgresError):
                await conn.execute("SELECT pg_stat_statements_reset()")
            self.before = dict(await conn.fetchrow(_BGWRITER_ROW.format(", ".join(BGWRITER))))
        finally:
            await conn.close()
        self.started = datetime.now(UTC)

    async def stop(self) -> dict[str, Any]:
        ended = datetime.now(UTC)
        conn = await self._conn()
        try:
            after = dict(await conn.fetchrow(_BGWRITER_ROW.format(", ".join(BGWRITER))))
            statements: list[dict[str, Any]] = []
            with contextlib.suppress(asyncpg.PostgresError):
                rows = await conn.fetch(
                    "SELECT calls, round(mean_exec_time::numeric, 2) AS mean_ms,"
                    " round(max_exec_time::numeric, 1) AS max_ms,"
                    " round(total_exec_time::numeric, 0) AS total_ms,"
                    " round(blk_write_time::numeric, 1) AS write_ms, left(query, 160) AS query"
                    " FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database"
                    " WHERE datname = current_database()) ORDER BY max_exec_time DESC LIMIT 12"
                )
                statements = [
                    {k: (float(v) if k.endswith("_ms") else v) for k, v in dict(r).items()}
                    for r in rows
                ]
        finally:
            await conn.close()
        started = self.started or ended
        lines = log_lines(started, ended)
        return {
            "checkpoints": checkpoints(lines),
            "from": started.isoformat(timespec="milliseconds"),
            "to": ended.isoformat(timespec="milliseconds"),
            "bgwriter": {k: round(float(after[k] - self.before.get(k, 0)), 1) for k in BGWRITER},
            "slowest_statements": statements,
            "log": lines,
        }


def log_lines(started: datetime, ended: datetime, path: Path = SERVER_LOG) -> list[str]:
    """The server log's lines about slow statements, checkpoints, autovacuum and lock waits
    between ``started`` and ``ended`` (UTC; the Debian prefix ``%m [%p]``)."""
    if not path.exists():
        return []
    found = []
    with contextlib.suppress(OSError), path.open(errors="replace") as log:
        log.seek(max(0, path.stat().st_size - 20_000_000))
        for line in log:
            try:
                when = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)
            except ValueError:
                continue
            if started <= when <= ended and any(w in line for w in LOG_WORDS):
                found.append(line.rstrip()[:400])
    return found[:200]


def checkpoints(lines: list[str]) -> list[dict[str, Any]]:
    """The checkpoints that began or ended in the window: when, why (``immediate force``:
    asked for, e.g. by a DROP DATABASE of another database on the server), and the seconds
    of their sync phase (fsync of every file written since the last one: the stall)."""
    found: list[dict[str, Any]] = []
    for line in lines:
        if "checkpoint starting:" in line:
            found.append({"at": line[11:23], "why": line.split("starting:", 1)[1].strip()})
        elif "checkpoint complete:" in line:
            sync = line.split("sync=", 1)[1].split(" ", 1)[0].rstrip("s,")
            files = line.split("sync files=", 1)[1].split(",", 1)[0]
            entry = {"complete_at": line[11:23], "sync_s": float(sync), "sync_files": int(files)}
            if found and "complete_at" not in found[-1]:
                found[-1].update(entry)
            else:
                found.append(entry)
    return found
