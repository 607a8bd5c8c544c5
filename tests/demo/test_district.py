"""The demo district: the demo school and 城南小学, seen by the `district` login."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.demo import banner, cast, seed_demo
from app.demo.district import SECOND_SCHOOL

THURSDAY = datetime(2026, 11, 26, 15, 40, tzinfo=ZoneInfo("Asia/Shanghai"))


async def _login(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    r = await client.post("/auth/login", json={"username": username, "password": cast.PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def test_the_district_login_sees_both_schools_in_counts(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    clock.advance(THURSDAY - datetime.now(UTC))
    demo = await seed_demo()
    assert demo.district_name == "课后演示区教育局"
    assert demo.second_school_name == SECOND_SCHOOL and demo.second_school_id is not None
    printed = banner(demo, "http://127.0.0.1:8000/docs", reset_hint="rm -rf .kehou")
    assert f"{SECOND_SCHOOL} ({demo.second_school_id})" in printed

    district = await _login(client, "district")
    r = await client.get("/district", headers=district)
    assert r.json()["require_plan_approval"] is True and r.json()["schools"] == 2
    schools = {
        s["name"]: s
        for s in (await client.get("/district/schools", headers=district)).json()["items"]
    }
    assert schools[cast.SCHOOL_NAME]["students"] == 120
    assert schools[cast.SCHOOL_NAME]["plan_status"] == "approved"
    assert schools[cast.SCHOOL_NAME]["open_complaints"] == 2
    assert schools[SECOND_SCHOOL]["id"] == str(demo.second_school_id)
    assert (schools[SECOND_SCHOOL]["students"], schools[SECOND_SCHOOL]["enrolled"]) == (15, 12)
    assert schools[SECOND_SCHOOL]["plan_status"] == "submitted"

    plans = (await client.get("/district/plans?status=submitted", headers=district)).json()
    assert [p["school_name"] for p in plans["items"]] == [SECOND_SCHOOL]
    escalated = (await client.get("/district/complaints", headers=district)).json()["items"]
    assert len(escalated) == 1 and escalated[0]["anonymous"] is True
    assert escalated[0]["complainant"] is not None  # the district sees who
    month = THURSDAY.strftime("%Y-%m")
    sheet = await client.get(f"/district/stats.xlsx?month={month}", headers=district)
    assert sheet.status_code == 200

    # the school sees its complaints, the anonymous one without the parent
    admin = await _login(client, cast.ADMIN.username)
    mine = (await client.get("/complaints", headers=admin)).json()["items"]
    assert len(mine) == 3
    assert [c["complainant"] for c in mine if c["anonymous"]] == [None]
