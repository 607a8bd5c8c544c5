"""Drafting a survey: create, read, edit and delete while draft; templates; who may."""

from __future__ import annotations

from datetime import time
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.audit import AuditEvent
from tests.factories import auth, create_slot, create_term, random_id
from tests.surveys.conftest import (
    CLOSES,
    World,
    assert_problem,
    create_survey,
    publish_survey,
    survey_body,
)


class TestCreate:
    async def test_admin_drafts_a_survey(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        response = await client.post("/surveys", json=survey_body(world), headers=auth(world.admin))

        assert response.status_code == 201
        survey = response.json()
        assert survey["status"] == "draft"
        assert survey["accepting_responses"] is False
        assert survey["title"] == "三年级课后服务意愿"
        assert survey["term_id"] == str(world.term.id)
        assert survey["audience"] == {"grades": [3], "class_ids": None}
        assert survey["response_count"] == 0
        assert survey["published_at"] is None
        assert [q["id"] for q in survey["questions"]] == ["join", "days", "note"]
        join, days, note = survey["questions"]
        assert join == {
            "id": "join",
            "kind": "single",
            "prompt": "是否参加？",
            "options": ["参加", "不参加"],
            "required": True,  # the default
        }
        assert days["required"] is False
        assert note["options"] == []
        event = await session.scalar(select(AuditEvent).where(AuditEvent.object_id == survey["id"]))
        assert event is not None
        assert (event.action, event.actor_id) == ("survey.created", world.admin.id)

    async def test_no_audience_is_the_whole_school(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        body = survey_body(world)
        del body["audience"]
        response = await client.post("/surveys", json=body, headers=auth(world.admin))
        assert response.status_code == 201
        assert response.json()["audience"] == {"grades": None, "class_ids": None}

        empty = await create_survey(client, world, audience={"grades": [], "class_ids": []})
        assert empty["audience"] == {"grades": None, "class_ids": None}

    async def test_audience_by_class(self, client: httpx.AsyncClient, world: World) -> None:
        survey = await create_survey(
            client, world, audience={"grades": [4], "class_ids": [str(world.c32.id)]}
        )
        assert survey["audience"] == {"grades": [4], "class_ids": [str(world.c32.id)]}

    @pytest.mark.parametrize("role", ["teacher", "duty", "mum"])
    async def test_only_a_school_admin_may(
        self, client: httpx.AsyncClient, world: World, role: str
    ) -> None:
        response = await client.post(
            "/surveys", json=survey_body(world), headers=auth(getattr(world, role))
        )
        assert_problem(response, 403, "auth.forbidden")

    async def test_needs_a_token(self, client: httpx.AsyncClient, world: World) -> None:
        response = await client.post("/surveys", json=survey_body(world))
        assert_problem(response, 401, "auth.unauthenticated")


def _question(**fields: Any) -> dict[str, Any]:
    return {"id": "q", "kind": "single", "prompt": "?", "options": ["是", "否"], **fields}


BAD_SURVEYS: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "question ids repeat",
        {"questions": [_question(), _question()]},
        "survey.question_duplicate",
        "questions.1.id",
    ),
    (
        "single without options",
        {"questions": [_question(options=None)]},
        "survey.options_required",
        "questions.0.options",
    ),
    (
        "single with one option",
        {"questions": [_question(options=["是"])]},
        "survey.options_required",
        "questions.0.options",
    ),
    (
        "multi without options",
        {"questions": [_question(kind="multi", options=[])]},
        "survey.options_required",
        "questions.0.options",
    ),
    (
        "text with options",
        {"questions": [_question(kind="text")]},
        "survey.options_not_allowed",
        "questions.0.options",
    ),
    (
        "options repeat",
        {"questions": [_question(options=["是", "否", "是"])]},
        "survey.option_duplicate",
        "questions.0.options",
    ),
    (
        "opens after it closes",
        {"opens_at": "2096-06-11T08:00:00+08:00"},
        "survey.window_invalid",
        "closes_at",
    ),
    ("opens as it closes", {"opens_at": CLOSES}, "survey.window_invalid", "closes_at"),
    (
        "closes in the past",
        {"opens_at": "2096-05-01T08:00:00+08:00", "closes_at": "2096-06-02T18:00:00+08:00"},
        "survey.closes_in_past",
        "closes_at",
    ),
    (
        "grade repeated",
        {"audience": {"grades": [3, 3]}},
        "survey.grade_duplicate",
        "audience.grades",
    ),
    ("unknown term", {"term_id": random_id()}, "survey.term_unknown", "term_id"),
    (
        "unknown class",
        {"audience": {"class_ids": [random_id()]}},
        "survey.class_unknown",
        "audience.class_ids",
    ),
    ("no questions", {"questions": []}, "validation.invalid", "questions"),
    (
        "kind unknown",
        {"questions": [_question(kind="scale")]},
        "validation.invalid",
        "questions.0.kind",
    ),
    (
        "question id with spaces",
        {"questions": [_question(id="a b")]},
        "validation.invalid",
        "questions.0.id",
    ),
    (
        "grade out of range",
        {"audience": {"grades": [10]}},
        "validation.invalid",
        "audience.grades.0",
    ),
    ("naive timestamp", {"opens_at": "2096-06-01T08:00:00"}, "validation.invalid", "opens_at"),
    ("title too long", {"title": "长" * 101}, "validation.invalid", "title"),
    ("empty title", {"title": "   "}, "validation.invalid", "title"),
    ("unknown field", {"deadline": CLOSES}, "validation.invalid", "deadline"),
    (
        "option too long",
        {"questions": [_question(options=["是", "否" * 101])]},
        "validation.invalid",
        "questions.0.options.1",
    ),
]


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [case[1:] for case in BAD_SURVEYS],
    ids=[case[0] for case in BAD_SURVEYS],
)
async def test_bad_surveys_are_refused(
    client: httpx.AsyncClient, world: World, overrides: dict, code: str, field: str
) -> None:
    response = await client.post(
        "/surveys", json=survey_body(world, **overrides), headers=auth(world.admin)
    )
    assert_problem(response, 422, code, field=field)


async def test_another_schools_term_and_class_are_unknown(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    foreign = survey_body(world, term_id=str(world.other_term.id))
    response = await client.post("/surveys", json=foreign, headers=auth(world.admin))
    assert_problem(response, 422, "survey.term_unknown", field="term_id")

    response = await client.post(
        "/surveys", json=survey_body(world), headers=auth(world.other_admin)
    )
    assert_problem(response, 422, "survey.term_unknown", field="term_id")

    other_class = {"class_ids": [str(world.c31.id)]}
    body = survey_body(world, term_id=str(world.other_term.id), audience=other_class)
    response = await client.post("/surveys", json=body, headers=auth(world.other_admin))
    assert_problem(response, 422, "survey.class_unknown", field="audience.class_ids")


async def test_messages_follow_the_language(client: httpx.AsyncClient, world: World) -> None:
    body = survey_body(world, questions=[_question(), _question()])
    zh = await client.post("/surveys", json=body, headers=auth(world.admin))
    en = await client.post("/surveys", json=body, headers=auth(world.admin, language="en"))
    assert zh.json()["detail"] == "题目编号“q”重复。"
    assert en.json()["detail"] == "Question id 'q' is used twice."


class TestRead:
    async def test_admin_reads_a_draft(self, client: httpx.AsyncClient, world: World) -> None:
        survey = await create_survey(client, world)
        response = await client.get(f"/surveys/{survey['id']}", headers=auth(world.admin))
        assert response.status_code == 200
        assert response.json() == survey

    async def test_a_draft_is_hidden_from_families(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        survey = await create_survey(client, world)
        response = await client.get(f"/surveys/{survey['id']}", headers=auth(world.mum))
        assert_problem(response, 404, "survey.not_found")

    async def test_another_schools_admin_gets_404(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        survey = await create_survey(client, world)
        response = await client.get(f"/surveys/{survey['id']}", headers=auth(world.other_admin))
        assert_problem(response, 404, "survey.not_found")
        assert "三年级" not in response.text

    @pytest.mark.parametrize("role", ["teacher", "duty"])
    async def test_staff_other_than_admins_may_not(
        self, client: httpx.AsyncClient, world: World, role: str
    ) -> None:
        survey = await create_survey(client, world)
        response = await client.get(f"/surveys/{survey['id']}", headers=auth(getattr(world, role)))
        assert_problem(response, 403, "auth.forbidden")

    async def test_unknown_and_malformed_ids(self, client: httpx.AsyncClient, world: World) -> None:
        response = await client.get(f"/surveys/{random_id()}", headers=auth(world.admin))
        assert_problem(response, 404, "survey.not_found")
        response = await client.get("/surveys/not-a-uuid", headers=auth(world.admin))
        assert_problem(response, 422, "validation.invalid", field="survey_id")


class TestUpdate:
    async def test_edits_a_draft(self, client: httpx.AsyncClient, world: World) -> None:
        survey = await create_survey(client, world, description="请家长填写")
        questions = [
            {"id": "join", "kind": "single", "prompt": "参加吗？", "options": ["参加", "不参加"]}
        ]
        response = await client.patch(
            f"/surveys/{survey['id']}",
            json={
                "title": "  全校意愿征询  ",
                "description": None,
                "audience": None,
                "questions": questions,
            },
            headers=auth(world.admin),
        )

        assert response.status_code == 200
        edited = response.json()
        assert edited["title"] == "全校意愿征询"
        assert edited["description"] is None
        assert edited["audience"] == {"grades": None, "class_ids": None}
        assert [q["prompt"] for q in edited["questions"]] == ["参加吗？"]
        assert edited["opens_at"] == survey["opens_at"]  # left out: kept
        again = await client.get(f"/surveys/{survey['id']}", headers=auth(world.admin))
        assert again.json() == edited

    async def test_window_is_checked_against_what_is_kept(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        survey = await create_survey(client, world)
        response = await client.patch(
            f"/surveys/{survey['id']}",
            json={"opens_at": "2096-06-12T08:00:00+08:00"},
            headers=auth(world.admin),
        )
        assert_problem(response, 422, "survey.window_invalid", field="closes_at")

    async def test_refuses_null_for_what_must_be_there(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        survey = await create_survey(client, world)
        response = await client.patch(
            f"/surveys/{survey['id']}", json={"title": None}, headers=auth(world.admin)
        )
        assert_problem(response, 422, "validation.invalid", field="title")

    async def test_refuses_bad_questions(self, client: httpx.AsyncClient, world: World) -> None:
        survey = await create_survey(client, world)
        response = await client.patch(
            f"/surveys/{survey['id']}",
            json={"questions": [_question(kind="text")]},
            headers=auth(world.admin),
        )
        assert_problem(response, 422, "survey.options_not_allowed", field="questions.0.options")

    async def test_a_published_survey_is_not_editable(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        survey = await publish_survey(client, world)
        response = await client.patch(
            f"/surveys/{survey['id']}", json={"title": "改"}, headers=auth(world.admin)
        )
        assert_problem(response, 409, "survey.not_draft")

    async def test_walls(self, client: httpx.AsyncClient, world: World) -> None:
        survey = await create_survey(client, world)
        path = f"/surveys/{survey['id']}"
        response = await client.patch(path, json={"title": "改"}, headers=auth(world.other_admin))
        assert_problem(response, 404, "survey.not_found")
        for user in (world.teacher, world.duty, world.mum):
            response = await client.patch(path, json={"title": "改"}, headers=auth(user))
            assert_problem(response, 403, "auth.forbidden")


class TestDelete:
    async def test_deletes_a_draft(self, client: httpx.AsyncClient, world: World) -> None:
        survey = await create_survey(client, world)
        response = await client.delete(f"/surveys/{survey['id']}", headers=auth(world.admin))
        assert response.status_code == 204
        response = await client.get(f"/surveys/{survey['id']}", headers=auth(world.admin))
        assert_problem(response, 404, "survey.not_found")

    async def test_a_published_survey_stays(self, client: httpx.AsyncClient, world: World) -> None:
        survey = await publish_survey(client, world)
        response = await client.delete(f"/surveys/{survey['id']}", headers=auth(world.admin))
        assert_problem(response, 409, "survey.not_draft")

    async def test_walls(self, client: httpx.AsyncClient, world: World) -> None:
        survey = await create_survey(client, world)
        path = f"/surveys/{survey['id']}"
        assert_problem(
            await client.delete(path, headers=auth(world.other_admin)), 404, "survey.not_found"
        )
        assert_problem(
            await client.delete(path, headers=auth(world.teacher)), 403, "auth.forbidden"
        )
        assert (await client.get(path, headers=auth(world.admin))).status_code == 200


class TestTemplates:
    async def test_lists_the_next_term_intent(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await client.get("/survey-templates", headers=auth(world.admin))
        assert response.status_code == 200
        body = response.json()
        assert body["next_cursor"] is None
        assert [(t["id"], t["title"]) for t in body["items"]] == [
            ("next_term_intent", "下学期课后服务意愿")
        ]

    async def test_drafts_from_the_template_with_the_terms_days_and_slots(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        term = await create_term(session, world.school, name="2026学年第二学期", weekdays=[1, 3, 5])
        await session.commit()
        await create_slot(session, term, name="晚托", start=time(16, 30), end=time(18, 0))
        await create_slot(session, term, name="课后活动", start=time(15, 30), end=time(16, 30))
        await session.commit()

        response = await client.post(
            "/surveys/from-template",
            json={
                "template": "next_term_intent",
                "term_id": str(term.id),
                "opens_at": "2096-06-01T08:00:00+08:00",
                "closes_at": CLOSES,
            },
            headers=auth(world.admin),
        )

        assert response.status_code == 201, response.text
        survey = response.json()
        assert survey["status"] == "draft"
        assert survey["template"] == "next_term_intent"
        assert survey["title"] == "2026学年第二学期课后服务意愿"
        assert survey["term_id"] == str(term.id)
        assert survey["audience"] == {"grades": None, "class_ids": None}
        questions = {q["id"]: q for q in survey["questions"]}
        assert list(questions) == ["join", "weekdays", "slots", "interests"]
        assert questions["join"]["options"] == ["参加", "不参加"]
        assert questions["join"]["required"] is True
        assert questions["weekdays"]["options"] == ["周一", "周三", "周五"]
        assert questions["slots"]["kind"] == "multi"
        assert questions["slots"]["options"] == ["课后活动 15:30–16:30", "晚托 16:30–18:00"]
        assert questions["interests"]["kind"] == "text"

        # a draft like any other: edit it, then publish
        patched = await client.patch(
            f"/surveys/{survey['id']}",
            json={"audience": {"grades": [3]}},
            headers=auth(world.admin),
        )
        assert patched.status_code == 200
        published = await client.post(f"/surveys/{survey['id']}/publish", headers=auth(world.admin))
        assert published.json()["status"] == "published"

    async def test_title_and_audience_may_be_given(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await client.post(
            "/surveys/from-template",
            json={
                "template": "next_term_intent",
                "term_id": str(world.term.id),
                "opens_at": "2096-06-01T08:00:00+08:00",
                "closes_at": CLOSES,
                "title": "三年级下学期意愿",
                "audience": {"grades": [3]},
            },
            headers=auth(world.admin),
        )
        assert response.status_code == 201
        assert response.json()["title"] == "三年级下学期意愿"
        assert response.json()["audience"]["grades"] == [3]

    @pytest.mark.parametrize(
        ("change", "code", "field"),
        [
            ({"template": "satisfaction"}, "survey.template_unknown", "template"),
            ({"term_id": "other"}, "survey.term_unknown", "term_id"),
            ({"term_id": "bare"}, "survey.template_term_has_no_slots", "term_id"),
            ({"closes_at": "2096-05-01T00:00:00+08:00"}, "survey.window_invalid", "closes_at"),
            ({"questions": []}, "validation.invalid", "questions"),
        ],
    )
    async def test_bad_requests(
        self,
        client: httpx.AsyncClient,
        world: World,
        session: AsyncSession,
        change: dict,
        code: str,
        field: str,
    ) -> None:
        bare = await create_term(session, world.school, name="没有时段的学期")
        await session.commit()
        body = {
            "template": "next_term_intent",
            "term_id": str(world.term.id),
            "opens_at": "2096-06-01T08:00:00+08:00",
            "closes_at": CLOSES,
            **change,
        }
        if change.get("term_id") == "other":
            body["term_id"] = str(world.other_term.id)
        if change.get("term_id") == "bare":
            body["term_id"] = str(bare.id)
        response = await client.post("/surveys/from-template", json=body, headers=auth(world.admin))
        assert_problem(response, 422, code, field=field)

    @pytest.mark.parametrize("role", ["teacher", "duty", "mum"])
    async def test_only_admins(self, client: httpx.AsyncClient, world: World, role: str) -> None:
        headers = auth(getattr(world, role))
        assert_problem(
            await client.get("/survey-templates", headers=headers), 403, "auth.forbidden"
        )
        response = await client.post(
            "/surveys/from-template",
            json={
                "template": "next_term_intent",
                "term_id": str(world.term.id),
                "opens_at": "2096-06-01T08:00:00+08:00",
                "closes_at": CLOSES,
            },
            headers=headers,
        )
        assert_problem(response, 403, "auth.forbidden")


async def test_a_repeated_create_with_the_same_key_makes_one_draft(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = {**auth(world.admin), "Idempotency-Key": "draft-1"}
    first = await client.post("/surveys", json=survey_body(world), headers=headers)
    again = await client.post("/surveys", json=survey_body(world), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    listed = await client.get("/surveys", headers=auth(world.admin))
    assert [s["id"] for s in listed.json()["items"]] == [first.json()["id"]]
    other = await client.post("/surveys", json=survey_body(world, title="别的"), headers=headers)
    assert_problem(other, 422, "idempotency.key_reused")
