"""Test harness: a fresh PostgreSQL database per run, built by ``alembic upgrade head``.

The server is the embedded one (pgserver, in ``.kehou/test-pg``) unless
``KEHOU_TEST_DATABASE_URL`` names another. Every test starts from empty tables.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from app.core import clock, database
from app.core.migrations import upgrade
from app.core.settings import Settings, use_settings
from app.models_registry import metadata
from app.wiring import install as install_wiring

ROOT = Path(__file__).resolve().parents[1]
TEST_SECRET = "test-secret-" + "x" * 40

# The domains' events reach their subscribers, as in the server (tests call services too).
install_wiring()


def _server_url() -> str:
    """A URL of a database on the test server from which we can CREATE DATABASE."""
    url = os.environ.get("KEHOU_TEST_DATABASE_URL")
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+asyncpg://" + url.split("://", 1)[1]
        return url
    from app.core.embedded import embedded_database_url

    url = embedded_database_url(ROOT / ".kehou" / "test", database="postgres")
    # The suite's own throwaway server: durability buys nothing here, and a flush per
    # commit was a third of CI's time. Another server (the variable above) is left as set.
    for setting in ("fsync", "synchronous_commit", "full_page_writes"):
        asyncio.run(_admin(url, f"ALTER SYSTEM SET {setting} = off"))
    asyncio.run(_admin(url, "SELECT pg_reload_conf()"))
    return url


def _with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    prefix = base.rsplit("/", 1)[0]
    return f"{prefix}/{name}" + (f"?{query}" if query else "")


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(statement))
    await engine.dispose()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    server = _server_url()
    name = f"kehou_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
    url = _with_database(server, name)
    use_settings(
        Settings(
            env="test", database_url=url, jwt_secret=TEST_SECRET, data_dir=ROOT / ".kehou" / "test"
        )
    )
    upgrade(url)
    yield url
    asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_url, pool_size=10, max_overflow=20)
    database.use_engine(engine)
    yield engine
    database.use_engine(None)
    await engine.dispose()


# Only the tables a test wrote to are emptied: TRUNCATE costs a new file per table (200 ms
# for all 59 with fsync, a third of CI's time), and DELETE leaves dead rows that every
# foreign-key check of the next delete scans. ANALYZE then forgets the statistics of the
# rows that are gone, so the next test is planned as on a new database (a demo seeded after
# another took minutes on stale statistics). Every key is a UUID: no sequence to restart.
_WRITTEN = " UNION ALL ".join(
    f"SELECT '{t.name}' WHERE EXISTS (SELECT FROM \"{t.name}\")" for t in metadata.sorted_tables
)


async def empty_tables(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None
        written = ", ".join(f'"{row[0]}"' for row in await raw.fetch(_WRITTEN))
        if written:
            await raw.execute(f"TRUNCATE {written} CASCADE")
            await raw.execute(f"ANALYZE {written}")


@pytest.fixture(autouse=True)
async def _clean(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Each test owns its data: tables are emptied after it, and the clock is reset."""
    yield
    clock.reset()
    if "engine" in request.fixturenames:
        await empty_tables(request.getfixturevalue("engine"))


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session for arranging and inspecting data; commit what the API must see."""
    async with database.sessionmaker()() as session:
        yield session


@pytest.fixture
async def client(engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    from app.main import app

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as client:
        yield client
