"""Parents: registration with a binding code, more children later, and their own account."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import FailedAttempt, RefreshFamily, Role, User
from app.core import clock
from app.core.audit import AuditEvent
from app.main import app
from app.school.models import Guardian, Student
from tests.auth.factories import CODE_TTL, bearer, create_binding_code, login
from tests.factories import (
    PASSWORD,
    auth,
    create_class,
    create_school,
    create_student,
    create_user,
    link_guardian,
)

NOW = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)


def _registration(code: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "phone": "13812345678",
        "password": "xiaoming-2026",
        "name": "李娟",
        "binding_code": code,
        "relationship": "母亲",
    }
    return {**body, **overrides}


@pytest.fixture
async def student(session: AsyncSession) -> Student:
    school = await create_school(session)
    school_class = await create_class(session, school, name="三年级2班")
    child = await create_student(session, school_class, name="王小明")
    await session.commit()
    return child


@pytest.fixture
async def code(session: AsyncSession, student: Student) -> str:
    issued = await create_binding_code(session, student)
    await session.commit()
    return issued.code


def _from(ip: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 5000))
    return httpx.AsyncClient(transport=transport, base_url="http://test/api/v1")


class TestRegister:
    async def test_creates_a_parent_linked_to_the_child(
        self, client: httpx.AsyncClient, session: AsyncSession, student: Student, code: str
    ) -> None:
        response = await client.post("/auth/register", json=_registration(code))

        assert response.status_code == 201
        pair = response.json()
        assert pair["token_type"] == "bearer"
        me = (await client.get("/me", headers=bearer(pair))).json()
        assert me["name"] == "李娟"
        assert me["roles"] == ["parent"]
        assert me["school_id"] is None
        assert me["children"] == [
            {
                "id": str(student.id),
                "name": "王小明",
                "class_name": "三年级2班",
                "relationship": "母亲",
            }
        ]
        # The phone is the username.
        again = await client.post(
            "/auth/login", json={"username": "13812345678", "password": "xiaoming-2026"}
        )
        assert again.status_code == 200
        actions = set(await session.scalars(select(AuditEvent.action)))
        assert {"auth.registered", "guardian.linked"} <= actions

    async def test_the_code_may_be_typed_loosely(
        self, client: httpx.AsyncClient, code: str
    ) -> None:
        typed = f" {code[:4].lower()}-{code[4:].lower()} "
        response = await client.post("/auth/register", json=_registration(typed))
        assert response.status_code == 201

    async def test_both_parents_can_use_one_code(
        self, client: httpx.AsyncClient, session: AsyncSession, student: Student, code: str
    ) -> None:
        mother = await client.post("/auth/register", json=_registration(code))
        father = await client.post(
            "/auth/register",
            json=_registration(code, phone="13912345678", name="王强", relationship="父亲"),
        )
        assert mother.status_code == father.status_code == 201
        relationships = await session.scalars(
            select(Guardian.relationship).where(Guardian.student_id == student.id)
        )
        assert sorted(relationships) == ["母亲", "父亲"]

    async def test_unknown_expired_and_replaced_codes_are_404(
        self, client: httpx.AsyncClient, session: AsyncSession, student: Student, code: str
    ) -> None:
        unknown = await client.post("/auth/register", json=_registration("ZZZZ2222"))
        assert unknown.status_code == 404
        assert unknown.json()["code"] == "binding.invalid"

        replacement = await create_binding_code(session, student)
        await session.commit()
        replaced = await client.post("/auth/register", json=_registration(code))
        assert replaced.status_code == 404

        clock.advance(CODE_TTL + timedelta(seconds=1))
        expired = await client.post("/auth/register", json=_registration(replacement.code))
        assert expired.status_code == 404
        assert await session.scalar(select(func.count(User.id))) == 0

    async def test_a_registered_phone_is_409_and_nothing_changes(
        self, client: httpx.AsyncClient, session: AsyncSession, code: str
    ) -> None:
        assert (await client.post("/auth/register", json=_registration(code))).status_code == 201
        response = await client.post(
            "/auth/register", json=_registration(code, password="another-pass-1")
        )
        assert response.status_code == 409
        assert response.json()["code"] == "auth.phone_taken"
        assert await session.scalar(select(func.count(Guardian.user_id))) == 1

    async def test_two_registrations_of_one_phone_at_once(
        self, client: httpx.AsyncClient, session: AsyncSession, code: str
    ) -> None:
        responses = await asyncio.gather(
            client.post("/auth/register", json=_registration(code)),
            client.post("/auth/register", json=_registration(code)),
        )
        assert sorted(r.status_code for r in responses) == [201, 409]
        assert await session.scalar(select(func.count(User.id))) == 1

    @pytest.mark.parametrize(
        "password",
        ["short-1", "abcdefghij", "1234567890", "ABCDEFGHIJ", "!!!!!!!!!!", "13812345678"],
    )
    async def test_weak_passwords_are_refused(
        self, client: httpx.AsyncClient, code: str, password: str
    ) -> None:
        response = await client.post("/auth/register", json=_registration(code, password=password))
        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "auth.password_weak"
        assert body["errors"][0]["field"] == "password"

    @pytest.mark.parametrize(
        "overrides",
        [
            {"phone": "call-me"},
            {"phone": "123"},
            {"name": ""},
            {"name": "名" * 65},
            {"relationship": "x" * 33},
            {"binding_code": "A" * 33},
            {"grade": 3},
        ],
    )
    async def test_malformed_bodies_are_422(
        self, client: httpx.AsyncClient, code: str, overrides: dict[str, Any]
    ) -> None:
        response = await client.post("/auth/register", json=_registration(code, **overrides))
        assert response.status_code == 422
        assert response.json()["code"] == "validation.invalid"


class TestBindingThrottle:
    async def test_an_address_gets_30_wrong_codes_per_window(
        self, client: httpx.AsyncClient, code: str
    ) -> None:
        clock.freeze(NOW)
        for i in range(30):
            response = await client.post(
                "/auth/register", json=_registration(f"WRONG{i:03d}", phone=f"1380000{i:04d}")
            )
            assert response.status_code == 404
        clock.advance(timedelta(minutes=1))

        blocked = await client.post("/auth/register", json=_registration(code))
        assert blocked.status_code == 429
        assert blocked.json()["code"] == "auth.too_many_attempts"
        assert blocked.headers["retry-after"] == str(14 * 60)

        async with _from("198.51.100.7") as elsewhere:
            assert (
                await elsewhere.post("/auth/register", json=_registration(code))
            ).status_code == 201

    async def test_an_account_gets_10_wrong_codes_per_window(
        self, client: httpx.AsyncClient, session: AsyncSession, student: Student, code: str
    ) -> None:
        clock.freeze(NOW)
        parent = await create_user(session, roles=[Role.PARENT])
        await session.commit()
        for i in range(10):
            async with _from(f"198.51.100.{i}") as phone:  # a new address each time
                response = await phone.post(
                    "/me/children",
                    json={"binding_code": f"WRONG{i:03d}", "relationship": "父亲"},
                    headers=auth(parent),
                )
            assert response.status_code == 404

        right = await client.post(
            "/me/children",
            json={"binding_code": code, "relationship": "父亲"},
            headers=auth(parent),
        )
        assert right.status_code == 429
        assert right.headers["retry-after"] == str(15 * 60)

        clock.advance(timedelta(minutes=15))
        right = await client.post(
            "/me/children",
            json={"binding_code": code, "relationship": "父亲"},
            headers=auth(parent),
        )
        assert right.status_code == 201

    async def test_a_burst_of_guesses_cannot_outrun_the_count(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parent = await create_user(session, roles=[Role.PARENT])
        await session.commit()

        responses = await asyncio.gather(
            *(
                client.post(
                    "/me/children",
                    json={"binding_code": f"BURST{i:03d}", "relationship": "父亲"},
                    headers=auth(parent),
                )
                for i in range(16)
            )
        )

        statuses = sorted(r.status_code for r in responses)
        assert statuses == [404] * 10 + [429] * 6
        assert await session.scalar(select(func.count(FailedAttempt.id))) == 20  # account + ip

    async def test_failures_are_audited(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await client.post("/auth/register", json=_registration("NOPE2345"))
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "binding.failed")
        )
        assert event is not None
        assert event.ip == "127.0.0.1"


class TestAddChild:
    async def test_links_another_child(
        self, client: httpx.AsyncClient, session: AsyncSession, student: Student, code: str
    ) -> None:
        parent = await create_user(session, roles=[Role.PARENT])
        school = await create_school(session)
        first = await create_student(session, await create_class(session, school), name="王小红")
        await link_guardian(session, parent, first, relationship="父亲")
        await session.commit()

        response = await client.post(
            "/me/children",
            json={"binding_code": code, "relationship": "父亲"},
            headers=auth(parent),
        )

        assert response.status_code == 201
        assert response.json() == {
            "id": str(student.id),
            "name": "王小明",
            "class_name": "三年级2班",
            "relationship": "父亲",
        }
        me = (await client.get("/me", headers=auth(parent))).json()
        assert [c["name"] for c in me["children"]] == ["王小红", "王小明"]
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "guardian.linked")
        )
        assert event is not None
        assert (event.actor_id, event.object_id, event.school_id) == (
            parent.id,
            student.id,
            student.school_id,
        )

    async def test_linking_twice_is_409(
        self, client: httpx.AsyncClient, session: AsyncSession, code: str
    ) -> None:
        parent = await create_user(session, roles=[Role.PARENT])
        await session.commit()
        body = {"binding_code": code, "relationship": "父亲"}
        assert (
            await client.post("/me/children", json=body, headers=auth(parent))
        ).status_code == 201
        again = await client.post("/me/children", json=body, headers=auth(parent))
        assert again.status_code == 409
        assert again.json()["code"] == "binding.already_linked"

    async def test_a_bad_code_is_404(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parent = await create_user(session, roles=[Role.PARENT])
        await session.commit()
        response = await client.post(
            "/me/children",
            json={"binding_code": "ABCD2345", "relationship": "父亲"},
            headers=auth(parent),
        )
        assert response.status_code == 404
        assert response.json()["code"] == "binding.invalid"

    @pytest.mark.parametrize("role", [Role.TEACHER, Role.DUTY, Role.SCHOOL_ADMIN])
    async def test_staff_are_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, code: str, role: Role
    ) -> None:
        staff = await create_user(session, roles=[role], school=await create_school(session))
        await session.commit()
        response = await client.post(
            "/me/children", json={"binding_code": code, "relationship": "父亲"}, headers=auth(staff)
        )
        assert response.status_code == 403
        assert await session.scalar(select(func.count(Guardian.user_id))) == 0

    async def test_without_a_token_is_401(self, client: httpx.AsyncClient, code: str) -> None:
        response = await client.post(
            "/me/children", json={"binding_code": code, "relationship": "父亲"}
        )
        assert response.status_code == 401

    async def test_unknown_fields_are_422(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parent = await create_user(session, roles=[Role.PARENT])
        await session.commit()
        response = await client.post(
            "/me/children",
            json={"binding_code": "ABCD2345", "relationship": "父亲", "student_id": "x"},
            headers=auth(parent),
        )
        assert response.status_code == 422


class TestMe:
    async def test_staff_see_their_school_and_no_children(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        school = await create_school(session)
        teacher = await create_user(
            session, roles=[Role.TEACHER, Role.DUTY], school=school, name="陈老师"
        )
        await session.commit()
        response = await client.get("/me", headers=auth(teacher))
        assert response.status_code == 200
        assert response.json() == {
            "id": str(teacher.id),
            "name": "陈老师",
            "username": teacher.username,
            "phone": None,
            "roles": ["duty", "teacher"],
            "school_id": str(school.id),
            "children": [],
        }

    async def test_rename(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        parent = await create_user(session, roles=[Role.PARENT], name="微信用户")
        await session.commit()
        response = await client.patch("/me", json={"name": "刘芳"}, headers=auth(parent))
        assert response.status_code == 200
        assert response.json()["name"] == "刘芳"
        assert (
            await client.patch("/me", json={"name": ""}, headers=auth(parent))
        ).status_code == 422
        assert (
            await client.patch("/me", json={"roles": ["school_admin"]}, headers=auth(parent))
        ).status_code == 422


class TestPasswordChange:
    async def test_change_ends_every_sign_in(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parent = await create_user(session, roles=[Role.PARENT])
        await session.commit()
        pair = await login(client, parent)

        response = await client.post(
            "/me/password",
            json={"current_password": PASSWORD, "new_password": "new-secret-42"},
            headers=bearer(pair),
        )

        assert response.status_code == 204
        refresh = await client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
        assert refresh.status_code == 401
        old = await client.post(
            "/auth/login", json={"username": parent.username, "password": PASSWORD}
        )
        assert old.status_code == 401
        await login(client, parent, "new-secret-42")
        reasons = await session.scalars(select(RefreshFamily.revoked_reason))
        assert "password_changed" in set(reasons)

    async def test_a_wrong_current_password_is_refused_and_counted(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parent = await create_user(session, roles=[Role.PARENT])
        await session.commit()
        response = await client.post(
            "/me/password",
            json={"current_password": "guess-guess-1", "new_password": "new-secret-42"},
            headers=auth(parent),
        )
        assert response.status_code == 422
        assert response.json()["code"] == "auth.password_incorrect"
        assert await session.scalar(select(func.count(FailedAttempt.id))) == 2

    async def test_a_weak_new_password_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parent = await create_user(session, roles=[Role.PARENT])
        await session.commit()
        response = await client.post(
            "/me/password",
            json={"current_password": PASSWORD, "new_password": "password"},
            headers=auth(parent),
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "new_password"
        await login(client, parent)  # unchanged
