"""The demo school's last weeks: the ledger, statistics and exports have real figures."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import openpyxl

from app.core import clock
from app.demo import cast, seed_demo
from app.demo.ledger import HISTORY_DAYS

SHANGHAI = ZoneInfo("Asia/Shanghai")
THURSDAY = datetime(2026, 11, 26, 15, 40, tzinfo=SHANGHAI)
WEDNESDAY = date(2026, 11, 25)
TWO_WEEKS_AGO = date(2026, 11, 12)


async def test_the_demo_has_weeks_of_ledger(client: httpx.AsyncClient) -> None:
    clock.advance(THURSDAY - datetime.now(UTC))
    await seed_demo()
    login = await client.post(
        "/auth/login", json={"username": cast.ADMIN.username, "password": cast.PASSWORD}
    )
    admin = {"Authorization": f"Bearer {login.json()['access_token']}"}

    for day, handed_over in ((WEDNESDAY, True), (TWO_WEEKS_AGO, False)):
        daily = await client.get("/ledger/daily", params={"date": day.isoformat()}, headers=admin)
        assert daily.status_code == 200
        lines = [line for line in daily.json()["items"] if line["kind"] == "class"]
        assert len(lines) == 8  # six 课后活动 groups and two 晚托 groups (clubs aside)
        assert all(line["roll_call_taken_at"] and line["staff_checked_in"] for line in lines)
        assert all(line["expected"] == 0 for line in lines)  # every roll was taken
        assert sum(line["absent"] for line in lines) > 0
        assert sum(line["on_leave"] for line in lines) > 0
        assert any(line["care_log"] for line in lines)
        moved_on = sum(line["picked_up"] for line in lines)
        assert (moved_on > 0) is handed_over

    monthly = await client.get("/ledger/monthly", params={"month": "2026-11"}, headers=admin)
    totals = monthly.json()["totals"]
    assert totals["present"] + totals["picked_up"] > 1000
    stats = await client.get(
        "/stats/attendance",
        params={
            "from": (THURSDAY.date() - timedelta(days=28)).isoformat(),
            "to": WEDNESDAY.isoformat(),
        },
        headers=admin,
    )
    rates = [item["rate"] for item in stats.json()["items"]]
    assert len(rates) == 6 and all(0.9 < rate < 1 for rate in rates)

    export = await client.get("/ledger/monthly.xlsx", params={"month": "2026-11"}, headers=admin)
    ws = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert ws["A1"].value.startswith(cast.SCHOOL_NAME)
    assert ws.max_row > 2 + HISTORY_DAYS  # title, header, lines, totals
