"""A push provider answering 500 or 429, or timing out: retried with backoff, never sent
again once it went out; and each outcome counted by channel and reason on /metrics."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator, Sequence
from datetime import timedelta

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.core import clock
from app.notifications.delivery import RetryPolicy, Worker
from app.notifications.providers import Outcome, Provider, Push
from app.notifications.providers.fcm import FcmProvider
from app.notifications.providers.wechat import WechatProvider
from tests.factories import create_parent
from tests.notifications.factories import create_device, outbox_rows, pickup_notice
from tests.notifications.fakes import (
    PROJECT_ID,
    FakeFcm,
    FakeWechat,
    StaticCredentials,
    fcm_error,
)

INTERNAL = fcm_error(500, "INTERNAL", "Internal error encountered.", fcm_code="INTERNAL")
THROTTLED = fcm_error(429, "RESOURCE_EXHAUSTED", "Too many requests.")  # no Retry-After
SDK_TRIES = 5  # firebase-admin's own tries of a 500 or 503 (DEFAULT_HTTPX_RETRY_CONFIG)


def _counted(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Counts:
    """The push counters' growth since the test began."""

    def __init__(self) -> None:
        self.start = self._read()

    @staticmethod
    def _read() -> dict[str, float]:
        return {
            "sent": _counted("kehou_pushes_sent_total", channel="fcm")
            + _counted("kehou_pushes_sent_total", channel="wechat"),
            **{
                reason: sum(
                    _counted("kehou_pushes_failed_total", channel=channel, reason=reason)
                    for channel in ("fcm", "wechat")
                )
                for reason in ("transient", "rejected", "dead_address", "out_of_tries")
            },
        }

    def grown(self) -> dict[str, float]:
        now = self._read()
        return {key: now[key] - self.start[key] for key in now if now[key] != self.start[key]}


@pytest.fixture
def counts() -> Iterator[Counts]:
    yield Counts()


async def _rounds_until_sent(
    session: AsyncSession, worker: Worker, rounds: int = 6
) -> list[timedelta]:
    """Worker rounds, each when the row is next due; the waits the worker chose between them."""
    waits = []
    for _ in range(rounds):
        before = clock.now()
        await worker.drain()
        [row] = await outbox_rows(session)
        if row.status != "pending":
            return waits
        waits.append(row.next_attempt_at - before)
        clock.freeze(row.next_attempt_at)
    raise AssertionError(f"still {row.status} after {rounds} rounds")


async def _one_fcm_notice(session: AsyncSession, token: str = "fcm-a") -> None:
    clock.freeze(clock.now())
    parent = await create_parent(session)
    await create_device(session, parent, token=token)
    await pickup_notice(session, parent)
    await session.commit()


class TestFcm:
    async def test_500s_are_retried_with_backoff_and_sent_once(
        self, session: AsyncSession, worker: Worker, fake_fcm: FakeFcm, counts: Counts
    ) -> None:
        # firebase-admin itself tries a 500 five times, 0.5 to 4 s apart (7.5 s in all);
        # when all five fail, the worker's backoff takes over.
        await _one_fcm_notice(session)
        fake_fcm.script["fcm-a"].extend([INTERNAL] * SDK_TRIES)

        [wait] = await _rounds_until_sent(session, worker)

        assert timedelta(seconds=7.5) <= wait <= timedelta(seconds=15)
        [row] = await outbox_rows(session)
        assert (row.status, row.attempts) == ("sent", 2)
        assert fake_fcm.tokens() == ["fcm-a"] * (SDK_TRIES + 1)  # five refused, one accepted
        clock.advance(timedelta(hours=1))
        assert await worker.drain() == 0
        assert len(fake_fcm.requests) == SDK_TRIES + 1
        assert counts.grown() == {"transient": 1, "sent": 1}

    async def test_429_without_retry_after_backs_off_and_is_sent_once(
        self, session: AsyncSession, worker: Worker, fake_fcm: FakeFcm, counts: Counts
    ) -> None:
        await _one_fcm_notice(session)
        fake_fcm.script["fcm-a"].append(THROTTLED)

        [wait] = await _rounds_until_sent(session, worker)

        assert timedelta(seconds=7.5) <= wait <= timedelta(seconds=15)
        assert fake_fcm.tokens() == ["fcm-a", "fcm-a"]
        assert counts.grown() == {"transient": 1, "sent": 1}

    async def test_a_timeout_is_retried_and_the_phone_shows_the_notice_once(
        self, session: AsyncSession, engine: AsyncEngine, fake_fcm: FakeFcm, counts: Counts
    ) -> None:
        await _one_fcm_notice(session)
        impatient = FcmProvider(
            StaticCredentials(), project_id=PROJECT_ID, endpoint=fake_fcm.endpoint, timeout=1
        )
        worker = Worker(providers={"fcm": impatient}, rng=random.Random(3))
        try:
            fake_fcm.delay = 1.5  # FCM got it, but its answer comes too late
            await worker.drain()
            [row] = await outbox_rows(session)
            assert (row.status, row.attempts) == ("pending", 1)
            assert row.next_attempt_at >= clock.now() + timedelta(seconds=7.5)

            fake_fcm.delay = 0.0
            clock.freeze(row.next_attempt_at)
            assert await worker.drain() == 1
            clock.advance(timedelta(hours=1))
            assert await worker.drain() == 0
        finally:
            await impatient.aclose()

        [row] = await outbox_rows(session)
        assert (row.status, row.attempts) == ("sent", 2)
        # Both requests may have reached the phone: they carry one tag and one collapse id,
        # so the second replaces the first instead of showing the notice twice.
        first, second = (r["body"]["message"] for r in fake_fcm.requests)
        for message in (first, second):
            tag = message["android"]["notification"]["tag"]
            assert tag == message["data"]["notification_id"]
            assert message["apns"]["headers"]["apns-collapse-id"] == tag
        assert first == second
        assert counts.grown() == {"transient": 1, "sent": 1}

    async def test_out_of_tries_is_counted_as_such(
        self, session: AsyncSession, worker: Worker, fake_fcm: FakeFcm, counts: Counts
    ) -> None:
        await _one_fcm_notice(session)
        fake_fcm.script["fcm-a"].extend([THROTTLED] * worker.retry.max_attempts)

        for _ in range(worker.retry.max_attempts):
            await worker.drain()
            clock.advance(timedelta(hours=1))

        [row] = await outbox_rows(session)
        assert (row.status, row.attempts) == ("dead", worker.retry.max_attempts)
        assert len(fake_fcm.requests) == worker.retry.max_attempts
        assert counts.grown() == {
            "transient": worker.retry.max_attempts - 1,
            "out_of_tries": 1,
        }


class TestWechat:
    @pytest.mark.parametrize(
        "fault",
        [
            httpx.Response(500, text="internal error"),
            httpx.Response(429, text="slow down"),
            httpx.ReadTimeout("timed out"),
        ],
        ids=["500", "429", "timeout"],
    )
    async def test_a_fault_is_retried_with_backoff_and_sent_once(
        self,
        session: AsyncSession,
        worker: Worker,
        fake_wechat: FakeWechat,
        counts: Counts,
        fault: httpx.Response | Exception,
    ) -> None:
        clock.freeze(clock.now())
        parent = await create_parent(session, wechat_openid="o-mother")
        await pickup_notice(session, parent)
        await session.commit()
        fake_wechat.script["o-mother"].append(fault)

        [wait] = await _rounds_until_sent(session, worker)

        assert timedelta(seconds=7.5) <= wait <= timedelta(seconds=15)
        clock.advance(timedelta(hours=1))
        assert await worker.drain() == 0
        assert len(fake_wechat.sent) == 1
        [row] = await outbox_rows(session)
        assert (row.status, row.attempts) == ("sent", 2)
        assert counts.grown() == {"transient": 1, "sent": 1}


async def test_a_provider_that_hangs_is_abandoned_and_retried_not_doubled(
    session: AsyncSession, engine: AsyncEngine, wechat: WechatProvider, counts: Counts
) -> None:
    """The worker's own deadline: a send that never answers is cancelled, then tried again."""

    class HangsOnce(Provider):
        platform = "wechat"
        calls = 0

        async def send(self, pushes: Sequence[Push]) -> list[Outcome]:
            HangsOnce.calls += 1
            if HangsOnce.calls == 1:
                await asyncio.sleep(3600)
            return await wechat.send(pushes)

    clock.freeze(clock.now())
    parent = await create_parent(session, wechat_openid="o-mother")
    await pickup_notice(session, parent)
    await session.commit()
    worker = Worker(
        providers={"wechat": HangsOnce()},
        retry=RetryPolicy(max_attempts=4),
        send_timeout=0.2,
        rng=random.Random(5),
    )

    [wait] = await _rounds_until_sent(session, worker)

    assert timedelta(seconds=7.5) <= wait <= timedelta(seconds=15)
    [row] = await outbox_rows(session)
    assert (row.status, row.attempts) == ("sent", 2)
    assert HangsOnce.calls == 2
    assert counts.grown() == {"transient": 1, "sent": 1}
