"""Liveness (``/healthz``) and readiness (``/readyz``: database, migrations, a live worker)."""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from app.core.database import get_engine
from app.core.heartbeat import workers_seen
from app.core.migrations import current_revisions, head_revisions
from app.core.settings import get_settings

log = logging.getLogger(__name__)
router = APIRouter(tags=["operations"])

READY_TIMEOUT_SECONDS = 3.0


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    database: Literal["ok", "unreachable"]
    migrations: Literal["at_head", "behind", "unknown"]
    # "not_expected" where no worker is (KEHOU_EXPECT_WORKER=false, or under tests)
    worker: Literal["ok", "stale", "unknown", "not_expected"]


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process is up (says nothing about the database)."""
    return Health(status="ok")


async def _database_state() -> tuple[set[str], bool | None]:
    """The database's migration heads and whether a worker beat lately (None: not expected).

    Asked again once if the pooled connection was dropped: the pool keeps no pre-ping
    (database.py), so after a PostgreSQL restart the first use of a pooled connection fails
    and empties the pool; the database itself may well be back.
    """
    try:
        return await _ask_database()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    return await _ask_database()


async def _ask_database() -> tuple[set[str], bool | None]:
    settings = get_settings()
    async with get_engine().connect() as connection:
        revisions = await current_revisions(connection)
        if not settings.worker_expected:
            return revisions, None
        seen = await workers_seen(connection, settings.worker_stale_seconds)
    return revisions, seen.alive > 0


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready to serve."}},
)
async def readyz() -> JSONResponse:
    """Ready when the database answers, its schema is at the newest migration and, where a
    worker is expected, some worker beat within ``KEHOU_WORKER_STALE_SECONDS``."""
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            current, worker_alive = await _database_state()
    except (TimeoutError, OSError, SQLAlchemyError, DBAPIError) as exc:
        log.warning("readiness: database unreachable: %s", exc.__class__.__name__)
        body = Readiness(
            status="not_ready", database="unreachable", migrations="unknown", worker="unknown"
        )
        return JSONResponse(body.model_dump(), status_code=503)
    at_head = current == head_revisions()
    ready = at_head and worker_alive is not False
    if not ready:
        log.warning("readiness: not ready: at_head=%s worker_alive=%s", at_head, worker_alive)
    body = Readiness(
        status="ready" if ready else "not_ready",
        database="ok",
        migrations="at_head" if at_head else "behind",
        worker="not_expected" if worker_alive is None else "ok" if worker_alive else "stale",
    )
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
