"""A database restart under the pool costs no request; a connection lost mid-request one 503.

The pool keeps no pre-ping: the session dependency throws away pooled connections the server
already closed (asyncpg saw the close on the socket) before a transaction begins on them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from app.auth.models import Role, User
from app.core import database
from app.core.database import SessionDep
from app.main import create_app
from tests.factories import auth, create_user


@pytest.fixture
async def app_engine(engine: AsyncEngine, database_url: str) -> AsyncIterator[AsyncEngine]:
    """The API on an engine built exactly as the service builds its own."""
    own = database.new_engine(database_url)
    database.use_engine(own)
    yield own
    database.use_engine(engine)
    await own.dispose()


@pytest.fixture
async def parent(session: AsyncSession) -> User:
    user = await create_user(session, roles=[Role.PARENT])
    await session.commit()
    return user


async def _pooled_backends(engine: AsyncEngine, count: int) -> list[int]:
    """Open ``count`` connections at once, note their server pids, and return them to the pool."""
    connections = [await engine.connect() for _ in range(count)]
    pids = [int(await c.scalar(text("SELECT pg_backend_pid()")) or 0) for c in connections]
    _drivers[:] = [(await c.get_raw_connection()).driver_connection for c in connections]
    for connection in connections:
        await connection.close()
    assert engine.pool.checkedin() >= count  # type: ignore[attr-defined]
    return pids


_drivers: list[object] = []  # the asyncpg connections of the last ``_pooled_backends``


async def _until_the_pool_saw_the_closes() -> None:
    """Wait until asyncpg has read the server's close on every pooled socket, as it has long
    done by the time requests arrive after a real restart."""
    for _ in range(200):
        if all(d.is_closed() for d in _drivers):  # type: ignore[attr-defined]
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the pool never saw its connections close")


async def _terminate(database_url: str, pids: list[int]) -> None:
    """Kill these backends from outside, as a server restart would, and wait until they are gone.

    Only the app engine's own connections: the harness's pool must stay usable.
    """
    admin = create_async_engine(database_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM unnest(CAST(:pids AS int[])) AS pid"),
                {"pids": pids},
            )
            for _ in range(100):
                alive = await connection.scalar(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                    {"pids": pids},
                )
                if not alive:
                    return
                await asyncio.sleep(0.05)
            raise AssertionError(f"backends {pids} still alive")
    finally:
        await admin.dispose()


async def test_a_connection_lost_mid_request_answers_one_503_then_the_retry_succeeds(
    app_engine: AsyncEngine, session: AsyncSession
) -> None:
    parent = await create_user(session, roles=[Role.PARENT])
    await session.commit()
    app = create_app()
    app.include_router(router)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as api:
        response = await api.get("/lost-mid-request", headers=auth(parent, language="en"))
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["retry-after"] == "1"
        body = response.json()
        assert body["code"] == "service.unavailable"
        assert body["status"] == 503
        assert body["type"].endswith("/service.unavailable")
        assert body["detail"] == "The service is briefly unavailable; please retry."
        assert (await api.get("/api/v1/me", headers=auth(parent))).status_code == 200


async def test_a_restart_under_a_full_pool_loses_no_request(
    client: httpx.AsyncClient, app_engine: AsyncEngine, database_url: str, parent: User
) -> None:
    await _terminate(database_url, await _pooled_backends(app_engine, 3))
    await _until_the_pool_saw_the_closes()

    statuses = [(await client.get("/me", headers=auth(parent))).status_code for _ in range(6)]
    assert statuses == [200] * 6


async def test_readiness_asks_again_on_a_fresh_connection(
    client: httpx.AsyncClient, app_engine: AsyncEngine, database_url: str
) -> None:
    await _terminate(database_url, await _pooled_backends(app_engine, 2))

    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


router = APIRouter()


@router.get("/broken-sql")
async def broken_sql(session: SessionDep) -> None:
    await session.execute(text("SELECT 1 / 0"))


@router.get("/lost-mid-request")
async def lost_mid_request(session: SessionDep) -> None:
    """The server drops the connection while the request uses it (no check can foresee it)."""
    await session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))


async def test_other_database_errors_stay_a_500(app_engine: AsyncEngine) -> None:
    app = create_app()
    app.include_router(router)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as api:
        response = await api.get("/broken-sql")
    assert response.status_code == 500
    assert response.json()["code"] == "internal.error"
    assert "retry-after" not in response.headers


@pytest.fixture
async def unreachable(
    engine: AsyncEngine, parent: User, request: pytest.FixtureRequest
) -> AsyncIterator[None]:
    """The API on a database that cannot be reached in the way ``request.param`` names."""
    own = create_async_engine(request.param, connect_args={"timeout": 5})
    database.use_engine(own)
    yield
    database.use_engine(engine)
    await own.dispose()


@pytest.mark.parametrize(
    "unreachable",
    [
        # the Unix socket is gone (PostgreSQL stopped): FileNotFoundError
        "postgresql+asyncpg://postgres@/kehou?host=/nonexistent/kehou-socket-dir",
        # nothing listens on the port: ConnectionRefusedError
        "postgresql+asyncpg://postgres@127.0.0.1:1/kehou",
        # the server answers but refuses us: SQLSTATE 28000 / 3D000
        "postgresql+asyncpg://kehou_no_such_role@127.0.0.1:5432/kehou",
    ],
    indirect=True,
    ids=["socket-missing", "connection-refused", "login-refused"],
)
async def test_a_database_that_cannot_be_reached_answers_503(
    unreachable: None, client: httpx.AsyncClient, parent: User
) -> None:
    for method, path in (("GET", "/me"), ("POST", "/auth/login")):
        body = {"username": "someone", "password": "Secret-2026"} if method == "POST" else None
        response = await client.request(
            method, path, headers=auth(parent, language="en"), json=body
        )
        assert response.status_code == 503, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["retry-after"] == "1"
        assert response.json()["code"] == "service.unavailable"
