"""Access-token checks stay whole when verified tokens are remembered between requests."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from jose import jwt

from app.core import clock
from app.core.security import ACCESS_TOKEN_TTL, create_access_token, decode_access_token
from app.core.settings import Settings, get_settings, use_settings

SECRET = "first-secret-" + "a" * 40
OTHER_SECRET = "second-secret-" + "b" * 40


def _use_secret(secret: str) -> None:
    use_settings(Settings(env="test", jwt_secret=secret))


@pytest.fixture(autouse=True)
def _own_secret() -> Iterator[None]:
    previous = get_settings()
    _use_secret(SECRET)
    clock.freeze(datetime(2026, 3, 2, 16, 30, tzinfo=UTC))
    yield
    clock.reset()
    use_settings(previous)


def _token() -> str:
    return create_access_token(uuid.uuid4(), ["duty"], uuid.uuid4())[0]


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_a_token_read_again_gives_the_same_claims() -> None:
    token = _token()
    first = decode_access_token(token)
    assert first is not None
    assert decode_access_token(token) == first


def test_a_remembered_token_still_expires_with_the_clock() -> None:
    token = _token()
    assert decode_access_token(token) is not None
    clock.advance(ACCESS_TOKEN_TTL - timedelta(seconds=1))
    assert decode_access_token(token) is not None
    clock.advance(timedelta(seconds=1))
    assert decode_access_token(token) is None
    assert decode_access_token(token, verify_expiry=False) is not None


def test_a_tampered_token_is_refused_after_the_genuine_one_was_remembered() -> None:
    token = _token()
    assert decode_access_token(token) is not None
    header, payload, signature = token.split(".")
    claims = dict(jwt.get_unverified_claims(token))
    claims["roles"] = ["school_admin"]
    assert decode_access_token(f"{header}.{_b64(claims)}.{signature}") is None
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    assert decode_access_token(f"{header}.{payload}.{flipped}") is None


def test_a_changed_secret_refuses_tokens_verified_under_the_old_one() -> None:
    old = _token()
    assert decode_access_token(old) is not None
    _use_secret(OTHER_SECRET)
    assert decode_access_token(old) is None
    new = _token()
    assert decode_access_token(new) is not None
    _use_secret(SECRET)
    assert decode_access_token(new) is None
    assert decode_access_token(old) is not None


def test_the_pinned_algorithm_and_type_still_hold() -> None:
    token = _token()
    assert decode_access_token(token) is not None
    claims = dict(jwt.get_unverified_claims(token))
    assert decode_access_token(f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.") is None
    assert decode_access_token(jwt.encode(claims, SECRET, algorithm="HS512")) is None
    refresh_like = jwt.encode({**claims, "typ": "refresh"}, SECRET, algorithm="HS256")
    assert decode_access_token(refresh_like) is None
