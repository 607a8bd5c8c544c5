"""Results for admins: counts per option, texts, response and audience sizes, by class; CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from tests.factories import auth, create_student
from tests.surveys.conftest import World, answer, assert_problem, create_survey, publish_survey


async def _results(client: httpx.AsyncClient, world: World, survey: dict) -> dict:
    response = await client.get(f"/surveys/{survey['id']}/results", headers=auth(world.admin))
    assert response.status_code == 200, response.text
    return response.json()


async def test_results_add_up(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    await create_student(session, world.c32, name="赵强")  # in the audience, never answers
    await session.commit()
    survey = await publish_survey(client, world)  # grade 3: Ming, Hong (3-1); Gang, Zhao (3-2)
    await answer(client, world.mum, survey, world.ming, join="参加", days=["周一", "周三"])
    clock.advance(timedelta(minutes=1))
    await answer(
        client, world.hong_mum, survey, world.hong, join="参加", days=["周三"], note="围棋"
    )
    clock.advance(timedelta(minutes=1))
    await answer(client, world.gang_dad, survey, world.gang, join="不参加", note="家里有老人接")
    clock.advance(timedelta(minutes=1))
    # Ming's father changes the family's answer: only the new one counts
    await answer(
        client, world.dad, survey, world.ming, join="参加", days=["周三", "周五"], note="足球"
    )

    results = await _results(client, world, survey)

    assert results["response_count"] == 3
    assert results["audience_count"] == 4
    join, days, note = results["questions"]
    assert join == {
        "id": "join",
        "kind": "single",
        "prompt": "是否参加？",
        "answer_count": 3,
        "counts": {"参加": 2, "不参加": 1},
        "texts": [],
    }
    assert days["counts"] == {"周一": 0, "周三": 2, "周五": 1}
    assert days["answer_count"] == 2
    assert note["counts"] == {}
    assert note["texts"] == ["围棋", "家里有老人接", "足球"]  # in the order given
    assert note["answer_count"] == 3

    c31, c32 = results["by_class"]
    assert (c31["class_name"], c31["grade"], c31["class_id"]) == ("三年级1班", 3, str(world.c31.id))
    assert (c31["response_count"], c31["audience_count"]) == (2, 2)
    assert c31["questions"][0]["counts"] == {"参加": 2, "不参加": 0}
    assert c31["questions"][1]["counts"] == {"周一": 0, "周三": 2, "周五": 1}
    assert c31["questions"][2]["texts"] == ["围棋", "足球"]
    assert (c32["class_name"], c32["response_count"], c32["audience_count"]) == ("三年级2班", 1, 2)
    assert c32["questions"][0]["counts"] == {"参加": 0, "不参加": 1}
    assert c32["questions"][1]["answer_count"] == 0
    assert c32["questions"][2]["texts"] == ["家里有老人接"]
    # the classes add up to the whole
    for q in range(3):
        for option, n in results["questions"][q]["counts"].items():
            assert n == sum(c["questions"][q]["counts"][option] for c in results["by_class"])


async def test_a_survey_without_answers(client: httpx.AsyncClient, world: World) -> None:
    survey = await create_survey(client, world, audience={"class_ids": [str(world.c41.id)]})
    results = await _results(client, world, survey)
    assert results["response_count"] == 0
    assert results["audience_count"] == 1
    assert results["questions"][0]["counts"] == {"参加": 0, "不参加": 0}
    assert [
        (c["class_name"], c["response_count"], c["audience_count"]) for c in results["by_class"]
    ] == [("四年级1班", 0, 1)]


async def test_whole_school_audience(client: httpx.AsyncClient, world: World) -> None:
    survey = await publish_survey(client, world, audience=None)
    results = await _results(client, world, survey)
    assert results["audience_count"] == 4  # the other school's child is not counted
    assert [c["class_name"] for c in results["by_class"]] == ["三年级1班", "三年级2班", "四年级1班"]


async def test_csv_export(client: httpx.AsyncClient, world: World) -> None:
    survey = await publish_survey(client, world)
    await answer(client, world.gang_dad, survey, world.gang, join="不参加", note="=HYPERLINK(1)")
    await answer(client, world.mum, survey, world.ming, join="参加", days=["周一", "周五"])

    response = await client.get(f"/surveys/{survey['id']}/results.csv", headers=auth(world.admin))

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.content.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "班级",
        "姓名",
        "学号",
        "是否参加？",
        "每周哪几天？",
        "建议",
        "提交时间",
        "提交人",
    ]
    assert rows[1:] == [
        [
            "三年级1班",
            "李明",
            world.ming.student_no,
            "参加",
            "周一；周五",
            "",
            "2096-06-03 10:00",
            "明明妈妈",
        ],
        # a formula typed by a parent is kept as text
        [
            "三年级2班",
            "王刚",
            world.gang.student_no,
            "不参加",
            "",
            "'=HYPERLINK(1)",
            "2096-06-03 10:00",
            "刚刚爸爸",
        ],
    ]


@pytest.mark.parametrize("path", ["results", "results.csv"])
async def test_walls(client: httpx.AsyncClient, world: World, path: str) -> None:
    survey = await publish_survey(client, world)
    await answer(client, world.mum, survey, world.ming, join="参加", note="只给学校看")
    url = f"/surveys/{survey['id']}/{path}"
    for user in (world.teacher, world.duty, world.mum):
        assert_problem(await client.get(url, headers=auth(user)), 403, "auth.forbidden")
    response = await client.get(url, headers=auth(world.other_admin))
    assert_problem(response, 404, "survey.not_found")
    assert "只给学校看" not in response.text
