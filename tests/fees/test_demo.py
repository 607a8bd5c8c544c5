"""The demo's charging school: per-month fees, this month's bills, some paid, one waived."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.demo.fees import EVENING_FEE_FEN, OTHER_SLOT_FEE_FEN, charge_per_month
from tests.enrollment.factories import World, enrol
from tests.factories import auth
from tests.fees.conftest import charge


async def test_a_school_of_the_factories_charges_per_month(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    await charge(world, mode="free", activity=0, evening=0)
    families = [world.family] + [await world.add_family() for _ in range(3)]
    for family in families:
        await enrol(client, world, family)

    summary = await charge_per_month(session, world.school)
    await session.commit()

    assert (summary.bills, summary.paid, summary.waived, summary.open) == (4, 2, 1, 1)
    school = (await client.get("/school", headers=auth(world.admin))).json()
    assert school["policy"]["fees"]["mode"] == "per_month"
    response = await client.get("/bills", headers=auth(world.admin))
    bills = response.json()["items"]
    assert {b["amount_fen"] for b in bills} == {EVENING_FEE_FEN + OTHER_SLOT_FEE_FEN}
    assert sorted(b["status"] for b in bills) == ["open", "paid", "paid", "waived"]
    assert {b["period"] for b in bills} == {"2026-09"}
    statement = await client.get("/fees/statement?month=2026-09", headers=auth(world.admin))
    totals = statement.json()["totals"]
    assert totals["paid_fen"] == 2 * (EVENING_FEE_FEN + OTHER_SLOT_FEE_FEN)
    assert totals["waived_fen"] == EVENING_FEE_FEN + OTHER_SLOT_FEE_FEN


async def test_a_school_that_begins_charging_mid_term_bills_from_this_month(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    await charge(world, mode="free", activity=0, evening=0)
    await enrol(client, world)
    clock.freeze(datetime(2026, 10, 15, 2, 0, tzinfo=UTC))

    summary = await charge_per_month(session, world.school)
    await session.commit()

    assert summary.bills == 1
    [bill] = (await client.get("/bills", headers=auth(world.admin))).json()["items"]
    assert bill["period"] == "2026-10"
    assert bill["amount_fen"] == EVENING_FEE_FEN + OTHER_SLOT_FEE_FEN  # the whole month
