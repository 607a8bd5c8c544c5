"""``Idempotency-Key``: a repeated POST replays the first response instead of acting twice.

The key is stored per caller in the same transaction as the change, so a stored response
always matches committed work. A transaction-scoped advisory lock on (caller, key) makes a
repeat that arrives while the first is still running a clean 409 instead of a double action.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import (
    BigInteger,
    DateTime,
    Integer,
    String,
    Text,
    Uuid,
    and_,
    bindparam,
    cast,
    delete,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.errors import IdempotencyInFlight, IdempotencyKeyInvalid, IdempotencyKeyReused
from app.core.models import Base

KEY_TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255
REPLAY_HEADER = "Idempotent-Replayed"


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"

    caller_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[Any] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """What "the same request" means: method, path and the body's JSON value (key order ignored)."""
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":"))
    except (ValueError, UnicodeDecodeError):
        canonical = body.decode("latin-1")
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def _lock_id(caller_id: uuid.UUID, key: str) -> int:
    digest = hashlib.sha256(f"idem:{caller_id}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Idempotency:
    """Bound to one request; ``run`` produces the response once per (caller, key)."""

    def __init__(
        self,
        session: AsyncSession,
        caller_id: uuid.UUID,
        key: str | None,
        fingerprint: str,
    ) -> None:
        if key is not None and not (0 < len(key) <= MAX_KEY_LENGTH and key.isprintable()):
            raise IdempotencyKeyInvalid(field="Idempotency-Key")
        self.session = session
        self.caller_id = caller_id
        self.key = key
        self.fingerprint = fingerprint

    async def run(self, status_code: int, produce: Callable[[], Awaitable[Any]]) -> Response:
        if self.key is None:
            return _json(_encode(await produce()), status_code)

        key = {"caller": self.caller_id, "idem_key": self.key}
        now = clock.now()
        mine = {**key, "hash": self.fingerprint, "status": status_code, "now": now}
        lock_id = _lock_id(self.caller_id, self.key)
        held, claimed = (await self.session.execute(_CLAIM, {**mine, "lock_id": lock_id})).one()
        if not held:
            raise IdempotencyInFlight(headers={"Retry-After": "1"})
        if not claimed:  # the key was used before: replay, or take it over once expired
            stored = (await self.session.execute(_STORED, key)).one()
            if stored.created_at > now - KEY_TTL and stored.response_body is not None:
                if stored.request_hash != self.fingerprint:
                    raise IdempotencyKeyReused()
                return JSONResponse(
                    stored.response_body,
                    status_code=stored.status_code,
                    headers={REPLAY_HEADER: "true"},
                )
            await self.session.execute(_RECLAIM, mine)

        body = _encode(await produce())
        await self.session.execute(_REMEMBER, {**key, "body": body})
        return _json(body, status_code)


def _encode(content: Any) -> str:
    """The response as JSON text, encoded once for the client and the stored copy alike
    (a Pydantic model serialises itself, much faster than via Python values)."""
    if isinstance(content, BaseModel):
        return content.model_dump_json()
    return json.dumps(jsonable_encoder(content), ensure_ascii=False, separators=(",", ":"))


def _json(body: str, status_code: int) -> Response:
    return Response(body, status_code=status_code, media_type="application/json")


# A keyed request takes the key in one round trip: a transaction-scoped advisory lock (a
# repeat still running holds it: 409), then a placeholder row, unless the key has one.
# Holding the lock means no other transaction has this key's row uncommitted, so the
# insert never waits; the row gets its response in the same transaction and commits with
# the work, or rolls back with it.
_CLAIM = text(
    """
WITH lock AS (
    SELECT pg_try_advisory_xact_lock(:lock_id) AS held
), claim AS (
    INSERT INTO idempotency_keys
        (caller_id, key, request_hash, status_code, response_body, created_at)
    SELECT :caller, :idem_key, :hash, :status, 'null'::jsonb, :now
    FROM lock WHERE held
    ON CONFLICT (caller_id, key) DO NOTHING
    RETURNING 1
)
SELECT held, EXISTS (SELECT FROM claim) AS claimed FROM lock
"""
).bindparams(
    bindparam("lock_id", type_=BigInteger()),
    bindparam("caller", type_=Uuid()),
    bindparam("idem_key", type_=String()),
    bindparam("now", type_=DateTime(timezone=True)),
)
_BY_KEY = and_(
    IdempotencyRecord.caller_id == bindparam("caller", type_=Uuid()),
    IdempotencyRecord.key == bindparam("idem_key", type_=String()),
)
_STORED = select(
    IdempotencyRecord.request_hash,
    IdempotencyRecord.status_code,
    IdempotencyRecord.response_body,
    IdempotencyRecord.created_at,
).where(_BY_KEY)
_RECLAIM = (
    update(IdempotencyRecord)
    .where(_BY_KEY)
    .values(
        request_hash=bindparam("hash"),
        status_code=bindparam("status"),
        response_body=text("'null'::jsonb"),
        created_at=bindparam("now"),
    )
    .execution_options(synchronize_session=False)
)
_REMEMBER = (
    update(IdempotencyRecord)
    .where(_BY_KEY)
    .values(response_body=cast(bindparam("body", type_=Text), JSONB))  # JSON text as is
    .execution_options(synchronize_session=False)
)


async def purge_expired(session: AsyncSession) -> int:
    """Delete keys past their 24 hours (the worker calls this periodically)."""
    result = await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at <= clock.now() - KEY_TTL)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def forget_caller(session: AsyncSession, caller_id: uuid.UUID) -> int:
    """Delete a caller's stored answers now (an erased account; they hold personal data)."""
    result = await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.caller_id == caller_id)
    )
    return int(getattr(result, "rowcount", 0) or 0)
