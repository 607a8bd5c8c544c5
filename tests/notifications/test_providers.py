"""Channels on their own: the FCM adapter's endpoint and credentials, WeChat's token and
error codes, the retry policy, and which channels the settings switch on."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.core import clock
from app.core.settings import Settings, SettingsError, get_settings, use_settings
from app.notifications.delivery import RetryPolicy
from app.notifications.providers import Push, Result, from_settings
from app.notifications.providers.base import parse_retry_after
from app.notifications.providers.fcm import FcmProvider, classify, endpoint_url
from app.notifications.providers.wechat import WechatProvider
from tests.notifications.conftest import make_wechat
from tests.notifications.fakes import PROJECT_ID, FakeWechat, StaticCredentials


def _push(kind: str = "pickup.handed_over", address: str = "o-mother") -> Push:
    import uuid

    return Push(
        id=uuid.uuid4(),
        notification_id=uuid.uuid4(),
        address=address,
        kind=kind,
        title="小明已被接走",
        body="小明已于17:05由王芳接走。",
        created_at=datetime(2026, 3, 2, 9, 5, tzinfo=UTC),
    )


class TestRetryPolicy:
    def test_backoff_grows_with_jitter_up_to_the_cap(self) -> None:
        policy = RetryPolicy(base=timedelta(seconds=10), cap=timedelta(minutes=5))
        rng = random.Random(3)
        for attempts, ceiling in [(1, 10), (2, 20), (3, 40), (6, 300), (30, 300)]:
            delays = {policy.delay(attempts, None, rng) for _ in range(20)}
            assert all(
                timedelta(seconds=ceiling / 2) <= d <= timedelta(seconds=ceiling) for d in delays
            )
            assert len(delays) > 1  # jittered, so a herd spreads out

    def test_waits_at_least_what_the_provider_asked_within_reason(self) -> None:
        policy = RetryPolicy()
        rng = random.Random(3)
        assert policy.delay(1, 600, rng) == timedelta(seconds=600)
        assert policy.delay(1, 10**9, rng) == policy.max_retry_after


class TestRetryAfter:
    def test_seconds_and_http_dates(self) -> None:
        later = clock.now() + timedelta(seconds=90)
        assert parse_retry_after("120") == 120
        assert 80 <= (parse_retry_after(format_datetime(later, usegmt=True)) or 0) <= 91
        assert parse_retry_after("soon") is None
        assert parse_retry_after(None) is None


class TestFcmAdapter:
    def test_endpoint_template_takes_the_project(self) -> None:
        assert (
            endpoint_url("https://fcm-staging.example/v1/projects/{project_id}/messages:send", "p1")
            == "https://fcm-staging.example/v1/projects/p1/messages:send"
        )
        assert endpoint_url("http://h/v1/projects/{0}/messages:send", "p1").endswith(
            "/p1/messages:send"
        )

    async def test_without_an_endpoint_it_is_googles(self) -> None:
        provider = FcmProvider(StaticCredentials(), project_id=PROJECT_ID)
        try:
            assert (
                provider.url == f"https://fcm.googleapis.com/v1/projects/{PROJECT_ID}/messages:send"
            )
        finally:
            await provider.aclose()

    async def test_two_providers_keep_their_own_endpoints(self) -> None:
        staging = FcmProvider(StaticCredentials(), project_id="a", endpoint="http://s/{project_id}")
        google = FcmProvider(StaticCredentials(), project_id="b")
        try:
            assert staging.url == "http://s/a"
            assert google.url.startswith("https://fcm.googleapis.com/")
        finally:
            await staging.aclose()
            await google.aclose()

    def test_unknown_errors_are_retried(self) -> None:
        assert classify(RuntimeError("?")).result is Result.RETRY


class TestWechatProvider:
    async def test_a_token_is_fetched_again_once_it_is_about_to_expire(
        self, fake_wechat: FakeWechat
    ) -> None:
        clock.freeze(clock.now())
        provider = make_wechat(fake_wechat)
        try:
            await provider.send([_push()])
            clock.advance(timedelta(minutes=100))
            await provider.send([_push()])
            assert fake_wechat.token_fetches == 1
            clock.advance(timedelta(minutes=16))  # 5 minutes before the 2-hour expiry
            await provider.send([_push()])
            assert fake_wechat.token_fetches == 2
        finally:
            await provider.aclose()
        assert len(fake_wechat.sent) == 3

    async def test_wrong_credentials_are_retried_not_dropped(self, fake_wechat: FakeWechat) -> None:
        provider = WechatProvider(
            app_id="wx-app",
            app_secret="wrong",
            api_base="https://wechat.invalid",
            templates={"pickup.handed_over": "t"},
            client=httpx.AsyncClient(transport=fake_wechat.transport()),
        )
        try:
            [outcome] = await provider.send([_push()])
        finally:
            await provider.aclose()
        assert outcome.result is Result.RETRY
        assert "40125" in (outcome.error or "")

    async def test_an_unreachable_wechat_is_retried(self, fake_wechat: FakeWechat) -> None:
        fake_wechat.down = True
        provider = make_wechat(fake_wechat)
        try:
            [outcome] = await provider.send([_push()])
        finally:
            await provider.aclose()
        assert outcome.result is Result.RETRY

    async def test_http_errors_honour_retry_after(self, fake_wechat: FakeWechat) -> None:
        fake_wechat.script["o-mother"].append(
            httpx.Response(503, headers={"Retry-After": "30"}, text="busy")
        )
        provider = make_wechat(fake_wechat)
        try:
            [outcome] = await provider.send([_push()])
        finally:
            await provider.aclose()
        assert (outcome.result, outcome.retry_after) == (Result.RETRY, 30)

    @pytest.mark.parametrize(
        ("errcode", "result"),
        [
            (43101, Result.DEAD_ADDRESS),
            (40003, Result.DEAD_ADDRESS),
            (47003, Result.FAILED),
            (40037, Result.FAILED),
            (45009, Result.RETRY),
            (-1, Result.RETRY),
            (99999, Result.RETRY),
        ],
    )
    async def test_error_codes(self, fake_wechat: FakeWechat, errcode: int, result: Result) -> None:
        fake_wechat.script["o-mother"].append({"errcode": errcode, "errmsg": "x"})
        provider = make_wechat(fake_wechat)
        try:
            [outcome] = await provider.send([_push()])
        finally:
            await provider.aclose()
        assert outcome.result is result
        assert str(errcode) in (outcome.error or "")

    async def test_template_data_in_the_schools_time(self, fake_wechat: FakeWechat) -> None:
        provider = make_wechat(fake_wechat)
        try:
            await provider.send([_push()])
        finally:
            await provider.aclose()
        assert fake_wechat.sent[0]["data"] == {
            "thing1": {"value": "小明已被接走"},
            "thing2": {"value": "小明已于17:05由王芳接走。"},
            "time3": {"value": "2026-03-02 17:05"},
        }


class TestChannelsFromSettings:
    def test_nothing_configured_means_no_channels(self) -> None:
        settings = Settings(
            env="test", fcm_credentials=None, wechat_app_id=None, wechat_app_secret=None
        )
        assert from_settings(settings) == {}

    async def test_wechat_needs_id_and_secret(self) -> None:
        providers = from_settings(
            Settings(env="test", wechat_app_id="wx", wechat_app_secret="s", wechat_templates={})
        )
        try:
            assert list(providers) == ["wechat"]
        finally:
            for provider in providers.values():
                await provider.aclose()

    def test_a_missing_credentials_file_is_a_configuration_error(self, tmp_path: Path) -> None:
        with pytest.raises(SettingsError, match="KEHOU_FCM_CREDENTIALS"):
            from_settings(Settings(env="test", fcm_credentials=tmp_path / "missing.json"))

    async def test_a_service_account_aimed_at_staging(self, tmp_path: Path) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        path = tmp_path / "service-account.json"
        path.write_text(
            json.dumps(
                {
                    "type": "service_account",
                    "project_id": "kehou-staging",
                    "private_key_id": "k1",
                    "private_key": pem,
                    "client_email": "push@kehou-staging.iam.gserviceaccount.com",
                    "client_id": "1",
                    "token_uri": "https://oauth2.googleapis.com/token",
                }
            )
        )
        providers = from_settings(
            Settings(
                env="test",
                fcm_credentials=path,
                fcm_endpoint="https://fcm-staging.example/v1/projects/{project_id}/messages:send",
            )
        )
        try:
            fcm = providers["fcm"]
            assert isinstance(fcm, FcmProvider)
            assert fcm.url == "https://fcm-staging.example/v1/projects/kehou-staging/messages:send"
        finally:
            for provider in providers.values():
                await provider.aclose()


def test_the_worker_runs_in_the_server_only_with_the_embedded_database() -> None:
    from app.main import _runs_worker_in_process

    previous = get_settings()
    try:
        use_settings(Settings(env="development", database_url=None))
        assert _runs_worker_in_process()
        use_settings(Settings(env="development", database_url="postgresql+asyncpg://db/kehou"))
        assert not _runs_worker_in_process()
        use_settings(Settings(env="test", database_url=None))
        assert not _runs_worker_in_process()  # never in tests
    finally:
        use_settings(previous)


async def test_an_fcm_message_the_sdk_refuses_fails_alone(fake_fcm: object) -> None:
    from tests.notifications.fakes import FakeFcm

    assert isinstance(fake_fcm, FakeFcm)
    provider = FcmProvider(StaticCredentials(), project_id=PROJECT_ID, endpoint=fake_fcm.endpoint)
    good = _push(address="good-token")
    bad = Push(**{**good.__dict__, "address": "bad-token", "data": {7: "keys must be strings"}})
    try:
        outcomes = await provider.send([bad, good])
    finally:
        await provider.aclose()
    assert [o.result for o in outcomes] == [Result.FAILED, Result.SENT]
    assert fake_fcm.tokens() == ["good-token"]
