"""The worker against a local fake FCM server and a fake WeChat API: delivery, retries,
dead tokens, concurrent workers, database outages and shutdown."""

from __future__ import annotations

import asyncio
import os
import random
import signal
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from app.core import clock, database
from app.core.audit import AuditEvent
from app.core.idempotency import IdempotencyRecord
from app.notifications.delivery import RetryPolicy, Worker, is_database_outage
from app.notifications.models import Device, OutboxMessage
from app.notifications.providers import Outcome, Provider, Push
from app.notifications.providers.fcm import FcmProvider
from app.notifications.worker import run_forever
from tests.factories import auth, create_parent
from tests.notifications.factories import count_rows, create_device, outbox_rows, pickup_notice
from tests.notifications.fakes import (
    PROJECT_ID,
    QUOTA_EXCEEDED,
    UNREGISTERED,
    FakeFcm,
    FakeWechat,
    StaticCredentials,
    fcm_error,
)

DEAD_DATABASE = "postgresql+asyncpg://postgres@127.0.0.1:1/none"


async def _device(session: AsyncSession, device: Device) -> Device:
    found = await session.get(Device, device.id, populate_existing=True)
    assert found is not None
    return found


class TestDelivery:
    async def test_fcm_push_carries_the_notification_and_is_sent_once(
        self, session: AsyncSession, worker: Worker, fake_fcm: FakeFcm
    ) -> None:
        parent = await create_parent(session)
        device = await create_device(session, parent, token="fcm-a")
        [notification_id] = await pickup_notice(session, parent, student="小明")
        await session.commit()

        assert await worker.drain() == 1
        assert await worker.drain() == 0  # nothing is sent twice

        [request] = fake_fcm.requests
        assert request["path"] == f"/v1/projects/{PROJECT_ID}/messages:send"
        assert request["authorization"] == "Bearer static-test-token"
        message = request["body"]["message"]
        assert message["token"] == "fcm-a"
        assert message["notification"] == {
            "title": "小明已被接走",
            "body": "小明已于17:05由王芳接走，值班老师：李老师。",
        }
        assert message["data"]["kind"] == "pickup.handed_over"
        assert message["data"]["notification_id"] == str(notification_id)
        assert all(isinstance(v, str) for v in message["data"].values())
        assert message["android"]["priority"] == "high"
        [row] = await outbox_rows(session)
        assert (row.status, row.attempts, row.device_id) == ("sent", 1, device.id)
        assert row.finished_at is not None and row.claim_id is None
        assert worker.metrics.sent == 1

    async def test_wechat_subscribe_message_with_a_cached_access_token(
        self, session: AsyncSession, worker: Worker, fake_wechat: FakeWechat
    ) -> None:
        parent = await create_parent(session, wechat_openid="o-mother")
        await pickup_notice(session, parent, student="欧阳小明同学")
        await pickup_notice(session, parent, student="小红")
        await session.commit()

        await worker.drain()

        assert fake_wechat.token_fetches == 1
        assert len(fake_wechat.sent) == 2
        message = fake_wechat.sent[0]
        assert message["touser"] == "o-mother"
        assert message["template_id"] == "tmpl-pickup"
        assert set(message["data"]) == {"thing1", "thing2", "time3"}
        assert all(len(v["value"]) <= 20 for v in message["data"].values())
        assert message["data"]["thing2"]["value"].endswith("…")
        assert {r.status for r in await outbox_rows(session)} == {"sent"}

    async def test_a_kind_without_a_wechat_template_is_skipped_not_failed(
        self, session: AsyncSession, worker: Worker, fake_wechat: FakeWechat
    ) -> None:
        parent = await create_parent(session, wechat_openid="o-mother")
        await session.flush()
        from app.notifications.service import notify

        await notify(
            session,
            recipients=[parent.id],
            kind="survey.published",
            params={"title": "暑期托管意愿"},
            data={},
        )
        await session.commit()

        await worker.drain()

        [row] = await outbox_rows(session)
        assert row.status == "skipped"
        assert "no WeChat template" in (row.last_error or "")
        assert fake_wechat.calls == []
        assert (await _device(session, (await session.scalars(select(Device))).one())).active

    async def test_a_channel_that_is_not_configured_is_skipped(
        self, session: AsyncSession, engine: AsyncEngine, fcm: FcmProvider, fake_fcm: FakeFcm
    ) -> None:
        parent = await create_parent(session, wechat_openid="o-mother")
        await create_device(session, parent, token="fcm-a")
        await pickup_notice(session, parent)
        await session.commit()

        await Worker(providers={"fcm": fcm}).drain()

        statuses = {r.last_error or "": r.status for r in await outbox_rows(session)}
        assert statuses == {"": "sent", "wechat channel not configured": "skipped"}
        assert fake_fcm.tokens() == ["fcm-a"]

    async def test_a_device_that_moved_to_another_user_is_not_sent_their_notice(
        self, client: httpx.AsyncClient, session: AsyncSession, worker: Worker, fake_fcm: FakeFcm
    ) -> None:
        mother, stranger = await create_parent(session), await create_parent(session)
        await create_device(session, mother, token="shared-phone")
        await pickup_notice(session, mother)
        await session.commit()
        moved = await client.post(
            "/devices", json={"platform": "fcm", "token": "shared-phone"}, headers=auth(stranger)
        )
        assert moved.status_code == 201

        await worker.drain()

        [row] = await outbox_rows(session)
        assert row.status == "skipped"
        assert fake_fcm.requests == []


class TestTransientFailures:
    async def test_quota_exceeded_waits_retry_after_then_succeeds(
        self, session: AsyncSession, worker: Worker, fake_fcm: FakeFcm
    ) -> None:
        clock.freeze(clock.now())
        parent = await create_parent(session)
        device = await create_device(session, parent, token="fcm-a")
        await pickup_notice(session, parent)
        await session.commit()
        fake_fcm.script["fcm-a"].append(QUOTA_EXCEEDED)

        await worker.drain()
        [row] = await outbox_rows(session)
        assert (row.status, row.attempts) == ("pending", 1)
        assert row.next_attempt_at >= clock.now() + timedelta(seconds=120)
        assert "QuotaExceeded" in (row.last_error or "")

        clock.advance(timedelta(seconds=60))
        assert await worker.drain() == 0  # not due yet

        clock.advance(timedelta(seconds=61))
        assert await worker.drain() == 1
        [row] = await outbox_rows(session)
        assert (row.status, row.attempts) == ("sent", 2)
        assert fake_fcm.tokens() == ["fcm-a", "fcm-a"]
        assert (await _device(session, device)).active
        assert (worker.metrics.retried, worker.metrics.sent) == (1, 1)

    async def test_an_fcm_outage_is_retried_with_growing_backoff_then_dead(
        self, session: AsyncSession, engine: AsyncEngine
    ) -> None:
        clock.freeze(clock.now())
        parent = await create_parent(session)
        device = await create_device(session, parent, token="fcm-a")
        await pickup_notice(session, parent)
        await session.commit()
        # nothing listens on port 1: every send is a connection error
        down = FcmProvider(
            StaticCredentials(),
            project_id=PROJECT_ID,
            endpoint="http://127.0.0.1:1/v1/projects/{project_id}/messages:send",
        )
        worker = Worker(
            providers={"fcm": down}, retry=RetryPolicy(max_attempts=3), rng=random.Random(1)
        )
        waits = []
        try:
            for _ in range(3):
                before = clock.now()
                await worker.drain()
                [row] = await outbox_rows(session)
                waits.append(row.next_attempt_at - before)
                clock.advance(timedelta(hours=1))
        finally:
            await down.aclose()

        assert row.status == "dead"
        assert row.attempts == 3
        assert "Unavailable" in (row.last_error or "")
        assert timedelta(seconds=7.5) <= waits[0] <= timedelta(seconds=15)
        assert timedelta(seconds=15) <= waits[1] <= timedelta(seconds=30)
        assert (await _device(session, device)).active  # an outage is not the token's fault
        assert (worker.metrics.retried, worker.metrics.dead) == (2, 1)

    async def test_wechat_system_busy_then_success(
        self, session: AsyncSession, worker: Worker, fake_wechat: FakeWechat
    ) -> None:
        parent = await create_parent(session, wechat_openid="o-mother")
        await pickup_notice(session, parent)
        await session.commit()
        fake_wechat.script["o-mother"].append({"errcode": -1, "errmsg": "system error"})

        await worker.drain()
        clock.advance(timedelta(minutes=5))
        await worker.drain()

        [row] = await outbox_rows(session)
        assert (row.status, row.attempts) == ("sent", 2)
        assert len(fake_wechat.sent) == 1

    async def test_an_expired_wechat_token_is_refreshed_and_the_message_sent_once(
        self, session: AsyncSession, worker: Worker, fake_wechat: FakeWechat
    ) -> None:
        parent = await create_parent(session, wechat_openid="o-mother")
        await pickup_notice(session, parent)
        await session.commit()
        await worker.drain()
        fake_wechat.expire_tokens()  # e.g. another server force-refreshed it

        await pickup_notice(session, parent, student="小红")
        await session.commit()
        await worker.drain()

        assert fake_wechat.token_fetches == 2
        assert len(fake_wechat.sent) == 2
        assert {r.status for r in await outbox_rows(session)} == {"sent"}

    async def test_a_provider_that_crashes_loses_nothing(
        self, session: AsyncSession, engine: AsyncEngine
    ) -> None:
        class Broken(Provider):
            platform = "fcm"

            async def send(self, pushes: Sequence[Push]) -> list[Outcome]:
                raise RuntimeError("bug in a provider")

        parent = await create_parent(session)
        await create_device(session, parent)
        await pickup_notice(session, parent)
        await session.commit()

        await Worker(providers={"fcm": Broken()}).drain()

        [row] = await outbox_rows(session)
        assert (row.status, row.attempts) == ("pending", 1)
        assert "bug in a provider" in (row.last_error or "")

    async def test_odd_provider_text_is_stored_not_choked_on(
        self, session: AsyncSession, engine: AsyncEngine
    ) -> None:
        class Garbled(Provider):
            platform = "fcm"

            async def send(self, pushes: Sequence[Push]) -> list[Outcome]:
                return [Outcome.retry("bad\x00gateway " + "x" * 900) for _ in pushes]

        parent = await create_parent(session)
        await create_device(session, parent)
        await pickup_notice(session, parent)
        await session.commit()

        await Worker(providers={"fcm": Garbled()}).drain()

        [row] = await outbox_rows(session)
        assert row.last_error is not None
        assert row.last_error.startswith("badgateway")
        assert len(row.last_error) == 500


class TestPermanentFailures:
    async def test_an_unregistered_token_is_deactivated(
        self, client: httpx.AsyncClient, session: AsyncSession, worker: Worker, fake_fcm: FakeFcm
    ) -> None:
        parent = await create_parent(session)
        device = await create_device(session, parent, token="uninstalled")
        await pickup_notice(session, parent)
        await session.commit()
        fake_fcm.script["uninstalled"].append(UNREGISTERED)

        await worker.drain()

        [row] = await outbox_rows(session)
        assert (row.status, row.attempts) == ("dead", 1)
        device = await _device(session, device)
        assert device.active is False
        assert "Unregistered" in (device.deactivated_reason or "")
        assert (await client.get("/devices", headers=auth(parent))).json()["items"] == []
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "device.deactivated")
        )
        assert event is not None and event.object_id == device.id
        # later notices go to the inbox only
        await pickup_notice(session, parent)
        await session.commit()
        assert await count_rows(session, OutboxMessage) == 1
        assert (worker.metrics.dead, worker.metrics.deactivated) == (1, 1)

    async def test_invalid_argument_blaming_the_token_deactivates_it(
        self, session: AsyncSession, worker: Worker, fake_fcm: FakeFcm
    ) -> None:
        parent = await create_parent(session)
        device = await create_device(session, parent, token="garbled")
        await pickup_notice(session, parent)
        await session.commit()
        fake_fcm.script["garbled"].append(
            fcm_error(
                400,
                "INVALID_ARGUMENT",
                "The registration token is not a valid FCM registration token",
                fcm_code="INVALID_ARGUMENT",
            )
        )

        await worker.drain()

        assert (await outbox_rows(session))[0].status == "dead"
        assert (await _device(session, device)).active is False

    async def test_invalid_argument_about_the_payload_keeps_the_token(
        self, session: AsyncSession, worker: Worker, fake_fcm: FakeFcm
    ) -> None:
        parent = await create_parent(session)
        device = await create_device(session, parent, token="fine-token")
        await pickup_notice(session, parent)
        await session.commit()
        fake_fcm.script["fine-token"].append(
            fcm_error(
                400,
                "INVALID_ARGUMENT",
                "Invalid JSON payload received.",
                fcm_code="INVALID_ARGUMENT",
                details=[
                    {
                        "@type": "type.googleapis.com/google.rpc.BadRequest",
                        "fieldViolations": [{"field": "message.data[0].key"}],
                    }
                ],
            )
        )

        await worker.drain()

        [row] = await outbox_rows(session)
        assert (row.status, row.attempts) == ("dead", 1)  # not retried: it would fail again
        assert (await _device(session, device)).active is True

    async def test_a_wechat_user_who_refused_is_deactivated_until_registered_again(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        worker: Worker,
        fake_wechat: FakeWechat,
    ) -> None:
        parent = await create_parent(session, wechat_openid="o-refused")
        await pickup_notice(session, parent)
        await session.commit()
        fake_wechat.script["o-refused"].append(
            {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
        )

        await worker.drain()

        device = (await session.scalars(select(Device))).one()
        device = await _device(session, device)
        assert device.active is False
        assert "43101" in (device.deactivated_reason or "")

        # the mini-program asks again, the parent accepts, it registers the openid
        again = await client.post(
            "/devices", json={"platform": "wechat", "token": "o-refused"}, headers=auth(parent)
        )
        assert again.status_code == 201
        await pickup_notice(session, parent, student="小红")
        await session.commit()
        await worker.drain()
        assert [m["touser"] for m in fake_wechat.sent] == ["o-refused"]

    async def test_a_wechat_invalid_openid_is_deactivated(
        self, session: AsyncSession, worker: Worker, fake_wechat: FakeWechat
    ) -> None:
        parent = await create_parent(session, wechat_openid="o-bogus")
        await pickup_notice(session, parent)
        await session.commit()
        fake_wechat.script["o-bogus"].append({"errcode": 40003, "errmsg": "invalid openid"})

        await worker.drain()

        assert (await session.scalars(select(Device.active))).one() is False


class TestConcurrentWorkers:
    async def test_two_workers_never_send_a_row_twice(
        self, session: AsyncSession, engine: AsyncEngine, fake_fcm: FakeFcm
    ) -> None:
        parents = [await create_parent(session) for _ in range(15)]
        for parent in parents:
            await create_device(session, parent)
            await create_device(session, parent)
        for parent in parents:
            await pickup_notice(session, parent)
            await pickup_notice(session, parent)
        await session.commit()
        fake_fcm.delay = 0.01
        providers = [
            FcmProvider(StaticCredentials(), project_id=PROJECT_ID, endpoint=fake_fcm.endpoint)
            for _ in range(2)
        ]
        workers = [Worker(providers={"fcm": p}, batch_size=5) for p in providers]
        try:
            await asyncio.gather(*(w.drain() for w in workers))
        finally:
            for p in providers:
                await p.aclose()

        sent = Counter(
            (r["body"]["message"]["token"], r["body"]["message"]["data"]["notification_id"])
            for r in fake_fcm.requests
        )
        assert len(sent) == 60
        assert set(sent.values()) == {1}
        assert {r.status for r in await outbox_rows(session)} == {"sent"}
        assert all(w.metrics.claimed > 0 for w in workers)
        assert sum(w.metrics.sent for w in workers) == 60

    async def test_a_row_locked_by_another_worker_is_skipped_not_waited_for(
        self, session: AsyncSession, worker: Worker, engine: AsyncEngine, fake_fcm: FakeFcm
    ) -> None:
        parent = await create_parent(session)
        await create_device(session, parent, token="locked")
        await create_device(session, parent, token="free")
        await pickup_notice(session, parent)
        await session.commit()
        locked = next(r for r in await outbox_rows(session) if r.device_id)
        locked_token = (await session.get(Device, locked.device_id)).token  # type: ignore[union-attr]

        async with engine.connect() as other:
            await other.execute(
                text("SELECT 1 FROM notification_outbox WHERE id = :id FOR UPDATE"),
                {"id": locked.id},
            )
            claimed = await asyncio.wait_for(worker.run_once(), timeout=10)
            assert claimed == 1
            assert fake_fcm.tokens() == [({"locked", "free"} - {locked_token}).pop()]
            await other.rollback()

        assert await worker.drain() == 1
        assert sorted(fake_fcm.tokens()) == ["free", "locked"]

    async def test_a_late_result_after_the_lease_ran_out_is_ignored(
        self, session: AsyncSession, engine: AsyncEngine, fake_fcm: FakeFcm, fcm: FcmProvider
    ) -> None:
        """Worker A stalls past its lease; B takes the row over; A's late answer changes nothing."""
        clock.freeze(clock.now())
        parent = await create_parent(session)
        await create_device(session, parent, token="fcm-a")
        await pickup_notice(session, parent)
        await session.commit()
        rescuer = Worker(providers={"fcm": fcm})

        class Stalling(Provider):
            platform = "fcm"

            async def send(self, pushes: Sequence[Push]) -> list[Outcome]:
                clock.advance(timedelta(minutes=6))  # past the 5-minute lease
                assert await rescuer.drain() == 1
                return [Outcome.retry("timed out") for _ in pushes]

        stalled = Worker(providers={"fcm": Stalling()})
        await stalled.run_once()

        [row] = await outbox_rows(session)
        assert (row.status, row.attempts) == ("sent", 2)
        assert stalled.metrics.stale == 1
        assert fake_fcm.tokens() == ["fcm-a"]


class TestDatabaseOutage:
    async def test_run_once_fails_cleanly_without_a_database_then_catches_up(
        self, session: AsyncSession, worker: Worker, engine: AsyncEngine, fake_fcm: FakeFcm
    ) -> None:
        parent = await create_parent(session)
        await create_device(session, parent, token="fcm-a")
        await pickup_notice(session, parent)
        await session.commit()
        dead = create_async_engine(DEAD_DATABASE, poolclass=NullPool)
        database.use_engine(dead)
        try:
            with pytest.raises(Exception) as raised:
                await worker.run_once()
        finally:
            database.use_engine(engine)
            await dead.dispose()

        assert is_database_outage(raised.value)
        assert fake_fcm.requests == []
        assert await worker.drain() == 1
        assert fake_fcm.tokens() == ["fcm-a"]

    async def test_a_database_lost_after_sending_does_not_send_again(
        self, session: AsyncSession, engine: AsyncEngine, fcm: FcmProvider, fake_fcm: FakeFcm
    ) -> None:
        parent = await create_parent(session)
        await create_device(session, parent, token="fcm-a")
        await pickup_notice(session, parent)
        await session.commit()
        dead = create_async_engine(DEAD_DATABASE, poolclass=NullPool)

        class DatabaseDiesDuringSend(Provider):
            platform = "fcm"

            async def send(self, pushes: Sequence[Push]) -> list[Outcome]:
                outcomes = await fcm.send(pushes)
                database.use_engine(dead)
                return outcomes

        worker = Worker(providers={"fcm": DatabaseDiesDuringSend()})
        try:
            with pytest.raises(Exception) as raised:
                await worker.run_once()
        finally:
            database.use_engine(engine)
            await dead.dispose()
        assert is_database_outage(raised.value)
        [row] = await outbox_rows(session)
        assert row.status == "pending"  # claimed, result not stored yet

        assert await worker.run_once() == 0  # stores the kept result first; nothing else due
        [row] = await outbox_rows(session)
        assert row.status == "sent"
        assert fake_fcm.tokens() == ["fcm-a"]

    async def test_the_loop_waits_out_an_outage_and_delivers_afterwards(
        self, session: AsyncSession, worker: Worker, engine: AsyncEngine, fake_fcm: FakeFcm
    ) -> None:
        parent = await create_parent(session)
        await create_device(session, parent, token="fcm-a")
        await pickup_notice(session, parent)
        await session.commit()
        dead = create_async_engine(DEAD_DATABASE, poolclass=NullPool)
        stop = asyncio.Event()
        database.use_engine(dead)
        try:
            task = asyncio.create_task(
                run_forever(
                    stop=stop,
                    handle_signals=False,
                    worker=worker,
                    idle_seconds=0.01,
                    max_error_backoff=0.02,
                )
            )
            await _until(lambda: worker.metrics.db_errors >= 2)
            assert not task.done()
        finally:
            database.use_engine(engine)
            await dead.dispose()
        await _until(lambda: worker.metrics.sent == 1)
        stop.set()
        await asyncio.wait_for(task, timeout=10)

        assert fake_fcm.tokens() == ["fcm-a"]


class TestShutdown:
    async def test_sigterm_finishes_the_batch_in_flight_then_stops(
        self, session: AsyncSession, engine: AsyncEngine
    ) -> None:
        parent = await create_parent(session)
        await create_device(session, parent)
        await pickup_notice(session, parent)
        await session.commit()
        sending, release = asyncio.Event(), asyncio.Event()

        class Slow(Provider):
            platform = "fcm"
            closed = False

            async def send(self, pushes: Sequence[Push]) -> list[Outcome]:
                sending.set()
                await release.wait()
                return [Outcome.sent() for _ in pushes]

            async def aclose(self) -> None:
                self.closed = True

        provider = Slow()
        worker = Worker(providers={"fcm": provider})
        task = asyncio.create_task(run_forever(worker=worker, idle_seconds=0.01))
        await asyncio.wait_for(sending.wait(), timeout=10)

        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(0.05)
        assert not task.done()  # still finishing the batch
        release.set()
        await asyncio.wait_for(task, timeout=10)

        [row] = await outbox_rows(session)
        assert row.status == "sent"
        assert provider.closed
        assert worker.metrics.claimed == 1


class TestHousekeeping:
    async def test_purges_expired_idempotency_keys_and_old_finished_pushes(
        self, session: AsyncSession, worker: Worker
    ) -> None:
        parent = await create_parent(session)
        await create_device(session, parent)
        await create_device(session, parent)
        session.add(
            IdempotencyRecord(
                caller_id=parent.id,
                key="old",
                request_hash="h",
                status_code=201,
                response_body={},
                created_at=clock.now() - timedelta(hours=25),
            )
        )
        await pickup_notice(session, parent)
        await session.commit()
        await worker.drain()
        clock.advance(timedelta(days=31))
        session.add(
            IdempotencyRecord(
                caller_id=parent.id,
                key="fresh",
                request_hash="h",
                status_code=201,
                response_body={},
            )
        )
        await pickup_notice(session, parent)  # two new pending pushes, never purged
        await session.commit()

        await worker.housekeep()

        keys = (await session.scalars(select(IdempotencyRecord.key))).all()
        assert keys == ["fresh"]
        assert [r.status for r in await outbox_rows(session)] == ["pending", "pending"]
        assert worker.metrics.purged_idempotency_keys == 1
        assert worker.metrics.purged_outbox_rows == 2


async def _until(condition: Callable[[], bool], within: float = 10.0) -> None:
    """Wait for the worker task to reach a state (its counters are what we can observe)."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


class TestHeartbeat:
    async def test_a_running_worker_beats_and_stops_beating_when_stopped(
        self, engine: AsyncEngine, worker: Worker
    ) -> None:
        from prometheus_client import REGISTRY

        from app.core.heartbeat import workers_seen

        before = REGISTRY.get_sample_value("kehou_worker_last_heartbeat_timestamp_seconds")
        stop = asyncio.Event()
        task = asyncio.create_task(run_forever(stop=stop, handle_signals=False, worker=worker))
        try:
            async with asyncio.timeout(10):
                while True:
                    async with engine.connect() as connection:
                        seen = await workers_seen(connection, 60)
                    if seen.alive:
                        break
                    await asyncio.sleep(0.05)
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=10)

        async with engine.connect() as connection:
            names = (await connection.execute(text("SELECT worker FROM worker_heartbeats"))).all()
        assert names == [(worker.name,)]
        assert seen.last_beat_age is not None and seen.last_beat_age < 5
        after = REGISTRY.get_sample_value("kehou_worker_last_heartbeat_timestamp_seconds")
        assert after is not None and after != before
