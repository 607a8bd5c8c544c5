"""GET /ledger/daily, /ledger/monthly and /stats/*: the roster's statuses, counted.

The correctness test builds one school day with a child in every status and compares the
roster, the daily and monthly ledgers and the statistics.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role
from tests.attendance.factories import QINGMING, TODAY, Campus, build_campus, create_leave
from tests.factories import (
    auth,
    create_class,
    create_other_school,
    create_student,
    create_term,
    create_user,
    random_id,
)
from tests.ledger.factories import STATUSES, every_status

COUNTED = ("expected", "present", "absent", "on_leave", "picked_up", "released")
MONTH = TODAY.strftime("%Y-%m")


@pytest.fixture
async def campus(session: AsyncSession) -> Campus:
    return await build_campus(session)


def counts_of(line: dict) -> dict[str, int]:
    return {status: line[status] for status in COUNTED}


async def roster_counts(client: httpx.AsyncClient, campus: Campus, group_id: object) -> Counter:
    response = await client.get(
        "/rosters",
        params={"date": TODAY.isoformat(), "group_id": str(group_id)},
        headers=auth(campus.admin),
    )
    assert response.status_code == 200
    return Counter(item["status"] for item in response.json()["items"])


async def test_every_status_agrees_across_roster_ledgers_and_statistics(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    scene = await every_status(session, client, campus)
    evening_roster = await roster_counts(client, campus, campus.evening_group.id)
    assert evening_roster == Counter(STATUSES)  # one child in each status
    activity_roster = await roster_counts(client, campus, campus.activity_group.id)

    daily = await client.get(
        "/ledger/daily", params={"date": TODAY.isoformat()}, headers=auth(campus.admin)
    )
    assert daily.status_code == 200, daily.text
    lines = {line["group_id"]: line for line in daily.json()["items"]}
    assert set(lines) == {str(campus.activity_group.id), str(campus.evening_group.id)}
    evening = lines[str(campus.evening_group.id)]
    activity = lines[str(campus.activity_group.id)]
    assert counts_of(evening) == {s: evening_roster[s] for s in COUNTED}
    assert counts_of(activity) == {s: activity_roster[s] for s in COUNTED}
    assert evening["total"] == 6
    assert evening["staff_checked_in"] == [campus.leader.name]  # by taking the roll
    assert evening["roll_call_taken_at"] is not None
    assert activity["roll_call_taken_at"] is None
    assert activity["staff_checked_in"] == []
    assert evening["leader_name"] == campus.leader.name
    assert evening["slot_name"] == "晚托"
    assert evening["kind"] == "class"

    monthly = await client.get(
        "/ledger/monthly", params={"month": MONTH}, headers=auth(campus.admin)
    )
    assert monthly.status_code == 200
    today_lines = {
        line["group_id"]: line
        for line in monthly.json()["items"]
        if line["date"] == TODAY.isoformat()
    }
    assert counts_of(today_lines[str(campus.evening_group.id)]) == counts_of(evening)
    assert counts_of(today_lines[str(campus.activity_group.id)]) == counts_of(activity)

    stats = await client.get(
        "/stats/attendance",
        params={"from": TODAY.isoformat(), "to": TODAY.isoformat(), "by": "group"},
        headers=auth(campus.admin),
    )
    assert stats.status_code == 200
    by_group = {item["key"]: item for item in stats.json()["items"]}
    assert by_group[str(campus.evening_group.id)] == {
        "key": str(campus.evening_group.id),
        "label": campus.evening_group.name,
        "expected": 6,
        "present": 3,  # present, picked up, released
        "absent": 1,
        "on_leave": 1,
        "rate": 0.6,  # 3 / (6 - 1)
    }
    by_class = await client.get(
        "/stats/attendance",
        params={"from": TODAY.isoformat(), "to": TODAY.isoformat(), "by": "class"},
        headers=auth(campus.admin),
    )
    [klass] = by_class.json()["items"]
    assert klass["label"] == campus.klass.name
    assert klass["expected"] == 12  # six children in two slots
    assert klass["on_leave"] == evening_roster["on_leave"] + activity_roster["on_leave"]
    assert klass["absent"] == evening_roster["absent"] + activity_roster["absent"]
    assert len(scene.children) == 6


async def test_the_monthly_ledger_has_every_service_day_and_totals(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    await every_status(session, client, campus)
    response = await client.get(
        "/ledger/monthly", params={"month": MONTH}, headers=auth(campus.admin)
    )
    ledger = response.json()
    days = sorted({line["date"] for line in ledger["items"]})
    # Every weekday of the month within the term, without the closure.
    first = TODAY.replace(day=1)
    expected_days = [
        (first + timedelta(days=n)).isoformat()
        for n in range(31)
        if (first + timedelta(days=n)).month == first.month
        and (first + timedelta(days=n)).isoweekday() <= 5
        and campus.term.start_date <= first + timedelta(days=n) <= campus.term.end_date
        and first + timedelta(days=n) != QINGMING
    ]
    assert days == expected_days
    assert len(ledger["items"]) == 2 * len(expected_days)
    totals = ledger["totals"]
    for status in (*COUNTED, "total"):
        assert totals[status] == sum(line[status] for line in ledger["items"])
    # Every other day, the six children are expected in both slots.
    other_day = next(line for line in ledger["items"] if line["date"] != TODAY.isoformat())
    assert other_day["expected"] == 6


async def test_a_teacher_reads_only_the_groups_they_staff(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    mine = await client.get(
        "/ledger/daily", params={"date": TODAY.isoformat()}, headers=auth(campus.leader)
    )
    assert {line["group_id"] for line in mine.json()["items"]} == {
        str(campus.activity_group.id),
        str(campus.evening_group.id),
    }
    other = await client.get(
        "/ledger/daily", params={"date": TODAY.isoformat()}, headers=auth(campus.other_teacher)
    )
    assert other.status_code == 200
    assert other.json()["items"] == []


async def test_the_care_log_appears_on_its_day(client: httpx.AsyncClient, campus: Campus) -> None:
    written = await client.post(
        "/care-logs",
        json={
            "group_id": str(campus.evening_group.id),
            "slot_id": str(campus.evening.id),
            "date": TODAY.isoformat(),
            "kind": "note",
            "text": "停电半小时，改在走廊读书。",
        },
        headers=auth(campus.leader),
    )
    assert written.status_code == 201
    daily = await client.get(
        "/ledger/daily", params={"date": TODAY.isoformat()}, headers=auth(campus.admin)
    )
    lines = {line["group_id"]: line for line in daily.json()["items"]}
    assert lines[str(campus.evening_group.id)]["care_log"] == [written.json()]
    assert lines[str(campus.activity_group.id)]["care_log"] == []
    before = await client.get(
        "/ledger/daily",
        params={"date": (TODAY - timedelta(days=1)).isoformat()},
        headers=auth(campus.admin),
    )
    assert all(line["care_log"] == [] for line in before.json()["items"])


async def test_closures_and_days_off_have_no_lines(
    client: httpx.AsyncClient, campus: Campus
) -> None:
    saturday = TODAY + timedelta(days=(6 - TODAY.isoweekday()) % 7)
    for day in (QINGMING, saturday):
        response = await client.get(
            "/ledger/daily", params={"date": day.isoformat()}, headers=auth(campus.admin)
        )
        assert response.status_code == 200
        assert response.json()["items"] == []


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/ledger/daily", {"date": TODAY.isoformat()}),
        ("/ledger/daily.xlsx", {"date": TODAY.isoformat()}),
        ("/ledger/daily.csv", {"date": TODAY.isoformat()}),
        ("/ledger/monthly", {"month": MONTH}),
        ("/ledger/monthly.xlsx", {"month": MONTH}),
        ("/ledger/monthly.csv", {"month": MONTH}),
        ("/stats/attendance", {"from": TODAY.isoformat(), "to": TODAY.isoformat()}),
        ("/stats/participation", {"term_id": "TERM"}),
    ],
)
async def test_walls(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus, path: str, params: dict
) -> None:
    params = {k: str(campus.term.id) if v == "TERM" else v for k, v in params.items()}
    admin_only = not path.startswith("/ledger/daily")
    refused = [campus.mother, campus.duty] + ([campus.leader] if admin_only else [])
    for user in refused:
        response = await client.get(path, params=params, headers=auth(user))
        assert response.status_code == 403, (path, user.roles)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(path, params=params)).status_code == 401
    # Another school's admin sees nothing of this school.
    _, stranger = await create_other_school(session)
    await session.commit()
    response = await client.get(path, params=params, headers=auth(stranger))
    if path == "/stats/participation":
        assert response.status_code == 404
        assert response.json()["code"] == "ledger.term_not_found"
    else:
        assert response.status_code == 200
        assert campus.evening_group.name not in response.content.decode("utf-8", "replace")
        assert campus.klass.name not in response.content.decode("utf-8", "replace")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/ledger/daily", {"date": "2027-02-30"}),
        ("/ledger/daily.xlsx", {"date": "today"}),
        ("/ledger/monthly", {"month": "2027-13"}),
        ("/ledger/monthly.csv", {"month": "2027-3"}),
        ("/stats/attendance", {"from": "2027-03-10", "to": "2027-03-09"}),
        ("/stats/attendance", {"from": "2026-01-01", "to": "2027-03-09"}),
        ("/stats/attendance", {"from": "2027-03-01", "to": "2027-03-09", "by": "slot"}),
        ("/stats/attendance", {"from": "2027-03-01"}),
        ("/stats/participation", {"term_id": "not-a-uuid"}),
        ("/stats/participation", {"term_id": "TERM", "by": "group"}),
    ],
)
async def test_bad_queries_are_422(
    client: httpx.AsyncClient, campus: Campus, path: str, params: dict
) -> None:
    params = {k: str(campus.term.id) if v == "TERM" else v for k, v in params.items()}
    response = await client.get(path, params=params, headers=auth(campus.admin))
    assert response.status_code == 422, (path, params, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_an_unknown_term_is_not_found(client: httpx.AsyncClient, campus: Campus) -> None:
    response = await client.get(
        "/stats/participation", params={"term_id": random_id()}, headers=auth(campus.admin)
    )
    assert response.status_code == 404


async def test_participation_by_grade_class_and_slot(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    # Class 三年级2班: 王小明 and two more enrolled (one only in 课后活动), one not.
    await campus.add_child(session)
    await campus.add_child(session, slots=[campus.activity])
    await campus.add_child(session, slots=[])
    fourth = await create_class(session, campus.school, name="四年级1班", grade=4)
    await create_student(session, fourth)
    # A child of another term counts for that term only.
    later = await create_term(
        session,
        campus.school,
        start_date=campus.term.end_date + timedelta(days=30),
        end_date=campus.term.end_date + timedelta(days=120),
    )
    await session.commit()

    async def stats(by: str, term_id: object = campus.term.id) -> list[dict]:
        response = await client.get(
            "/stats/participation",
            params={"term_id": str(term_id), "by": by},
            headers=auth(campus.admin),
        )
        assert response.status_code == 200, response.text
        return response.json()["items"]

    assert await stats("grade") == [
        {"key": "3", "label": "三年级", "students": 4, "enrolled": 3, "rate": 0.75},
        {"key": "4", "label": "四年级", "students": 1, "enrolled": 0, "rate": 0.0},
    ]
    assert await stats("class") == [
        {
            "key": str(campus.klass.id),
            "label": "三年级2班",
            "students": 4,
            "enrolled": 3,
            "rate": 0.75,
        },
        {"key": str(fourth.id), "label": "四年级1班", "students": 1, "enrolled": 0, "rate": 0.0},
    ]
    assert await stats("slot") == [
        {
            "key": str(campus.activity.id),
            "label": "课后活动",
            "students": 5,
            "enrolled": 3,
            "rate": 0.6,
        },
        {"key": str(campus.evening.id), "label": "晚托", "students": 5, "enrolled": 2, "rate": 0.4},
    ]
    assert all(item["enrolled"] == 0 for item in await stats("grade", later.id))


async def test_a_school_without_students_has_no_rate(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    school, admin = await create_other_school(session)
    await create_class(session, school)
    term = await create_term(session, school)
    await session.commit()
    response = await client.get(
        "/stats/participation",
        params={"term_id": str(term.id), "by": "grade"},
        headers=auth(admin),
    )
    assert response.json()["items"][0]["rate"] is None


async def test_district_admins_have_no_school_ledger(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    district = await create_user(session, roles=[Role.DISTRICT_ADMIN])
    await session.commit()
    response = await client.get(
        "/ledger/daily", params={"date": TODAY.isoformat()}, headers=auth(district)
    )
    assert response.status_code == 404  # the district sees counts only, never a school's records


async def test_the_day_and_month_default_to_the_schools_today(
    client: httpx.AsyncClient, campus: Campus
) -> None:
    daily = await client.get("/ledger/daily", headers=auth(campus.admin))
    assert daily.status_code == 200
    assert daily.json()["date"] == TODAY.isoformat()
    assert len(daily.json()["items"]) == 2
    monthly = await client.get("/ledger/monthly", headers=auth(campus.admin))
    assert monthly.json()["month"] == MONTH


async def test_the_months_counts_are_each_days_roster(
    client: httpx.AsyncClient, session: AsyncSession, campus: Campus
) -> None:
    """Children joining and leaving within the month, one on Mondays only, leave on some
    days: every day's line of the monthly ledger is that day's roster, counted."""
    first = TODAY.replace(day=1)
    await campus.add_child(session, start_date=TODAY)
    await campus.add_child(session, end_date=TODAY + timedelta(days=1))
    await campus.add_child(session, weekdays=[1])
    leaving = await campus.add_child(session, slots=[campus.evening])
    await create_leave(
        session, leaving, campus.term, TODAY - timedelta(days=1), TODAY + timedelta(days=2)
    )
    await session.commit()
    ledger = (
        await client.get("/ledger/monthly", params={"month": MONTH}, headers=auth(campus.admin))
    ).json()["items"]
    checked = 0
    for line in ledger:
        day = line["date"]
        if abs((date_of(day) - TODAY).days) > 3:
            continue
        roster = await client.get(
            "/rosters",
            params={"date": day, "group_id": line["group_id"]},
            headers=auth(campus.admin),
        )
        statuses = Counter(item["status"] for item in roster.json()["items"])
        assert counts_of(line) == {s: statuses[s] for s in COUNTED}, day
        checked += 1
    assert checked >= 6
    assert first.isoformat() <= min(line["date"] for line in ledger)


def date_of(text: str) -> date:
    return date.fromisoformat(text)
