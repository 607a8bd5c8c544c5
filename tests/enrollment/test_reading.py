"""GET /enrollments, /enrollments/{id} and its /events: who sees what, filters, pages."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role, User
from app.core import clock
from tests.enrollment.factories import (
    AGREEMENT_VERSION,
    TERM_END,
    TERM_START,
    Family,
    World,
    decide,
    enrol,
)
from tests.factories import (
    auth,
    create_class,
    create_parent,
    create_school,
    create_slot,
    create_student,
    create_term,
    create_user,
    link_guardian,
)


async def _ids(client: httpx.AsyncClient, user: User, **params: Any) -> list[str]:
    response = await client.get("/enrollments", params=params, headers=auth(user))
    assert response.status_code == 200, response.text
    return [e["id"] for e in response.json()["items"]]


class Scene:
    """Two classes of one school, a sibling pair, and a family at another school."""

    def __init__(self) -> None:
        self.mine: dict[str, str] = {}
        self.sibling: dict[str, str] = {}
        self.other_class: dict[str, str] = {}
        self.stranger: dict[str, str] = {}
        self.elsewhere: dict[str, str] = {}


@pytest.fixture
async def scene(client: httpx.AsyncClient, world: World, session: AsyncSession) -> Scene:
    s = Scene()
    s.mine = await enrol(client, world)
    sibling = await world.add_family(name="小明的妹妹")
    await link_guardian(session, world.family.parent, sibling.student)
    await session.commit()
    clock.advance(timedelta(minutes=1))
    s.sibling = await enrol(client, world, sibling, weekdays=[1])
    world.extra["other_class"] = other_class = await create_class(
        session, world.school, homeroom_teacher=world.other_teacher
    )
    clock.advance(timedelta(minutes=1))
    s.other_class = await enrol(client, world, await world.add_family(school_class=other_class))
    clock.advance(timedelta(minutes=1))
    s.stranger = await enrol(client, world, await world.add_family())

    elsewhere_school = await create_school(session)
    far_class = await create_class(session, elsewhere_school)
    far_term = await create_term(
        session, elsewhere_school, start_date=TERM_START, end_date=TERM_END
    )
    far_slot = await create_slot(session, far_term)
    far_child = await create_student(session, far_class)
    far_parent = await create_parent(session, far_child)
    world.extra["far_admin"] = await create_user(
        session, roles=[Role.SCHOOL_ADMIN], school=elsewhere_school
    )
    await session.commit()
    s.elsewhere = (
        await client.post(
            "/enrollments",
            json={
                "student_id": str(far_child.id),
                "term_id": str(far_term.id),
                "weekdays": [1],
                "slot_ids": [str(far_slot.id)],
                "agreement_version": far_term.agreement_version,
            },
            headers=auth(far_parent),
        )
    ).json()
    return s


class TestWhoSeesWhichList:
    async def test_a_parent_sees_their_children_only(
        self, client: httpx.AsyncClient, world: World, scene: Scene
    ) -> None:
        assert await _ids(client, world.family.parent) == [scene.mine["id"], scene.sibling["id"]]

    async def test_a_homeroom_teacher_sees_their_class_only(
        self, client: httpx.AsyncClient, world: World, scene: Scene
    ) -> None:
        assert await _ids(client, world.teacher) == [
            scene.mine["id"],
            scene.sibling["id"],
            scene.stranger["id"],
        ]
        assert await _ids(client, world.other_teacher) == [scene.other_class["id"]]

    async def test_an_admin_sees_the_whole_school_and_nothing_else(
        self, client: httpx.AsyncClient, world: World, scene: Scene
    ) -> None:
        ids = await _ids(client, world.admin)
        assert len(ids) == 4
        assert scene.elsewhere["id"] not in ids
        assert await _ids(client, world.extra["far_admin"]) == [scene.elsewhere["id"]]

    async def test_a_teacher_who_is_a_parent_sees_both_reaches(
        self, client: httpx.AsyncClient, world: World, scene: Scene, session: AsyncSession
    ) -> None:
        world.other_teacher.roles = [Role.TEACHER.value, Role.PARENT.value]
        await link_guardian(session, world.other_teacher, world.family.student)
        await session.commit()
        assert set(await _ids(client, world.other_teacher)) == {
            scene.mine["id"],
            scene.other_class["id"],
        }

    # A family-level endpoint answers a district admin 404 (API.md, "The district").
    @pytest.mark.parametrize(("who", "status"), [("duty", 403), ("district", 404)])
    async def test_duty_staff_and_district_admins_are_refused(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession, who: str, status: int
    ) -> None:
        caller = (
            world.duty if who == "duty" else await create_user(session, roles=[Role.DISTRICT_ADMIN])
        )
        await session.commit()
        response = await client.get("/enrollments", headers=auth(caller))
        assert response.status_code == status

    async def test_without_a_token_it_is_401(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/enrollments")).status_code == 401


class TestFilters:
    async def test_by_status_a_review_queue(
        self, client: httpx.AsyncClient, world: World, scene: Scene
    ) -> None:
        await decide(client, world.teacher, scene.mine["id"])
        assert await _ids(client, world.teacher, status="pending_class_review") == [
            scene.sibling["id"],
            scene.stranger["id"],
        ]
        assert await _ids(client, world.admin, status="pending_school_review") == [scene.mine["id"]]

    async def test_by_term_student_and_class(
        self, client: httpx.AsyncClient, world: World, scene: Scene, session: AsyncSession
    ) -> None:
        spring = await create_term(
            session,
            world.school,
            start_date=date(2027, 2, 20),
            end_date=date(2027, 6, 30),
            agreement_version=AGREEMENT_VERSION,
        )
        spring_slot = await create_slot(session, spring)
        await session.commit()
        spring_enrollment = await enrol(
            client, world, term_id=str(spring.id), slot_ids=[str(spring_slot.id)]
        )
        parent = world.family.parent
        assert await _ids(client, parent, term_id=str(spring.id)) == [spring_enrollment["id"]]
        assert len(await _ids(client, parent, term_id=str(world.term.id))) == 2
        assert await _ids(client, parent, student_id=str(world.family.student.id)) == [
            scene.mine["id"],
            spring_enrollment["id"],
        ]
        assert await _ids(client, world.admin, class_id=str(world.extra["other_class"].id)) == [
            scene.other_class["id"]
        ]

    @pytest.mark.parametrize(
        "params",
        [
            {"status": "approved"},
            {"term_id": "autumn"},
            {"limit": 0},
            {"limit": 201},
            {"cursor": "forged.cursor"},
        ],
    )
    async def test_bad_parameters_are_422(
        self, client: httpx.AsyncClient, world: World, params: dict[str, object]
    ) -> None:
        response = await client.get("/enrollments", params=params, headers=auth(world.admin))
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_pages_follow_the_cursor_without_gaps_or_repeats(
    client: httpx.AsyncClient, world: World, scene: Scene
) -> None:
    seen: list[str] = []
    cursor = None
    for _ in range(3):
        params: dict[str, object] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/enrollments", params=params, headers=auth(world.admin))).json()
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [
        scene.mine["id"],
        scene.sibling["id"],
        scene.other_class["id"],
        scene.stranger["id"],
    ]


class TestOneEnrollment:
    async def test_guardians_and_the_schools_teachers_and_admins_may_read_it(
        self, client: httpx.AsyncClient, world: World, scene: Scene
    ) -> None:
        for reader in (world.family.parent, world.teacher, world.other_teacher, world.admin):
            response = await client.get(f"/enrollments/{scene.mine['id']}", headers=auth(reader))
            assert response.status_code == 200
            assert response.json()["id"] == scene.mine["id"]

    async def test_another_family_or_school_finds_nothing(
        self, client: httpx.AsyncClient, world: World, scene: Scene, session: AsyncSession
    ) -> None:
        stranger: Family = await world.add_family()
        for outsider in (stranger.parent, world.extra["far_admin"]):
            for path in ("", "/events"):
                response = await client.get(
                    f"/enrollments/{scene.mine['id']}{path}", headers=auth(outsider)
                )
                assert response.status_code == 404
                assert response.json()["code"] == "enrollment.not_found"
                assert "小明" not in response.text

    async def test_duty_staff_are_forbidden(
        self, client: httpx.AsyncClient, world: World, scene: Scene
    ) -> None:
        response = await client.get(f"/enrollments/{scene.mine['id']}", headers=auth(world.duty))
        assert response.status_code == 403

    async def test_an_unknown_id_is_404_and_a_malformed_one_422(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        unknown = await client.get(
            "/enrollments/2c5ad1f0-0000-4000-8000-000000000000", headers=auth(world.admin)
        )
        assert unknown.status_code == 404
        malformed = await client.get("/enrollments/42", headers=auth(world.admin))
        assert malformed.status_code == 422


class TestEvents:
    async def test_the_trail_names_who_did_what_and_not_from_where(
        self, client: httpx.AsyncClient, world: World, scene: Scene
    ) -> None:
        await decide(client, world.teacher, scene.mine["id"], comment="材料齐全")
        response = await client.get(
            f"/enrollments/{scene.mine['id']}/events",
            headers={**auth(world.family.parent), "User-Agent": "kehou-ios/1.0"},
        )
        assert response.status_code == 200
        applied, reviewed = response.json()["items"]
        assert applied["action"] == "enrollment.applied"
        assert applied["actor_id"] == str(world.family.parent.id)
        assert reviewed["action"] == "enrollment.reviewed"
        assert reviewed["actor_name"] == "王老师"
        assert reviewed["data"]["comment"] == "材料齐全"
        assert set(reviewed) == {"id", "action", "actor_id", "actor_name", "created_at", "data"}
        assert response.json()["next_cursor"] is None

    async def test_the_trail_pages(
        self, client: httpx.AsyncClient, world: World, scene: Scene
    ) -> None:
        await decide(client, world.teacher, scene.mine["id"])
        await decide(client, world.admin, scene.mine["id"])
        url = f"/enrollments/{scene.mine['id']}/events"
        first = (await client.get(url, params={"limit": 2}, headers=auth(world.admin))).json()
        assert len(first["items"]) == 2
        rest = (
            await client.get(
                url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=auth(world.admin)
            )
        ).json()
        assert [e["data"]["to"] for e in first["items"] + rest["items"]] == [
            "pending_class_review",
            "pending_school_review",
            "active",
        ]
