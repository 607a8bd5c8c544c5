"""Who is asking and from where, for the audit trail, without passing Request into services."""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip: str | None
    user_agent: str | None


_current: ContextVar[RequestContext | None] = ContextVar("kehou_request", default=None)


def current() -> RequestContext | None:
    return _current.get()


class RequestContextMiddleware:
    """Pure ASGI middleware: sets the context and echoes ``X-Request-ID``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        request_id = headers.get("x-request-id", "")[:64] or uuid.uuid4().hex
        # The peer address only: uvicorn's proxy_headers rewrites it from X-Forwarded-For when
        # the proxy is trusted (FORWARDED_ALLOW_IPS); a client-sent header is never believed.
        client = scope.get("client")
        ip = client[0] if client else None
        token = _current.set(RequestContext(request_id, ip, headers.get("user-agent", "")[:300]))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _current.reset(token)
