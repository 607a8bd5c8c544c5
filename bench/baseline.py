"""The yardstick: one handover done with raw asyncpg under a bare ASGI app, nothing else.

The essential work of ``POST /pickups`` by pass code and no more: the token check (the
app's own ``decode_access_token``), one authorisation lookup (duty of the child's school,
the child on a live pass of today whose issuer is still a guardian), then in one
transaction the handover row, one inbox row per guardian and one outbox row per active
device. No ORM, no idempotency keys, no audit trail, no throttle, no block list, no
roll-call or leave check. Kehou's handover throughput is reported as a share of this.

Run by the benchmark as ``uvicorn bench.baseline:app --workers N`` with the server's
``KEHOU_DATABASE_URL`` and ``KEHOU_JWT_SECRET``.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from app.core.security import decode_access_token
from app.notifications.templates import Kind, render
from app.pickup.identity import code_digest

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

PATH = "/baseline/pickups"
POOL_SIZE = 20  # what one Kehou worker process may open (pool 10 + overflow 10)

AUTHORISE = """
SELECT st.name AS student_name, st.school_id, s.timezone, p.id AS pass_id, p.issued_by,
       p.adult_name, p.adult_phone, g.relationship,
       (SELECT u.name FROM users u WHERE u.id = $4) AS staff_name
FROM students st
JOIN schools s ON s.id = st.school_id
JOIN pickup_passes p ON p.code_digest = $2 AND p.school_id = st.school_id
JOIN pickup_pass_students ps ON ps.pass_id = p.id AND ps.student_id = st.id
JOIN guardians g ON g.user_id = p.issued_by AND g.student_id = st.id
WHERE st.id = $1 AND st.school_id = $3
  AND p.revoked_at IS NULL AND p.expires_at > now() AND p.date = $5
"""
INSERT_HANDOVER = """
INSERT INTO handovers (id, school_id, student_id, date, kind, picked_up_at, adult_kind,
    adult_user_id, pickup_pass_id, adult_name, adult_phone, adult_relationship,
    confirmed_by, confirmed_by_name)
VALUES ($1, $2, $3, $4, 'picked_up', $5, 'guardian', $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (student_id, date) DO NOTHING
RETURNING id
"""
INSERT_INBOX = """
INSERT INTO notifications (id, user_id, kind, title, body, data, dedupe_key, created_at)
SELECT gen_random_uuid(), g.user_id, 'pickup.handed_over', $2, $3, $4, $5, $6
FROM guardians g WHERE g.student_id = $1
ON CONFLICT (user_id, dedupe_key) DO NOTHING
RETURNING id
"""
INSERT_OUTBOX = """
INSERT INTO notification_outbox (id, notification_id, device_id, status, attempts,
    next_attempt_at, created_at)
SELECT gen_random_uuid(), n.id, d.id, 'pending', 0, $2, $2
FROM notifications n JOIN devices d ON d.user_id = n.user_id AND d.active
WHERE n.id = ANY($1::uuid[])
"""

_pool: asyncpg.Pool | None = None


class Refused(Exception):
    def __init__(self, status: int, code: str) -> None:
        self.status, self.code = status, code


async def handover(headers: dict[bytes, bytes], body: bytes) -> dict[str, Any]:
    auth = headers.get(b"authorization", b"").decode()
    claims = decode_access_token(auth[7:]) if auth[:7].lower() == "bearer " else None
    if claims is None:
        raise Refused(401, "auth.token_invalid")
    if "duty" not in claims.roles or claims.school_id is None:
        raise Refused(403, "auth.forbidden")
    payload = json.loads(body)
    student_id = uuid.UUID(payload["student_id"])
    day = date.fromisoformat(payload["date"])
    assert _pool is not None
    async with _pool.acquire() as conn, conn.transaction():
        found = await conn.fetchrow(
            AUTHORISE,
            student_id,
            code_digest(payload["pass_code"]),
            claims.school_id,
            claims.sub,
            day,
        )
        if found is None:
            raise Refused(404, "pickup.pass_invalid")
        now = datetime.now(UTC)
        zone = ZoneInfo(found["timezone"])
        if now.astimezone(zone).date() != day:
            raise Refused(422, "pickup.date_not_today")
        handover_id = await conn.fetchval(
            INSERT_HANDOVER,
            uuid.uuid4(),
            found["school_id"],
            student_id,
            day,
            now,
            found["issued_by"],
            found["pass_id"],
            found["adult_name"],
            found["adult_phone"],
            found["relationship"],
            claims.sub,
            found["staff_name"] or "",
        )
        if handover_id is None:
            raise Refused(409, "pickup.already_done")
        title, text = render(
            Kind.PICKUP_HANDED_OVER,
            {
                "student_name": found["student_name"],
                "time": now.astimezone(zone).strftime("%H:%M"),
                "adult_name": found["adult_name"],
                "staff_name": found["staff_name"] or "",
            },
        )
        data = {
            "student_id": str(student_id),
            "handover_id": str(handover_id),
            "date": day.isoformat(),
            "kind": "picked_up",
            "adult_name": found["adult_name"],
            "picked_up_at": now.isoformat(),
        }
        notified = await conn.fetch(
            INSERT_INBOX,
            student_id,
            title,
            text,
            json.dumps(data, ensure_ascii=False),
            f"pickup.handover:{student_id}:{day.isoformat()}",
            now,
        )
        await conn.execute(INSERT_OUTBOX, [r["id"] for r in notified], now)
    return {
        "id": str(handover_id),
        "student_id": str(student_id),
        "date": day.isoformat(),
        "picked_up_at": now.isoformat(),
        "adult_name": found["adult_name"],
        "confirmed_by": str(claims.sub),
    }


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _send_json(send: Send, status: int, payload: Any) -> None:
    data = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    global _pool
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                url = os.environ["KEHOU_DATABASE_URL"]
                _pool = await asyncpg.create_pool(
                    url.replace("postgresql+asyncpg://", "postgresql://", 1),
                    min_size=2,
                    max_size=POOL_SIZE,
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if _pool is not None:
                    await _pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    body = await _read_body(receive)
    if scope["path"] == "/healthz":
        await _send_json(send, 200, {"status": "ok"})
        return
    if scope["method"] != "POST" or scope["path"] != PATH:
        await _send_json(send, 404, {"code": "not_found"})
        return
    try:
        result = await handover(dict(scope["headers"]), body)
    except Refused as refused:
        await _send_json(send, refused.status, {"code": refused.code})
        return
    except (KeyError, ValueError, TypeError):
        await _send_json(send, 422, {"code": "validation.invalid"})
        return
    await _send_json(send, 201, result)
