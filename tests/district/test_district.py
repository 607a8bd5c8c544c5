"""GET|PATCH /district, GET /district/schools, GET /district/stats and its .xlsx/.csv twin."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import httpx
import openpyxl
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.auth.models import Role
from app.school.models import School
from tests.district.factories import MONTH, DistrictWorld, count_days, mark
from tests.factories import auth, create_class, create_school, create_student, create_user


async def _marks(session: AsyncSession, world: DistrictWorld) -> None:
    a, b, c, _ = world.students
    await mark(session, world, a, date(2026, 11, 9), "present")
    await mark(session, world, b, date(2026, 11, 9), "present")
    await mark(session, world, c, date(2026, 11, 9), "absent")
    await mark(session, world, a, date(2026, 11, 9), "present", evening=True)
    await mark(session, world, a, date(2026, 11, 10), "present")
    await mark(session, world, b, date(2026, 10, 30), "present")  # October: not in the month
    await session.commit()
    await count_days()


# ---- GET|PATCH /district ----


async def test_district_admin_reads_their_district(
    client: httpx.AsyncClient, world: DistrictWorld
) -> None:
    r = await client.get("/district", headers=auth(world.district_admin))
    assert r.status_code == 200
    assert r.json() == {
        "id": str(world.district.id),
        "name": "示范区教育局",
        "require_plan_approval": False,
        "schools": 1,
    }


@pytest.mark.parametrize("who", ["school_admin", "teacher", "parent"])
async def test_only_district_admins_reach_the_district(
    client: httpx.AsyncClient, world: DistrictWorld, who: str
) -> None:
    user = getattr(world, who)
    for method, path in (
        ("GET", "/district"),
        ("PATCH", "/district"),
        ("GET", "/district/schools"),
        ("GET", f"/district/stats?month={MONTH}"),
        ("GET", f"/district/stats.xlsx?month={MONTH}"),
        ("GET", "/district/plans"),
        ("GET", "/district/complaints"),
    ):
        r = await client.request(
            method, path, headers=auth(user), json={} if method == "PATCH" else None
        )
        assert r.status_code == 403, (method, path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")


async def test_without_a_token_401(client: httpx.AsyncClient, world: DistrictWorld) -> None:
    assert (await client.get("/district")).status_code == 401


async def test_patch_requires_plan_approval_and_audits(
    client: httpx.AsyncClient, world: DistrictWorld
) -> None:
    r = await client.patch(
        "/district", headers=auth(world.district_admin), json={"require_plan_approval": True}
    )
    assert r.status_code == 200
    assert r.json()["require_plan_approval"] is True
    assert r.json()["name"] == "示范区教育局"  # left out: kept
    r = await client.get("/district", headers=auth(world.district_admin))
    assert r.json()["require_plan_approval"] is True
    # the other district is untouched
    other = await client.get("/district", headers=auth(world.other_district_admin))
    assert other.json()["require_plan_approval"] is False


@pytest.mark.parametrize(
    "body", [{"unknown": 1}, {"name": ""}, {"require_plan_approval": "sometimes"}]
)
async def test_patch_refuses_bad_input(
    client: httpx.AsyncClient, world: DistrictWorld, body: dict[str, Any]
) -> None:
    r = await client.patch("/district", headers=auth(world.district_admin), json=body)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")


# ---- GET /district/schools ----


async def test_schools_in_counts(
    client: httpx.AsyncClient, session: AsyncSession, world: DistrictWorld
) -> None:
    await _marks(session, world)
    r = await client.get("/district/schools", headers=auth(world.district_admin))
    assert r.status_code == 200
    assert r.json() == {
        "items": [
            {
                "id": str(world.school.id),
                "name": "城关小学",
                "students": 4,
                "enrolled": 3,
                "participation_rate": 0.75,
                # 5 of 6 marks present since 17 October (the October one included)
                "attendance_rate_30d": 0.8333,
                "plan_status": "none",
                "open_complaints": 0,
            }
        ],
        "next_cursor": None,
    }
    # counts only: no child or family is named anywhere in the answer
    for student in world.students:
        assert student.name not in r.text


async def test_schools_page_by_name_and_never_another_districts(
    client: httpx.AsyncClient, session: AsyncSession, world: DistrictWorld
) -> None:
    await create_school(session, name="东风小学", district_id=world.district.id)
    await create_school(session, name="阳光小学", district_id=world.district.id)
    await session.commit()
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        r = await client.get("/district/schools", headers=auth(world.district_admin), params=params)
        assert r.status_code == 200
        seen += [s["name"] for s in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(["城关小学", "东风小学", "阳光小学"])
    assert "邻区小学" not in seen
    empty = await client.get(
        "/district/schools", headers=auth(world.other_district_admin), params={"limit": 10}
    )
    assert [s["name"] for s in empty.json()["items"]] == ["邻区小学"]
    assert empty.json()["items"][0]["students"] == 0
    assert empty.json()["items"][0]["participation_rate"] == 0.0
    assert empty.json()["items"][0]["attendance_rate_30d"] is None


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 201}, {"cursor": "forged.abc"}])
async def test_schools_refuse_bad_paging(
    client: httpx.AsyncClient, world: DistrictWorld, params: dict[str, Any]
) -> None:
    r = await client.get("/district/schools", headers=auth(world.district_admin), params=params)
    assert r.status_code == 422


# ---- GET /district/stats ----

EXPECTED_MONTH = {
    "enrolled": 3,
    # 21 weekdays in November 2026, less the closure on the 2nd
    "service_days": 20,
    # (afternoon, 9th), (evening, 9th), (afternoon, 10th)
    "sessions": 3,
    "attendance_rate": 0.8,
    "staff_minutes": 60 + 90 + 60,
    # after 16:30 (the default): the evening session only
    "overtime_minutes": 90,
    "fees_charged_fen": 0,
    "fees_refunded_fen": 0,
}


async def test_month_statistics_per_school(
    client: httpx.AsyncClient, session: AsyncSession, world: DistrictWorld
) -> None:
    await _marks(session, world)
    r = await client.get(
        "/district/stats", headers=auth(world.district_admin), params={"month": MONTH}
    )
    assert r.status_code == 200
    body = r.json()
    assert body["month"] == MONTH
    assert body["next_cursor"] is None
    assert body["items"] == [
        {"school_id": str(world.school.id), "school_name": "城关小学", **EXPECTED_MONTH}
    ]


async def test_overtime_follows_the_schools_overtime_after(
    client: httpx.AsyncClient, session: AsyncSession, world: DistrictWorld
) -> None:
    school = await session.get_one(School, world.school.id)
    school.policy = {**school.policy, "overtime_after": "17:00"}
    await session.commit()
    await _marks(session, world)
    r = await client.get(
        "/district/stats", headers=auth(world.district_admin), params={"month": MONTH}
    )
    assert r.json()["items"][0]["overtime_minutes"] == 60


async def test_a_month_without_service(client: httpx.AsyncClient, world: DistrictWorld) -> None:
    r = await client.get(
        "/district/stats", headers=auth(world.district_admin), params={"month": "2026-08"}
    )
    item = r.json()["items"][0]
    assert item["service_days"] == 0 and item["enrolled"] == 0 and item["sessions"] == 0
    assert item["attendance_rate"] is None


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "11-2026", "", "2026-11-01"])
async def test_stats_refuse_a_bad_month(
    client: httpx.AsyncClient, world: DistrictWorld, month: str
) -> None:
    for path in ("/district/stats", "/district/stats.xlsx", "/district/stats.csv"):
        r = await client.get(path, headers=auth(world.district_admin), params={"month": month})
        assert r.status_code == 422, path
        assert r.headers["content-type"].startswith("application/problem+json")


async def test_stats_without_a_month_422(client: httpx.AsyncClient, world: DistrictWorld) -> None:
    r = await client.get("/district/stats", headers=auth(world.district_admin))
    assert r.status_code == 422


async def test_stats_xlsx_reads_back(
    client: httpx.AsyncClient, session: AsyncSession, world: DistrictWorld
) -> None:
    await _marks(session, world)
    second = await create_school(session, name="东风小学", district_id=world.district.id)
    await create_student(session, await create_class(session, second))
    await session.commit()
    r = await client.get(
        "/district/stats.xlsx", headers=auth(world.district_admin), params={"month": MONTH}
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in r.headers["content-disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0].startswith("示范区教育局 课后服务月度统计（2026-11）")
    assert rows[1] == (
        "学校",
        "服务学生数",
        "服务天数",
        "服务场次",
        "出勤率",
        "教师服务时长（分钟）",
        "延时服务时长（分钟）",
        "收费（元）",
        "退费（元）",
    )
    assert ws.freeze_panes == "A3"
    assert rows[2] == ("东风小学", 0, 0, 0, None, 0, 0, 0, 0)
    assert rows[3] == ("城关小学", 3, 20, 3, 0.8, 210, 90, 0, 0)
    assert ws.cell(row=4, column=5).number_format == "0.0%"
    assert rows[4] == ("合计", 3, None, 3, None, 210, 90, 0, 0)
    assert len(rows) == 5


async def test_stats_csv_twin(
    client: httpx.AsyncClient, session: AsyncSession, world: DistrictWorld
) -> None:
    await _marks(session, world)
    r = await client.get(
        "/district/stats.csv", headers=auth(world.district_admin), params={"month": MONTH}
    )
    assert r.status_code == 200
    assert r.content.startswith("\ufeff".encode())
    lines = r.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("学校,服务学生数,服务天数")
    assert lines[1] == "城关小学,3,20,3,80.0%,210,90,0.00,0.00"
    assert lines[2] == "合计,3,,3,,210,90,0.00,0.00"


@contextmanager
def _statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def test_stats_cost_the_same_statements_for_one_school_or_many(
    client: httpx.AsyncClient, session: AsyncSession, world: DistrictWorld, engine: AsyncEngine
) -> None:
    """One grouped statement per figure: 200 schools cost what one does (no per-school loop)."""
    headers = auth(world.district_admin)
    with _statements(engine) as one:
        assert (await client.get(f"/district/stats?month={MONTH}", headers=headers)).is_success
        assert (await client.get("/district/schools", headers=headers)).is_success
    for n in range(12):
        school = await create_school(session, name=f"第{n}小学", district_id=world.district.id)
        await create_student(session, await create_class(session, school))
        await create_user(session, roles=[Role.SCHOOL_ADMIN], school=school)
    await session.commit()
    with _statements(engine) as many:
        r = await client.get(f"/district/stats?month={MONTH}", headers=headers)
        assert len(r.json()["items"]) == 13
        assert (await client.get("/district/schools", headers=headers)).is_success
    assert len(many) == len(one)
    assert len(one) <= 16


async def test_figures_are_the_workers_day_counts_and_a_late_roll_call_counts_within_the_hour(
    client: httpx.AsyncClient, session: AsyncSession, world: DistrictWorld
) -> None:
    from app.core import clock
    from app.core.database import sessionmaker
    from app.district import service

    headers = auth(world.district_admin)
    a, b, *_ = world.students
    await mark(session, world, a, date(2026, 11, 9), "present")
    await session.commit()
    before = await client.get(f"/district/stats?month={MONTH}", headers=headers)
    assert before.json()["items"][0]["sessions"] == 0  # not counted yet: the worker's figures
    await count_days()
    counted = await client.get(f"/district/stats?month={MONTH}", headers=headers)
    assert counted.json()["items"][0]["sessions"] == 1

    # a roll call caught up a few days late: the 10-minute count leaves that day alone...
    await mark(session, world, b, date(2026, 11, 10), "absent")
    await session.commit()
    await count_days()
    item = (await client.get(f"/district/stats?month={MONTH}", headers=headers)).json()["items"][0]
    assert item["sessions"] == 1
    # ...the hourly recount of the week takes it in
    async with sessionmaker()() as db, db.begin():
        await service.recount_week(db, clock.now())
    item = (await client.get(f"/district/stats?month={MONTH}", headers=headers)).json()["items"][0]
    assert (item["sessions"], item["attendance_rate"]) == (2, 0.5)


def test_the_worker_counts_the_days() -> None:
    from app.district import service
    from app.jobs import PERIODIC_JOBS

    every = {job.run: job.every_seconds for job in PERIODIC_JOBS}
    assert every[service.count_recent_days] <= 600
    assert every[service.recount_week] <= 3600


async def test_two_changes_at_once_both_apply(
    client: httpx.AsyncClient, world: DistrictWorld
) -> None:
    import asyncio

    headers = auth(world.district_admin)
    answers = await asyncio.gather(
        client.patch("/district", headers=headers, json={"name": "新区教育局"}),
        client.patch("/district", headers=headers, json={"require_plan_approval": True}),
    )
    assert [a.status_code for a in answers] == [200, 200]
    now = (await client.get("/district", headers=headers)).json()
    assert (now["name"], now["require_plan_approval"]) == ("新区教育局", True)
