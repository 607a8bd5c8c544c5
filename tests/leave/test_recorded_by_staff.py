"""Leave a family gave by phone or on paper, recorded by the homeroom teacher or an admin."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.notifications.models import Notification
from tests.attendance.factories import Campus, build_campus
from tests.factories import auth, create_other_school
from tests.leave.test_leave_requests import TOMORROW, ask, leave_body


@pytest.fixture
async def campus(session: AsyncSession) -> Campus:
    return await build_campus(session)


async def _kinds(session: AsyncSession, user_id: object) -> list[str]:
    rows = await session.scalars(
        select(Notification.kind)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at)
    )
    return list(rows)


@pytest.mark.parametrize(("who", "channel"), [("homeroom", "phone"), ("admin", "paper")])
async def test_staff_record_a_leave_approved_at_once_and_the_family_hears(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus, who: str, channel: str
) -> None:
    recorder = getattr(campus, who)
    response = await ask(client, leave_body(campus, channel=channel), recorder)
    assert response.status_code == 201, response.text
    leave = response.json()
    assert leave["status"] == "approved"
    assert leave["channel"] == channel
    assert leave["requested_by"] == str(recorder.id)
    assert leave["decided_by"] == str(recorder.id)
    assert leave["decided_at"] is not None
    for guardian in (campus.mother, campus.father):
        assert await _kinds(session, guardian.id) == ["leave.decided"]
    # nobody is asked to review what is already decided
    assert await _kinds(session, campus.homeroom.id) == []
    roster = await client.get(
        "/rosters",
        params={"date": TOMORROW.isoformat(), "group_id": str(campus.activity_group.id)},
        headers=auth(campus.leader),
    )
    assert [e["status"] for e in roster.json()["items"]] == ["on_leave"]


# another teacher of the school; a parent naming a channel to approve their own leave
@pytest.mark.parametrize("who", ["other_teacher", "mother"])
async def test_only_the_homeroom_teacher_or_an_admin_may_record(
    client: httpx.AsyncClient, campus: Campus, who: str
) -> None:
    response = await ask(client, leave_body(campus, channel="phone"), getattr(campus, who))
    assert response.status_code == 403
    assert response.json()["code"] == "leave.not_reviewer"


async def test_another_schools_admin_sees_no_such_child(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    _, stranger = await create_other_school(session)
    await session.commit()
    response = await ask(client, leave_body(campus, channel="phone"), stranger)
    assert response.status_code == 404
    assert "王小明" not in response.text


async def test_an_unknown_channel_is_refused(client: httpx.AsyncClient, campus: Campus) -> None:
    response = await ask(client, leave_body(campus, channel="fax"), campus.homeroom)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_repeat_with_the_same_key_records_once(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    body = leave_body(campus, channel="phone")
    first = await ask(client, body, campus.homeroom, key="phone-call-1")
    again = await ask(client, body, campus.homeroom, key="phone-call-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert await _kinds(session, campus.mother.id) == ["leave.decided"]
