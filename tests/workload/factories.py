"""The workload scene: a group across 16:30 with a leader and an assistant, check-ins over
the month, a duty shift, and pay rates in the policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.checkins.models import StaffCheckIn
from app.duty.models import DutyShift
from app.school.models import Group
from tests.attendance.factories import TERM_START, TODAY, Campus, build_campus
from tests.factories import auth, create_group, create_slot

MONTH = TODAY.strftime("%Y-%m")
DAY1, DAY2 = TERM_START, TERM_START + timedelta(days=1)
RATES = {"session_hour_fen": 6000, "overtime_hour_fen": 9000, "duty_hour_fen": 4000}


@dataclass
class Scene:
    campus: Campus
    across: Group  # 16:00–17:30, led by `leader`, assisted by `other_teacher`


def check_in(user: User, group: Group, day: date) -> StaffCheckIn:
    return StaffCheckIn(
        school_id=group.school_id,
        group_id=group.id,
        slot_id=group.slot_id,
        user_id=user.id,
        date=day,
        source="manual",
    )


async def build_scene(client: httpx.AsyncClient, session: AsyncSession) -> Scene:
    campus = await build_campus(session)
    slot = await create_slot(
        session, campus.term, name="延时托管", start=time(16, 0), end=time(17, 30)
    )
    across = await create_group(session, slot, classes=[campus.klass], leader=campus.leader)
    across.assistant_id = campus.other_teacher.id
    session.add_all(
        [
            check_in(campus.leader, across, DAY1),
            check_in(campus.leader, across, DAY2),
            check_in(campus.leader, campus.evening_group, DAY1),
            DutyShift(
                school_id=campus.school.id,
                date=DAY1,
                start_time=time(15, 0),
                end_time=time(17, 45),
                staff_id=campus.duty.id,
                post="gate",
            ),
        ]
    )
    await session.commit()
    policy = await client.patch(
        "/school", json={"policy": {"pay_rates": RATES}}, headers=auth(campus.admin)
    )
    assert policy.status_code == 200, policy.text
    assert policy.json()["policy"]["overtime_after"] == "16:30"
    assert policy.json()["policy"]["pay_rates"] == RATES
    # Today both the leader and the assistant check in with the group through the API.
    for adult in (campus.leader, campus.other_teacher):
        response = await client.post(
            "/staff-check-ins",
            json={
                "group_id": str(across.id),
                "slot_id": str(slot.id),
                "date": TODAY.isoformat(),
            },
            headers=auth(adult),
        )
        assert response.status_code == 201, response.text
    return Scene(campus, across)


def by_staff(body: dict) -> dict[str, dict]:
    return {item["staff_id"]: item for item in body["items"]}
