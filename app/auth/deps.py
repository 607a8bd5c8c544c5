"""Who may call: the current principal from the bearer token, and role walls by name.

Object walls ("the parent of this student", "staff of this school") live in each domain's
``deps.py`` and answer 404 for objects the caller may not see.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import tokens
from app.auth.errors import Refused
from app.core.database import SessionDep, sessionmaker
from app.core.errors import AuthTokenInvalid, Forbidden, NotFound, Unauthorized
from app.core.idempotency import Idempotency, request_fingerprint
from app.core.principal import STAFF_ROLES, Principal, Role
from app.core.security import decode_access_token

_bearer = HTTPBearer(auto_error=False, description="Access token from `POST /auth/login`.")


async def current_principal(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    session: SessionDep,
) -> Principal:
    """The caller, as the database says now: the token's account and sign-in are checked.

    A signature alone is not enough: a deactivated, deleted or changed account, or a
    logged-out sign-in, is 401 at once. One query, in the request's own transaction.
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized()
    claims = decode_access_token(credentials.credentials)
    if claims is None:
        raise AuthTokenInvalid()
    principal = await tokens.principal_for(session, claims)
    if principal is None:
        raise AuthTokenInvalid()
    return principal


CurrentUser = Annotated[Principal, Depends(current_principal)]


_DISTRICT_ONLY = frozenset({Role.DISTRICT_ADMIN.value})


def require_roles(*roles: Role) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """A dependency admitting callers holding any of ``roles`` (403 otherwise)."""

    async def dependency(principal: CurrentUser) -> Principal:
        held = {r for r in roles if r.value in principal.roles}
        # staff roles only count inside a school; a token without one cannot use them
        if not held or (principal.school_id is None and held <= STAFF_ROLES):
            if principal.roles == _DISTRICT_ONLY:
                # The district reads counts, never a school's or a family's records: to a
                # district admin those endpoints hold nothing (404), as another school's do.
                raise NotFound()
            raise Forbidden()
        return principal

    return dependency


ParentUser = Annotated[Principal, Depends(require_roles(Role.PARENT))]
SchoolAdmin = Annotated[Principal, Depends(require_roles(Role.SCHOOL_ADMIN))]
StaffUser = Annotated[Principal, Depends(require_roles(Role.TEACHER, Role.DUTY, Role.SCHOOL_ADMIN))]
TeacherOrAdmin = Annotated[Principal, Depends(require_roles(Role.TEACHER, Role.SCHOOL_ADMIN))]
DutyOrAdmin = Annotated[Principal, Depends(require_roles(Role.DUTY, Role.SCHOOL_ADMIN))]


async def idempotency(
    request: Request,
    session: SessionDep,
    principal: CurrentUser,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Repeat-safe key (24 h): the same key and body replays the first answer.",
        ),
    ] = None,
) -> Idempotency:
    fingerprint = request_fingerprint(request.method, request.url.path, await request.body())
    return Idempotency(session, principal.id, idempotency_key, fingerprint)


Idempotent = Annotated[Idempotency, Depends(idempotency)]


async def _session_keeping_refusals() -> AsyncIterator[AsyncSession]:
    """The request transaction, committed on success and also on ``Refused``.

    For the endpoints whose refusals leave a trace: counted failed guesses, audit events
    of failed logins, a family revoked for a replayed refresh token.
    """
    async with sessionmaker()() as session:
        try:
            yield session
        except Refused:
            await session.commit()
            raise
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


RecordingSessionDep = Annotated[AsyncSession, Depends(_session_keeping_refusals, scope="function")]


async def client_ip(request: Request) -> str | None:
    """The caller's address for per-address limits: the peer as the server sees it.

    Behind a trusted proxy uvicorn puts the forwarded client here (``FORWARDED_ALLOW_IPS``);
    a raw ``X-Forwarded-For`` is never read, or a guesser could name a new address each time.
    (``async`` so FastAPI does not hand it to a worker thread.)
    """
    return request.client.host if request.client else None


ClientIp = Annotated[str | None, Depends(client_ip)]
