"""Token pairs: short-lived JWT access tokens and rotating opaque refresh tokens in families.

Every refresh spends its token and issues the next one in the same family. A spent token
presented again within ``REPLAY_GRACE`` of its rotation is one app refreshing twice at once
(phones do): it gets another pair of the same family. Later it means two parties hold the
family (a leaked token or a stolen phone), so the whole family is revoked and everyone in
it logs in again.

Access tokens name their family and the account's ``token_version``; ``principal_for``
checks both against the database on every request (one query by primary key), so logout,
a revoked family, deactivation and a change of roles or password end the access tokens
already issued at once, not when they expire.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import repository
from app.auth.errors import AuthRefreshInvalid, Refused
from app.auth.models import RefreshFamily, RefreshToken, User
from app.core import audit, clock
from app.core.principal import Principal
from app.core.security import Claims, create_access_token, new_opaque_token, token_digest

log = logging.getLogger(__name__)

REFRESH_TOKEN_TTL = timedelta(days=30)
# How long after its rotation a spent refresh token still buys a pair (one app's
# simultaneous refreshes) instead of revoking its family.
REPLAY_GRACE = timedelta(seconds=10)


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"


async def _new_refresh_token(session: AsyncSession, family_id: uuid.UUID) -> str:
    raw = new_opaque_token()
    now = clock.now()
    session.add(
        RefreshToken(
            family_id=family_id,
            token_hash=token_digest(raw),
            created_at=now,
            expires_at=now + REFRESH_TOKEN_TTL,
        )
    )
    await session.flush()
    return raw


def _access_token(user: User, family_id: uuid.UUID) -> tuple[str, int]:
    return create_access_token(
        user.id,
        list(user.roles),
        user.school_id,
        user.district_id,
        family_id=family_id,
        version=user.token_version,
    )


async def principal_for(session: AsyncSession, claims: Claims) -> Principal | None:
    """The caller a validly signed access token speaks for now, or ``None`` (refuse it: 401).

    One query by primary key: the account, and the sign-in (family) the token was issued
    to. Refused: an account that is gone or inactive, whose roles, activation or password
    changed since the token was issued (``token_version``), or whose sign-in was logged
    out or revoked. Roles and school are the stored ones, never the token's.
    """
    signed_in = claims.family_id is not None
    params = {"user_id": claims.sub, "family_id": claims.family_id}
    stmt = repository.access_check_select(signed_in=signed_in)
    row = (await session.execute(stmt, params)).one_or_none()
    if row is None or not row.is_active or row.token_version != claims.version:
        return None
    if signed_in and row.revoked_at is not None:
        return None
    return Principal(
        id=claims.sub,
        roles=frozenset(row.roles),
        school_id=row.school_id,
        district_id=row.district_id,
    )


def end_access_tokens(user: User) -> None:
    """Every access token already issued to ``user`` is refused from the next request on.

    For a change of roles, activation or password; the caller flushes. Sign-ins live on
    unless also revoked: their next refresh brings a token with the account as it is now.
    """
    user.token_version += 1


async def start_session(session: AsyncSession, user: User) -> TokenPair:
    """A new family for a fresh login (password, registration or WeChat)."""
    family = RefreshFamily(user_id=user.id, created_at=clock.now())
    session.add(family)
    await session.flush()
    refresh = await _new_refresh_token(session, family.id)
    access, expires_in = _access_token(user, family.id)
    return TokenPair(access_token=access, refresh_token=refresh, expires_in=expires_in)


async def _revoke(session: AsyncSession, family: RefreshFamily, reason: str) -> None:
    if family.revoked_at is None:
        family.revoked_at = clock.now()
        family.revoked_reason = reason
        await session.flush()


async def _refused(
    session: AsyncSession, family: RefreshFamily, user: User, reason: str
) -> Refused:
    await audit.record(
        session,
        action="auth.refresh_failed",
        object_type="refresh_family",
        object_id=family.id,
        actor_id=user.id,
        school_id=user.school_id,
        data={"reason": reason},
    )
    return Refused(AuthRefreshInvalid())


async def refresh(session: AsyncSession, raw_token: str) -> TokenPair:
    """Spend ``raw_token`` and return the next pair, or raise ``Refused`` (401)."""
    # Locking the token and its family makes refreshes of one token take turns: the later
    # ones see it spent, a grace replay (one app refreshing at once) or a replay.
    row = (
        await session.execute(
            select(RefreshToken, RefreshFamily)
            .join(RefreshFamily, RefreshFamily.id == RefreshToken.family_id)
            .where(RefreshToken.token_hash == token_digest(raw_token))
            .with_for_update()
        )
    ).one_or_none()
    if row is None:
        # Nothing to attribute it to, and an audit row per made-up token would let anyone
        # write to the database at will; a log line is enough.
        log.info("refresh with an unknown token")
        raise AuthRefreshInvalid()
    token, family = row
    user = await session.get(User, family.user_id)
    assert user is not None  # families go with their user (ON DELETE CASCADE)
    now = clock.now()

    if family.revoked_at is not None:
        raise await _refused(session, family, user, f"family_revoked:{family.revoked_reason}")
    if token.used_at is not None and now - token.used_at > REPLAY_GRACE:
        await _revoke(session, family, "replay")
        await audit.record(
            session,
            action="auth.family_revoked",
            object_type="refresh_family",
            object_id=family.id,
            actor_id=user.id,
            school_id=user.school_id,
            data={"reason": "replay", "token_used_at": token.used_at.isoformat()},
        )
        raise await _refused(session, family, user, "replay")
    if token.expires_at <= now:
        raise await _refused(session, family, user, "expired")
    if not user.is_active:
        await _revoke(session, family, "deactivated")
        raise await _refused(session, family, user, "account_disabled")

    if token.used_at is None:
        token.used_at = now
        await session.flush()
    else:
        # Spent moments ago: the same app asked twice at once. Another pair of the family,
        # nothing revoked; noted, as a thief racing the owner would look the same.
        await audit.record(
            session,
            action="auth.refresh_grace",
            object_type="refresh_family",
            object_id=family.id,
            actor_id=user.id,
            school_id=user.school_id,
            data={"token_used_at": token.used_at.isoformat()},
        )
    refresh_token = await _new_refresh_token(session, family.id)
    access, expires_in = _access_token(user, family.id)  # the account as it is now
    return TokenPair(access_token=access, refresh_token=refresh_token, expires_in=expires_in)


async def logout(session: AsyncSession, raw_token: str) -> None:
    """Revoke the family of ``raw_token`` (any token of it, spent or not); unknown: nothing."""
    family = await session.scalar(
        select(RefreshFamily)
        .join(RefreshToken, RefreshToken.family_id == RefreshFamily.id)
        .where(RefreshToken.token_hash == token_digest(raw_token))
        .with_for_update(of=RefreshFamily)
    )
    if family is None or family.revoked_at is not None:
        return
    await _revoke(session, family, "logout")
    user = await session.get(User, family.user_id)
    await audit.record(
        session,
        action="auth.logout",
        object_type="refresh_family",
        object_id=family.id,
        actor_id=family.user_id,
        school_id=user.school_id if user else None,
    )


async def revoke_all(session: AsyncSession, user_id: uuid.UUID, reason: str) -> int:
    """End every sign-in of a user (deactivation, password change); returns how many."""
    result = await session.execute(
        update(RefreshFamily)
        .where(RefreshFamily.user_id == user_id, RefreshFamily.revoked_at.is_(None))
        .values(revoked_at=clock.now(), revoked_reason=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def purge_expired(session: AsyncSession) -> int:
    """Delete tokens past expiry and families left without tokens (for a periodic job).

    An expired token is refused whether or not its row remains, so nothing is lost.
    """
    result = await session.execute(
        delete(RefreshToken).where(RefreshToken.expires_at <= clock.now())
    )
    await session.execute(
        delete(RefreshFamily).where(
            ~exists().where(RefreshToken.family_id == RefreshFamily.id),
            RefreshFamily.created_at <= clock.now() - REFRESH_TOKEN_TTL,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
