"""POST /auth/login: one answer for every wrong combination, the same work, and a brake."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import throttle
from app.auth.models import FailedAttempt, Role
from app.core import clock, security
from app.core.audit import AuditEvent
from app.core.security import decode_access_token
from tests.auth.factories import bearer
from tests.factories import PASSWORD, create_school, create_user

NOW = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)


async def _events(session: AsyncSession, action: str) -> list[AuditEvent]:
    rows = await session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.created_at)
    )
    return list(rows)


async def test_right_password_gets_a_token_pair(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    school = await create_school(session)
    teacher = await create_user(session, roles=[Role.TEACHER], school=school, username="wang.li")
    await session.commit()

    response = await client.post("/auth/login", json={"username": "wang.li", "password": PASSWORD})

    assert response.status_code == 200
    pair = response.json()
    assert pair.keys() == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert pair["token_type"] == "bearer"
    assert pair["expires_in"] == 15 * 60
    claims = decode_access_token(pair["access_token"])
    assert claims is not None
    assert (claims.sub, claims.roles, claims.school_id) == (teacher.id, {"teacher"}, school.id)
    me = await client.get("/me", headers=bearer(pair))
    assert me.status_code == 200
    assert me.json()["id"] == str(teacher.id)
    (event,) = await _events(session, "auth.login")
    assert event.object_id == teacher.id
    assert event.school_id == school.id
    assert event.data == {"method": "password"}


async def test_usernames_are_case_insensitive(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await create_user(
        session, roles=[Role.DUTY], school=await create_school(session), username="zhao"
    )
    await session.commit()
    response = await client.post("/auth/login", json={"username": " ZHAO ", "password": PASSWORD})
    assert response.status_code == 200


async def test_wrong_password_and_unknown_user_answer_alike(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await create_user(session, roles=[Role.PARENT], username="13800000001")
    await session.commit()

    wrong = await client.post(
        "/auth/login", json={"username": "13800000001", "password": "not-the-password"}
    )
    unknown = await client.post(
        "/auth/login", json={"username": "13900000009", "password": "not-the-password"}
    )

    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"] == "Bearer"
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "auth.invalid_credentials"
    # Both were recorded although the requests failed (their transactions were kept).
    failures = await _events(session, "auth.login_failed")
    assert [e.data["reason"] for e in failures] == ["wrong_password", "unknown_user"]


async def test_disabled_account_and_passwordless_account_answer_alike(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    school = await create_school(session)
    await create_user(
        session, roles=[Role.TEACHER], school=school, username="gone", is_active=False
    )
    wechat_parent = await create_user(
        session, roles=[Role.PARENT], username="wx-only", wechat_openid="o-1"
    )
    wechat_parent.password_hash = None
    await session.commit()

    disabled = await client.post("/auth/login", json={"username": "gone", "password": PASSWORD})
    passwordless = await client.post("/auth/login", json={"username": "wx-only", "password": "x"})

    assert disabled.status_code == passwordless.status_code == 401
    assert disabled.json()["code"] == passwordless.json()["code"] == "auth.invalid_credentials"
    assert "停用" not in disabled.text  # the disabled account is not revealed


class _CountingHasher:
    def __init__(self, real: Any) -> None:
        self.real = real
        self.verifications = 0

    def verify(self, password_hash: str, password: str) -> bool:
        self.verifications += 1
        return bool(self.real.verify(password_hash, password))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


async def test_every_outcome_costs_one_argon2_verification(
    client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    await create_user(session, roles=[Role.PARENT], username="13800000002")
    await session.commit()
    hasher = _CountingHasher(security._hasher)
    monkeypatch.setattr(security, "_hasher", hasher)

    for username, password in [
        ("13800000002", PASSWORD),
        ("13800000002", "wrong-password-1"),
        ("nobody-at-all", "wrong-password-1"),
    ]:
        before = hasher.verifications
        await client.post("/auth/login", json={"username": username, "password": password})
        assert hasher.verifications - before == 1, username


async def test_unknown_user_takes_as_long_as_a_wrong_password(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await create_user(session, roles=[Role.PARENT], username="13800000003")
    await session.commit()

    async def timed(username: str) -> float:
        start = time.perf_counter()
        response = await client.post(
            "/auth/login", json={"username": username, "password": "wrong-password-2"}
        )
        assert response.status_code == 401
        return time.perf_counter() - start

    known = [await timed("13800000003") for _ in range(5)]
    unknown = [await timed(f"ghost{i}") for i in range(5)]
    ratio = statistics.median(unknown) / statistics.median(known)
    # argon2 dominates both (tens of ms); without the dummy hash the unknown path is ~0.
    assert 0.5 < ratio < 2.0, (known, unknown)


async def test_ten_failures_lock_the_username_for_the_window(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    clock.freeze(NOW)
    await create_user(session, roles=[Role.PARENT], username="13800000004")
    await create_user(session, roles=[Role.PARENT], username="13800000005")
    await session.commit()

    for _ in range(10):
        response = await client.post(
            "/auth/login", json={"username": "13800000004", "password": "guess-guess-1"}
        )
        assert response.status_code == 401
    clock.advance(timedelta(minutes=5))

    # Now even the right password waits; the answer says how long.
    locked = await client.post(
        "/auth/login", json={"username": "13800000004", "password": PASSWORD}
    )
    assert locked.status_code == 429
    assert locked.json()["code"] == "auth.too_many_attempts"
    assert locked.headers["retry-after"] == str(10 * 60)
    assert "600" in locked.json()["detail"]
    # Another account from the same address is not affected.
    other = await client.post("/auth/login", json={"username": "13800000005", "password": PASSWORD})
    assert other.status_code == 200

    clock.advance(timedelta(minutes=10))
    assert (
        await client.post("/auth/login", json={"username": "13800000004", "password": PASSWORD})
    ).status_code == 200


async def test_failures_from_one_address_are_limited_too(
    client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        throttle,
        "LOGIN",
        throttle.Throttle(
            "login", per_account=10, per_ip=3, window=timedelta(minutes=15), exact_ip=False
        ),
    )
    await create_user(session, roles=[Role.PARENT], username="13800000006")
    await session.commit()
    for i in range(3):
        response = await client.post(
            "/auth/login", json={"username": f"spray{i}", "password": "guess-guess-1"}
        )
        assert response.status_code == 401

    blocked = await client.post(
        "/auth/login", json={"username": "13800000006", "password": PASSWORD}
    )
    assert blocked.status_code == 429

    from app.main import app

    elsewhere = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("203.0.113.9", 5000)),
        base_url="http://test/api/v1",
    )
    async with elsewhere:
        response = await elsewhere.post(
            "/auth/login", json={"username": "13800000006", "password": PASSWORD}
        )
    assert response.status_code == 200


async def test_a_spoofed_forwarded_for_header_does_not_dodge_the_address_limit(
    client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        throttle,
        "LOGIN",
        throttle.Throttle(
            "login", per_account=10, per_ip=2, window=timedelta(minutes=15), exact_ip=False
        ),
    )
    for i in range(3):
        response = await client.post(
            "/auth/login",
            json={"username": f"spray{i}", "password": "guess-guess-1"},
            headers={"X-Forwarded-For": f"198.51.100.{i}"},
        )
    assert response.status_code == 429


async def test_refused_attempts_are_not_counted(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    clock.freeze(NOW)
    for _ in range(15):
        await client.post("/auth/login", json={"username": "target", "password": "guess-guess-1"})
    rows = await session.scalars(
        select(FailedAttempt).where(FailedAttempt.key == "login:account:target")
    )
    assert len(list(rows)) == 10


@pytest.mark.parametrize(
    "body",
    [
        {"username": "a"},
        {"password": "x"},
        {"username": "a", "password": "x", "remember": True},
        {"username": "a" * 65, "password": "x"},
        {"username": "a", "password": "x" * 129},
        {"username": "", "password": "x"},
    ],
)
async def test_malformed_bodies_are_422(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    response = await client.post("/auth/login", json=body)
    assert response.status_code == 422
    assert response.json()["code"] == "validation.invalid"
