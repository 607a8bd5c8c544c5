"""Liveness (``/healthz``) and readiness (``/readyz``: database reachable, migrations at head)."""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from app.core.database import get_engine
from app.core.migrations import current_revisions, head_revisions

log = logging.getLogger(__name__)
router = APIRouter(tags=["operations"])

READY_TIMEOUT_SECONDS = 3.0


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    database: Literal["ok", "unreachable"]
    migrations: Literal["at_head", "behind", "unknown"]


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process is up (says nothing about the database)."""
    return Health(status="ok")


async def _current_revisions() -> set[str]:
    """The database's migration heads, asked again once if the pooled connection was dropped.

    The pool keeps no pre-ping (database.py): after a PostgreSQL restart the first use of a
    pooled connection fails and empties the pool; the database itself may well be back.
    """
    try:
        async with get_engine().connect() as connection:
            return await current_revisions(connection)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    async with get_engine().connect() as connection:
        return await current_revisions(connection)


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready to serve."}},
)
async def readyz() -> JSONResponse:
    """Ready when the database answers and its schema is at the newest migration."""
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            current = await _current_revisions()
    except (TimeoutError, OSError, SQLAlchemyError, DBAPIError) as exc:
        log.warning("readiness: database unreachable: %s", exc.__class__.__name__)
        body = Readiness(status="not_ready", database="unreachable", migrations="unknown")
        return JSONResponse(body.model_dump(), status_code=503)
    at_head = current == head_revisions()
    body = Readiness(
        status="ready" if at_head else "not_ready",
        database="ok",
        migrations="at_head" if at_head else "behind",
    )
    return JSONResponse(body.model_dump(), status_code=200 if at_head else 503)
