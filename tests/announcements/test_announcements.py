"""Announcements (告家长书): an audience by grade, class and slot, receipts, and the walls."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.notifications.models import Notification
from app.school.models import Guardian, Student
from tests.attendance.factories import Campus, build_campus
from tests.factories import auth, create_class, create_other_school, random_id


@pytest.fixture
async def campus(session: AsyncSession) -> Campus:
    return await build_campus(session)


async def _guardian(session: AsyncSession, child: Student) -> User:
    user_id = await session.scalar(select(Guardian.user_id).where(Guardian.student_id == child.id))
    return await session.get_one(User, user_id)


async def _publish(
    client: httpx.AsyncClient, campus: Campus, user: User | None = None, **audience: object
) -> httpx.Response:
    return await client.post(
        "/announcements",
        json={
            "title": "关于冬季课后服务时间调整的告家长书",
            "body": "各位家长：自下周一起，晚托结束时间调整为17:45，请按时接孩子。",
            "audience": audience,
            "requires_ack": True,
        },
        headers=auth(user or campus.admin),
    )


async def _notified(session: AsyncSession) -> set[object]:
    rows = await session.scalars(
        select(Notification.user_id).where(Notification.kind == "announcement.published")
    )
    return set(rows)


async def test_an_audience_by_grade_class_and_slot(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    grade_one = await create_class(session, campus.school, name="一年级1班", grade=1)
    little = await campus.add_child(session, school_class=grade_one)
    activity_only = await campus.add_child(session, slots=[campus.activity])
    not_enrolled = await campus.add_child(session, slots=[])
    await session.commit()

    by_grade = await _publish(client, campus, grades=[1])
    assert by_grade.status_code == 201, by_grade.text
    assert by_grade.json()["recipients"] == 1
    assert await _notified(session) == {(await _guardian(session, little)).id}

    by_class = await _publish(client, campus, class_ids=[str(campus.klass.id)])
    assert by_class.json()["recipients"] == 3  # 王小明, activity_only and not_enrolled

    by_slot = await _publish(client, campus, slot_ids=[str(campus.evening.id)])
    assert by_slot.json()["recipients"] == 2  # 王小明 and `little`: enrolled in 晚托
    receipts = await client.get(
        f"/announcements/{by_slot.json()['id']}/receipts", headers=auth(campus.admin)
    )
    pending = {c["student_id"] for c in receipts.json()["pending"]}
    assert pending == {str(campus.student.id), str(little.id)}
    assert str(activity_only.id) not in pending and str(not_enrolled.id) not in pending

    everyone = await _publish(client, campus)
    assert everyone.json()["recipients"] == 4


async def test_receipts_list_the_families_to_phone(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    other = await campus.add_child(session)
    await session.commit()
    published = await _publish(client, campus)
    announcement_id = published.json()["id"]
    path = f"/announcements/{announcement_id}/receipts"

    receipts = (await client.get(path, headers=auth(campus.admin))).json()
    assert receipts["audience"] == 2 and receipts["read"] == 0 and receipts["acknowledged"] == 0
    assert {c["name"] for c in receipts["pending"]} == {"王小明", other.name}
    assert receipts["pending"][0]["class_name"] == "三年级2班"

    # the mother opens it: read, not yet acknowledged
    opened = await client.get(f"/announcements/{announcement_id}", headers=auth(campus.mother))
    assert opened.status_code == 200
    assert opened.json()["read_at"] is not None and opened.json()["acknowledged_at"] is None
    assert "recipients" not in opened.json() or opened.json()["recipients"] is None
    receipts = (await client.get(path, headers=auth(campus.admin))).json()
    assert receipts["read"] == 1 and len(receipts["pending"]) == 2

    # the father acknowledges: the child is done; a repeat keeps the first time
    first = await client.post(f"/announcements/{announcement_id}/ack", headers=auth(campus.father))
    again = await client.post(f"/announcements/{announcement_id}/ack", headers=auth(campus.father))
    assert first.status_code == again.status_code == 200
    assert first.json()["acknowledged_at"] == again.json()["acknowledged_at"]
    receipts = (await client.get(path, headers=auth(campus.admin))).json()
    assert receipts["acknowledged"] == 1
    assert [c["name"] for c in receipts["pending"]] == [other.name]

    listed = await client.get("/announcements", headers=auth(campus.father))
    [item] = listed.json()["items"]
    assert item["acknowledged_at"] == first.json()["acknowledged_at"]
    admin_list = await client.get("/announcements", headers=auth(campus.admin))
    assert admin_list.json()["items"][0]["recipients"] == 2


async def test_guardians_are_notified_with_the_announcement_id(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    published = await _publish(client, campus)
    notice = await session.scalar(
        select(Notification).where(
            Notification.user_id == campus.mother.id,
            Notification.kind == "announcement.published",
        )
    )
    assert notice is not None
    assert notice.title == "关于冬季课后服务时间调整的告家长书"
    assert notice.data == {"announcement_id": published.json()["id"], "requires_ack": True}


@pytest.mark.parametrize("who", ["homeroom", "leader", "duty", "mother"])
async def test_only_admins_publish(client: httpx.AsyncClient, campus: Campus, who: str) -> None:
    response = await _publish(client, campus, getattr(campus, who))
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["homeroom", "duty"])
async def test_staff_other_than_admins_read_no_announcements(
    client: httpx.AsyncClient, campus: Campus, who: str
) -> None:
    published = await _publish(client, campus)
    response = await client.get("/announcements", headers=auth(getattr(campus, who)))
    assert response.status_code == 403
    receipts = await client.get(
        f"/announcements/{published.json()['id']}/receipts", headers=auth(getattr(campus, who))
    )
    assert receipts.status_code == 403


async def test_other_schools_and_families_outside_the_audience_see_nothing(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    grade_one = await create_class(session, campus.school, name="一年级1班", grade=1)
    little = await campus.add_child(session, school_class=grade_one)
    _, stranger = await create_other_school(session)
    await session.commit()
    published = await _publish(client, campus, grades=[1])
    announcement_id = published.json()["id"]
    for path in (f"/announcements/{announcement_id}", f"/announcements/{announcement_id}/receipts"):
        response = await client.get(path, headers=auth(stranger))
        assert response.status_code == 404
        assert "告家长书" not in response.text
    # 王小明's mother is not in grade 1's audience
    response = await client.get(f"/announcements/{announcement_id}", headers=auth(campus.mother))
    assert response.status_code == 404
    ack = await client.post(f"/announcements/{announcement_id}/ack", headers=auth(campus.mother))
    assert ack.status_code == 404
    assert (await client.get("/announcements", headers=auth(campus.mother))).json()["items"] == []
    parent = await _guardian(session, little)
    assert (await client.get("/announcements", headers=auth(parent))).json()["items"] != []
    missing = await client.get(f"/announcements/{random_id()}", headers=auth(campus.admin))
    assert missing.status_code == 404


@pytest.mark.parametrize(
    "change",
    [
        {"title": ""},
        {"body": ""},
        {"colour": "red"},
        {"audience": {"grades": [10]}},
        {"audience": {"class_ids": ["not-a-uuid"]}},
        {"audience": {"rooms": [1]}},
        {"requires_ack": "maybe"},
    ],
)
async def test_bad_input_is_a_problem(
    client: httpx.AsyncClient, campus: Campus, change: dict[str, object]
) -> None:
    body = {"title": "通知", "body": "内容", "audience": {}, **change}
    response = await client.post("/announcements", json=body, headers=auth(campus.admin))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_another_schools_class_or_an_empty_audience_is_refused(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    other_school, _ = await create_other_school(session)
    foreign = await create_class(session, other_school, name="五年级1班")
    await session.commit()
    response = await _publish(client, campus, class_ids=[str(foreign.id)])
    assert response.status_code == 422
    assert response.json()["code"] == "announcement.audience_invalid"
    response = await _publish(client, campus, grades=[6])
    assert response.status_code == 422
    assert response.json()["code"] == "announcement.audience_empty"
    assert (await client.get("/announcements", headers=auth(campus.admin))).json()["items"] == []
