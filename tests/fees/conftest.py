"""A school charging per month (review: none), frozen before the term, and a fake WeChat Pay."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.settings import get_settings, use_settings
from app.fees import wechatpay
from tests.enrollment.factories import BEFORE_TERM, World, build_world
from tests.fees.fakewechatpay import FakeWeChatPay

ACTIVITY_FEE = 13_333  # 课后活动, per month
EVENING_FEE = 20_000  # 晚托, per month


async def charge(
    world: World,
    *,
    mode: str = "per_month",
    waivers: dict[str, float] | None = None,
    activity: int = ACTIVITY_FEE,
    evening: int = EVENING_FEE,
) -> None:
    world.school.policy = {**world.school.policy, "fees": {"mode": mode, "waivers": waivers or {}}}
    world.activity.fee_fen = activity
    world.evening.fee_fen = evening
    await world.session.commit()


@pytest.fixture
async def world(session: AsyncSession) -> World:
    clock.freeze(BEFORE_TERM)
    world = await build_world(session, review="none")
    await charge(world)
    return world


@pytest.fixture
def fake_pay(tmp_path: Path) -> Iterator[FakeWeChatPay]:
    fake = FakeWeChatPay(tmp_path)
    previous = get_settings()
    use_settings(previous.model_copy(update=fake.settings()))
    wechatpay.use_client_factory(fake.client)
    yield fake
    wechatpay.use_client_factory(None)
    use_settings(previous)
