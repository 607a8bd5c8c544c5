"""Access tokens that cannot be forged, and refresh tokens that rotate in revocable families."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import httpx
import pytest
from jose import jwt
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import RefreshFamily, Role, User
from app.auth.tokens import REPLAY_GRACE
from app.core import clock
from app.core.audit import AuditEvent
from app.core.security import create_access_token, decode_access_token
from tests.auth.factories import bearer, login
from tests.conftest import TEST_SECRET
from tests.factories import auth, create_school, create_user


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _claims(token: str) -> dict[str, object]:
    return dict(jwt.get_unverified_claims(token))


@pytest.fixture
async def parent(session: AsyncSession) -> User:
    user = await create_user(session, roles=[Role.PARENT])
    await session.commit()
    return user


class TestAccessTokens:
    async def test_a_valid_token_passes(self, client: httpx.AsyncClient, parent: User) -> None:
        assert (await client.get("/me", headers=auth(parent))).status_code == 200

    async def test_alg_none_is_refused(self, client: httpx.AsyncClient, parent: User) -> None:
        claims = _claims(auth(parent)["Authorization"].split()[1])
        forged = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
        response = await client.get("/me", headers={"Authorization": f"Bearer {forged}"})
        assert response.status_code == 401
        assert response.json()["code"] == "auth.token_invalid"

    async def test_another_algorithm_with_the_right_key_is_refused(
        self, client: httpx.AsyncClient, parent: User
    ) -> None:
        claims = _claims(auth(parent)["Authorization"].split()[1])
        token = jwt.encode(claims, TEST_SECRET, algorithm="HS512")
        response = await client.get("/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401

    async def test_a_token_signed_with_another_key_is_refused(
        self, client: httpx.AsyncClient, parent: User
    ) -> None:
        claims = _claims(auth(parent)["Authorization"].split()[1])
        token = jwt.encode(claims, "not-the-server-secret-" + "y" * 30, algorithm="HS256")
        response = await client.get("/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401

    async def test_forged_roles_are_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, parent: User
    ) -> None:
        school = await create_school(session)
        await session.commit()
        token = auth(parent)["Authorization"].split()[1]
        claims = _claims(token)
        claims.update(roles=["school_admin"], school_id=str(school.id))
        resigned = jwt.encode(claims, "guessed-secret-" + "z" * 30, algorithm="HS256")
        header, _, signature = token.split(".")
        spliced = f"{header}.{_b64(claims)}.{signature}"  # the parent's own signature
        for forged in (resigned, spliced):
            response = await client.get("/staff", headers={"Authorization": f"Bearer {forged}"})
            assert response.status_code == 401
        # ...while the genuine token is merely a parent's, which the wall refuses.
        assert (await client.get("/staff", headers=auth(parent))).status_code == 403

    async def test_expiry_follows_the_clock(self, client: httpx.AsyncClient, parent: User) -> None:
        headers = auth(parent)
        clock.advance(timedelta(minutes=14, seconds=59))
        assert (await client.get("/me", headers=headers)).status_code == 200
        clock.advance(timedelta(seconds=1))
        response = await client.get("/me", headers=headers)
        assert response.status_code == 401
        assert response.json()["code"] == "auth.token_invalid"

    async def test_claims_are_the_contracts(self, parent: User) -> None:
        token, lifetime = create_access_token(parent.id, ["parent"], None)
        claims = _claims(token)
        assert {"sub", "roles", "school_id", "exp", "iat", "jti"} <= claims.keys()
        assert claims["school_id"] is None
        assert lifetime == 900
        assert decode_access_token(token) is not None

    @pytest.mark.parametrize(
        "header",
        ["Bearer", "Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Bearer a.b.c"],
    )
    async def test_malformed_credentials_are_401(
        self, client: httpx.AsyncClient, header: str
    ) -> None:
        response = await client.get("/me", headers={"Authorization": header})
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    async def test_no_token_is_401(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/me")
        assert response.status_code == 401
        assert response.json()["code"] == "auth.unauthenticated"

    async def test_a_refresh_token_is_not_an_access_token(
        self, client: httpx.AsyncClient, parent: User
    ) -> None:
        pair = await login(client, parent)
        response = await client.get(
            "/me", headers={"Authorization": f"Bearer {pair['refresh_token']}"}
        )
        assert response.status_code == 401


async def _refresh(client: httpx.AsyncClient, token: object) -> httpx.Response:
    return await client.post("/auth/refresh", json={"refresh_token": token})


async def _family_of(session: AsyncSession, user: User) -> list[RefreshFamily]:
    stmt = select(RefreshFamily).where(RefreshFamily.user_id == user.id)
    return list(await session.scalars(stmt.execution_options(populate_existing=True)))


class TestRefresh:
    async def test_rotation_spends_the_old_token(
        self, client: httpx.AsyncClient, parent: User
    ) -> None:
        first = await login(client, parent)
        response = await _refresh(client, first["refresh_token"])
        assert response.status_code == 200
        second = response.json()
        assert second.keys() == {"access_token", "refresh_token", "token_type", "expires_in"}
        assert second["refresh_token"] != first["refresh_token"]
        assert (await client.get("/me", headers=bearer(second))).status_code == 200
        third = await _refresh(client, second["refresh_token"])
        assert third.status_code == 200

    async def test_replaying_a_spent_token_revokes_the_family(
        self, client: httpx.AsyncClient, session: AsyncSession, parent: User
    ) -> None:
        phone = await login(client, parent)
        tablet = await login(client, parent)  # another sign-in: another family
        stolen = phone["refresh_token"]
        rotated = (await _refresh(client, stolen)).json()
        clock.advance(REPLAY_GRACE + timedelta(seconds=1))

        replay = await _refresh(client, stolen)

        assert replay.status_code == 401
        assert replay.json()["code"] == "auth.refresh_invalid"
        # the rightful holder's newer token died with its family...
        assert (await _refresh(client, rotated["refresh_token"])).status_code == 401
        # ...but the other device's sign-in lives on.
        assert (await _refresh(client, tablet["refresh_token"])).status_code == 200
        revoked = [f for f in await _family_of(session, parent) if f.revoked_at]
        assert [f.revoked_reason for f in revoked] == ["replay"]
        actions = list(
            await session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.action.like("auth.%refresh%"))
                .union_all(
                    select(AuditEvent.action).where(AuditEvent.action == "auth.family_revoked")
                )
            )
        )
        assert sorted(actions) == [
            "auth.family_revoked",
            "auth.refresh_failed",
            "auth.refresh_failed",
        ]

    async def test_an_expired_refresh_token_is_refused(
        self, client: httpx.AsyncClient, parent: User
    ) -> None:
        pair = await login(client, parent)
        clock.advance(timedelta(days=30, seconds=1))
        response = await _refresh(client, pair["refresh_token"])
        assert response.status_code == 401

    async def test_an_unknown_token_is_refused(self, client: httpx.AsyncClient) -> None:
        response = await _refresh(client, "made-up-token")
        assert response.status_code == 401
        assert response.json()["code"] == "auth.refresh_invalid"

    async def test_failures_of_known_tokens_are_audited(
        self, client: httpx.AsyncClient, session: AsyncSession, parent: User
    ) -> None:
        pair = await login(client, parent)
        clock.advance(timedelta(days=31))
        assert (await _refresh(client, pair["refresh_token"])).status_code == 401
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "auth.refresh_failed")
        )
        assert event is not None
        assert (event.actor_id, event.data) == (parent.id, {"reason": "expired"})

    @pytest.mark.parametrize("body", [{}, {"refresh_token": ""}, {"refresh_token": "x" * 513}])
    async def test_malformed_bodies_are_422(self, client: httpx.AsyncClient, body: dict) -> None:
        assert (await client.post("/auth/refresh", json=body)).status_code == 422


class TestStaffChangesReachTokens:
    async def test_new_roles_arrive_with_the_next_refresh(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        school = await create_school(session)
        admin = await create_user(session, roles=[Role.SCHOOL_ADMIN], school=school)
        teacher = await create_user(session, roles=[Role.TEACHER], school=school)
        await session.commit()
        pair = await login(client, teacher)

        response = await client.patch(
            f"/staff/{teacher.id}", json={"roles": ["duty"]}, headers=auth(admin)
        )
        assert response.status_code == 200

        # The access token in hand, which says "teacher", is refused at once...
        assert (await client.get("/me", headers=bearer(pair))).status_code == 401
        # ...and the refresh reads the roles afresh.
        refreshed = (await _refresh(client, pair["refresh_token"])).json()
        claims = decode_access_token(refreshed["access_token"])
        assert claims is not None
        assert claims.roles == {"duty"}
        assert claims.school_id == school.id

    async def test_a_deactivated_member_cannot_refresh(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        school = await create_school(session)
        admin = await create_user(session, roles=[Role.SCHOOL_ADMIN], school=school)
        duty = await create_user(session, roles=[Role.DUTY], school=school)
        await session.commit()
        pair = await login(client, duty)

        response = await client.patch(
            f"/staff/{duty.id}", json={"is_active": False}, headers=auth(admin)
        )
        assert response.status_code == 200

        assert (await _refresh(client, pair["refresh_token"])).status_code == 401
        (family,) = await _family_of(session, duty)
        assert family.revoked_reason == "deactivated"


class TestLogout:
    async def test_logout_ends_that_sign_in_only(
        self, client: httpx.AsyncClient, session: AsyncSession, parent: User
    ) -> None:
        phone = await login(client, parent)
        tablet = await login(client, parent)

        response = await client.post("/auth/logout", json={"refresh_token": phone["refresh_token"]})

        assert response.status_code == 204
        assert response.content == b""
        assert (await _refresh(client, phone["refresh_token"])).status_code == 401
        assert (await _refresh(client, tablet["refresh_token"])).status_code == 200
        event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.logout"))
        assert event is not None and event.actor_id == parent.id

    async def test_logout_is_repeatable_and_says_nothing_about_unknown_tokens(
        self, client: httpx.AsyncClient, parent: User
    ) -> None:
        pair = await login(client, parent)
        for token in (pair["refresh_token"], pair["refresh_token"], "never-issued"):
            response = await client.post("/auth/logout", json={"refresh_token": token})
            assert response.status_code == 204

    async def test_logout_with_a_spent_token_ends_the_family(
        self, client: httpx.AsyncClient, parent: User
    ) -> None:
        pair = await login(client, parent)
        rotated = (await _refresh(client, pair["refresh_token"])).json()
        await client.post("/auth/logout", json={"refresh_token": pair["refresh_token"]})
        assert (await _refresh(client, rotated["refresh_token"])).status_code == 401


async def test_a_token_for_a_deleted_account_is_401(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ghost_id = uuid.uuid4()
    token, _ = create_access_token(ghost_id, ["parent"], None)
    response = await client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
