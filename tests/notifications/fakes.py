"""Fakes at the network edge: a local FCM HTTP v1 server and a WeChat API on MockTransport."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from pathlib import Path
from typing import Any

import httpx
from google.auth import credentials as google_credentials

PROJECT_ID = "kehou-test"


class StaticCredentials(google_credentials.Credentials):
    """A Google credential with a fixed token: firebase-admin never talks to Google."""

    def __init__(self, token: str = "static-test-token") -> None:
        super().__init__()
        self.token = token

    def refresh(self, request: Any) -> None:
        raise AssertionError("the test credential must never be refreshed")


@dataclass
class Reply:
    status: int = 200
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


def fcm_error(
    status: int, code: str, message: str, *, fcm_code: str | None = None, **extra: Any
) -> Reply:
    details: list[dict[str, Any]] = []
    if fcm_code:
        details.append(
            {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": fcm_code}
        )
    details.extend(extra.pop("details", []))
    return Reply(
        status,
        {"error": {"code": status, "message": message, "status": code, "details": details}},
        extra.pop("headers", {}),
    )


UNREGISTERED = fcm_error(
    404, "NOT_FOUND", "Requested entity was not found.", fcm_code="UNREGISTERED"
)
QUOTA_EXCEEDED = fcm_error(
    429,
    "RESOURCE_EXHAUSTED",
    "Quota exceeded.",
    fcm_code="QUOTA_EXCEEDED",
    headers={"Retry-After": "120"},
)


class FakeFcm:
    """FCM's ``messages:send`` on 127.0.0.1: scripted replies per token, every request kept."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.script: dict[str, deque[Reply]] = defaultdict(deque)
        self.delay = 0.0
        self._ids = count(1)
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path == "/token":  # a service account's OAuth token (worker processes)
                    self._reply(Reply(200, {"access_token": "fake", "expires_in": 3600}))
                    return
                body = json.loads(raw or b"{}")
                token = body.get("message", {}).get("token", "")
                with fake._lock:
                    fake.requests.append(
                        {
                            "path": self.path,
                            "authorization": self.headers.get("Authorization"),
                            "body": body,
                        }
                    )
                    scripted = fake.script[token]
                    reply = scripted.popleft() if scripted else None
                if fake.delay:
                    time.sleep(fake.delay)
                if reply is None:
                    reply = Reply(
                        200, {"name": f"projects/{PROJECT_ID}/messages/{next(fake._ids)}"}
                    )
                self._reply(reply)

            def _reply(self, reply: Reply) -> None:
                payload = json.dumps(reply.body or {}).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1/projects/{{project_id}}/messages:send"

    def start(self) -> FakeFcm:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def write_service_account(self, path: Path) -> Path:
        """A service-account file whose OAuth token endpoint is this fake (fresh key)."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        host, port = self._server.server_address[:2]
        account = {
            "type": "service_account",
            "project_id": PROJECT_ID,
            "private_key_id": "k1",
            "private_key": pem,
            "client_email": f"push@{PROJECT_ID}.iam.gserviceaccount.com",
            "client_id": "1",
            "token_uri": f"http://{host}:{port}/token",
        }
        path.write_text(json.dumps(account))
        return path

    def tokens(self) -> list[str]:
        """The token of every message received, in order."""
        return [r["body"]["message"]["token"] for r in self.requests]


class FakeWechat:
    """WeChat's ``stable_token`` and ``subscribeMessage.send``, as an httpx MockTransport."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []  # accepted subscribe messages
        self.calls: list[httpx.Request] = []
        self.token_fetches = 0
        self.valid_tokens: set[str] = set()
        self.script: dict[str, deque[dict[str, Any] | httpx.Response | Exception]] = defaultdict(
            deque
        )
        self.down = False

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def expire_tokens(self) -> None:
        self.valid_tokens.clear()

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if request.url.path == "/cgi-bin/stable_token":
            body = json.loads(request.content)
            if body.get("appid") != "wx-app" or body.get("secret") != "wx-secret":
                return httpx.Response(200, json={"errcode": 40125, "errmsg": "invalid appsecret"})
            self.token_fetches += 1
            token = f"access-{self.token_fetches}"
            self.valid_tokens.add(token)
            return httpx.Response(200, json={"access_token": token, "expires_in": 7200})
        if request.url.path == "/cgi-bin/message/subscribe/send":
            if request.url.params.get("access_token") not in self.valid_tokens:
                return httpx.Response(
                    200, json={"errcode": 42001, "errmsg": "access_token expired"}
                )
            message = json.loads(request.content)
            scripted = self.script[message["touser"]]
            if scripted:
                reply = scripted.popleft()
                if isinstance(reply, Exception):  # e.g. httpx.ReadTimeout: no answer came
                    raise reply
                if isinstance(reply, httpx.Response):
                    return reply
                if reply.get("errcode"):
                    return httpx.Response(200, json=reply)
            self.sent.append(message)
            return httpx.Response(200, json={"errcode": 0, "errmsg": "ok", "msgid": len(self.sent)})
        return httpx.Response(404)
