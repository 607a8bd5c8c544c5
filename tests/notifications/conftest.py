"""Fixtures of the notification tests: fake FCM and WeChat at the HTTP edge, a worker."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from app.notifications.delivery import RetryPolicy, Worker
from app.notifications.providers.fcm import FcmProvider
from app.notifications.providers.wechat import WechatProvider
from tests.notifications.fakes import PROJECT_ID, FakeFcm, FakeWechat, StaticCredentials

WECHAT_TEMPLATES = {"pickup.handed_over": "tmpl-pickup", "attendance.absent": "tmpl-absent"}


@pytest.fixture
def fake_fcm() -> Iterator[FakeFcm]:
    server = FakeFcm().start()
    yield server
    server.stop()


@pytest.fixture
async def fcm(fake_fcm: FakeFcm) -> AsyncIterator[FcmProvider]:
    provider = FcmProvider(StaticCredentials(), project_id=PROJECT_ID, endpoint=fake_fcm.endpoint)
    yield provider
    await provider.aclose()


@pytest.fixture
def fake_wechat() -> FakeWechat:
    return FakeWechat()


def make_wechat(fake: FakeWechat) -> WechatProvider:
    return WechatProvider(
        app_id="wx-app",
        app_secret="wx-secret",
        api_base="https://wechat.invalid",
        templates=WECHAT_TEMPLATES,
        client=httpx.AsyncClient(transport=fake.transport()),
    )


@pytest.fixture
async def wechat(fake_wechat: FakeWechat) -> AsyncIterator[WechatProvider]:
    provider = make_wechat(fake_wechat)
    yield provider
    await provider.aclose()


@pytest.fixture
def worker(engine: object, fcm: FcmProvider, wechat: WechatProvider) -> Worker:
    return Worker(
        providers={"fcm": fcm, "wechat": wechat},
        retry=RetryPolicy(max_attempts=4),
        rng=random.Random(7),
    )
