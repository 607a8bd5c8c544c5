"""POST /staff-check-ins, check-ins by roll call, and the month's list for workload."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role
from app.checkins import service as checkins
from app.checkins.models import StaffCheckIn
from app.core.audit import AuditEvent
from app.school.models import Group
from tests.attendance.factories import TODAY, Campus, build_campus
from tests.factories import auth, create_other_school, create_user, random_id


@pytest.fixture
async def campus(session: AsyncSession) -> Campus:
    return await build_campus(session)


def body(group: Group, **overrides: object) -> dict:
    return {
        "group_id": str(group.id),
        "slot_id": str(group.slot_id),
        "date": TODAY.isoformat(),
        **overrides,
    }


async def count_check_ins(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(StaffCheckIn)) or 0)


async def test_the_leader_checks_in_once_a_day(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    first = await client.post(
        "/staff-check-ins", json=body(campus.evening_group), headers=auth(campus.leader)
    )
    assert first.status_code == 201, first.text
    made = first.json()
    assert made["user_id"] == str(campus.leader.id)
    assert made["user_name"] == campus.leader.name
    assert made["source"] == "manual"
    assert made["date"] == TODAY.isoformat()
    assert made["group_id"] == str(campus.evening_group.id)

    again = await client.post(
        "/staff-check-ins", json=body(campus.evening_group), headers=auth(campus.leader)
    )
    assert again.status_code == 200
    assert again.json() == made
    assert await count_check_ins(session) == 1
    events = await session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "staff.checked_in")
    )
    assert events == 1


async def test_taking_the_roll_checks_its_caller_in_once(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    roll = {
        "group_id": str(campus.evening_group.id),
        "slot_id": str(campus.evening.id),
        "date": TODAY.isoformat(),
        "marks": [{"student_id": str(campus.student.id), "status": "present"}],
    }
    for _ in range(2):
        response = await client.post(
            "/attendance/roll-calls", json=roll, headers=auth(campus.leader)
        )
        assert response.status_code == 200, response.text
    rows = (await session.scalars(select(StaffCheckIn))).all()
    assert [(r.user_id, r.group_id, r.source, r.date) for r in rows] == [
        (campus.leader.id, campus.evening_group.id, "roll_call", TODAY)
    ]
    # A later tap answers with the roll call's check-in.
    manual = await client.post(
        "/staff-check-ins", json=body(campus.evening_group), headers=auth(campus.leader)
    )
    assert manual.status_code == 200
    assert manual.json()["source"] == "roll_call"


async def test_an_admin_taking_the_roll_is_checked_in_too(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    response = await client.post(
        "/attendance/roll-calls",
        json={
            "group_id": str(campus.activity_group.id),
            "slot_id": str(campus.activity.id),
            "date": (TODAY - timedelta(days=1)).isoformat(),
            "marks": [{"student_id": str(campus.student.id), "status": "absent"}],
        },
        headers=auth(campus.admin),
    )
    assert response.status_code == 200, response.text
    row = await session.scalar(select(StaffCheckIn))
    assert row is not None
    assert (row.user_id, row.date, row.source) == (
        campus.admin.id,
        TODAY - timedelta(days=1),
        "roll_call",
    )


async def test_concurrent_taps_make_one_check_in(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    responses = await asyncio.gather(
        *(
            client.post(
                "/staff-check-ins", json=body(campus.evening_group), headers=auth(campus.leader)
            )
            for _ in range(4)
        )
    )
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert await count_check_ins(session) == 1


@pytest.mark.parametrize("who", ["other_teacher", "homeroom", "admin", "duty", "mother"])
async def test_only_the_groups_staff_check_in(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus, who: str
) -> None:
    response = await client.post(
        "/staff-check-ins", json=body(campus.evening_group), headers=auth(getattr(campus, who))
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await count_check_ins(session) == 0


async def test_another_schools_group_is_not_found(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    school, _ = await create_other_school(session)
    stranger = await create_user(session, roles=[Role.TEACHER], school=school)
    await session.commit()
    for group_id in (str(campus.evening_group.id), random_id()):
        response = await client.post(
            "/staff-check-ins",
            json=body(campus.evening_group, group_id=group_id),
            headers=auth(stranger),
        )
        assert response.status_code == 404
        assert response.json()["code"] == "check_in.group_not_found"
        assert campus.evening_group.name not in response.text


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"date": (TODAY - timedelta(days=1)).isoformat()}, "check_in.not_today"),
        ({"date": (TODAY + timedelta(days=1)).isoformat()}, "check_in.not_today"),
        ({"slot_id": "SLOT"}, "check_in.slot_mismatch"),
        ({"date": "yesterday"}, "validation.invalid"),
        ({"note": "早到了"}, "validation.invalid"),
    ],
)
async def test_bad_check_ins_are_refused(
    client: httpx.AsyncClient,
    session: AsyncSession,
    campus: Campus,
    overrides: dict,
    code: str,
) -> None:
    if overrides.get("slot_id") == "SLOT":
        overrides = {"slot_id": str(campus.activity.id)}
    response = await client.post(
        "/staff-check-ins",
        json=body(campus.evening_group, **overrides),
        headers=auth(campus.leader),
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    assert await count_check_ins(session) == 0


async def test_the_months_check_ins_for_workload(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    for group in (campus.activity_group, campus.evening_group):
        response = await client.post(
            "/staff-check-ins", json=body(group), headers=auth(campus.leader)
        )
        assert response.status_code == 201
    listed = await checkins.month(session, campus.school.id, TODAY)
    assert {(c.group_id, c.user_name, c.source.value, c.date) for c in listed} == {
        (campus.activity_group.id, campus.leader.name, "manual", TODAY),
        (campus.evening_group.id, campus.leader.name, "manual", TODAY),
    }
    next_month = (TODAY.replace(day=1) + timedelta(days=32)).replace(day=1)
    assert await checkins.month(session, campus.school.id, next_month) == []
    other, _ = await create_other_school(session)
    assert await checkins.month(session, other.id, TODAY) == []


async def _check_in_both_days(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    """The leader checks in by hand today; the admin took yesterday's evening roll."""
    for group in (campus.activity_group, campus.evening_group):
        response = await client.post(
            "/staff-check-ins", json=body(group), headers=auth(campus.leader)
        )
        assert response.status_code == 201
    response = await client.post(
        "/attendance/roll-calls",
        json={
            "group_id": str(campus.evening_group.id),
            "slot_id": str(campus.evening.id),
            "date": (TODAY - timedelta(days=1)).isoformat(),
            "marks": [{"student_id": str(campus.student.id), "status": "present"}],
        },
        headers=auth(campus.admin),
    )
    assert response.status_code == 200


async def test_an_admin_lists_every_check_in_newest_first_in_pages(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    await _check_in_both_days(client, session, campus)
    seen: list[dict] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        response = await client.get("/staff-check-ins", params=params, headers=auth(campus.admin))
        assert response.status_code == 200
        seen += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert [c["date"] for c in seen] == [TODAY.isoformat()] * 2 + [
        (TODAY - timedelta(days=1)).isoformat()
    ]
    assert seen[-1]["user_name"] == campus.admin.name and seen[-1]["source"] == "roll_call"
    yesterday = await client.get(
        "/staff-check-ins",
        params={"to": (TODAY - timedelta(days=1)).isoformat(), "user_id": str(campus.admin.id)},
        headers=auth(campus.admin),
    )
    assert [c["user_id"] for c in yesterday.json()["items"]] == [str(campus.admin.id)]
    evening = await client.get(
        "/staff-check-ins",
        params={"from": TODAY.isoformat(), "group_id": str(campus.evening_group.id)},
        headers=auth(campus.admin),
    )
    assert [c["group_id"] for c in evening.json()["items"]] == [str(campus.evening_group.id)]


async def test_a_teacher_lists_only_their_own(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    await _check_in_both_days(client, session, campus)
    mine = await client.get("/staff-check-ins", headers=auth(campus.leader))
    assert {c["user_id"] for c in mine.json()["items"]} == {str(campus.leader.id)}
    assert len(mine.json()["items"]) == 2
    none = await client.get("/staff-check-ins", headers=auth(campus.other_teacher))
    assert none.json()["items"] == []
    others = await client.get(
        "/staff-check-ins",
        params={"user_id": str(campus.admin.id)},
        headers=auth(campus.leader),
    )
    assert others.status_code == 403
    for user in (campus.duty, campus.mother):
        assert (await client.get("/staff-check-ins", headers=auth(user))).status_code == 403
    _, stranger = await create_other_school(session)
    await session.commit()
    theirs = await client.get("/staff-check-ins", headers=auth(stranger))
    assert theirs.status_code == 200
    assert theirs.json()["items"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2027-03-10", "to": "2027-03-09"},
        {"from": "tomorrow"},
        {"limit": 201},
        {"cursor": "forged.cursor"},
        {"group_id": "nope"},
    ],
)
async def test_bad_listing_queries_are_422(
    client: httpx.AsyncClient, campus: Campus, params: dict
) -> None:
    response = await client.get("/staff-check-ins", params=params, headers=auth(campus.admin))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_refused_roll_call_checks_nobody_in(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    stranger_child = await campus.add_child(session, slots=[])  # on no roster
    await session.commit()
    response = await client.post(
        "/attendance/roll-calls",
        json={
            "group_id": str(campus.evening_group.id),
            "slot_id": str(campus.evening.id),
            "date": TODAY.isoformat(),
            "marks": [
                {"student_id": str(campus.student.id), "status": "present"},
                {"student_id": str(stranger_child.id), "status": "present"},
            ],
        },
        headers=auth(campus.leader),
    )
    assert response.status_code == 422
    assert await count_check_ins(session) == 0
