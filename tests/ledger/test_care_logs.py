"""POST /care-logs: who may write, what incidents tell the family, and the walls."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role
from app.ledger.models import CareLog
from app.notifications.models import Notification
from tests.attendance.factories import TODAY, Campus, build_campus
from tests.factories import (
    auth,
    create_class,
    create_other_school,
    create_student,
    create_user,
    random_id,
)


@pytest.fixture
async def campus(session: AsyncSession) -> Campus:
    return await build_campus(session)


def body(campus: Campus, **overrides: object) -> dict:
    return {
        "group_id": str(campus.evening_group.id),
        "slot_id": str(campus.evening.id),
        "date": TODAY.isoformat(),
        "kind": "activity",
        "text": "今天一起读了《小王子》第三章。",
        **overrides,
    }


async def count(session: AsyncSession, model: type) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize("who", ["leader", "admin"])
async def test_the_leader_or_an_admin_writes_the_care_log(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus, who: str
) -> None:
    author = getattr(campus, who)
    response = await client.post("/care-logs", json=body(campus), headers=auth(author))
    assert response.status_code == 201, response.text
    log = response.json()
    assert log["kind"] == "activity"
    assert log["text"] == "今天一起读了《小王子》第三章。"
    assert log["author_name"] == author.name
    assert log["student_id"] is None
    assert log["date"] == TODAY.isoformat()
    assert await count(session, Notification) == 0


async def test_an_incident_about_a_child_tells_every_guardian(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    response = await client.post(
        "/care-logs",
        json=body(
            campus,
            kind="incident",
            text="做游戏时摔倒，膝盖擦伤，已消毒处理。",
            student_id=str(campus.student.id),
        ),
        headers=auth(campus.leader),
    )
    assert response.status_code == 201, response.text
    assert response.json()["student_name"] == "王小明"
    notices = (await session.scalars(select(Notification))).all()
    assert {n.user_id for n in notices} == {campus.mother.id, campus.father.id}
    assert {n.kind for n in notices} == {"incident.reported"}
    assert all("膝盖擦伤" in n.body and "王小明" in n.title for n in notices)
    assert notices[0].data["care_log_id"] == response.json()["id"]


async def test_a_note_about_a_child_tells_nobody(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    response = await client.post(
        "/care-logs",
        json=body(
            campus, kind="note", text="作业完成得很认真。", student_id=str(campus.student.id)
        ),
        headers=auth(campus.leader),
    )
    assert response.status_code == 201
    assert await count(session, Notification) == 0


async def test_a_past_day_may_be_written_up(client: httpx.AsyncClient, campus: Campus) -> None:
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    response = await client.post(
        "/care-logs", json=body(campus, date=yesterday), headers=auth(campus.leader)
    )
    assert response.status_code == 201
    assert response.json()["date"] == yesterday


@pytest.mark.parametrize("who", ["other_teacher", "homeroom", "duty", "mother"])
async def test_others_may_not_write_it(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus, who: str
) -> None:
    response = await client.post(
        "/care-logs", json=body(campus), headers=auth(getattr(campus, who))
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await count(session, CareLog) == 0


async def test_another_schools_group_or_child_is_not_found(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    school, admin = await create_other_school(session)
    their_child = await create_student(session, await create_class(session, school), name="李四")
    await session.commit()
    for group_id in (str(campus.evening_group.id), random_id()):
        response = await client.post(
            "/care-logs", json=body(campus, group_id=group_id), headers=auth(admin)
        )
        assert response.status_code == 404
        assert response.json()["code"] == "ledger.group_not_found"
    response = await client.post(
        "/care-logs",
        json=body(campus, kind="incident", student_id=str(their_child.id)),
        headers=auth(campus.leader),
    )
    assert response.status_code == 404
    assert response.json()["code"] == "ledger.student_not_found"
    assert "李四" not in response.text
    assert await count(session, CareLog) == 0
    assert await count(session, Notification) == 0


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"date": (TODAY + timedelta(days=1)).isoformat()}, "ledger.future_date"),
        ({"slot_id": "ACTIVITY"}, "ledger.slot_mismatch"),
        ({"kind": "gossip"}, "validation.invalid"),
        ({"text": ""}, "validation.invalid"),
        ({"text": "长" * 2001}, "validation.invalid"),
        ({"student_id": "not-a-uuid"}, "validation.invalid"),
        ({"mood": "happy"}, "validation.invalid"),
    ],
)
async def test_bad_care_logs_are_refused(
    client: httpx.AsyncClient,
    session: AsyncSession,
    campus: Campus,
    overrides: dict,
    code: str,
) -> None:
    if overrides.get("slot_id") == "ACTIVITY":
        overrides = {"slot_id": str(campus.activity.id)}
    response = await client.post(
        "/care-logs", json=body(campus, **overrides), headers=auth(campus.leader)
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    assert await count(session, CareLog) == 0


async def test_a_district_admin_without_a_school_is_refused(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    district = await create_user(session, roles=[Role.DISTRICT_ADMIN])
    await session.commit()
    response = await client.post("/care-logs", json=body(campus), headers=auth(district))
    # the district reads counts only: a school's records do not exist for it (404, not 403)
    assert response.status_code == 404
