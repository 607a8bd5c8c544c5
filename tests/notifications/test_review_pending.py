"""``review.pending``: every item reaches the reviewer's inbox, pushes are coalesced."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.core import clock
from app.notifications.models import Notification, OutboxMessage
from app.notifications.service import COALESCE_WINDOW, flush_coalesced
from app.school.models import Guardian, School
from tests.attendance.factories import TODAY, Campus, build_campus
from tests.factories import auth, give_phone
from tests.leave.test_leave_requests import ask, leave_body


@pytest.fixture
async def campus(session: AsyncSession) -> Campus:
    return await build_campus(session)


async def _inbox(session: AsyncSession, user_id: object) -> list[Notification]:
    rows = await session.scalars(
        select(Notification)
        .where(Notification.user_id == user_id, Notification.kind == "review.pending")
        .order_by(Notification.created_at)
    )
    return list(rows)


async def _pushes(session: AsyncSession, user_id: object) -> list[str]:
    rows = await session.scalars(
        select(Notification.body)
        .join(OutboxMessage, OutboxMessage.notification_id == Notification.id)
        .where(Notification.user_id == user_id, Notification.kind == "review.pending")
        .order_by(OutboxMessage.created_at)
    )
    return list(rows)


async def _ask_three_leaves(client: httpx.AsyncClient, campus: Campus) -> None:
    for days in (1, 2, 3):
        body = leave_body(campus, TODAY + timedelta(days=days))
        response = await ask(client, body, campus.mother)
        assert response.status_code == 201, response.text
        clock.advance(timedelta(seconds=30))


async def test_a_burst_of_requests_fills_the_inbox_but_pushes_once_then_a_count(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    await give_phone(session, campus.homeroom)
    await _ask_three_leaves(client, campus)
    inbox = await _inbox(session, campus.homeroom.id)
    assert [n.data["object_type"] for n in inbox] == ["leave_request"] * 3
    assert inbox[0].title == "待审核：王小明的请假申请"
    assert inbox[-1].body.endswith("您当前共有3项待审核事项。")
    pushed = await _pushes(session, campus.homeroom.id)
    assert len(pushed) == 1 and pushed[0].endswith("共有1项待审核事项。")

    # inside the window the worker holds them
    assert await flush_coalesced(session, clock.now()) == 0
    await session.commit()
    assert len(await _pushes(session, campus.homeroom.id)) == 1

    clock.advance(COALESCE_WINDOW)
    assert await flush_coalesced(session, clock.now()) == 1
    await session.commit()
    pushed = await _pushes(session, campus.homeroom.id)
    assert len(pushed) == 2 and pushed[1].endswith("共有3项待审核事项。")
    # nothing more is held
    clock.advance(COALESCE_WINDOW)
    assert await flush_coalesced(session, clock.now()) == 0


async def test_a_held_push_is_dropped_when_the_reviewer_has_read_everything(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    await give_phone(session, campus.homeroom)
    await _ask_three_leaves(client, campus)
    response = await client.post("/notifications/read-all", headers=auth(campus.homeroom))
    assert response.status_code == 200, response.text
    clock.advance(COALESCE_WINDOW)
    assert await flush_coalesced(session, clock.now()) == 0
    await session.commit()
    assert len(await _pushes(session, campus.homeroom.id)) == 1


async def test_the_other_guardian_and_other_staff_are_not_asked(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    await _ask_three_leaves(client, campus)
    for user in (campus.father, campus.leader, campus.duty, campus.admin):
        assert await _inbox(session, user.id) == []


async def test_a_class_without_homeroom_teacher_sends_leave_to_the_admins(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    campus.klass.homeroom_teacher_id = None
    session.add(campus.klass)
    await session.commit()
    response = await ask(client, leave_body(campus), campus.mother)
    assert response.status_code == 201
    assert len(await _inbox(session, campus.admin.id)) == 1


async def test_applications_reach_the_homeroom_teacher_then_the_school(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    school = await session.get_one(School, campus.school.id)
    school.policy = {**school.policy, "enrollment_review": "class_then_school"}
    child = await campus.add_child(session, slots=[])
    await session.commit()
    parent_id = await session.scalar(
        select(Guardian.user_id).where(Guardian.student_id == child.id)
    )
    parent = await session.get_one(User, parent_id)
    response = await client.post(
        "/enrollments",
        json={
            "student_id": str(child.id),
            "term_id": str(campus.term.id),
            "weekdays": [1, 2, 3, 4, 5],
            "slot_ids": [str(campus.activity.id)],
            "agreement_version": campus.term.agreement_version,
        },
        headers=auth(parent),
    )
    assert response.status_code == 201, response.text
    enrollment_id = response.json()["id"]
    [item] = await _inbox(session, campus.homeroom.id)
    assert item.data["enrollment_id"] == enrollment_id
    assert "班级审核" in item.title
    decided = await client.post(
        f"/enrollments/{enrollment_id}/review",
        json={"decision": "approve"},
        headers=auth(campus.homeroom),
    )
    assert decided.status_code == 200, decided.text
    [item] = await _inbox(session, campus.admin.id)
    assert "学校复核" in item.title
