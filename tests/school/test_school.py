"""GET|PATCH /school: the school's name, time zone and policy (一校一方案)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.audit import AuditEvent
from app.school import service as school_service
from app.school.models import School
from tests.core.test_problems import assert_problem
from tests.school.conftest import NOT_ADMINS, Cast

DEFAULTS = {
    "enrollment_review": "class_then_school",
    "withdrawal_review": "none",
    "max_group_size": 45,
    "late_pickup_grace_minutes": 15,
    "fees": {"mode": "free", "waivers": {}},
    "overtime_after": "16:30",
    "pay_rates": {"session_hour_fen": 0, "overtime_hour_fen": 0, "duty_hour_fen": 0},
}


class TestGetSchool:
    async def test_staff_read_their_school_with_the_default_policy(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        for who in ("admin", "teacher", "duty"):
            response = await client.get("/school", headers=cast.headers(who))
            assert response.status_code == 200, who
            body = response.json()
            assert body["id"] == str(cast.school.id)
            assert body["name"] == cast.school.name
            assert body["timezone"] == "Asia/Shanghai"
            assert body["policy"] == DEFAULTS

    async def test_a_stored_policy_missing_keys_reads_with_defaults(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        school = await session.get(School, cast.school.id)
        assert school is not None
        school.policy = {"max_group_size": 30}
        await session.commit()
        body = (await client.get("/school", headers=cast.headers("admin"))).json()
        assert body["policy"] == {**DEFAULTS, "max_group_size": 30}

    async def test_a_stored_value_that_no_longer_validates_reads_as_its_default(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        school = await session.get(School, cast.school.id)
        assert school is not None
        school.policy = {
            "enrollment_review": "everyone",
            "late_pickup_grace_minutes": -5,
            "max_group_size": 30,
        }
        await session.commit()
        response = await client.get("/school", headers=cast.headers("admin"))
        assert response.status_code == 200, response.text
        assert response.json()["policy"] == {**DEFAULTS, "max_group_size": 30}
        policy = await school_service.policy(session, cast.school.id)
        assert policy.late_pickup_grace == timedelta(minutes=15)

    async def test_parents_are_refused(self, client: httpx.AsyncClient, cast: Cast) -> None:
        assert_problem(
            await client.get("/school", headers=cast.headers("parent")), 403, "auth.forbidden"
        )

    async def test_without_a_token_is_401(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/school")).status_code == 401


class TestPatchSchool:
    async def test_merges_policy_keys_and_keeps_the_rest(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        response = await client.patch(
            "/school",
            json={"policy": {"enrollment_review": "none", "max_group_size": 30}},
            headers=cast.headers("admin"),
        )
        assert response.status_code == 200
        body = response.json()
        assert body["name"] == cast.school.name
        assert body["policy"] == {**DEFAULTS, "enrollment_review": "none", "max_group_size": 30}

        response = await client.patch(
            "/school",
            json={"policy": {"withdrawal_review": "school"}},
            headers=cast.headers("admin"),
        )
        assert response.json()["policy"] == {
            **DEFAULTS,
            "enrollment_review": "none",
            "max_group_size": 30,
            "withdrawal_review": "school",
        }
        # and other domains read the same policy
        policy = await school_service.policy(session, cast.school.id)
        assert policy.enrollment_review == "none"
        assert policy.withdrawal_review == "school"

    async def test_name_and_timezone_change(self, client: httpx.AsyncClient, cast: Cast) -> None:
        response = await client.patch(
            "/school",
            json={"name": "  新华小学 ", "timezone": "Asia/Urumqi"},
            headers=cast.headers("admin"),
        )
        assert response.status_code == 200
        assert response.json()["name"] == "新华小学"
        assert response.json()["timezone"] == "Asia/Urumqi"
        assert response.json()["policy"] == DEFAULTS

    async def test_changes_are_audited_with_before_and_after(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        await client.patch(
            "/school",
            json={"policy": {"late_pickup_grace_minutes": 20, "max_group_size": 45}},
            headers=cast.headers("admin"),
        )
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "school.updated")
        )
        assert event is not None
        assert event.actor_id == cast.admin.id
        assert event.school_id == cast.school.id
        # an unchanged value is not a change
        assert event.data == {"changes": {"policy": {"late_pickup_grace_minutes": [15, 20]}}}

    async def test_a_patch_changing_nothing_records_nothing(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        response = await client.patch("/school", json={}, headers=cast.headers("admin"))
        assert response.status_code == 200
        assert await session.scalar(select(AuditEvent.id)) is None

    async def test_concurrent_patches_of_different_keys_both_stick(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        headers = cast.headers("admin")
        await asyncio.gather(
            client.patch("/school", json={"policy": {"max_group_size": 20}}, headers=headers),
            client.patch(
                "/school", json={"policy": {"enrollment_review": "class"}}, headers=headers
            ),
        )
        policy = (await client.get("/school", headers=headers)).json()["policy"]
        assert policy["max_group_size"] == 20
        assert policy["enrollment_review"] == "class"

    @pytest.mark.parametrize("who", NOT_ADMINS)
    async def test_other_roles_are_refused(
        self, client: httpx.AsyncClient, cast: Cast, who: str
    ) -> None:
        response = await client.patch("/school", json={"name": "x"}, headers=cast.headers(who))
        assert_problem(response, 403, "auth.forbidden")

    async def test_an_admin_changes_only_their_own_school(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        await client.patch("/school", json={"name": "别校"}, headers=cast.headers("other_admin"))
        school = await session.scalar(select(School.name).where(School.id == cast.school.id))
        assert school == cast.school.name

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"timezone": "Mars/Olympus"}, "timezone"),
            ({"timezone": "../../etc/passwd"}, "timezone"),
            ({"timezone": "localtime"}, "timezone"),
            ({"policy": {"enrollment_review": "teacher"}}, "policy.enrollment_review"),
            ({"policy": {"withdrawal_review": "class"}}, "policy.withdrawal_review"),
            ({"policy": {"max_group_size": 0}}, "policy.max_group_size"),
            ({"policy": {"max_group_size": 501}}, "policy.max_group_size"),
            ({"policy": {"max_group_size": "many"}}, "policy.max_group_size"),
            ({"policy": {"late_pickup_grace_minutes": -1}}, "policy.late_pickup_grace_minutes"),
            ({"policy": {"late_pickup_grace_minutes": 241}}, "policy.late_pickup_grace_minutes"),
            ({"policy": {"max_group_size": None}}, "policy.max_group_size"),
            ({"policy": {"bus_service": True}}, "policy.bus_service"),
            ({"policy": None}, "policy"),
            ({"name": ""}, "name"),
            ({"name": "长" * 101}, "name"),
            ({"id": "x"}, "id"),
        ],
    )
    async def test_bad_values_are_422_naming_the_field(
        self, client: httpx.AsyncClient, cast: Cast, body: dict, field: str
    ) -> None:
        response = await client.patch("/school", json=body, headers=cast.headers("admin"))
        problem = assert_problem(response, 422, response.json()["code"])
        assert problem["code"] in {"validation.invalid", "school.timezone_invalid"}
        assert field in {e["field"] for e in problem["errors"]}
        # and nothing changed
        assert (await client.get("/school", headers=cast.headers("admin"))).json()[
            "policy"
        ] == DEFAULTS

    async def test_timezone_problem_speaks_english_when_asked(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        response = await client.patch(
            "/school", json={"timezone": "Mars/Olympus"}, headers=cast.headers("admin", "en")
        )
        problem = assert_problem(response, 422, "school.timezone_invalid")
        assert "Mars/Olympus" in problem["detail"]
