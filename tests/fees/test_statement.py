"""The monthly publication (收费公示): totals by class and slot, exports, no family named."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import openpyxl
from sqlalchemy.ext.asyncio import AsyncSession

from tests.enrollment.factories import World, enrol
from tests.factories import auth, create_class
from tests.fees.conftest import ACTIVITY_FEE, EVENING_FEE, charge
from tests.fees.helpers import billed
from tests.fees.test_bills import FEES


async def _cash(client: httpx.AsyncClient, world: World, bill: dict[str, Any], amount: int) -> None:
    response = await client.post(
        f"/bills/{bill['id']}/payments",
        json={"amount_fen": amount, "method": "cash"},
        headers=auth(world.admin),
    )
    assert response.status_code == 200, response.text


async def september(client: httpx.AsyncClient, world: World, session: AsyncSession) -> list[str]:
    """Three families' September; the names no statement may show."""
    await charge(world, waivers={"low_income": 0.5})
    a = world.family
    b = await world.add_family(name="王低保", priority=["low_income"])
    other_class = await create_class(session, world.school, name="四年级2班")
    await session.commit()
    c = await world.add_family(name="赵转学", school_class=other_class)
    await _cash(client, world, await billed(client, world, a), FEES)
    await billed(client, world, b, slot_ids=[str(world.evening.id)])
    await _cash(client, world, await billed(client, world, c), FEES)
    response = await client.patch(
        f"/terms/{world.term.id}",
        json={"closures": ["2026-09-28", "2026-09-29"]},
        headers=auth(world.admin),
    )
    assert response.status_code == 200
    return [a.student.name, b.student.name, c.student.name, a.parent.name, c.parent.name]


class TestStatement:
    async def test_totals_by_class_and_slot(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        await september(client, world, session)
        response = await client.get("/fees/statement?month=2026-09", headers=auth(world.admin))
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["month"], body["mode"]) == ("2026-09", "per_month")
        rows = {(r["class_name"], r["slot_name"]): r for r in body["rows"]}
        first = world.school_class.name
        # the closure took 2 of 22 days off every bill: 33 333 → 30 303, 20 000 → 18 182
        # (10 000 waived → 9 091); the paid bills got 3 030 back each
        assert rows[(first, "课后活动")] == {
            "class_name": first,
            "slot_name": "课后活动",
            "children": 1,
            "charged_fen": 12_121,
            "waived_fen": 0,
            "paid_fen": ACTIVITY_FEE,
            "refunded_fen": 1_212,
        }
        assert rows[(first, "晚托")]["children"] == 2
        assert rows[(first, "晚托")]["charged_fen"] == 18_182 + 18_182
        assert rows[(first, "晚托")]["waived_fen"] == 9_091
        assert rows[("四年级2班", "晚托")]["paid_fen"] == EVENING_FEE
        assert body["totals"] == {
            "bills": 3,
            "charged_fen": 30_303 + 18_182 + 30_303,
            "waived_fen": 9_091,
            "paid_fen": 2 * FEES,
            "refunded_fen": 2 * 3_030,
        }
        for money in ("charged_fen", "waived_fen", "paid_fen", "refunded_fen"):
            assert sum(r[money] for r in body["rows"]) == body["totals"][money]

    async def test_xlsx_and_csv_name_no_family(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        names = await september(client, world, session)
        xlsx = await client.get("/fees/statement.xlsx?month=2026-09", headers=auth(world.admin))
        assert xlsx.status_code == 200
        assert xlsx.headers["content-disposition"].startswith("attachment;")
        ws = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
        assert "课后服务收费公示（2026-09）" in ws["A1"].value
        headers = [c.value for c in ws[2]]
        assert headers == [
            "班级",
            "时段",
            "人数",
            "应收（元）",
            "减免（元）",
            "实收（元）",
            "退费（元）",
        ]
        assert ws.freeze_panes == "A3"
        last = [c.value for c in ws[ws.max_row]]
        assert last[0] == "合计"
        assert last[3:] == [787.88, 90.91, 666.66, 60.6]
        assert isinstance(ws["D3"].value, float | int)
        cells = " ".join(str(c.value) for row in ws.iter_rows() for c in row)

        text = await client.get("/fees/statement.csv?month=2026-09", headers=auth(world.admin))
        assert text.status_code == 200
        content = text.content.decode("utf-8")
        assert content.startswith("\ufeff班级,时段,人数")
        lines = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
        assert lines[-1][0] == "合计" and lines[-1][3:] == ["787.88", "90.91", "666.66", "60.60"]
        for name in names:
            assert name not in cells and name not in content

    async def test_a_free_school_shows_nothing_charged(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await charge(world, mode="free")
        await enrol(client, world)
        response = await client.get("/fees/statement?month=2026-09", headers=auth(world.admin))
        body = response.json()
        assert (body["mode"], body["rows"]) == ("free", [])
        assert body["totals"] == {
            "bills": 0,
            "charged_fen": 0,
            "waived_fen": 0,
            "paid_fen": 0,
            "refunded_fen": 0,
        }

    async def test_only_admins_and_a_real_month(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        for user in (world.family.parent, world.teacher, world.duty):
            response = await client.get("/fees/statement?month=2026-09", headers=auth(user))
            assert response.status_code == 403
        for query in ("?month=2026-13", "?month=2026-9", "?month=九月", ""):
            response = await client.get(f"/fees/statement{query}", headers=auth(world.admin))
            assert response.status_code == 422, query
            assert response.headers["content-type"].startswith("application/problem+json")
        response = await client.get("/fees/statement.pdf?month=2026-09", headers=auth(world.admin))
        assert response.status_code == 404
        for fmt in ("xlsx", "csv"):
            response = await client.get(f"/fees/statement.{fmt}", headers=auth(world.admin))
            assert response.status_code == 422
            response = await client.get(
                f"/fees/statement.{fmt}?month=2026-09", headers=auth(world.family.parent)
            )
            assert response.status_code == 403
