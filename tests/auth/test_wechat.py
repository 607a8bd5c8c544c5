"""POST /auth/wechat against a fake jscode2session (httpx.MockTransport)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import wechat
from app.auth.models import Role, User
from app.core.security import decode_access_token
from app.core.settings import get_settings, use_settings
from app.notifications.models import Device
from tests.auth.factories import bearer

Handler = Callable[[httpx.Request], httpx.Response]


class FakeWeChat:
    """jscode2session as WeChat answers it; ``answer`` decides each response."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.answer: Handler = self.good

    @staticmethod
    def good(request: httpx.Request) -> httpx.Response:
        openid = "o-" + request.url.params["js_code"].removeprefix("code-for-")
        body = {"openid": openid, "session_key": "sk", "unionid": "u-1"}
        # WeChat labels its JSON text/plain.
        return httpx.Response(200, text=json.dumps(body), headers={"content-type": "text/plain"})

    @staticmethod
    def rejects(errcode: int) -> Handler:
        def answer(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, json={"errcode": errcode, "errmsg": "invalid code"})

        return answer

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handle))


@pytest.fixture
def configured() -> Iterator[None]:
    previous = get_settings()
    use_settings(
        previous.model_copy(
            update={
                "wechat_app_id": "wx1234567890",
                "wechat_app_secret": "app-secret",
                "wechat_api_base": "https://wechat.test/",
            }
        )
    )
    yield
    use_settings(previous)


@pytest.fixture
async def fake(configured: None) -> AsyncIterator[FakeWeChat]:
    server = FakeWeChat()
    wechat.use_client_factory(server.client)
    yield server
    wechat.use_client_factory(None)


async def _login(client: httpx.AsyncClient, code: str = "code-for-alice") -> httpx.Response:
    return await client.post("/auth/wechat", json={"code": code})


async def test_first_login_creates_a_parent_with_a_push_address(
    client: httpx.AsyncClient, session: AsyncSession, fake: FakeWeChat
) -> None:
    response = await _login(client)

    assert response.status_code == 200
    pair = response.json()
    (request,) = fake.requests
    assert request.url.host == "wechat.test"
    assert request.url.path == "/sns/jscode2session"
    assert dict(request.url.params) == {
        "appid": "wx1234567890",
        "secret": "app-secret",
        "js_code": "code-for-alice",
        "grant_type": "authorization_code",
    }
    user = await session.scalar(select(User).where(User.wechat_openid == "o-alice"))
    assert user is not None
    assert user.roles == ["parent"]
    assert user.password_hash is None
    claims = decode_access_token(pair["access_token"])
    assert claims is not None and claims.sub == user.id and claims.roles == {"parent"}
    me = (await client.get("/me", headers=bearer(pair))).json()
    assert me["children"] == []
    device = await session.scalar(select(Device).where(Device.user_id == user.id))
    assert device is not None
    assert (device.platform, device.token, device.active) == ("wechat", "o-alice", True)


async def test_the_next_login_finds_the_same_account_and_revives_its_address(
    client: httpx.AsyncClient, session: AsyncSession, fake: FakeWeChat
) -> None:
    first = await _login(client)
    device = await session.scalar(select(Device))
    assert device is not None
    device.active = False  # push gave up on it (the notifications worker does this)
    device.deactivated_at = datetime.now(UTC)
    await session.commit()

    second = await _login(client, "code-for-alice")

    assert second.status_code == 200
    assert await session.scalar(select(func.count(User.id))) == 1
    session.expire_all()
    devices = list(await session.scalars(select(Device)))
    assert [(d.token, d.active, d.deactivated_at) for d in devices] == [("o-alice", True, None)]
    first_sub = decode_access_token(first.json()["access_token"])
    second_sub = decode_access_token(second.json()["access_token"])
    assert first_sub is not None and second_sub is not None
    assert first_sub.sub == second_sub.sub


async def test_two_first_logins_at_once_make_one_account(
    client: httpx.AsyncClient, session: AsyncSession, fake: FakeWeChat
) -> None:
    responses = await asyncio.gather(_login(client, "code-for-bob"), _login(client, "code-for-bob"))
    assert [r.status_code for r in responses] == [200, 200]
    assert await session.scalar(select(func.count(User.id))) == 1
    assert await session.scalar(select(func.count(Device.id))) == 1


@pytest.mark.parametrize("errcode", [40029, 40163, 40226])
async def test_a_rejected_code_is_401(
    client: httpx.AsyncClient, session: AsyncSession, fake: FakeWeChat, errcode: int
) -> None:
    fake.answer = FakeWeChat.rejects(errcode)
    response = await _login(client)
    assert response.status_code == 401
    assert response.json()["code"] == "auth.wechat_code_invalid"
    assert await session.scalar(select(func.count(User.id))) == 0


async def test_a_timeout_is_503(
    client: httpx.AsyncClient, session: AsyncSession, fake: FakeWeChat
) -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("WeChat took too long", request=request)

    fake.answer = hang
    response = await _login(client)
    assert response.status_code == 503
    assert response.json()["code"] == "wechat.unavailable"
    assert await session.scalar(select(func.count(User.id))) == 0


async def test_unreachable_is_503(client: httpx.AsyncClient, fake: FakeWeChat) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    fake.answer = refuse
    response = await _login(client)
    assert response.status_code == 503
    assert response.json()["code"] == "wechat.unavailable"


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, json={"errcode": -1, "errmsg": "system busy"}),
        httpx.Response(200, json={"errcode": 40125, "errmsg": "invalid appsecret"}),
        httpx.Response(502, text="Bad Gateway"),
        httpx.Response(200, text="<html>maintenance</html>"),
        httpx.Response(200, json={"session_key": "sk"}),  # no openid
        httpx.Response(200, json=["not", "an", "object"]),
    ],
    ids=["busy", "misconfigured", "http-502", "not-json", "no-openid", "not-an-object"],
)
async def test_other_answers_are_503_not_500(
    client: httpx.AsyncClient, fake: FakeWeChat, answer: httpx.Response
) -> None:
    fake.answer = lambda request: answer
    response = await _login(client)
    assert response.status_code == 503
    assert response.json()["code"] == "wechat.unavailable"


async def test_without_credentials_it_is_not_configured(client: httpx.AsyncClient) -> None:
    assert not get_settings().wechat_configured
    response = await _login(client)
    assert response.status_code == 503
    assert response.json()["code"] == "wechat.not_configured"


async def test_a_disabled_account_cannot_log_in(
    client: httpx.AsyncClient, session: AsyncSession, fake: FakeWeChat
) -> None:
    session.add(
        User(name="停用家长", roles=[Role.PARENT.value], wechat_openid="o-carol", is_active=False)
    )
    await session.commit()
    response = await _login(client, "code-for-carol")
    assert response.status_code == 401
    assert response.json()["code"] == "auth.account_disabled"


@pytest.mark.parametrize(
    "body", [{}, {"code": ""}, {"code": "x" * 129}, {"code": "c", "openid": "o"}]
)
async def test_malformed_bodies_are_422(
    client: httpx.AsyncClient, fake: FakeWeChat, body: dict[str, str]
) -> None:
    response = await client.post("/auth/wechat", json=body)
    assert response.status_code == 422
    assert fake.requests == []


async def test_the_default_client_has_a_timeout() -> None:
    async with wechat._default_client() as client:
        assert client.timeout.read == wechat.TIMEOUT.read
        assert client.timeout.connect is not None
