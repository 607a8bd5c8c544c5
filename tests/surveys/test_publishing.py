"""Publishing (families told once), closing, and who finds which survey in their list."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.audit import AuditEvent
from app.notifications.models import Notification, OutboxMessage
from tests.factories import auth, give_phone
from tests.surveys.conftest import (
    CLOSES,
    World,
    answer,
    assert_problem,
    create_survey,
    publish_survey,
)


async def _notices(session: AsyncSession) -> list[Notification]:
    return list(
        await session.scalars(
            select(Notification)
            .where(Notification.kind == "survey.published")
            .order_by(Notification.created_at, Notification.id)
        )
    )


class TestPublish:
    async def test_notifies_every_guardian_in_the_audience_once(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        survey = await create_survey(client, world)  # grade 3: Ming, Hong, Gang
        await give_phone(session, world.mum, world.dad, world.hong_mum, world.gang_dad)

        response = await client.post(f"/surveys/{survey['id']}/publish", headers=auth(world.admin))

        assert response.status_code == 200
        published = response.json()
        assert published["status"] == "published"
        assert published["accepting_responses"] is True
        assert published["published_at"] is not None
        notices = await _notices(session)
        by_user = {n.user_id: n for n in notices}
        assert len(notices) == len(by_user) == 4
        assert set(by_user) == {world.mum.id, world.dad.id, world.hong_mum.id, world.gang_dad.id}
        mum = by_user[world.mum.id]
        assert mum.title == "新的意愿征询：三年级课后服务意愿"
        # Li (grade 4) is not in the audience: her name is not in her mother's notice
        assert mum.body == "学校发布了「三年级课后服务意愿」，请在2096-06-10 18:00前为李明填写。"
        assert mum.data == {"survey_id": survey["id"], "student_ids": [str(world.ming.id)]}
        outbox = await session.scalar(select(func.count()).select_from(OutboxMessage))
        assert outbox == 4
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "survey.published")
        )
        assert event is not None and event.data == {"notified": 4}

    async def test_a_family_with_two_children_in_the_audience_gets_one_notice(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        await publish_survey(client, world, audience=None)  # the whole school

        notices = [n for n in await _notices(session) if n.user_id == world.mum.id]
        assert len(notices) == 1
        assert "李丽、李明" in notices[0].body
        assert set(notices[0].data["student_ids"]) == {str(world.li.id), str(world.ming.id)}
        users = {n.user_id for n in await _notices(session)}
        assert world.other_parent.id not in users and world.outsider.id not in users

    async def test_audience_by_class_reaches_only_that_class(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        await publish_survey(client, world, audience={"class_ids": [str(world.c32.id)]})
        assert [n.user_id for n in await _notices(session)] == [world.gang_dad.id]

    async def test_publishing_twice_is_refused_and_notifies_nobody_again(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        survey = await publish_survey(client, world)
        response = await client.post(f"/surveys/{survey['id']}/publish", headers=auth(world.admin))
        assert_problem(response, 409, "survey.not_draft")
        assert len(await _notices(session)) == 4

    async def test_concurrent_publishes_notify_once(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        survey = await create_survey(client, world)
        path = f"/surveys/{survey['id']}/publish"
        first, second = await asyncio.gather(
            client.post(path, headers=auth(world.admin)),
            client.post(path, headers=auth(world.admin)),
        )
        assert sorted([first.status_code, second.status_code]) == [200, 409]
        assert len(await _notices(session)) == 4

    async def test_a_survey_past_its_close_cannot_be_published(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        survey = await create_survey(client, world)
        clock.advance(timedelta(days=30))
        response = await client.post(f"/surveys/{survey['id']}/publish", headers=auth(world.admin))
        assert_problem(response, 422, "survey.closes_in_past", field="closes_at")
        assert await _notices(session) == []

    async def test_walls(self, client: httpx.AsyncClient, world: World) -> None:
        survey = await create_survey(client, world)
        path = f"/surveys/{survey['id']}/publish"
        for user in (world.teacher, world.duty, world.mum):
            assert_problem(await client.post(path, headers=auth(user)), 403, "auth.forbidden")
        response = await client.post(path, headers=auth(world.other_admin))
        assert_problem(response, 404, "survey.not_found")
        still = await client.get(f"/surveys/{survey['id']}", headers=auth(world.admin))
        assert still.json()["status"] == "draft"


class TestClose:
    async def test_closes_a_published_survey(self, client: httpx.AsyncClient, world: World) -> None:
        survey = await publish_survey(client, world)
        path = f"/surveys/{survey['id']}/close"

        response = await client.post(path, headers=auth(world.admin))

        assert response.status_code == 200
        closed = response.json()
        assert closed["status"] == "closed"
        assert closed["accepting_responses"] is False
        assert closed["closed_at"] == "2096-06-03T02:00:00Z"
        assert closed["closes_at"] == survey["closes_at"]  # the announced deadline stays
        clock.advance(timedelta(hours=1))
        again = await client.post(path, headers=auth(world.admin))
        assert again.status_code == 200
        assert again.json()["closed_at"] == "2096-06-03T02:00:00Z"  # unchanged

    async def test_a_draft_cannot_be_closed(self, client: httpx.AsyncClient, world: World) -> None:
        survey = await create_survey(client, world)
        response = await client.post(f"/surveys/{survey['id']}/close", headers=auth(world.admin))
        assert_problem(response, 409, "survey.not_published")

    async def test_a_survey_past_closes_at_reads_as_closed(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        survey = await publish_survey(client, world)
        clock.advance(timedelta(days=7, hours=8))  # exactly closes_at
        response = await client.get(f"/surveys/{survey['id']}", headers=auth(world.mum))
        assert response.json()["status"] == "closed"
        assert response.json()["accepting_responses"] is False

    async def test_walls(self, client: httpx.AsyncClient, world: World) -> None:
        survey = await publish_survey(client, world)
        path = f"/surveys/{survey['id']}/close"
        for user in (world.teacher, world.duty, world.mum):
            assert_problem(await client.post(path, headers=auth(user)), 403, "auth.forbidden")
        response = await client.post(path, headers=auth(world.other_admin))
        assert_problem(response, 404, "survey.not_found")


class TestAdminList:
    async def test_lists_the_schools_surveys_with_status_newest_first(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        draft = await create_survey(client, world, title="草稿")
        clock.advance(timedelta(minutes=1))
        published = await publish_survey(client, world, title="已发布")
        clock.advance(timedelta(minutes=1))
        closed = await publish_survey(client, world, title="已截止")
        await client.post(f"/surveys/{closed['id']}/close", headers=auth(world.admin))
        await answer(client, world.hong_mum, published, world.hong, join="参加")

        response = await client.get("/surveys", headers=auth(world.admin))

        assert response.status_code == 200
        body = response.json()
        assert body["next_cursor"] is None
        assert [(s["title"], s["status"]) for s in body["items"]] == [
            ("已截止", "closed"),
            ("已发布", "published"),
            ("草稿", "draft"),
        ]
        assert [s["response_count"] for s in body["items"]] == [0, 1, 0]
        assert all(s["children"] is None and s["answered"] is None for s in body["items"])
        assert draft["id"] == body["items"][2]["id"]

        other = await client.get("/surveys", headers=auth(world.other_admin))
        assert other.json()["items"] == []

    async def test_filters_by_status(self, client: httpx.AsyncClient, world: World) -> None:
        await create_survey(client, world, title="草稿")
        await publish_survey(client, world, title="已发布")
        await publish_survey(
            client,
            world,
            title="快截止",
            closes_at="2096-06-04T18:00:00+08:00",
        )
        clock.advance(timedelta(days=1, hours=8))  # past 快截止's closes_at

        async def titles(status: str) -> list[str]:
            response = await client.get(f"/surveys?status={status}", headers=auth(world.admin))
            return [s["title"] for s in response.json()["items"]]

        assert await titles("draft") == ["草稿"]
        assert await titles("published") == ["已发布"]
        assert await titles("closed") == ["快截止"]
        response = await client.get("/surveys?status=archived", headers=auth(world.admin))
        assert_problem(response, 422, "validation.invalid", field="status")

    async def test_pages(self, client: httpx.AsyncClient, world: World) -> None:
        for n in range(3):
            await create_survey(client, world, title=f"第{n}份")
            clock.advance(timedelta(seconds=1))
        first = await client.get("/surveys?limit=2", headers=auth(world.admin))
        assert [s["title"] for s in first.json()["items"]] == ["第2份", "第1份"]
        cursor = first.json()["next_cursor"]
        second = await client.get(f"/surveys?limit=2&cursor={cursor}", headers=auth(world.admin))
        assert [s["title"] for s in second.json()["items"]] == ["第0份"]
        assert second.json()["next_cursor"] is None

        too_many = await client.get("/surveys?limit=201", headers=auth(world.admin))
        assert_problem(too_many, 422, "validation.invalid", field="limit")
        forged = await client.get("/surveys?cursor=abc.def", headers=auth(world.admin))
        assert_problem(forged, 422, "pagination.cursor_invalid")

    @pytest.mark.parametrize("role", ["teacher", "duty"])
    async def test_other_staff_may_not(
        self, client: httpx.AsyncClient, world: World, role: str
    ) -> None:
        response = await client.get("/surveys", headers=auth(getattr(world, role)))
        assert_problem(response, 403, "auth.forbidden")


class TestFamilyList:
    async def test_a_parent_sees_published_surveys_for_their_children(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await create_survey(client, world, title="草稿")  # never shown to families
        grade3 = await publish_survey(client, world, title="三年级")
        clock.advance(timedelta(minutes=1))
        grade4 = await publish_survey(client, world, title="四年级", audience={"grades": [4]})

        mum = (await client.get("/surveys", headers=auth(world.mum))).json()["items"]
        assert [s["title"] for s in mum] == ["四年级", "三年级"]
        assert mum[1]["children"] == [
            {
                "student_id": str(world.ming.id),
                "name": "李明",
                "class_name": "三年级1班",
                "answered": False,
            }
        ]
        assert mum[1]["answered"] is False
        assert mum[1]["response_count"] is None  # an admin's figure
        assert [c["name"] for c in mum[0]["children"]] == ["李丽"]

        gang = (await client.get("/surveys", headers=auth(world.gang_dad))).json()["items"]
        assert [s["id"] for s in gang] == [grade3["id"]]
        assert grade4["id"] not in [s["id"] for s in gang]

    async def test_answered_per_child_and_for_the_family(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        survey = await publish_survey(client, world, audience=None)  # Ming and Li both in it

        async def mine() -> dict:
            response = await client.get(f"/surveys/{survey['id']}", headers=auth(world.mum))
            assert response.status_code == 200
            return response.json()

        before = await mine()
        assert before["answered"] is False
        assert {c["name"]: c["answered"] for c in before["children"]} == {
            "李丽": False,
            "李明": False,
        }
        # the father answers for Ming: it counts for the mother too
        assert (await answer(client, world.dad, survey, world.ming, join="参加")).status_code == 201
        halfway = await mine()
        assert halfway["answered"] is False
        assert {c["name"]: c["answered"] for c in halfway["children"]} == {
            "李丽": False,
            "李明": True,
        }
        assert (await answer(client, world.mum, survey, world.li, join="不参加")).status_code == 201
        done = await mine()
        assert done["answered"] is True
        listed = (await client.get("/surveys", headers=auth(world.mum))).json()["items"]
        assert listed[0]["answered"] is True
        dad = (await client.get(f"/surveys/{survey['id']}", headers=auth(world.dad))).json()
        assert [(c["name"], c["answered"]) for c in dad["children"]] == [("李明", True)]
        assert dad["answered"] is True

    async def test_families_outside_the_audience_see_nothing(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        survey = await publish_survey(client, world)  # grade 3
        for parent in (world.other_parent, world.outsider):
            listed = await client.get("/surveys", headers=auth(parent))
            assert listed.status_code == 200
            assert listed.json()["items"] == []
            response = await client.get(f"/surveys/{survey['id']}", headers=auth(parent))
            assert_problem(response, 404, "survey.not_found")
            assert "三年级" not in response.text

    async def test_closed_surveys_stay_in_the_list(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        survey = await publish_survey(client, world)
        await client.post(f"/surveys/{survey['id']}/close", headers=auth(world.admin))
        listed = (await client.get("/surveys", headers=auth(world.hong_mum))).json()["items"]
        assert [(s["id"], s["status"]) for s in listed] == [(survey["id"], "closed")]
        open_only = await client.get("/surveys?status=published", headers=auth(world.hong_mum))
        assert open_only.json()["items"] == []
        drafts = await client.get("/surveys?status=draft", headers=auth(world.hong_mum))
        assert drafts.json()["items"] == []

    async def test_pages(self, client: httpx.AsyncClient, world: World) -> None:
        for n in range(3):
            await publish_survey(client, world, title=f"第{n}份", closes_at=CLOSES)
            clock.advance(timedelta(seconds=1))
        first = await client.get("/surveys?limit=2", headers=auth(world.hong_mum))
        assert [s["title"] for s in first.json()["items"]] == ["第2份", "第1份"]
        cursor = first.json()["next_cursor"]
        second = await client.get(f"/surveys?limit=2&cursor={cursor}", headers=auth(world.hong_mum))
        assert [s["title"] for s in second.json()["items"]] == ["第0份"]
