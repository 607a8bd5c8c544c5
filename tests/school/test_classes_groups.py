"""Classes (grade, homeroom teacher) and groups (leader, feeding classes, capped capacity)."""

from __future__ import annotations

import asyncio
from datetime import time

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role
from app.core.audit import AuditEvent
from app.school.models import Group, GroupClass, SchoolClass
from tests.core.test_problems import assert_problem
from tests.factories import (
    create_class,
    create_group,
    create_slot,
    create_student,
    create_term,
    create_user,
    random_id,
)
from tests.school.conftest import NOT_ADMINS, Cast


class TestClasses:
    async def test_admin_creates_a_class_with_its_homeroom_teacher(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        body = {"name": "三年级2班", "grade": 3, "homeroom_teacher_id": str(cast.teacher.id)}
        response = await client.post("/classes", json=body, headers=cast.headers("admin"))
        assert response.status_code == 201
        assert response.json() | {"id": None, "created_at": None} == {
            **body,
            "id": None,
            "created_at": None,
        }
        action = await session.scalar(
            select(AuditEvent.action).where(AuditEvent.object_id == response.json()["id"])
        )
        assert action == "class.created"

    async def test_a_class_may_start_without_a_teacher(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        response = await client.post(
            "/classes", json={"name": "一年级1班", "grade": 1}, headers=cast.headers("admin")
        )
        assert response.status_code == 201
        assert response.json()["homeroom_teacher_id"] is None

    async def test_names_are_unique_per_school_only(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        body = {"name": "三年级2班", "grade": 3}
        assert (
            await client.post("/classes", json=body, headers=cast.headers("admin"))
        ).status_code == 201
        problem = assert_problem(
            await client.post("/classes", json=body, headers=cast.headers("admin")),
            409,
            "class.name_taken",
        )
        assert "三年级2班" in problem["detail"]
        assert (
            await client.post("/classes", json=body, headers=cast.headers("other_admin"))
        ).status_code == 201

    async def test_the_homeroom_teacher_must_be_a_teacher_of_the_school(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        inactive = await create_user(
            session, roles=[Role.TEACHER], school=cast.school, is_active=False
        )
        await session.commit()
        for user_id in (
            cast.other_teacher.id,
            cast.duty.id,
            cast.parent.id,
            inactive.id,
            random_id(),
        ):
            body = {"name": "三年级2班", "grade": 3, "homeroom_teacher_id": str(user_id)}
            problem = assert_problem(
                await client.post("/classes", json=body, headers=cast.headers("admin")),
                422,
                "staff.not_teacher",
            )
            assert problem["errors"][0]["field"] == "homeroom_teacher_id"

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"name": "x", "grade": 0}, "grade"),
            ({"name": "x", "grade": 10}, "grade"),
            ({"name": "x", "grade": "3"}, "grade"),
            ({"name": "", "grade": 3}, "name"),
            ({"name": "班" * 65, "grade": 3}, "name"),
            ({"name": "x", "grade": 3, "homeroom_teacher_id": "t1"}, "homeroom_teacher_id"),
            ({"name": "x", "grade": 3, "school_id": random_id()}, "school_id"),
        ],
    )
    async def test_bad_input_is_422(
        self, client: httpx.AsyncClient, cast: Cast, body: dict, field: str
    ) -> None:
        problem = assert_problem(
            await client.post("/classes", json=body, headers=cast.headers("admin")),
            422,
            "validation.invalid",
        )
        assert field in {e["field"] for e in problem["errors"]}

    async def test_staff_list_and_read_classes_by_grade(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        c32 = await create_class(session, cast.school, name="三年级2班", grade=3)
        c11 = await create_class(session, cast.school, name="一年级1班", grade=1)
        c31 = await create_class(session, cast.school, name="三年级1班", grade=3)
        await create_class(session, cast.other_school, name="一年级9班", grade=1)
        await session.commit()
        for who in ("admin", "teacher", "duty"):
            listed = (await client.get("/classes", headers=cast.headers(who))).json()["items"]
            assert [c["id"] for c in listed] == [str(c11.id), str(c31.id), str(c32.id)]
        third = (
            await client.get("/classes?grade=3&limit=1", headers=cast.headers("teacher"))
        ).json()
        assert [c["name"] for c in third["items"]] == ["三年级1班"]
        rest = (
            await client.get(
                f"/classes?grade=3&cursor={third['next_cursor']}", headers=cast.headers("teacher")
            )
        ).json()
        assert [c["name"] for c in rest["items"]] == ["三年级2班"] and rest["next_cursor"] is None
        assert (await client.get(f"/classes/{c32.id}", headers=cast.headers("duty"))).json()[
            "name"
        ] == "三年级2班"

    async def test_walls(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        school_class = await create_class(session, cast.school)
        await session.commit()
        url = f"/classes/{school_class.id}"
        for who in NOT_ADMINS:
            headers = cast.headers(who)
            assert_problem(
                await client.post("/classes", json={"name": "x", "grade": 1}, headers=headers),
                403,
                "auth.forbidden",
            )
            assert_problem(
                await client.patch(url, json={"grade": 4}, headers=headers), 403, "auth.forbidden"
            )
            assert_problem(await client.delete(url, headers=headers), 403, "auth.forbidden")
            assert_problem(
                await client.get(f"{url}/binding-codes.csv", headers=headers), 403, "auth.forbidden"
            )
        assert_problem(
            await client.get("/classes", headers=cast.headers("parent")), 403, "auth.forbidden"
        )
        for who in ("other_admin", "other_teacher"):
            assert_problem(await client.get(url, headers=cast.headers(who)), 404, "class.not_found")
        other = cast.headers("other_admin")
        assert_problem(
            await client.patch(url, json={"grade": 4}, headers=other), 404, "class.not_found"
        )
        assert_problem(await client.delete(url, headers=other), 404, "class.not_found")
        assert (await client.get("/classes", headers=other)).json()["items"] == []

    async def test_patch_changes_grade_and_teacher_and_may_clear_the_teacher(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        school_class = await create_class(
            session, cast.school, grade=3, homeroom_teacher=cast.teacher
        )
        taken = await create_class(session, cast.school, name="四年级1班", grade=4)
        await session.commit()
        url, headers = f"/classes/{school_class.id}", cast.headers("admin")
        response = await client.patch(
            url, json={"grade": 4, "homeroom_teacher_id": None}, headers=headers
        )
        assert response.status_code == 200
        assert response.json()["grade"] == 4 and response.json()["homeroom_teacher_id"] is None
        assert_problem(
            await client.patch(url, json={"name": taken.name}, headers=headers),
            409,
            "class.name_taken",
        )
        problem = assert_problem(
            await client.patch(
                url, json={"homeroom_teacher_id": str(cast.other_teacher.id)}, headers=headers
            ),
            422,
            "staff.not_teacher",
        )
        assert problem["errors"][0]["field"] == "homeroom_teacher_id"
        assert_problem(
            await client.patch(url, json={"grade": None}, headers=headers),
            422,
            "validation.invalid",
        )
        assert_problem(
            await client.patch(url, json={"name": None}, headers=headers), 422, "validation.invalid"
        )

    async def test_delete_only_what_nothing_depends_on(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        empty = await create_class(session, cast.school)
        with_student = await create_class(session, cast.school)
        await create_student(session, with_student)
        in_group = await create_class(session, cast.school)
        await create_group(
            session,
            await create_slot(session, await create_term(session, cast.school)),
            classes=[in_group],
        )
        await session.commit()
        headers = cast.headers("admin")
        assert_problem(
            await client.delete(f"/classes/{with_student.id}", headers=headers),
            409,
            "class.has_students",
        )
        assert_problem(
            await client.delete(f"/classes/{in_group.id}", headers=headers), 409, "class.in_groups"
        )
        assert (await client.delete(f"/classes/{empty.id}", headers=headers)).status_code == 204
        assert await session.scalar(select(func.count()).select_from(SchoolClass)) == 2


class TestDeleteRaces:
    async def test_a_group_taking_a_class_while_it_is_deleted_never_loses_it(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        slot = await create_slot(session, await create_term(session, cast.school))
        school_class = await create_class(session, cast.school)
        await session.commit()
        headers = cast.headers("admin")
        body = {
            "term_id": str(slot.term_id),
            "slot_id": str(slot.id),
            "name": "A组",
            "leader_id": str(cast.teacher.id),
            "class_ids": [str(school_class.id)],
        }
        created, deleted = await asyncio.gather(
            client.post("/groups", json=body, headers=headers),
            client.delete(f"/classes/{school_class.id}", headers=headers),
        )
        assert (created.status_code, deleted.status_code) in {(201, 409), (422, 204)}
        links = await session.scalar(select(func.count()).select_from(GroupClass))
        assert links == (1 if created.status_code == 201 else 0)


class TestGroups:
    @pytest.fixture
    async def setup(self, cast: Cast, session: AsyncSession) -> dict:
        term = await create_term(session, cast.school)
        slot = await create_slot(session, term)
        classes = [await create_class(session, cast.school) for _ in range(3)]
        await session.commit()
        return {"term": term, "slot": slot, "classes": classes}

    def body(self, setup: dict, cast: Cast, **change: object) -> dict:
        return {
            "term_id": str(setup["term"].id),
            "slot_id": str(setup["slot"].id),
            "name": "三年级A组",
            "leader_id": str(cast.teacher.id),
            "class_ids": [str(c.id) for c in setup["classes"][:2]],
            "capacity": 45,
            **change,
        }

    async def test_admin_creates_a_group_fed_by_classes(
        self, client: httpx.AsyncClient, cast: Cast, setup: dict
    ) -> None:
        body = self.body(setup, cast)
        response = await client.post("/groups", json=body, headers=cast.headers("admin"))
        assert response.status_code == 201
        created = response.json()
        assert sorted(created["class_ids"]) == sorted(body["class_ids"])
        assert created["capacity"] == 45 and created["leader_id"] == str(cast.teacher.id)
        for who in ("teacher", "duty"):
            read = await client.get(f"/groups/{created['id']}", headers=cast.headers(who))
            assert read.json() == created

    async def test_capacity_defaults_to_the_policy_maximum(
        self, client: httpx.AsyncClient, cast: Cast, setup: dict
    ) -> None:
        body = self.body(setup, cast)
        del body["capacity"]
        assert (await client.post("/groups", json=body, headers=cast.headers("admin"))).json()[
            "capacity"
        ] == 45

    async def test_capacity_above_the_policy_maximum_is_422_and_follows_policy_changes(
        self, client: httpx.AsyncClient, cast: Cast, setup: dict
    ) -> None:
        headers = cast.headers("admin")
        problem = assert_problem(
            await client.post("/groups", json=self.body(setup, cast, capacity=46), headers=headers),
            422,
            "group.capacity_above_max",
        )
        assert problem["errors"][0]["field"] == "capacity" and "45" in problem["detail"]
        await client.patch("/school", json={"policy": {"max_group_size": 30}}, headers=headers)
        assert_problem(
            await client.post("/groups", json=self.body(setup, cast, capacity=31), headers=headers),
            422,
            "group.capacity_above_max",
        )
        assert (
            await client.post("/groups", json=self.body(setup, cast, capacity=30), headers=headers)
        ).status_code == 201

    async def test_a_class_feeds_only_one_group_per_slot(
        self, client: httpx.AsyncClient, cast: Cast, setup: dict, session: AsyncSession
    ) -> None:
        headers = cast.headers("admin")
        first = await client.post("/groups", json=self.body(setup, cast), headers=headers)
        assert first.status_code == 201
        second = self.body(
            setup,
            cast,
            name="三年级B组",
            class_ids=[str(setup["classes"][1].id), str(setup["classes"][2].id)],
        )
        problem = assert_problem(
            await client.post("/groups", json=second, headers=headers), 409, "group.class_taken"
        )
        assert setup["classes"][1].name in problem["detail"] and "三年级A组" in problem["detail"]
        assert await session.scalar(select(func.count()).select_from(Group)) == 1
        # another slot of the term may take the same class
        evening = await create_slot(session, setup["term"], start=time(16, 30), end=time(18, 0))
        await session.commit()
        other_slot = self.body(setup, cast, slot_id=str(evening.id))
        assert (await client.post("/groups", json=other_slot, headers=headers)).status_code == 201

    async def test_two_groups_racing_for_one_class_leave_one(
        self, client: httpx.AsyncClient, cast: Cast, setup: dict, session: AsyncSession
    ) -> None:
        headers = cast.headers("admin")
        responses = await asyncio.gather(
            client.post("/groups", json=self.body(setup, cast, name="甲"), headers=headers),
            client.post("/groups", json=self.body(setup, cast, name="乙"), headers=headers),
        )
        assert sorted(r.status_code for r in responses) == [201, 409]
        assert await session.scalar(select(func.count()).select_from(GroupClass)) == 2

    async def test_the_leader_must_be_a_teacher_of_the_school(
        self, client: httpx.AsyncClient, cast: Cast, setup: dict
    ) -> None:
        for leader in (cast.other_teacher.id, cast.duty.id, cast.admin.id, random_id()):
            response = await client.post(
                "/groups",
                json=self.body(setup, cast, leader_id=str(leader)),
                headers=cast.headers("admin"),
            )
            problem = assert_problem(response, 422, "staff.not_teacher")
            assert problem["errors"][0]["field"] == "leader_id"

    async def test_references_must_be_of_the_school_and_agree(
        self, client: httpx.AsyncClient, cast: Cast, setup: dict, session: AsyncSession
    ) -> None:
        other_term = await create_term(session, cast.school, name="春季")
        foreign_class = await create_class(session, cast.other_school)
        foreign_slot = await create_slot(session, await create_term(session, cast.other_school))
        await session.commit()
        headers = cast.headers("admin")
        cases = [
            ({"term_id": random_id()}, "term_id", "term.not_found"),
            ({"slot_id": str(foreign_slot.id)}, "slot_id", "slot.not_found"),
            ({"term_id": str(other_term.id)}, "slot_id", "group.slot_not_in_term"),
            (
                {"class_ids": [str(setup["classes"][0].id), str(foreign_class.id)]},
                None,
                "class.not_found",
            ),
            ({"class_ids": [random_id()]}, "class_ids.0", "class.not_found"),
        ]
        for change, field, code in cases:
            problem = assert_problem(
                await client.post(
                    "/groups", json=self.body(setup, cast, **change), headers=headers
                ),
                422,
                code,
            )
            assert field is None or problem["errors"][0]["field"] == field

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"capacity": 0}, "capacity"),
            ({"capacity": "40"}, "capacity"),
            ({"class_ids": "all"}, "class_ids"),
            ({"name": ""}, "name"),
            ({"leader_id": None}, "leader_id"),
        ],
    )
    async def test_bad_input_is_422(
        self, client: httpx.AsyncClient, cast: Cast, setup: dict, change: dict, field: str
    ) -> None:
        problem = assert_problem(
            await client.post(
                "/groups", json=self.body(setup, cast, **change), headers=cast.headers("admin")
            ),
            422,
            "validation.invalid",
        )
        assert field in {e["field"] for e in problem["errors"]}

    async def test_list_filters_by_term_slot_and_leader(
        self, client: httpx.AsyncClient, cast: Cast, setup: dict, session: AsyncSession
    ) -> None:
        other_leader = await create_user(session, roles=[Role.TEACHER], school=cast.school)
        b = await create_group(
            session, setup["slot"], leader=cast.teacher, classes=setup["classes"][:1]
        )
        a = await create_group(
            session, setup["slot"], leader=other_leader, classes=setup["classes"][1:2]
        )
        b.name, a.name = "B组", "A组"
        await create_group(
            session, await create_slot(session, await create_term(session, cast.other_school))
        )
        await session.commit()
        headers = cast.headers("teacher")
        listed = (await client.get(f"/groups?term_id={setup['term'].id}", headers=headers)).json()[
            "items"
        ]
        assert [g["name"] for g in listed] == ["A组", "B组"]
        assert listed[0]["class_ids"] == [str(setup["classes"][1].id)]
        mine = (await client.get(f"/groups?leader_id={cast.teacher.id}", headers=headers)).json()[
            "items"
        ]
        assert [g["id"] for g in mine] == [str(b.id)]
        assert (
            len(
                (await client.get(f"/groups?slot_id={setup['slot'].id}", headers=headers)).json()[
                    "items"
                ]
            )
            == 2
        )

    async def test_patch_replaces_classes_and_checks_everything_again(
        self, client: httpx.AsyncClient, cast: Cast, setup: dict, session: AsyncSession
    ) -> None:
        c0, c1, c2 = setup["classes"]
        group = await create_group(
            session, setup["slot"], leader=cast.teacher, classes=[c0], capacity=40
        )
        await create_group(session, setup["slot"], leader=cast.teacher, classes=[c2])
        await session.commit()
        url, headers = f"/groups/{group.id}", cast.headers("admin")
        response = await client.patch(
            url,
            json={"class_ids": [str(c1.id), str(c0.id)], "capacity": 20, "name": "新名"},
            headers=headers,
        )
        assert response.status_code == 200
        assert response.json()["class_ids"] == sorted([str(c0.id), str(c1.id)])
        assert response.json()["capacity"] == 20 and response.json()["name"] == "新名"
        assert_problem(
            await client.patch(url, json={"class_ids": [str(c2.id)]}, headers=headers),
            409,
            "group.class_taken",
        )
        assert_problem(
            await client.patch(url, json={"capacity": 46}, headers=headers),
            422,
            "group.capacity_above_max",
        )
        assert_problem(
            await client.patch(url, json={"leader_id": str(cast.duty.id)}, headers=headers),
            422,
            "staff.not_teacher",
        )
        assert_problem(
            await client.patch(url, json={"slot_id": str(setup["slot"].id)}, headers=headers),
            422,
            "validation.invalid",
        )
        emptied = await client.patch(url, json={"class_ids": []}, headers=headers)
        assert emptied.json()["class_ids"] == []
        event = await session.scalar(
            select(AuditEvent.data)
            .where(AuditEvent.action == "group.updated")
            .order_by(AuditEvent.created_at)
            .limit(1)
        )
        assert event is not None and event["changes"]["capacity"] == [40, 20]

    async def test_walls_and_delete(
        self, client: httpx.AsyncClient, cast: Cast, setup: dict, session: AsyncSession
    ) -> None:
        group = await create_group(
            session, setup["slot"], leader=cast.teacher, classes=setup["classes"][:1]
        )
        await session.commit()
        url = f"/groups/{group.id}"
        for who in NOT_ADMINS:
            headers = cast.headers(who)
            assert_problem(
                await client.post("/groups", json=self.body(setup, cast), headers=headers),
                403,
                "auth.forbidden",
            )
            assert_problem(
                await client.patch(url, json={"name": "x"}, headers=headers), 403, "auth.forbidden"
            )
            assert_problem(await client.delete(url, headers=headers), 403, "auth.forbidden")
        assert_problem(await client.get(url, headers=cast.headers("parent")), 403, "auth.forbidden")
        for who in ("other_admin", "other_teacher"):
            assert_problem(await client.get(url, headers=cast.headers(who)), 404, "group.not_found")
        other = cast.headers("other_admin")
        assert_problem(
            await client.patch(url, json={"name": "x"}, headers=other), 404, "group.not_found"
        )
        assert_problem(await client.delete(url, headers=other), 404, "group.not_found")
        assert (await client.delete(url, headers=cast.headers("admin"))).status_code == 204
        assert await session.scalar(select(func.count()).select_from(GroupClass)) == 0
        assert_problem(await client.get(url, headers=cast.headers("admin")), 404, "group.not_found")
