"""Who is asking and from where (for the audit trail and the logs), without passing Request
into services; and each request's id, duration and status for ``/metrics`` and the log."""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.metrics import observe_request
from app.core.routing import template_of

access_log = logging.getLogger("kehou.access")


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip: str | None
    user_agent: str | None


_current: ContextVar[RequestContext | None] = ContextVar("kehou_request", default=None)

# An incoming X-Request-ID is kept when it looks like an id (a proxy's or the app's), so a
# request can be followed through them; anything else (spaces, quotes, newlines that would
# forge log lines, longer than the audit trail's column) is replaced by our own.
_SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


def current() -> RequestContext | None:
    return _current.get()


def current_request_id() -> str | None:
    context = _current.get()
    return context.request_id if context else None


class RequestContextMiddleware:
    """Pure ASGI middleware: sets the context, echoes ``X-Request-ID``, counts and logs.

    One layer for the three: each ASGI layer costs every request its calls and closures.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming = agent = b""
        for key, value in scope["headers"]:
            if key == b"x-request-id":
                incoming = value
            elif key == b"user-agent":
                agent = value
        request_id = (
            incoming.decode("ascii") if _SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        )
        # The peer address only: uvicorn's proxy_headers rewrites it from X-Forwarded-For when
        # the proxy is trusted (FORWARDED_ALLOW_IPS); a client-sent header is never believed.
        client = scope.get("client")
        ip = client[0] if client else None
        token = _current.set(RequestContext(request_id, ip, agent[:300].decode("latin-1")))
        status = 500  # what the client gets if the app fails before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", ()),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            template = template_of(scope)
            observe_request(scope["method"], template, status, seconds)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "%s %s %d",
                    scope["method"],
                    template or "-",
                    status,
                    extra={
                        "method": scope["method"],
                        "route": template,
                        "path": scope["path"],
                        "status": status,
                        "duration_ms": round(seconds * 1000, 2),
                        "client": ip,
                    },
                )
            _current.reset(token)
