"""HTTP endpoints of identity and access: /auth/*, /me (staff accounts: ``app/staff``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from app.auth import examples, service, tokens
from app.auth.deps import ClientIp, CurrentUser, ParentUser, RecordingSessionDep
from app.auth.schemas import (
    ChildIn,
    ChildOut,
    LoginIn,
    MeOut,
    MePatch,
    PasswordChangeIn,
    RefreshIn,
    RegisterIn,
    TokenPairOut,
    WeChatLoginIn,
)
from app.core.database import SessionDep
from app.core.errors import PROBLEM_SCHEMA

router = APIRouter(tags=["auth"])


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    content = {"application/problem+json": {"schema": PROBLEM_SCHEMA}}
    return {status: {"description": "Problem", "content": content} for status in statuses}


@router.post("/auth/login", response_model=TokenPairOut, responses=_problems(401, 429))
async def login(
    body: Annotated[LoginIn, Body(openapi_examples=examples.LOGINS)],
    session: RecordingSessionDep,
    ip: ClientIp,
) -> tokens.TokenPair:
    """Log in with username (a parent's is their phone) and password.

    Any wrong combination answers 401 `auth.invalid_credentials`; ten failures for one
    username within 15 minutes answer 429 `auth.too_many_attempts` with `Retry-After`.
    """
    return await service.login(session, body.username, body.password, ip=ip)


@router.post(
    "/auth/register",
    status_code=201,
    response_model=TokenPairOut,
    responses=_problems(404, 409, 429),
)
async def register(
    body: RegisterIn, session: RecordingSessionDep, ip: ClientIp
) -> tokens.TokenPair:
    """Create a parent account linked to the child a binding code names.

    Bad or expired code: 404 `binding.invalid`; phone already registered: 409
    `auth.phone_taken`; weak password: 422 `auth.password_weak`.
    """
    return await service.register(session, body, ip=ip)


@router.post("/auth/wechat", response_model=TokenPairOut, responses=_problems(401, 503))
async def wechat_login(body: WeChatLoginIn, session: SessionDep) -> tokens.TokenPair:
    """Log in from the mini-program with a `wx.login()` code (first login creates the parent).

    Code rejected by WeChat: 401 `auth.wechat_code_invalid`; WeChat unreachable: 503
    `wechat.unavailable`; no app credentials configured: 503 `wechat.not_configured`.
    """
    return await service.wechat_login(session, body.code)


@router.post("/auth/refresh", response_model=TokenPairOut, responses=_problems(401))
async def refresh_tokens(body: RefreshIn, session: RecordingSessionDep) -> tokens.TokenPair:
    """Trade a refresh token for a new pair; the old refresh token is spent.

    Presenting a spent token again within 10 seconds of its rotation (one app refreshing
    twice at once) answers another pair of the same family. Later, it revokes its whole
    family (every token rotated from the same login, and their access tokens): 401
    `auth.refresh_invalid`, and that device must log in again.
    """
    return await tokens.refresh(session, body.refresh_token)


@router.post("/auth/logout", status_code=204, response_class=Response)
async def logout(body: RefreshIn, session: SessionDep) -> Response:
    """End the sign-in the refresh token belongs to (an unknown token is not an error).

    Its refresh tokens and the access tokens issued to it are refused from now on.
    """
    await tokens.logout(session, body.refresh_token)
    return Response(status_code=204)


@router.get("/me", response_model=MeOut, responses=_problems(401))
async def get_me(session: SessionDep, principal: CurrentUser) -> service.Me:
    """The caller's account, roles as stored now, and linked children."""
    return await service.me(session, principal.id)


@router.patch("/me", response_model=MeOut, responses=_problems(401))
async def update_me(body: MePatch, session: SessionDep, principal: CurrentUser) -> service.Me:
    """Change the caller's display name (WeChat accounts start as 微信用户)."""
    return await service.rename(session, principal.id, body.name)


@router.post(
    "/me/password", status_code=204, response_class=Response, responses=_problems(401, 429)
)
async def change_password(
    body: PasswordChangeIn, session: RecordingSessionDep, principal: CurrentUser, ip: ClientIp
) -> Response:
    """Change the caller's password; every sign-in ends (this one too), so log in again.

    Wrong current password: 422 `auth.password_incorrect` (counted like a failed login).
    """
    await service.change_password(session, principal.id, body, ip=ip)
    return Response(status_code=204)


@router.post(
    "/me/children",
    status_code=201,
    response_model=ChildOut,
    responses=_problems(403, 404, 409, 429),
)
async def add_child(
    body: ChildIn, session: RecordingSessionDep, principal: ParentUser, ip: ClientIp
) -> service.Child:
    """Link another child with its binding code.

    Bad or expired code: 404 `binding.invalid`; already linked: 409
    `binding.already_linked`; too many wrong codes: 429 `auth.too_many_attempts`.
    """
    return await service.add_child(session, principal.id, body, ip=ip)
