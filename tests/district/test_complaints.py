"""Complaints (监督举报): filed by a parent, answered by the school, escalated after 7 days."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role
from app.core import clock
from app.core.audit import AuditEvent
from app.core.database import sessionmaker
from app.district import complaints
from app.notifications.models import Notification
from tests.district.factories import DistrictWorld
from tests.factories import (
    auth,
    create_class,
    create_parent,
    create_student,
    create_user,
    link_guardian,
    random_id,
)

TEXT = "晚托期间教室无人看管，孩子在走廊打闹。"


async def _file(client: httpx.AsyncClient, world: DistrictWorld, **body: Any) -> httpx.Response:
    payload = {"category": "safety", "text": TEXT, "anonymous": False, **body}
    return await client.post("/complaints", headers=auth(world.parent), json=payload)


async def _answer(
    client: httpx.AsyncClient, world: DistrictWorld, complaint_id: str, **body: Any
) -> httpx.Response:
    return await client.post(
        f"/complaints/{complaint_id}/responses",
        headers=auth(world.school_admin),
        json={"text": "已安排值班老师巡查。", **body},
    )


async def _escalate() -> int:
    async with sessionmaker()() as session, session.begin():
        return await complaints.escalate_overdue(session, clock.now())


async def test_a_parent_complains_about_their_childs_school(
    client: httpx.AsyncClient, world: DistrictWorld
) -> None:
    r = await _file(client, world)
    assert r.status_code == 201
    body = r.json()
    assert body["school_id"] == str(world.school.id)
    assert body["school_name"] == "城关小学"
    assert body["category"] == "safety"
    assert body["status"] == "open"
    assert body["complainant"] == {
        "id": str(world.parent.id),
        "name": "林静",
        "phone": "13800138000",
    }
    assert body["responses"] == [] and body["escalated_at"] is None

    mine = await client.get("/complaints", headers=auth(world.parent))
    assert [c["id"] for c in mine.json()["items"]] == [body["id"]]


async def test_anonymity_hides_the_parent_from_the_school_not_the_district(
    client: httpx.AsyncClient, session: AsyncSession, world: DistrictWorld
) -> None:
    filed = (await _file(client, world, anonymous=True)).json()
    school_view = await client.get("/complaints", headers=auth(world.school_admin))
    [seen] = school_view.json()["items"]
    assert seen["id"] == filed["id"] and seen["anonymous"] is True
    assert seen["complainant"] is None
    assert "林静" not in school_view.text and "13800138000" not in school_view.text
    # nor does the audit trail the school's admins read name the parent
    event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "complaint.filed"))
    assert event is not None and event.actor_id is None

    # the parent still sees their own complaint
    mine = await client.get("/complaints", headers=auth(world.parent))
    assert mine.json()["items"][0]["complainant"]["name"] == "林静"

    clock.advance(timedelta(days=7, minutes=1))
    assert await _escalate() == 1
    district_view = await client.get("/district/complaints", headers=auth(world.district_admin))
    [escalated] = district_view.json()["items"]
    assert escalated["complainant"]["name"] == "林静"
    assert escalated["escalated_at"] is not None


async def test_a_named_complaint_shows_the_parent_to_the_school(
    client: httpx.AsyncClient, world: DistrictWorld
) -> None:
    await _file(client, world)
    r = await client.get("/complaints", headers=auth(world.school_admin))
    assert r.json()["items"][0]["complainant"]["name"] == "林静"


async def test_the_school_answers_and_resolves_the_parent_is_notified(
    client: httpx.AsyncClient, session: AsyncSession, world: DistrictWorld
) -> None:
    filed = (await _file(client, world)).json()
    r = await _answer(client, world, filed["id"])
    assert r.status_code == 201
    assert r.json()["status"] == "answered"
    assert [a["text"] for a in r.json()["responses"]] == ["已安排值班老师巡查。"]

    clock.advance(timedelta(minutes=5))  # the second answer comes later (the inbox sorts by time)
    r = await _answer(client, world, filed["id"], text="已整改，增加一名看护老师。", resolve=True)
    assert r.json()["status"] == "resolved" and r.json()["resolved_at"] is not None
    assert len(r.json()["responses"]) == 2

    notices = list(
        await session.scalars(
            select(Notification)
            .where(Notification.user_id == world.parent.id)
            .order_by(Notification.created_at)
        )
    )
    assert [n.kind for n in notices] == ["complaint.answered", "complaint.answered"]
    assert "已整改" in notices[1].body and "已办结" in notices[1].body

    r = await _answer(client, world, filed["id"])
    assert r.status_code == 409 and r.json()["code"] == "complaint.resolved"

    # the parent's list shows the answers
    mine = await client.get("/complaints", headers=auth(world.parent))
    assert mine.json()["items"][0]["status"] == "resolved"
    resolved = await client.get(
        "/complaints", headers=auth(world.parent), params={"status": "open"}
    )
    assert resolved.json()["items"] == []


async def test_only_unresolved_complaints_escalate_once_after_7_days(
    client: httpx.AsyncClient, session: AsyncSession, world: DistrictWorld
) -> None:
    late = (await _file(client, world)).json()
    settled = (await _file(client, world, category="fees", text="收费不透明")).json()
    await _answer(client, world, settled["id"], resolve=True)
    clock.advance(timedelta(days=6, hours=23))
    assert await _escalate() == 0
    fresh = (await _file(client, world, category="quality", text="作业辅导质量差")).json()
    clock.advance(timedelta(hours=2))

    results = await asyncio.gather(_escalate(), _escalate())
    assert sorted(results) == [0, 1]  # two workers: one escalation
    assert await _escalate() == 0

    r = await client.get("/district/complaints", headers=auth(world.district_admin))
    assert [c["id"] for c in r.json()["items"]] == [late["id"]]
    assert fresh["id"] not in r.text and settled["id"] not in r.text
    notice = await session.scalar(
        select(Notification).where(Notification.user_id == world.district_admin.id)
    )
    assert notice is not None and notice.kind == "complaint.escalated"
    assert "城关小学" in notice.title

    other = await client.get("/district/complaints", headers=auth(world.other_district_admin))
    assert other.json()["items"] == []
    assert (await client.get("/district/schools", headers=auth(world.district_admin))).json()[
        "items"
    ][0]["open_complaints"] == 2


async def test_another_schools_admin_neither_sees_nor_answers(
    client: httpx.AsyncClient, world: DistrictWorld
) -> None:
    filed = (await _file(client, world)).json()
    r = await client.get("/complaints", headers=auth(world.other_school_admin))
    assert r.json()["items"] == []
    r = await client.post(
        f"/complaints/{filed['id']}/responses",
        headers=auth(world.other_school_admin),
        json={"text": "?"},
    )
    assert r.status_code == 404 and TEXT not in r.text
    r = await _answer(client, world, random_id())
    assert r.status_code == 404


async def test_another_parent_does_not_see_it(
    client: httpx.AsyncClient, session: AsyncSession, world: DistrictWorld
) -> None:
    await _file(client, world)
    other = await create_parent(session, world.students[1])
    await session.commit()
    r = await client.get("/complaints", headers=auth(other))
    assert r.json()["items"] == []


async def test_a_parent_names_only_their_childrens_schools(
    client: httpx.AsyncClient, session: AsyncSession, world: DistrictWorld
) -> None:
    r = await _file(client, world, school_id=str(world.other_school.id))
    assert r.status_code == 422 and r.json()["code"] == "complaint.school_invalid"
    # with children at two schools the parent must say which
    second = await create_student(session, await create_class(session, world.other_school))
    await link_guardian(session, world.parent, second)
    await session.commit()
    r = await _file(client, world)
    assert r.status_code == 422
    r = await _file(client, world, school_id=str(world.other_school.id))
    assert r.status_code == 201 and r.json()["school_name"] == "邻区小学"
    # a parent with no child yet has no school to complain about
    lone = await create_user(session, roles=[Role.PARENT], phone="13900000999")
    await session.commit()
    r = await client.post(
        "/complaints", headers=auth(lone), json={"category": "other", "text": TEXT}
    )
    assert r.status_code == 422


async def test_roles_that_may_not(client: httpx.AsyncClient, world: DistrictWorld) -> None:
    filed = (await _file(client, world)).json()
    for user in (world.teacher, world.school_admin):
        r = await client.post(
            "/complaints", headers=auth(user), json={"category": "other", "text": TEXT}
        )
        assert r.status_code == 403
    r = await client.get("/complaints", headers=auth(world.teacher))
    assert r.status_code == 403
    for user in (world.teacher, world.parent):
        r = await client.post(
            f"/complaints/{filed['id']}/responses", headers=auth(user), json={"text": "好"}
        )
        assert r.status_code == 403
    # the district reads escalated complaints at /district/complaints only
    r = await client.get("/complaints", headers=auth(world.district_admin))
    assert r.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"category": "noise", "text": TEXT},
        {"category": "safety", "text": ""},
        {"category": "safety", "text": "x" * 2001},
        {"category": "safety", "text": TEXT, "urgent": True},
        {"text": TEXT},
        {"category": "safety", "text": TEXT, "school_id": "not-a-uuid"},
    ],
)
async def test_filing_refuses_bad_input(
    client: httpx.AsyncClient, world: DistrictWorld, body: dict[str, Any]
) -> None:
    r = await client.post("/complaints", headers=auth(world.parent), json=body)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("body", [{}, {"text": ""}, {"text": "好", "resolve": "maybe"}])
async def test_answering_refuses_bad_input(
    client: httpx.AsyncClient, world: DistrictWorld, body: dict[str, Any]
) -> None:
    filed = (await _file(client, world)).json()
    r = await client.post(
        f"/complaints/{filed['id']}/responses", headers=auth(world.school_admin), json=body
    )
    assert r.status_code == 422


async def test_lists_page_and_refuse_bad_filters(
    client: httpx.AsyncClient, world: DistrictWorld
) -> None:
    for n in range(3):
        await _file(client, world, text=f"第{n}件")
        clock.advance(timedelta(seconds=1))
    first = await client.get("/complaints", headers=auth(world.parent), params={"limit": 2})
    assert len(first.json()["items"]) == 2 and first.json()["next_cursor"]
    rest = await client.get(
        "/complaints",
        headers=auth(world.parent),
        params={"limit": 2, "cursor": first.json()["next_cursor"]},
    )
    assert [c["text"] for c in first.json()["items"] + rest.json()["items"]] == [
        "第2件",
        "第1件",
        "第0件",
    ]
    r = await client.get("/complaints", headers=auth(world.parent), params={"status": "lost"})
    assert r.status_code == 422
    r = await client.get(
        "/district/complaints", headers=auth(world.district_admin), params={"limit": 500}
    )
    assert r.status_code == 422


def test_the_worker_runs_the_escalation() -> None:
    from app.jobs import PERIODIC_JOBS

    [job] = [j for j in PERIODIC_JOBS if j.run is complaints.escalate_overdue]
    assert job.every_seconds <= 3600
