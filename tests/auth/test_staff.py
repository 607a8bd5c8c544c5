"""POST /staff, GET /staff, GET|PATCH /staff/{id}: a school admin manages the school's staff."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role, User
from app.core.audit import AuditEvent
from app.school.models import School
from app.staff import accounts as staff
from tests.auth.factories import login
from tests.factories import PASSWORD, auth, create_school, create_user, random_id


def _staff(**overrides: Any) -> dict[str, Any]:
    body = {
        "username": "Chen.Jing",
        "password": "chalk-and-board-7",
        "name": "陈静",
        "phone": "13700000001",
        "roles": ["teacher"],
    }
    return {**body, **overrides}


@pytest.fixture
async def school(session: AsyncSession) -> School:
    school = await create_school(session)
    await session.commit()
    return school


@pytest.fixture
async def admin(session: AsyncSession, school: School) -> User:
    user = await create_user(session, roles=[Role.SCHOOL_ADMIN], school=school)
    await session.commit()
    return user


class TestCreate:
    async def test_adds_a_member_who_can_log_in(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: User, school: School
    ) -> None:
        response = await client.post(
            "/staff", json=_staff(roles=["teacher", "duty", "teacher"]), headers=auth(admin)
        )

        assert response.status_code == 201
        body = response.json()
        assert body.keys() == {
            "id",
            "username",
            "name",
            "phone",
            "roles",
            "is_active",
            "employment",
            "vetting",
            "created_at",
        }
        assert body["username"] == "chen.jing"
        assert body["roles"] == ["duty", "teacher"]
        assert body["is_active"] is True
        created = await session.get(User, body["id"])
        assert created is not None and created.school_id == school.id
        login = await client.post(
            "/auth/login", json={"username": "CHEN.JING", "password": "chalk-and-board-7"}
        )
        assert login.status_code == 200
        event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "staff.created"))
        assert event is not None
        assert (event.actor_id, event.school_id) == (admin.id, school.id)
        assert "chalk-and-board-7" not in str(event.data)

    async def test_usernames_are_unique_whatever_the_case(
        self, client: httpx.AsyncClient, admin: User
    ) -> None:
        assert (await client.post("/staff", json=_staff(), headers=auth(admin))).status_code == 201
        again = await client.post("/staff", json=_staff(username="CHEN.jing"), headers=auth(admin))
        assert again.status_code == 409
        assert again.json()["code"] == "auth.username_taken"

    async def test_a_username_taken_in_another_school_is_taken(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: User
    ) -> None:
        await create_user(
            session, roles=[Role.TEACHER], school=await create_school(session), username="li.na"
        )
        await session.commit()
        response = await client.post("/staff", json=_staff(username="li.na"), headers=auth(admin))
        assert response.status_code == 409

    async def test_two_at_once_with_one_username(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: User
    ) -> None:
        responses = await asyncio.gather(
            client.post("/staff", json=_staff(), headers=auth(admin)),
            client.post("/staff", json=_staff(name="另一位"), headers=auth(admin)),
        )
        assert sorted(r.status_code for r in responses) == [201, 409]
        count = await session.scalar(
            select(func.count(User.id)).where(User.username == "chen.jing")
        )
        assert count == 1

    @pytest.mark.parametrize("password", ["short-1", "onlyletters", "12345678901", "chen.jing"])
    async def test_weak_passwords_are_refused(
        self, client: httpx.AsyncClient, admin: User, password: str
    ) -> None:
        response = await client.post("/staff", json=_staff(password=password), headers=auth(admin))
        assert response.status_code == 422
        assert response.json()["code"] == "auth.password_weak"

    @pytest.mark.parametrize(
        ("overrides", "code"),
        [
            ({"roles": ["parent"]}, "validation.invalid"),
            ({"roles": ["district_admin"]}, "validation.invalid"),
            ({"roles": []}, "validation.invalid"),
            ({"roles": ["janitor"]}, "validation.invalid"),
            ({"username": "chen jing"}, "auth.username_invalid"),
            ({"username": "ab"}, "auth.username_invalid"),
            ({"username": "陈静"}, "auth.username_invalid"),
            ({"phone": "phone"}, "validation.invalid"),
            ({"school_id": random_id()}, "validation.invalid"),
        ],
    )
    async def test_bad_input_is_422(
        self, client: httpx.AsyncClient, admin: User, overrides: dict[str, Any], code: str
    ) -> None:
        response = await client.post("/staff", json=_staff(**overrides), headers=auth(admin))
        assert response.status_code == 422
        assert response.json()["code"] == code

    @pytest.mark.parametrize("role", [Role.TEACHER, Role.DUTY])
    async def test_other_staff_are_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, school: School, role: Role
    ) -> None:
        member = await create_user(session, roles=[role], school=school)
        await session.commit()
        response = await client.post(
            "/staff", json=_staff(roles=["school_admin"]), headers=auth(member)
        )
        assert response.status_code == 403

    async def test_parents_and_district_admins_are_refused(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        parent = await create_user(session, roles=[Role.PARENT])
        district = await create_user(session, roles=[Role.DISTRICT_ADMIN])
        await session.commit()
        assert (await client.post("/staff", json=_staff(), headers=auth(parent))).status_code == 403
        # a school's records do not exist for the district (API.md, "The district")
        assert (
            await client.post("/staff", json=_staff(), headers=auth(district))
        ).status_code == 404
        assert (await client.post("/staff", json=_staff())).status_code == 401


class TestList:
    async def test_lists_the_admins_school_only_page_by_page(
        self, client: httpx.AsyncClient, session: AsyncSession, school: School, admin: User
    ) -> None:
        teachers = [
            await create_user(session, roles=[Role.TEACHER], school=school) for _ in range(3)
        ]
        await create_user(session, roles=[Role.DUTY], school=school, is_active=False)
        await create_user(session, roles=[Role.TEACHER], school=await create_school(session))
        await create_user(session, roles=[Role.PARENT])
        await session.commit()

        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = (await client.get("/staff", params=params, headers=auth(admin))).json()
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == 5 == len(set(seen))
        assert str(admin.id) in seen

        only_teachers = (
            await client.get("/staff", params={"role": "teacher"}, headers=auth(admin))
        ).json()
        assert {i["id"] for i in only_teachers["items"]} == {str(t.id) for t in teachers}
        inactive = (
            await client.get("/staff", params={"is_active": "false"}, headers=auth(admin))
        ).json()
        assert [i["roles"] for i in inactive["items"]] == [["duty"]]

    @pytest.mark.parametrize(
        "params", [{"limit": 201}, {"limit": 0}, {"cursor": "forged"}, {"role": "parent"}]
    )
    async def test_bad_queries_are_422(
        self, client: httpx.AsyncClient, admin: User, params: dict[str, Any]
    ) -> None:
        assert (await client.get("/staff", params=params, headers=auth(admin))).status_code == 422

    async def test_teachers_are_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, school: School
    ) -> None:
        teacher = await create_user(session, roles=[Role.TEACHER], school=school)
        await session.commit()
        assert (await client.get("/staff", headers=auth(teacher))).status_code == 403


class TestReadAndUpdate:
    async def test_another_schools_member_is_404(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: User
    ) -> None:
        elsewhere = await create_user(
            session, roles=[Role.TEACHER], school=await create_school(session), name="别校老师"
        )
        parent = await create_user(session, roles=[Role.PARENT])
        await session.commit()
        for target in (elsewhere.id, parent.id, random_id()):
            read = await client.get(f"/staff/{target}", headers=auth(admin))
            patch = await client.patch(
                f"/staff/{target}", json={"is_active": False}, headers=auth(admin)
            )
            for response in (read, patch):
                assert response.status_code == 404
                assert response.json()["code"] == "staff.not_found"
                assert "别校老师" not in response.text
        await session.refresh(elsewhere)
        assert elsewhere.is_active

    async def test_role_change_is_audited(
        self, client: httpx.AsyncClient, session: AsyncSession, school: School, admin: User
    ) -> None:
        teacher = await create_user(session, roles=[Role.TEACHER, Role.PARENT], school=school)
        await session.commit()

        response = await client.patch(
            f"/staff/{teacher.id}", json={"roles": ["duty", "school_admin"]}, headers=auth(admin)
        )

        assert response.status_code == 200
        # Staff roles are replaced; the parent role is not the school's to take.
        assert response.json()["roles"] == ["duty", "parent", "school_admin"]
        event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "staff.updated"))
        assert event is not None
        assert event.actor_id == admin.id
        assert event.object_id == teacher.id
        assert event.data == {
            "roles": {"from": ["parent", "teacher"], "to": ["duty", "parent", "school_admin"]}
        }

    async def test_deactivation_stops_logins_and_refreshes(
        self, client: httpx.AsyncClient, session: AsyncSession, school: School, admin: User
    ) -> None:
        duty = await create_user(session, roles=[Role.DUTY], school=school)
        await session.commit()
        pair = await login(client, duty)

        response = await client.patch(
            f"/staff/{duty.id}", json={"is_active": False}, headers=auth(admin)
        )

        assert response.status_code == 200
        assert response.json()["is_active"] is False
        relogin = await client.post(
            "/auth/login", json={"username": duty.username, "password": PASSWORD}
        )
        assert relogin.status_code == 401
        refresh = await client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
        assert refresh.status_code == 401

        back = await client.patch(
            f"/staff/{duty.id}", json={"is_active": True}, headers=auth(admin)
        )
        assert back.status_code == 200
        await login(client, duty)

    async def test_password_reset(
        self, client: httpx.AsyncClient, session: AsyncSession, school: School, admin: User
    ) -> None:
        teacher = await create_user(session, roles=[Role.TEACHER], school=school)
        await session.commit()
        pair = await login(client, teacher)

        weak = await client.patch(
            f"/staff/{teacher.id}", json={"password": "12345678"}, headers=auth(admin)
        )
        assert weak.status_code == 422
        response = await client.patch(
            f"/staff/{teacher.id}", json={"password": "fresh-start-9"}, headers=auth(admin)
        )

        assert response.status_code == 200
        await login(client, teacher, "fresh-start-9")
        refresh = await client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
        assert refresh.status_code == 401
        event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "staff.updated"))
        assert event is not None
        assert event.data["password"] == "reset"
        assert "fresh-start-9" not in str(event.data)

    async def test_name_and_phone(
        self, client: httpx.AsyncClient, session: AsyncSession, school: School, admin: User
    ) -> None:
        teacher = await create_user(
            session, roles=[Role.TEACHER], school=school, phone="13700000002"
        )
        await session.commit()
        response = await client.patch(
            f"/staff/{teacher.id}", json={"name": "周老师", "phone": None}, headers=auth(admin)
        )
        assert response.status_code == 200
        assert (response.json()["name"], response.json()["phone"]) == ("周老师", None)
        for body in ({"name": None}, {"roles": None}, {"is_active": None}, {"roles": []}, {"x": 1}):
            bad = await client.patch(f"/staff/{teacher.id}", json=body, headers=auth(admin))
            assert bad.status_code == 422, body

    async def test_the_last_admin_stays(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: User
    ) -> None:
        for body in ({"roles": ["teacher"]}, {"is_active": False}):
            response = await client.patch(f"/staff/{admin.id}", json=body, headers=auth(admin))
            assert response.status_code == 409
            assert response.json()["code"] == "staff.last_admin"
        await session.refresh(admin)
        assert admin.roles == ["school_admin"] and admin.is_active

    async def test_two_admins_demoting_each_other_at_once_leave_one(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        school: School,
        admin: User,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        other = await create_user(session, roles=[Role.SCHOOL_ADMIN], school=school)
        await session.commit()
        count_admins = staff._other_admins

        async def slow_count(*args: Any) -> int:
            # Hold the gap between counting and writing open, so both requests would
            # count before either commits unless something makes them take turns.
            found = await count_admins(*args)
            await asyncio.sleep(0.3)
            return found

        monkeypatch.setattr(staff, "_other_admins", slow_count)

        responses = await asyncio.gather(
            client.patch(f"/staff/{other.id}", json={"roles": ["teacher"]}, headers=auth(admin)),
            client.patch(f"/staff/{admin.id}", json={"roles": ["teacher"]}, headers=auth(other)),
        )

        assert sorted(r.status_code for r in responses) == [200, 409]
        admins = await session.scalar(
            select(func.count(User.id)).where(User.roles.contains(["school_admin"]))
        )
        assert admins == 1

    async def test_teachers_are_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, school: School, admin: User
    ) -> None:
        teacher = await create_user(session, roles=[Role.TEACHER], school=school)
        await session.commit()
        response = await client.patch(
            f"/staff/{teacher.id}", json={"roles": ["school_admin"]}, headers=auth(teacher)
        )
        assert response.status_code == 403
        assert (await client.get(f"/staff/{admin.id}", headers=auth(teacher))).status_code == 403

    async def test_malformed_id_is_422(self, client: httpx.AsyncClient, admin: User) -> None:
        response = await client.get("/staff/not-a-uuid", headers=auth(admin))
        assert response.status_code == 422
