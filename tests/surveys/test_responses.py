"""Families answer for each child: audience, window, validation, replacement, read-back."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.audit import AuditEvent
from app.surveys.models import SurveyResponse
from tests.factories import auth, random_id
from tests.surveys.conftest import World, answer, assert_problem, create_survey, publish_survey


async def _read(
    client: httpx.AsyncClient, parent: Any, survey: dict, student: Any
) -> httpx.Response:
    return await client.get(f"/surveys/{survey['id']}/responses/{student.id}", headers=auth(parent))


class TestAnswering:
    async def test_a_parent_answers_and_reads_it_back(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        survey = await publish_survey(client, world)

        response = await answer(
            client, world.mum, survey, world.ming, join="参加", days=["周一", "周五"], note=" 围棋 "
        )

        assert response.status_code == 201
        stored = response.json()
        assert stored == {
            "survey_id": survey["id"],
            "student_id": str(world.ming.id),
            "answers": {"join": "参加", "days": ["周一", "周五"], "note": "围棋"},
            "submitted_by": str(world.mum.id),
            "submitted_by_name": "明明妈妈",
            "created_at": "2096-06-03T02:00:00Z",
            "submitted_at": "2096-06-03T02:00:00Z",
        }
        read = await _read(client, world.mum, survey, world.ming)
        assert read.status_code == 200
        assert read.json() == stored
        # any guardian of the child reads the same answer
        assert (await _read(client, world.dad, survey, world.ming)).json() == stored

    async def test_optional_questions_may_be_left_out(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        survey = await publish_survey(client, world)
        response = await answer(
            client, world.hong_mum, survey, world.hong, join="不参加", days=[], note="  "
        )
        assert response.status_code == 201
        assert response.json()["answers"] == {"join": "不参加"}

    async def test_a_choice_repeated_counts_once(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        survey = await publish_survey(client, world)
        response = await answer(
            client, world.hong_mum, survey, world.hong, join="参加", days=["周三", "周三", "周一"]
        )
        assert response.json()["answers"]["days"] == ["周三", "周一"]

    async def test_a_later_answer_replaces_the_earlier(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        survey = await publish_survey(client, world)
        first = await answer(client, world.mum, survey, world.ming, join="参加", days=["周一"])
        clock.advance(timedelta(hours=2))

        second = await answer(client, world.dad, survey, world.ming, join="不参加")

        assert second.status_code == 201
        replaced = second.json()
        assert replaced["answers"] == {"join": "不参加"}
        assert replaced["submitted_by"] == str(world.dad.id)
        assert replaced["created_at"] == first.json()["created_at"]
        assert replaced["submitted_at"] == "2096-06-03T04:00:00Z"
        assert (await _read(client, world.mum, survey, world.ming)).json() == replaced
        rows = await session.scalar(select(func.count()).select_from(SurveyResponse))
        assert rows == 1
        actions = list(
            await session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.object_type == "survey_response")
                .order_by(AuditEvent.created_at)
            )
        )
        assert actions == ["survey.answered", "survey.answer_replaced"]

    async def test_two_guardians_answering_at_once_leave_one_response(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        survey = await publish_survey(client, world)
        mum, dad = await asyncio.gather(
            answer(client, world.mum, survey, world.ming, join="参加"),
            answer(client, world.dad, survey, world.ming, join="不参加"),
        )
        assert (mum.status_code, dad.status_code) == (201, 201)
        rows = list(await session.scalars(select(SurveyResponse)))
        assert len(rows) == 1
        assert rows[0].answers["join"] in {"参加", "不参加"}

    async def test_nothing_to_read_before_answering(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        survey = await publish_survey(client, world)
        response = await _read(client, world.mum, survey, world.ming)
        assert_problem(response, 404, "survey.response_not_found")


class TestAudience:
    async def test_a_child_outside_the_audience_cannot_be_answered_for(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        survey = await publish_survey(client, world)  # grade 3; Li is in grade 4
        response = await answer(client, world.mum, survey, world.li, join="参加")
        assert_problem(response, 404, "survey.not_in_audience")

    async def test_families_outside_the_audience_get_404(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        survey = await publish_survey(client, world)
        for parent in (world.other_parent, world.outsider):
            response = await answer(client, parent, survey, world.ming, join="参加")
            assert_problem(response, 404, "survey.not_found")
            assert_problem(await _read(client, parent, survey, world.ming), 404, "survey.not_found")
        assert await session.scalar(select(func.count()).select_from(SurveyResponse)) == 0

    async def test_another_familys_child_is_404(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        survey = await publish_survey(client, world)
        await answer(client, world.mum, survey, world.ming, join="参加", note="我的秘密")
        response = await answer(client, world.hong_mum, survey, world.ming, join="不参加")
        assert_problem(response, 404, "student.not_found")
        read = await _read(client, world.hong_mum, survey, world.ming)
        assert_problem(read, 404, "student.not_found")
        assert "秘密" not in read.text
        unknown = await client.post(
            f"/surveys/{survey['id']}/responses",
            json={"student_id": random_id(), "answers": {"join": "参加"}},
            headers=auth(world.hong_mum),
        )
        assert_problem(unknown, 404, "student.not_found")

    async def test_a_draft_takes_no_answers(self, client: httpx.AsyncClient, world: World) -> None:
        survey = await create_survey(client, world)
        response = await answer(client, world.mum, survey, world.ming, join="参加")
        assert_problem(response, 404, "survey.not_found")

    async def test_another_schools_survey_is_404(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        survey = await publish_survey(client, world, audience=None)
        response = await answer(client, world.other_parent, survey, world.ming, join="参加")
        assert_problem(response, 404, "survey.not_found")


class TestWindow:
    async def test_before_it_opens(self, client: httpx.AsyncClient, world: World) -> None:
        survey = await publish_survey(client, world, opens_at="2096-06-05T08:00:00+08:00")
        assert survey["accepting_responses"] is False

        early = await answer(client, world.mum, survey, world.ming, join="参加")

        body = assert_problem(early, 409, "survey.not_open")
        assert "2096-06-05 08:00" in body["detail"]
        clock.advance(timedelta(days=1, hours=22))  # 2096-06-05 08:00 in Shanghai
        on_time = await answer(client, world.mum, survey, world.ming, join="参加")
        assert on_time.status_code == 201

    async def test_after_it_closes(self, client: httpx.AsyncClient, world: World) -> None:
        survey = await publish_survey(client, world)
        await answer(client, world.mum, survey, world.ming, join="参加")
        clock.advance(timedelta(days=7, hours=8) - timedelta(seconds=1))
        last_second = await answer(client, world.hong_mum, survey, world.hong, join="参加")
        assert last_second.status_code == 201

        clock.advance(timedelta(seconds=1))  # closes_at
        late = await answer(client, world.mum, survey, world.ming, join="不参加")

        assert_problem(late, 409, "survey.closed")
        # the earlier answer stands and can still be read back
        kept = await _read(client, world.mum, survey, world.ming)
        assert kept.json()["answers"] == {"join": "参加"}

    async def test_after_an_admin_closes_it(self, client: httpx.AsyncClient, world: World) -> None:
        survey = await publish_survey(client, world)
        await client.post(f"/surveys/{survey['id']}/close", headers=auth(world.admin))
        response = await answer(client, world.mum, survey, world.ming, join="参加")
        assert_problem(response, 409, "survey.closed")


BAD_ANSWERS: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "unknown question",
        {"join": "参加", "colour": "红"},
        "survey.answer_unknown_question",
        "answers.colour",
    ),
    ("option not offered", {"join": "也许"}, "survey.answer_option_not_offered", "answers.join"),
    (
        "multi option not offered",
        {"join": "参加", "days": ["周一", "周日"]},
        "survey.answer_option_not_offered",
        "answers.days",
    ),
    ("single given a list", {"join": ["参加"]}, "survey.answer_wrong_type", "answers.join"),
    ("single given a number", {"join": 1}, "survey.answer_wrong_type", "answers.join"),
    (
        "multi given a string",
        {"join": "参加", "days": "周一"},
        "survey.answer_wrong_type",
        "answers.days",
    ),
    (
        "multi given numbers",
        {"join": "参加", "days": [1, 3]},
        "survey.answer_wrong_type",
        "answers.days",
    ),
    (
        "text given an object",
        {"join": "参加", "note": {"a": 1}},
        "survey.answer_wrong_type",
        "answers.note",
    ),
    ("required left out", {"days": ["周一"]}, "survey.answer_required", "answers.join"),
    ("required null", {"join": None}, "survey.answer_required", "answers.join"),
    ("required blank", {"join": "  "}, "survey.answer_required", "answers.join"),
    (
        "text too long",
        {"join": "参加", "note": "长" * 1001},
        "survey.answer_too_long",
        "answers.note",
    ),
]


@pytest.mark.parametrize(
    ("answers", "code", "field"),
    [case[1:] for case in BAD_ANSWERS],
    ids=[case[0] for case in BAD_ANSWERS],
)
async def test_answers_not_matching_the_questions_are_refused(
    client: httpx.AsyncClient,
    world: World,
    session: AsyncSession,
    answers: dict,
    code: str,
    field: str,
) -> None:
    survey = await publish_survey(client, world)
    response = await answer(client, world.mum, survey, world.ming, **answers)
    assert_problem(response, 422, code, field=field)
    assert await session.scalar(select(func.count()).select_from(SurveyResponse)) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"answers": {"join": "参加"}}, "student_id"),
        ({"student_id": "nope", "answers": {}}, "student_id"),
        ({"student_id": "{ming}"}, "answers"),
        ({"student_id": "{ming}", "answers": {"join": "参加"}, "extra": 1}, "extra"),
        (
            {"student_id": "{ming}", "answers": {"q" * 41: "x"}},
            "answers.qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq.[key]",
        ),
    ],
)
async def test_malformed_bodies(
    client: httpx.AsyncClient, world: World, body: dict, field: str
) -> None:
    survey = await publish_survey(client, world)
    if body.get("student_id") == "{ming}":
        body["student_id"] = str(world.ming.id)
    response = await client.post(
        f"/surveys/{survey['id']}/responses", json=body, headers=auth(world.mum)
    )
    assert_problem(response, 422, "validation.invalid", field=field)


async def test_a_bad_answer_to_a_replaced_response_keeps_the_old_one(
    client: httpx.AsyncClient, world: World
) -> None:
    survey = await publish_survey(client, world)
    await answer(client, world.mum, survey, world.ming, join="参加")
    bad = await answer(client, world.mum, survey, world.ming, join="也许")
    assert bad.status_code == 422
    kept = await _read(client, world.mum, survey, world.ming)
    assert kept.json()["answers"] == {"join": "参加"}


@pytest.mark.parametrize("role", ["admin", "teacher", "duty"])
async def test_staff_do_not_answer(client: httpx.AsyncClient, world: World, role: str) -> None:
    survey = await publish_survey(client, world)
    response = await answer(client, getattr(world, role), survey, world.ming, join="参加")
    assert_problem(response, 403, "auth.forbidden")
    read = await _read(client, getattr(world, role), survey, world.ming)
    assert_problem(read, 403, "auth.forbidden")


async def test_a_retried_answer_with_the_same_key_replays(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    survey = await publish_survey(client, world)
    path = f"/surveys/{survey['id']}/responses"
    headers = {**auth(world.mum), "Idempotency-Key": "answer-1"}
    body = {"student_id": str(world.ming.id), "answers": {"join": "参加"}}
    first = await client.post(path, json=body, headers=headers)
    clock.advance(timedelta(minutes=5))
    again = await client.post(path, json=body, headers=headers)
    assert again.status_code == 201
    assert again.json() == first.json()
    events = await session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.object_type == "survey_response")
    )
    assert events == 1
