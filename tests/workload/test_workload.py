"""GET /workload and its exports: sessions from check-ins (leader and assistant), overtime
split at the policy's time, duty minutes from shifts, pay in fen; a teacher reads only
their own month."""

from __future__ import annotations

import csv
import io
from datetime import time

import httpx
import openpyxl
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.school.policy import PayRates
from app.workload.exports import COLUMNS
from app.workload.figures import pay_fen, split_at
from tests.core.test_problems import assert_problem
from tests.factories import auth, create_other_school
from tests.workload.factories import MONTH, Scene, by_staff


def test_a_slot_across_the_overtime_time_is_split() -> None:
    assert split_at(time(16, 0), time(17, 30), time(16, 30)) == (30, 60)
    assert split_at(time(15, 30), time(16, 30), time(16, 30)) == (60, 0)
    assert split_at(time(16, 30), time(18, 0), time(16, 30)) == (0, 90)
    assert split_at(time(17, 0), time(18, 0), time(16, 30)) == (0, 60)


def test_pay_rounds_half_up_once_per_person_and_month() -> None:
    one_fen_an_hour = PayRates(session_hour_fen=1)
    assert pay_fen(one_fen_an_hour, 30, 0, 0) == 1  # half a fen rounds up
    assert pay_fen(one_fen_an_hour, 29, 0, 0) == 0
    # Summed before rounding: 3 × 20 minutes is one whole fen, not 3 × 0.
    assert pay_fen(one_fen_an_hour, 60, 0, 0) == 1
    assert pay_fen(PayRates(overtime_hour_fen=9000, duty_hour_fen=4000), 0, 90, 165) == 24500


async def test_an_admin_reads_everyones_month(client: httpx.AsyncClient, scene: Scene) -> None:
    campus = scene.campus
    response = await client.get("/workload", params={"month": MONTH}, headers=auth(campus.admin))
    assert response.status_code == 200, response.text
    items = by_staff(response.json())
    leader = items[str(campus.leader.id)]
    # 延时托管 on three days (30 ordinary + 60 overtime each) and 晚托 once (90 overtime).
    assert {k: leader[k] for k in ("sessions", "session_minutes", "overtime_minutes")} == {
        "sessions": 4,
        "session_minutes": 90,
        "overtime_minutes": 270,
    }
    assert leader["pay_fen"] == (90 * 6000 + 270 * 9000) // 60 == 49500
    assert (leader["name"], leader["employment"]) == (campus.leader.name, "school")
    # The assistant counts the session they shared with the leader today.
    assistant = items[str(campus.other_teacher.id)]
    assert (assistant["sessions"], assistant["session_minutes"], assistant["overtime_minutes"]) == (
        1,
        30,
        60,
    )
    assert assistant["pay_fen"] == 12000
    duty = items[str(campus.duty.id)]
    assert (duty["sessions"], duty["duty_minutes"], duty["pay_fen"]) == (0, 165, 11000)
    # Staff with nothing this month are listed with zeros; parents are not staff.
    assert items[str(campus.homeroom.id)]["sessions"] == 0
    assert str(campus.mother.id) not in items


async def test_overtime_follows_the_policy_time(client: httpx.AsyncClient, scene: Scene) -> None:
    campus = scene.campus
    await client.patch(
        "/school", json={"policy": {"overtime_after": "17:00"}}, headers=auth(campus.admin)
    )
    response = await client.get("/workload", params={"month": MONTH}, headers=auth(campus.admin))
    leader = by_staff(response.json())[str(campus.leader.id)]
    # 16:00–17:30 is now 60 + 30 (×3); 16:30–18:00 is 30 + 60.
    assert (leader["session_minutes"], leader["overtime_minutes"]) == (210, 150)


async def test_a_teacher_reads_only_their_own_month(
    client: httpx.AsyncClient, scene: Scene
) -> None:
    campus = scene.campus
    for user in (campus.leader, campus.duty):
        response = await client.get("/workload", params={"month": MONTH}, headers=auth(user))
        assert response.status_code == 200
        assert [i["staff_id"] for i in response.json()["items"]] == [str(user.id)]
    sheet = await client.get("/workload.csv", params={"month": MONTH}, headers=auth(campus.leader))
    rows = list(csv.reader(io.StringIO(sheet.content.decode("utf-8").lstrip("\ufeff"))))
    assert [r[0] for r in rows[1:-1]] == [campus.leader.name]


async def test_walls(client: httpx.AsyncClient, session: AsyncSession, scene: Scene) -> None:
    campus = scene.campus
    refused = await client.get("/workload", params={"month": MONTH}, headers=auth(campus.mother))
    assert_problem(refused, 403, "auth.forbidden")
    _, other_admin = await create_other_school(session)
    await session.commit()
    theirs = await client.get("/workload", params={"month": MONTH}, headers=auth(other_admin))
    assert theirs.status_code == 200
    assert by_staff(theirs.json()).keys() == {str(other_admin.id)}
    for month in ("2026-13", "2026-1", "", "2026-01-01"):
        bad = await client.get("/workload", params={"month": month}, headers=auth(campus.admin))
        assert_problem(bad, 422, "validation.invalid")
    missing = await client.get("/workload", headers=auth(campus.admin))
    assert_problem(missing, 422, "validation.invalid")


async def test_the_xlsx_and_csv(client: httpx.AsyncClient, scene: Scene) -> None:
    campus = scene.campus
    api = (
        await client.get("/workload", params={"month": MONTH}, headers=auth(campus.admin))
    ).json()["items"]
    response = await client.get(
        "/workload.xlsx", params={"month": MONTH}, headers=auth(campus.admin)
    )
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert ws["A1"].value.startswith(f"{campus.school.name} 教师工作量（{MONTH}）")
    assert [c.value for c in ws[2]] == [c.header for c in COLUMNS]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3, max_row=2 + len(api))]
    assert [r[0] for r in rows] == [i["name"] for i in api]
    leader = next(r for r in rows if r[0] == campus.leader.name)
    assert leader[1:] == ["本校", 4, 90, 270, 0, 495]  # pay in yuan
    totals = [c.value for c in ws[3 + len(api)]]
    assert totals[0] == "合计"
    assert totals[2] == sum(i["sessions"] for i in api) == 5
    assert totals[6] * 100 == pytest.approx(sum(i["pay_fen"] for i in api))

    twin = await client.get("/workload.csv", params={"month": MONTH}, headers=auth(campus.admin))
    text = twin.content.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert lines[0] == [c.header for c in COLUMNS]
    assert lines[-1][0] == "合计"
    assert len(lines) == len(api) + 2
