"""The async engine, the session factory and the per-request transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.core.settings import get_settings

_engine: AsyncEngine | None = None
_sessionmaker: async_sessionmaker[AsyncSession] | None = None


_embedded_url: str | None = None


def uses_embedded_database() -> bool:
    return get_settings().database_url is None


def database_url() -> str:
    """``KEHOU_DATABASE_URL``, or the embedded PostgreSQL's (started on first use)."""
    global _embedded_url
    settings = get_settings()
    if settings.database_url:
        return settings.database_url
    if _embedded_url is None:
        from app.core.embedded import embedded_database_url

        _embedded_url = embedded_database_url(settings.data_dir)
    return _embedded_url


# Pooled connections a request may find dead before it gives up: the whole pool, and one more.
POOL_SIZE, MAX_OVERFLOW = 10, 10
_LIVENESS_TRIES = POOL_SIZE + MAX_OVERFLOW + 1


def new_engine(url: str) -> AsyncEngine:
    """The service's engine and pool for ``url``.

    No ``pool_pre_ping``: with asyncpg it costs every request three round trips (BEGIN, an
    empty query, ROLLBACK). ``request_session`` checks each connection it takes for free
    instead (bench/README.md, "A database restart", has the figures).
    """
    return create_async_engine(url, pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW)


def get_engine() -> AsyncEngine:
    global _engine, _sessionmaker
    if _engine is None:
        _engine = new_engine(database_url())
        _sessionmaker = async_sessionmaker(_engine, expire_on_commit=False)
    return _engine


def sessionmaker() -> async_sessionmaker[AsyncSession]:
    get_engine()
    assert _sessionmaker is not None
    return _sessionmaker


def use_engine(engine: AsyncEngine | None) -> None:
    """Install an engine explicitly (tests); ``None`` forgets it."""
    global _engine, _sessionmaker
    _engine = engine
    _sessionmaker = async_sessionmaker(engine, expire_on_commit=False) if engine else None


async def dispose_engine() -> None:
    global _engine, _sessionmaker
    if _engine is not None:
        await _engine.dispose()
    _engine, _sessionmaker = None, None


async def open_session() -> AsyncSession:
    """A session holding a pooled connection that is still open, before its transaction begins.

    PostgreSQL restarted: every pooled connection was closed by the server, and asyncpg saw
    each close arrive on its socket. ``is_closed()`` reads that without a round trip, so a
    dead connection is thrown away and the next one taken, and no request that arrives after
    the restart fails for it. (A connection lost silently, with no close on the socket, still
    fails its first statement: one 503 ``service.unavailable``, errors.py.)
    """
    for _ in range(_LIVENESS_TRIES):
        session = sessionmaker()()
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        if driver is not None and not driver.is_closed():
            return session
        await connection.invalidate()
        await session.close()
    return sessionmaker()()  # the database is down: the first statement answers the 503


async def request_session() -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the endpoint returns, rolled back on error.

    Used with ``scope="function"`` so the commit happens before the response is sent: a
    client never sees a success that was not stored.
    """
    async with await open_session() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


SessionDep = Annotated[AsyncSession, Depends(request_session, scope="function")]
