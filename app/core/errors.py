"""Domain errors with stable codes, and their one mapping to RFC 9457 problem+json."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.i18n import MESSAGES, negotiate, register, translate
from app.core.routing import allowed_methods

log = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://kehou.app/problems/"


class DomainError(Exception):
    """A rule said no, as a problem with a stable ``code`` and its zh-CN/en ``messages``.

    Each error is a subclass of the base that gives its status, in its domain's
    ``errors.py``; defining the class adds its messages to the catalogue::

        class LeaveNotFound(NotFound):
            code = "leave.not_found"
            messages = ("请假申请不存在。", "Leave request not found.")

        raise LeaveNotFound()

    Keyword arguments (``field=`` of ``Invalid``, ``retry_after=`` of ``TooManyRequests``,
    anything else) are the ``params`` that fill the message's ``{placeholders}``.

    Until every domain has its classes, the bases still take a code as their first argument
    (``raise NotFound("x.not_found")``), its messages given to ``i18n.register`` by hand.
    """

    status: int = 400
    code: str = "http.error"
    messages: ClassVar[tuple[str, str]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "messages" in cls.__dict__:
            zh, en = cls.messages
            if "code" not in cls.__dict__ or not zh.strip() or not en.strip():
                raise TypeError(f"{cls.__name__} needs its own code and a zh-CN and en message")
            register({cls.code: (zh, en)})
        elif "code" in cls.__dict__ and cls.code not in MESSAGES:
            raise TypeError(f"{cls.__name__} names code {cls.code!r} without its messages")

    def __init__(
        self,
        code: str | None = None,
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> None:
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.params = params
        self.headers = headers or {}
        super().__init__(self.code)


class NotFound(DomainError):
    """The object does not exist or the caller may not see it (never says which)."""

    status = 404
    code = "http.not_found"


class Unauthorized(DomainError):
    status = 401
    code = "auth.unauthenticated"

    def __init__(self, code: str | None = None, **params: Any) -> None:
        super().__init__(code, headers={"WWW-Authenticate": "Bearer"}, **params)


class Forbidden(DomainError):
    status = 403
    code = "auth.forbidden"


class Conflict(DomainError):
    status = 409


class Invalid(DomainError):
    """A well-formed request that breaks a rule; ``field`` names the culprit if there is one."""

    status = 422
    code = "validation.invalid"

    def __init__(self, code: str | None = None, *, field: str | None = None, **params: Any) -> None:
        super().__init__(code, **params)
        self.field = field


class TooManyRequests(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, code: str | None = None, *, retry_after: int, **params: Any) -> None:
        super().__init__(
            code, headers={"Retry-After": str(retry_after)}, retry_after=retry_after, **params
        )


class Unavailable(DomainError):
    status = 503


# Core's own refusals: its plumbing's (tokens, cursors, idempotency keys).


class AuthTokenInvalid(Unauthorized):
    code = "auth.token_invalid"
    messages = (
        "登录凭证无效或已过期，请重新登录。",
        "The access token is invalid or expired.",
    )


class PaginationCursorInvalid(Invalid):
    code = "pagination.cursor_invalid"
    messages = ("分页游标无效。", "The pagination cursor is invalid.")


class IdempotencyKeyInvalid(Invalid):
    code = "idempotency.key_invalid"
    messages = (
        "Idempotency-Key 必须为 1 到 255 个可见字符。",
        "Idempotency-Key must be 1 to 255 printable characters.",
    )


class IdempotencyKeyReused(Invalid):
    code = "idempotency.key_reused"
    messages = (
        "该 Idempotency-Key 已用于另一个不同的请求。",
        "This Idempotency-Key was already used with a different request.",
    )


class IdempotencyInFlight(Conflict):
    code = "idempotency.in_flight"
    messages = (
        "相同 Idempotency-Key 的请求正在处理中，请稍后重试。",
        "A request with this Idempotency-Key is still being processed; retry shortly.",
    )


def problem(
    request: Request,
    status: int,
    code: str,
    params: dict[str, Any] | None = None,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    language = negotiate(request.headers.get("accept-language"))
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": translate(code, language, params),
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(
        body,
        status_code=status,
        media_type=PROBLEM_CONTENT_TYPE,
        headers={**(headers or {}), "Content-Language": language},
    )


def _field_path(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:] or parts
    return ".".join(parts)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    errors = None
    if isinstance(exc, Invalid) and exc.field:
        language = negotiate(request.headers.get("accept-language"))
        errors = [{"field": exc.field, "message": translate(exc.code, language, exc.params)}]
    return problem(request, exc.status, exc.code, exc.params, errors=errors, headers=exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": _field_path(tuple(e.get("loc", ()))), "message": str(e.get("msg", ""))}
        for e in exc.errors()
    ]
    return problem(request, 422, "validation.invalid", errors=errors)


# The codes of Starlette's own HTTP errors (no route, wrong method, no credentials, too large).
HTTP_CODES = {
    404: "http.not_found",
    405: "http.method_not_allowed",
    401: "auth.unauthenticated",
    413: "request.too_large",
}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    params = None
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request.app.routes, request.url.path))
    if exc.status_code == 413:  # ours carries its limit; FastAPI's own leaves it in the scope
        limit = getattr(exc, "limit", None) or request.scope.get("starlette.max_body_size", 0)
        params = {"limit_kb": limit // 1024}
    return problem(
        request,
        exc.status_code,
        HTTP_CODES.get(exc.status_code, "http.error"),
        params,
        headers=headers,
    )


# How soon a client may retry after the database connection was lost: the pool has been
# emptied by then, and the retry connects afresh.
DATABASE_RETRY_AFTER_SECONDS = 1

# SQLSTATE classes that mean "no usable connection", not "this statement is wrong":
# 08 connection exception, 28 authorisation refused, 3D no such database, 53 out of
# resources (too many connections), 57P shutdown / starting up.
_UNAVAILABLE_SQLSTATES = ("08", "28", "3D", "53", "57P")


def is_database_outage(exc: BaseException) -> bool:
    """Whether ``exc`` says the database could not be reached, as opposed to a bug.

    Connecting raises the socket's own error (``FileNotFoundError`` for a missing Unix
    socket, ``ConnectionRefusedError``, ``TimeoutError``: all ``OSError``) unwrapped; the
    pool raises its own timeout when every connection is busy; a server that refuses or
    drops the connection arrives as a ``DBAPIError``.
    """
    if isinstance(exc, OSError | PoolTimeout):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated or isinstance(exc.orig, OSError):
            return True
        sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATES)
    return False


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """A database that cannot be reached (down, restarting, full) is 503; any other error 500.

    The pool keeps no pre-ping: the first request on a connection the server dropped fails
    here, SQLAlchemy has already discarded every pooled connection, and a retry succeeds.
    """
    if not is_database_outage(exc):
        raise exc  # a bug, not an outage: the 500 handler logs and answers it
    log.warning(
        "database unavailable on %s %s: %s",
        request.method,
        request.url.path,
        type(getattr(exc, "orig", None) or exc).__name__,
    )
    return problem(
        request,
        503,
        "service.unavailable",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(request, 500, "internal.error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_unavailable)
    app.add_exception_handler(OSError, _database_unavailable)
    app.add_exception_handler(PoolTimeout, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected_error)


# The problem body as the OpenAPI spec shows it on every operation.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "examples": ["enrollment.duplicate"]},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
