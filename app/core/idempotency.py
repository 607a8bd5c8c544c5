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
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    Uuid,
    and_,
    bindparam,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.errors import Conflict, Invalid
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
            raise Invalid("idempotency.key_invalid", field="Idempotency-Key")
        self.session = session
        self.caller_id = caller_id
        self.key = key
        self.fingerprint = fingerprint

    async def run(self, status_code: int, produce: Callable[[], Awaitable[Any]]) -> JSONResponse:
        if self.key is None:
            return JSONResponse(_encode(await produce()), status_code=status_code)

        key = {"caller_id": self.caller_id, "key": self.key}
        locked = await self.session.scalar(_LOCK, {"lock_id": _lock_id(self.caller_id, self.key)})
        if not locked:
            raise Conflict("idempotency.in_flight", headers={"Retry-After": "1"})

        stored = (await self.session.execute(_STORED, key)).one_or_none()
        if stored is not None and stored.created_at > clock.now() - KEY_TTL:
            if stored.request_hash != self.fingerprint:
                raise Invalid("idempotency.key_reused")
            return JSONResponse(
                stored.response_body,
                status_code=stored.status_code,
                headers={REPLAY_HEADER: "true"},
            )
        if stored is not None:  # expired: the key is free again
            await self.session.execute(_FORGET, key)

        body = _encode(await produce())
        await self.session.execute(
            _REMEMBER,
            {
                **key,
                "request_hash": self.fingerprint,
                "status_code": status_code,
                "response_body": body,
                "created_at": clock.now(),
            },
        )
        return JSONResponse(body, status_code=status_code)


def _encode(content: Any) -> Any:
    """The response as JSON values (a Pydantic model dumps itself, much faster)."""
    if isinstance(content, BaseModel):
        return content.model_dump(mode="json")
    return jsonable_encoder(content)


# Built once: a keyed request runs these on every call.
_LOCK = select(func.pg_try_advisory_xact_lock(bindparam("lock_id", type_=BigInteger())))
_BY_KEY = and_(
    IdempotencyRecord.caller_id == bindparam("caller_id", type_=Uuid()),
    IdempotencyRecord.key == bindparam("key", type_=String()),
)
_STORED = select(
    IdempotencyRecord.request_hash,
    IdempotencyRecord.status_code,
    IdempotencyRecord.response_body,
    IdempotencyRecord.created_at,
).where(_BY_KEY)
_FORGET = delete(IdempotencyRecord).where(_BY_KEY)
_REMEMBER = insert(IdempotencyRecord)


async def purge_expired(session: AsyncSession) -> int:
    """Delete keys past their 24 hours (the worker calls this periodically)."""
    result = await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at <= clock.now() - KEY_TTL)
    )
    return int(getattr(result, "rowcount", 0) or 0)
