"""The whole story: next term's intent survey from template to results."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.notifications.models import Notification
from tests.factories import auth
from tests.surveys.conftest import CLOSES, OPENS, World, assert_problem


async def test_next_term_intent_from_template_to_results(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    admin = auth(world.admin)
    templates = (await client.get("/survey-templates", headers=admin)).json()["items"]
    assert templates[0]["id"] == "next_term_intent"

    # the admin starts from the template for grade 3, then publishes
    draft = await client.post(
        "/surveys/from-template",
        json={
            "template": "next_term_intent",
            "term_id": str(world.term.id),
            "opens_at": OPENS,
            "closes_at": CLOSES,
            "audience": {"grades": [3]},
        },
        headers=admin,
    )
    assert draft.status_code == 201
    survey = draft.json()
    published = await client.post(f"/surveys/{survey['id']}/publish", headers=admin)
    assert published.json()["status"] == "published"

    # Ming's mother finds it in her inbox and in her list, not yet answered
    notice = await session.scalar(
        select(Notification).where(
            Notification.user_id == world.mum.id, Notification.kind == "survey.published"
        )
    )
    assert notice is not None and notice.data["survey_id"] == survey["id"]
    listed = (await client.get("/surveys", headers=auth(world.mum))).json()["items"]
    assert [(s["id"], s["answered"]) for s in listed] == [(survey["id"], False)]

    # she answers for Ming with the term's weekdays and slots
    slots = next(q for q in listed[0]["questions"] if q["id"] == "slots")
    assert slots["options"] == ["课后活动 15:30–16:30", "晚托 16:30–18:00"]
    answered = await client.post(
        f"/surveys/{survey['id']}/responses",
        json={
            "student_id": str(world.ming.id),
            "answers": {
                "join": "参加",
                "weekdays": ["周一", "周二", "周四"],
                "slots": ["晚托 16:30–18:00"],
                "interests": "编程、篮球",
            },
        },
        headers=auth(world.mum),
    )
    assert answered.status_code == 201
    # Hong's family will not join
    hong = await client.post(
        f"/surveys/{survey['id']}/responses",
        json={"student_id": str(world.hong.id), "answers": {"join": "不参加"}},
        headers=auth(world.hong_mum),
    )
    assert hong.status_code == 201

    # the father sees the family's answer; the list now says answered
    read = await client.get(
        f"/surveys/{survey['id']}/responses/{world.ming.id}", headers=auth(world.dad)
    )
    assert read.json()["answers"]["slots"] == ["晚托 16:30–18:00"]
    listed = (await client.get("/surveys", headers=auth(world.dad))).json()["items"]
    assert listed[0]["answered"] is True

    # the school plans with the results, then closes the survey
    results = (await client.get(f"/surveys/{survey['id']}/results", headers=admin)).json()
    assert (results["response_count"], results["audience_count"]) == (2, 3)
    by_id = {q["id"]: q for q in results["questions"]}
    assert by_id["join"]["counts"] == {"参加": 1, "不参加": 1}
    assert by_id["slots"]["counts"] == {"课后活动 15:30–16:30": 0, "晚托 16:30–18:00": 1}
    assert by_id["weekdays"]["counts"] == {"周一": 1, "周二": 1, "周三": 0, "周四": 1, "周五": 0}
    assert by_id["interests"]["texts"] == ["编程、篮球"]
    closed = await client.post(f"/surveys/{survey['id']}/close", headers=admin)
    assert closed.json()["status"] == "closed"

    late = await client.post(
        f"/surveys/{survey['id']}/responses",
        json={"student_id": str(world.gang.id), "answers": {"join": "参加"}},
        headers=auth(world.gang_dad),
    )
    assert_problem(late, 409, "survey.closed")
    export = await client.get(f"/surveys/{survey['id']}/results.csv", headers=admin)
    assert export.text.count("\n") == 3  # header and two responses
