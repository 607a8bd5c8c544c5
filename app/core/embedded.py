"""The embedded PostgreSQL (pgserver) used when no ``KEHOU_DATABASE_URL`` is set."""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)


def embedded_database_url(data_dir: Path, database: str = "kehou") -> str:
    """Start (or reuse) the PostgreSQL kept in ``data_dir/pg`` and return an asyncpg URL.

    The server outlives this process on purpose: the next ``kehou`` command reuses it.
    """
    import pgserver  # imported here: a production process with a database URL never needs it

    pg_dir = (data_dir / "pg").resolve()
    pg_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(  # type: ignore[attr-defined]
        str(pg_dir), cleanup_mode=None
    )
    # ``database`` is our own constant name, never user input.
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608
    if "1 row" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
        log.info("created embedded database %s in %s", database, pg_dir)
    return f"postgresql+asyncpg://postgres@/{database}?host={pg_dir}"
