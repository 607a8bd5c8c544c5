"""Password hashing (argon2id) and access tokens (JWT, HS256 pinned)."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from jose import JWTError, jwt

from app.core import clock
from app.core.settings import get_settings

JWT_ALGORITHM = "HS256"
ACCESS_TOKEN_TTL = timedelta(minutes=15)

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the user does not exist, so both answers take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-work check: an unknown user (``None``) costs one full verification too."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@dataclass(frozen=True)
class Claims:
    sub: uuid.UUID
    roles: frozenset[str]
    school_id: uuid.UUID | None
    jti: str
    # The sign-in (refresh family) the token was issued to: logging it out ends the token.
    # ``None`` only for tokens minted outside a sign-in (tests, the benchmark's load).
    family_id: uuid.UUID | None = None
    # The account's ``token_version`` at issue; a role, activation or password change bumps it.
    version: int = 0
    district_id: uuid.UUID | None = None


def create_access_token(
    user_id: uuid.UUID,
    roles: list[str],
    school_id: uuid.UUID | None,
    district_id: uuid.UUID | None = None,
    *,
    family_id: uuid.UUID | None = None,
    version: int = 0,
) -> tuple[str, int]:
    """A signed access token and its lifetime in seconds."""
    issued = clock.now()
    payload: dict[str, Any] = {
        "sub": str(user_id),
        "roles": sorted(roles),
        "school_id": str(school_id) if school_id else None,
        "district_id": str(district_id) if district_id else None,
        "iat": int(issued.timestamp()),
        "exp": int((issued + ACCESS_TOKEN_TTL).timestamp()),
        "jti": uuid.uuid4().hex,
        "typ": "access",
        "ver": version,
    }
    if family_id is not None:
        payload["fid"] = str(family_id)
    token = jwt.encode(payload, get_settings().signing_secret(), algorithm=JWT_ALGORITHM)
    return token, int(ACCESS_TOKEN_TTL.total_seconds())


def decode_access_token(token: str, *, verify_expiry: bool = True) -> Claims | None:
    """The token's claims, or ``None`` for anything but a valid, unexpired HS256 access token."""
    verified = _verified_token(token, get_settings().signing_secret())
    if verified is None:
        return None
    claims, expires = verified
    # Expiry is checked on every use against our clock (not the wall clock, so tests can
    # move time): the cache below remembers a signature, never that a token is still live.
    if verify_expiry and expires <= int(clock.now().timestamp()):
        return None
    return claims


# A gate phone sends the same token with every scan, hundreds of times in its 15 minutes:
# the signature check and claim parsing are done once per (token, key). Keyed by the key
# too, so a changed secret never finds a token verified with the old one.
VERIFIED_TOKENS_CACHED = 4096


@functools.lru_cache(maxsize=VERIFIED_TOKENS_CACHED)
def _verified_token(token: str, secret: str) -> tuple[Claims, int] | None:
    """A validly signed access token's claims and ``exp``, whatever the time; else ``None``."""
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != JWT_ALGORITHM:
            return None
        payload = jwt.decode(
            token,
            secret,
            algorithms=[JWT_ALGORITHM],
            # jose's own expiry check reads the wall clock; ours reads the service clock.
            options={"verify_exp": False, "verify_iat": False},
        )
        if not isinstance(payload.get("exp"), int) or not isinstance(payload.get("iat"), int):
            return None
        if payload.get("typ") != "access":
            return None
        school = payload.get("school_id")
        district = payload.get("district_id")
        roles = payload.get("roles")
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            return None
        family = payload.get("fid")
        version = payload.get("ver", 0)
        if type(version) is not int:  # a bool is an int to isinstance
            return None
        claims = Claims(
            sub=uuid.UUID(str(payload["sub"])),
            roles=frozenset(roles),
            school_id=uuid.UUID(school) if school else None,
            jti=str(payload.get("jti", "")),
            family_id=uuid.UUID(family) if family is not None else None,
            version=version,
            district_id=uuid.UUID(district) if district else None,
        )
        return claims, int(payload["exp"])
    except (JWTError, KeyError, ValueError, TypeError, AttributeError):
        return None


def new_opaque_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """How opaque tokens (refresh tokens, codes) are stored: a keyed SHA-256, never the token."""
    key = get_settings().signing_secret().encode()
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()
