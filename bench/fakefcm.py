"""A fake FCM on 127.0.0.1 for the benchmark: accepts every push and notes when it arrived.

Serves the three things the worker's firebase-admin talks to: the OAuth token endpoint the
service-account file names (``POST /token``), and FCM HTTP v1 ``messages:send``. The
benchmark reads the arrival times back from ``GET /receipts`` to measure notification lag
(handover commit → the worker's send call). Run: ``python -m bench.fakefcm --port N``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

PROJECT_ID = "kehou-bench"

# (arrival wall time, kind, handover id or "", token)
_receipts: list[tuple[float, str, str, str]] = []
_count = 0


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _reply(send: Send, status: int, payload: Any) -> None:
    data = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    global _count
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    path, method = scope["path"], scope["method"]
    body = await _body(receive)
    if method == "POST" and path.endswith("/messages:send"):
        arrived = time.time()
        message = json.loads(body).get("message", {})
        data = message.get("data", {})
        _count += 1
        _receipts.append(
            (arrived, data.get("kind", ""), data.get("handover_id", ""), message.get("token", ""))
        )
        await _reply(send, 200, {"name": f"projects/{PROJECT_ID}/messages/{_count}"})
    elif method == "POST" and path == "/token":
        await _reply(
            send, 200, {"access_token": "bench", "expires_in": 3600, "token_type": "Bearer"}
        )
    elif method == "GET" and path == "/receipts":
        await _reply(send, 200, {"count": _count, "receipts": _receipts})
    elif method == "POST" and path == "/reset":
        _receipts.clear()
        _count = 0
        await _reply(send, 200, {"ok": True})
    else:
        await _reply(send, 404, {"error": {"code": 404, "message": "not found"}})


def write_service_account(path: Path, port: int) -> None:
    """A service-account file whose token endpoint is this fake (a fresh RSA key each run)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": PROJECT_ID,
                "private_key_id": "bench",
                "private_key": pem,
                "client_email": f"push@{PROJECT_ID}.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": f"http://127.0.0.1:{port}/token",
            }
        )
    )


def endpoint(port: int) -> str:
    return f"http://127.0.0.1:{port}/v1/projects/{{project_id}}/messages:send"


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
