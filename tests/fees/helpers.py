"""Paying a bill in tests: an enrolled family with a WeChat openid, orders and callbacks."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.fees.models import Bill, BillPayment, BillRefund
from tests.enrollment.factories import Family, World, enrol
from tests.factories import auth


async def billed(
    client: httpx.AsyncClient, world: World, family: Family | None = None, **overrides: Any
) -> dict[str, Any]:
    """Enrol the family's child (a WeChat user) and return the first bill."""
    family = family or world.family
    family.parent.wechat_openid = f"o-{family.parent.id.hex[:12]}"
    await world.session.commit()
    await enrol(client, world, family, **overrides)
    response = await client.get("/bills", headers=auth(family.parent))
    bill: dict[str, Any] = response.json()["items"][0]
    return bill


async def pay(client: httpx.AsyncClient, user: Any, bill_id: str) -> httpx.Response:
    return await client.post(f"/bills/{bill_id}/pay", headers=auth(user))


async def notify(client: httpx.AsyncClient, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return await client.post("/payments/wechat/notify", content=body, headers=headers)


async def bill_row(session: AsyncSession, bill_id: str) -> Bill:
    bill = await session.scalar(
        select(Bill).where(Bill.id == bill_id).execution_options(populate_existing=True)
    )
    assert bill is not None
    return bill


async def payments_of(session: AsyncSession, bill_id: str) -> list[BillPayment]:
    rows = await session.scalars(
        select(BillPayment)
        .where(BillPayment.bill_id == bill_id)
        .order_by(BillPayment.created_at)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def refunds_of(session: AsyncSession, bill_id: str) -> list[BillRefund]:
    rows = await session.scalars(
        select(BillRefund)
        .where(BillRefund.bill_id == bill_id)
        .order_by(BillRefund.created_at, BillRefund.reason)
        .execution_options(populate_existing=True)
    )
    return list(rows)
