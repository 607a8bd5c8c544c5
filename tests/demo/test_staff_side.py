"""The demo's staff side: the outside coach and their assistant in the month's workload,
the duty rota with its handoffs, pay from the demo's rates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from app.core import clock
from app.demo import cast, seed_demo
from app.demo.staff import COACH

SHANGHAI = ZoneInfo("Asia/Shanghai")
THURSDAY = datetime(2026, 11, 26, 15, 40, tzinfo=SHANGHAI)
WEDNESDAY = THURSDAY.date() - timedelta(days=1)


async def _login(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await client.post(
        "/auth/login", json={"username": username, "password": cast.PASSWORD}
    )
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_the_demo_has_a_month_of_workload_a_rota_and_a_vetted_coach(
    client: httpx.AsyncClient,
) -> None:
    clock.advance(THURSDAY - datetime.now(UTC))
    await seed_demo()
    admin = await _login(client, cast.ADMIN.username)

    staff = (await client.get("/staff", params={"limit": 100}, headers=admin)).json()["items"]
    coach = next(s for s in staff if s["username"] == COACH.username)
    assert coach["employment"] == "external"
    assert coach["vetting"]["organisation"] == "市青少年足球俱乐部"

    month = (await client.get("/workload", params={"month": "2026-11"}, headers=admin)).json()
    items = {i["name"]: i for i in month["items"]}
    assert items[COACH.name]["sessions"] >= 10
    assert items["周敏"]["sessions"] == items[COACH.name]["sessions"]  # the assistant beside
    assert items[cast.DUTY.name]["duty_minutes"] >= 10 * 100
    assert items[cast.ADMIN.name]["duty_minutes"] >= 10 * 75
    # 晚托 (16:30–18:00) is overtime: its leaders have overtime and pay.
    assert items["张伟"]["overtime_minutes"] > 0
    assert all(i["pay_fen"] > 0 for i in items.values() if i["sessions"] or i["duty_minutes"])

    rota = await client.get(
        "/duty-shifts",
        params={"from": WEDNESDAY.isoformat(), "to": WEDNESDAY.isoformat()},
        headers=await _login(client, "teacher.zhou"),
    )
    assert [(s["staff_name"], s["post"]) for s in rota.json()["items"]] == [
        (cast.DUTY.name, "gate"),
        (cast.ADMIN.name, "lead"),
    ]

    own = await client.get(
        "/workload", params={"month": "2026-11"}, headers=await _login(client, "teacher.zhou")
    )
    assert [i["name"] for i in own.json()["items"]] == ["周敏"]
