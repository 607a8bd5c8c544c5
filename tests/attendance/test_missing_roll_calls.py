"""``rollcall.missing``: 10 minutes into a slot with no roll taken, the leader and duty hear."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.attendance.missing import alert_missing_roll_calls
from app.core import clock
from app.notifications.models import Notification
from tests.attendance.factories import QINGMING, TODAY, Campus, build_campus
from tests.factories import auth, create_class, create_group

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(hour: int, minute: int, day=TODAY) -> datetime:
    moment = datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI).astimezone(UTC)
    clock.freeze(moment)
    return moment


@pytest.fixture
async def campus(session: AsyncSession) -> Campus:
    return await build_campus(session)


async def _alerts(session: AsyncSession) -> list[tuple[object, str]]:
    rows = await session.execute(
        select(Notification.user_id, Notification.data["group_id"].astext).where(
            Notification.kind == "rollcall.missing"
        )
    )
    return sorted(((user, group) for user, group in rows), key=str)


async def test_ten_minutes_in_without_a_roll_call_the_leader_and_duty_hear_once(
    session: AsyncSession, campus: Campus
) -> None:
    assert await alert_missing_roll_calls(session, _at(15, 39)) == 0
    assert await alert_missing_roll_calls(session, _at(15, 40)) == 1
    await session.commit()
    group = str(campus.activity_group.id)
    assert await _alerts(session) == sorted(
        [(campus.leader.id, group), (campus.duty.id, group)], key=str
    )
    notice = await session.scalar(
        select(Notification).where(Notification.user_id == campus.leader.id)
    )
    assert notice is not None
    assert notice.title.startswith("尚未点名")
    assert "课后活动" in notice.body and "15:30" in notice.body
    assert notice.data["slot_id"] == str(campus.activity.id)
    # the next sweeps say nothing new
    assert await alert_missing_roll_calls(session, _at(15, 41)) == 0
    assert await alert_missing_roll_calls(session, _at(16, 10)) == 0
    await session.commit()
    assert len(await _alerts(session)) == 2


async def test_a_roll_call_taken_in_time_raises_nothing(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    _at(15, 35)
    response = await client.post(
        "/attendance/roll-calls",
        json={
            "group_id": str(campus.activity_group.id),
            "slot_id": str(campus.activity.id),
            "date": TODAY.isoformat(),
            "marks": [{"student_id": str(campus.student.id), "status": "present"}],
        },
        headers=auth(campus.leader),
    )
    assert response.status_code == 200, response.text
    assert await alert_missing_roll_calls(session, _at(15, 45)) == 0
    await session.commit()
    assert await _alerts(session) == []


async def test_each_slot_is_its_own_roll_call(session: AsyncSession, campus: Campus) -> None:
    assert await alert_missing_roll_calls(session, _at(16, 45)) == 1
    await session.commit()
    assert {group for _, group in await _alerts(session)} == {str(campus.evening_group.id)}


async def test_no_alert_after_the_slot_on_closures_or_for_empty_groups(
    session: AsyncSession, campus: Campus
) -> None:
    empty_class = await create_class(session, campus.school, name="一年级1班")
    await create_group(session, campus.activity, classes=[empty_class], leader=campus.other_teacher)
    await session.commit()
    assert await alert_missing_roll_calls(session, _at(15, 50, QINGMING)) == 0  # a closure
    saturday = TODAY + timedelta(days=(5 - TODAY.weekday()) % 7)
    assert await alert_missing_roll_calls(session, _at(15, 50, saturday)) == 0
    assert await alert_missing_roll_calls(session, _at(18, 5)) == 0  # every slot has ended
    assert await alert_missing_roll_calls(session, _at(15, 50)) == 1  # only the real group
    await session.commit()
    assert campus.other_teacher.id not in {user for user, _ in await _alerts(session)}


async def test_a_group_is_announced_once_a_day_whoever_staffs_it_later(
    session: AsyncSession, campus: Campus
) -> None:
    assert await alert_missing_roll_calls(session, _at(15, 40)) == 1
    # a teacher takes the group over mid-slot: the group was announced, nobody hears again
    campus.activity_group.assistant_id = campus.other_teacher.id
    await session.commit()
    assert await alert_missing_roll_calls(session, _at(15, 45)) == 0
    assert campus.other_teacher.id not in {user for user, _ in await _alerts(session)}
    # the next school day is a day of its own
    assert await alert_missing_roll_calls(session, _at(15, 40, TODAY + timedelta(days=1))) == 1
