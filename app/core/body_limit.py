"""Request body limits, enforced on the stream before anything parses the body.

A route that takes more than JSON (an upload) names its limit in the spec, as
``openapi_extra={BODY_LIMIT_EXTENSION: bytes}``; every other route takes ``JSON_BODY_LIMIT``.
(Not FastAPI's ``max_body_size``: Starlette's limiter behind it answers in plain text.)
A declared ``Content-Length`` over the limit is refused before a byte is read; a body
without one is counted as it arrives and cut off at the limit. Either way the answer is a
413 problem ``request.too_large``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import problem
from app.core.routing import operations

TOO_LARGE = "request.too_large"
BODY_LIMIT_EXTENSION = "x-max-body-bytes"
# The largest JSON body any endpoint needs (a 500-mark roll call) is ~40 KB.
JSON_BODY_LIMIT = 64 * 1024


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once the body passes the route's limit; ``errors`` answers it."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413)
        self.limit = limit


class BodyLimitMiddleware:
    """Pure ASGI middleware: one limit per route class, read from the app's routes."""

    def __init__(self, app: ASGIApp, *, routes: Sequence[BaseRoute], default: int) -> None:
        self.app = app
        self.routes = routes  # the app's live list: read once the first request arrives
        self.default = default
        self._larger: list[tuple[re.Pattern[str], int]] | None = None

    def limit_for(self, path: str) -> int:
        if self._larger is None:
            self._larger = [
                (route.path_regex, int(route.openapi_extra[BODY_LIMIT_EXTENSION]))
                for route in operations(self.routes)
                if route.openapi_extra and BODY_LIMIT_EXTENSION in route.openapi_extra
            ]
        for pattern, limit in self._larger:
            if pattern.match(path):
                return limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit and limit == self.default:
            response = problem(Request(scope), 413, TOO_LARGE, {"limit_kb": limit // 1024})
            await response(scope, receive, send)
            return
        # A route with its own limit (an upload) may refuse a declared length in its own words
        # (``import.too_large``) first; if it does not, the first read is refused here.
        received = 0

        async def counted() -> Message:
            nonlocal received
            if declared is not None and declared > limit:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None
