"""Access tokens already issued end at once: deactivation, role and password changes, logout.

And one app refreshing several times at once keeps its sign-in (a 10-second grace), while a
spent refresh token replayed later still revokes the whole family.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.auth import tokens
from app.auth.models import RefreshFamily, Role, User
from app.core import clock
from app.core.audit import AuditEvent
from app.core.security import create_access_token, decode_access_token
from app.school.models import School
from tests.auth.factories import bearer, login
from tests.factories import PASSWORD, auth, create_school, create_user

NEW_PASSWORD = "new-chalk-and-board-8"


def _staff_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "username": "wang.fang",
        "password": "chalk-and-board-7",
        "name": "王芳",
        "phone": "13700000002",
        "roles": ["school_admin"],
    }
    return {**body, **overrides}


async def _refresh(client: httpx.AsyncClient, token: object) -> httpx.Response:
    return await client.post("/auth/refresh", json={"refresh_token": token})


async def _families(session: AsyncSession, user: User) -> list[RefreshFamily]:
    stmt = select(RefreshFamily).where(RefreshFamily.user_id == user.id)
    return list(await session.scalars(stmt.execution_options(populate_existing=True)))


async def _stored(session: AsyncSession, user: User) -> User:
    found = await session.get(User, user.id, populate_existing=True)
    assert found is not None
    return found


@pytest.fixture
async def school(session: AsyncSession) -> School:
    school = await create_school(session)
    await session.commit()
    return school


@pytest.fixture
async def admin_a(session: AsyncSession, school: School) -> User:
    user = await create_user(session, roles=[Role.SCHOOL_ADMIN], school=school, name="李明")
    await session.commit()
    return user


@pytest.fixture
async def admin_b(session: AsyncSession, school: School) -> User:
    user = await create_user(session, roles=[Role.SCHOOL_ADMIN], school=school, name="赵敏")
    await session.commit()
    return user


@pytest.fixture
async def parent(session: AsyncSession) -> User:
    user = await create_user(session, roles=[Role.PARENT])
    await session.commit()
    return user


class TestDeactivation:
    async def test_a_deactivated_admin_can_neither_appoint_an_admin_nor_revive_themselves(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        school: School,
        admin_a: User,
        admin_b: User,
    ) -> None:
        # The probe's reproduction, with a sign-in's token and a bare one alike.
        pair = await login(client, admin_a)
        held = [bearer(pair), auth(admin_a)]
        assert (await client.get("/staff", headers=held[0])).status_code == 200

        response = await client.patch(
            f"/staff/{admin_a.id}", json={"is_active": False}, headers=auth(admin_b)
        )
        assert response.status_code == 200

        for headers in held:
            created = await client.post("/staff", json=_staff_body(), headers=headers)
            assert created.status_code == 401
            assert created.json()["code"] == "auth.token_invalid"
            revived = await client.patch(
                f"/staff/{admin_a.id}", json={"is_active": True}, headers=headers
            )
            assert revived.status_code == 401
        assert await session.scalar(select(func.count()).where(User.school_id == school.id)) == 2
        assert (await _stored(session, admin_a)).is_active is False
        assert (await _refresh(client, pair["refresh_token"])).status_code == 401

    async def test_reactivation_does_not_revive_old_tokens(
        self, client: httpx.AsyncClient, admin_a: User, admin_b: User
    ) -> None:
        pair = await login(client, admin_a)
        for active in (False, True):
            response = await client.patch(
                f"/staff/{admin_a.id}", json={"is_active": active}, headers=auth(admin_b)
            )
            assert response.status_code == 200

        assert (await client.get("/staff", headers=bearer(pair))).status_code == 401
        # the sign-in ended with the deactivation; a fresh login works
        assert (await _refresh(client, pair["refresh_token"])).status_code == 401
        fresh = await login(client, admin_a)
        assert (await client.get("/staff", headers=bearer(fresh))).status_code == 200


class TestRoleChange:
    async def test_a_demoted_admin_loses_admin_power_at_once(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        school: School,
        admin_a: User,
        admin_b: User,
    ) -> None:
        pair = await login(client, admin_a)
        response = await client.patch(
            f"/staff/{admin_a.id}", json={"roles": ["teacher"]}, headers=auth(admin_b)
        )
        assert response.status_code == 200

        created = await client.post("/staff", json=_staff_body(), headers=bearer(pair))
        assert created.status_code == 401
        renamed = await client.patch("/school", json={"name": "夺权小学"}, headers=bearer(pair))
        assert renamed.status_code == 401
        stored = await session.get(School, school.id, populate_existing=True)
        assert stored is not None and stored.name == school.name

        # The sign-in lives on: its next refresh carries the new roles, which the wall refuses.
        refreshed = await _refresh(client, pair["refresh_token"])
        assert refreshed.status_code == 200
        claims = decode_access_token(refreshed.json()["access_token"])
        assert claims is not None and claims.roles == {"teacher"}
        again = await client.post("/staff", json=_staff_body(), headers=bearer(refreshed.json()))
        assert again.status_code == 403
        assert await session.scalar(select(func.count()).where(User.school_id == school.id)) == 2

    async def test_a_promotion_also_ends_the_old_token_and_the_refresh_brings_it(
        self, client: httpx.AsyncClient, session: AsyncSession, school: School, admin_b: User
    ) -> None:
        teacher = await create_user(session, roles=[Role.TEACHER], school=school)
        await session.commit()
        pair = await login(client, teacher)
        response = await client.patch(
            f"/staff/{teacher.id}", json={"roles": ["teacher", "duty"]}, headers=auth(admin_b)
        )
        assert response.status_code == 200

        assert (await client.get("/me", headers=bearer(pair))).status_code == 401
        refreshed = (await _refresh(client, pair["refresh_token"])).json()
        me = await client.get("/me", headers=bearer(refreshed))
        assert me.status_code == 200
        assert me.json()["roles"] == ["duty", "teacher"]

    async def test_a_change_of_name_or_phone_leaves_tokens_alone(
        self, client: httpx.AsyncClient, session: AsyncSession, school: School, admin_b: User
    ) -> None:
        teacher = await create_user(session, roles=[Role.TEACHER], school=school)
        await session.commit()
        pair = await login(client, teacher)
        response = await client.patch(
            f"/staff/{teacher.id}",
            json={"name": "陈老师", "phone": "13900000009", "roles": ["teacher"]},
            headers=auth(admin_b),
        )
        assert response.status_code == 200
        assert (await client.get("/me", headers=bearer(pair))).status_code == 200
        renamed = await client.patch("/me", json={"name": "陈静"}, headers=bearer(pair))
        assert renamed.status_code == 200
        assert (await client.get("/me", headers=bearer(pair))).status_code == 200

    async def test_the_caller_is_who_the_database_says_not_the_token(
        self, client: httpx.AsyncClient, school: School, parent: User
    ) -> None:
        # A genuine signature over roles the account does not hold (as an old build or a
        # leaked key might mint): the stored roles decide.
        token, _ = create_access_token(parent.id, ["school_admin"], school.id)
        headers = {"Authorization": f"Bearer {token}"}
        assert (await client.get("/staff", headers=headers)).status_code == 403
        me = await client.get("/me", headers=headers)
        assert (me.json()["roles"], me.json()["school_id"]) == (["parent"], None)


class TestConcurrentChanges:
    async def test_edits_of_one_member_at_once_each_end_the_tokens(
        self, client: httpx.AsyncClient, session: AsyncSession, school: School, admin_b: User
    ) -> None:
        teacher = await create_user(session, roles=[Role.TEACHER], school=school)
        await session.commit()
        pair = await login(client, teacher)

        bodies = [{"roles": ["duty"]}] + [{"password": f"{NEW_PASSWORD}-{i}"} for i in range(3)]
        responses = await asyncio.gather(
            *(client.patch(f"/staff/{teacher.id}", json=b, headers=auth(admin_b)) for b in bodies)
        )

        assert [r.status_code for r in responses] == [200] * 4
        stored = await _stored(session, teacher)
        assert (stored.roles, stored.token_version) == (["duty"], 4)  # no bump lost
        assert (await client.get("/me", headers=bearer(pair))).status_code == 401


class TestPasswordChange:
    async def test_an_admins_reset_ends_the_members_tokens(
        self, client: httpx.AsyncClient, session: AsyncSession, school: School, admin_b: User
    ) -> None:
        duty = await create_user(session, roles=[Role.DUTY], school=school)
        await session.commit()
        pair = await login(client, duty)
        response = await client.patch(
            f"/staff/{duty.id}", json={"password": NEW_PASSWORD}, headers=auth(admin_b)
        )
        assert response.status_code == 200

        assert (await client.get("/me", headers=bearer(pair))).status_code == 401
        assert (await client.get("/me", headers=auth(duty))).status_code == 401
        assert (await _refresh(client, pair["refresh_token"])).status_code == 401
        fresh = await login(client, duty, NEW_PASSWORD)
        assert (await client.get("/me", headers=bearer(fresh))).status_code == 200

    async def test_changing_ones_own_password_ends_every_device(
        self, client: httpx.AsyncClient, parent: User
    ) -> None:
        phone = await login(client, parent)
        tablet = await login(client, parent)
        response = await client.post(
            "/me/password",
            json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
            headers=bearer(phone),
        )
        assert response.status_code == 204

        for pair in (phone, tablet):
            assert (await client.get("/me", headers=bearer(pair))).status_code == 401
        fresh = await login(client, parent, NEW_PASSWORD)
        assert (await client.get("/me", headers=bearer(fresh))).status_code == 200

    async def test_a_wrong_current_password_ends_nothing(
        self, client: httpx.AsyncClient, parent: User
    ) -> None:
        pair = await login(client, parent)
        response = await client.post(
            "/me/password",
            json={"current_password": "not-my-password-1", "new_password": NEW_PASSWORD},
            headers=bearer(pair),
        )
        assert response.status_code == 422
        assert (await client.get("/me", headers=bearer(pair))).status_code == 200


class TestLogout:
    async def test_the_device_that_logged_out_is_out_and_only_it(
        self, client: httpx.AsyncClient, parent: User
    ) -> None:
        phone = await login(client, parent)
        tablet = await login(client, parent)

        response = await client.post("/auth/logout", json={"refresh_token": phone["refresh_token"]})
        assert response.status_code == 204

        gone = await client.get("/me", headers=bearer(phone))
        assert gone.status_code == 401
        assert gone.json()["code"] == "auth.token_invalid"
        assert (await client.get("/me", headers=bearer(tablet))).status_code == 200

    async def test_logout_ends_the_access_tokens_of_every_rotation(
        self, client: httpx.AsyncClient, parent: User
    ) -> None:
        first = await login(client, parent)
        second = (await _refresh(client, first["refresh_token"])).json()
        await client.post("/auth/logout", json={"refresh_token": second["refresh_token"]})
        for pair in (first, second):
            assert (await client.get("/me", headers=bearer(pair))).status_code == 401


class TestDeletedAccount:
    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
            ("GET", "/me", None),
            ("PATCH", "/me", {"name": "幽灵"}),
            ("POST", "/me/children", {"binding_code": "ABCDEFGH", "relationship": "父亲"}),
            ("GET", "/notifications", None),
            ("POST", "/devices", {"platform": "fcm", "token": "fcm-ghost"}),
        ],
    )
    async def test_a_deleted_accounts_tokens_are_401_never_500(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        parent: User,
        method: str,
        path: str,
        body: dict[str, str] | None,
    ) -> None:
        pair = await login(client, parent)
        held = [bearer(pair), auth(parent)]
        await session.execute(delete(User).where(User.id == parent.id))
        await session.commit()

        for headers in held:
            response = await client.request(method, path, json=body, headers=headers)
            assert response.status_code == 401, response.text
            assert response.headers["content-type"] == "application/problem+json"


class TestTheWallCostsOneQuery:
    @pytest.mark.parametrize("signed_in", [True, False])
    async def test_one_statement_per_check(
        self,
        client: httpx.AsyncClient,
        engine: AsyncEngine,
        session: AsyncSession,
        parent: User,
        signed_in: bool,
    ) -> None:
        token = str((await login(client, parent))["access_token"]) if signed_in else None
        claims = decode_access_token(token or auth(parent)["Authorization"].split()[1])
        assert claims is not None and (claims.family_id is not None) == signed_in
        statements: list[str] = []

        def count(*args: Any) -> None:
            statements.append(args[2])

        event.listen(engine.sync_engine, "before_cursor_execute", count)
        try:
            principal = await tokens.principal_for(session, claims)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", count)

        assert principal is not None and principal.roles == {"parent"}
        assert len(statements) == 1
        assert ("refresh_families" in statements[0]) == signed_in


class TestConcurrentRefreshes:
    async def test_four_at_once_all_succeed_and_every_pair_works(
        self, client: httpx.AsyncClient, session: AsyncSession, parent: User
    ) -> None:
        pair = await login(client, parent)

        responses = await asyncio.gather(
            *(_refresh(client, pair["refresh_token"]) for _ in range(4))
        )

        assert [r.status_code for r in responses] == [200] * 4
        pairs = [r.json() for r in responses]
        assert len({p["refresh_token"] for p in pairs}) == 4
        (family,) = await _families(session, parent)
        assert family.revoked_at is None
        for new in pairs:
            assert (await client.get("/me", headers=bearer(new))).status_code == 200
        for new in pairs:
            assert (await _refresh(client, new["refresh_token"])).status_code == 200
        graced = await session.scalar(
            select(func.count()).where(AuditEvent.action == "auth.refresh_grace")
        )
        assert graced == 3

    async def test_a_replay_within_ten_seconds_answers_and_after_them_revokes(
        self, client: httpx.AsyncClient, session: AsyncSession, parent: User
    ) -> None:
        clock.freeze(clock.now())
        pair = await login(client, parent)
        rotated = (await _refresh(client, pair["refresh_token"])).json()

        clock.advance(tokens.REPLAY_GRACE)
        graced = await _refresh(client, pair["refresh_token"])
        assert graced.status_code == 200
        assert (await _families(session, parent))[0].revoked_at is None

        clock.advance(timedelta(seconds=1))
        replay = await _refresh(client, pair["refresh_token"])

        assert replay.status_code == 401
        assert replay.json()["code"] == "auth.refresh_invalid"
        (family,) = await _families(session, parent)
        assert family.revoked_reason == "replay"
        for issued in (rotated, graced.json()):
            assert (await _refresh(client, issued["refresh_token"])).status_code == 401
            assert (await client.get("/me", headers=bearer(issued))).status_code == 401

    async def test_the_grace_does_not_revive_a_logged_out_sign_in(
        self, client: httpx.AsyncClient, parent: User
    ) -> None:
        pair = await login(client, parent)
        rotated = (await _refresh(client, pair["refresh_token"])).json()
        await client.post("/auth/logout", json={"refresh_token": rotated["refresh_token"]})
        assert (await _refresh(client, pair["refresh_token"])).status_code == 401

    async def test_the_grace_does_not_serve_a_deactivated_account(
        self, client: httpx.AsyncClient, session: AsyncSession, parent: User
    ) -> None:
        pair = await login(client, parent)
        assert (await _refresh(client, pair["refresh_token"])).status_code == 200
        (await _stored(session, parent)).is_active = False
        await session.commit()
        assert (await _refresh(client, pair["refresh_token"])).status_code == 401
