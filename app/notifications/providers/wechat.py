"""WeChat mini-program subscribe messages (``subscribeMessage.send``) over httpx.

The access token comes from ``stable_token`` (several workers may each fetch it without
invalidating one another's) and is cached until shortly before it expires, or until WeChat
says it is no longer valid. Each notification kind needs a subscribe template
(``KEHOU_WECHAT_TEMPLATES``); a kind without one is not pushed to WeChat, by design.

Templates are expected to have the keywords ``thing1`` (title), ``thing2`` (content) and
``time3`` (when): the message is a nudge, the full text is in the in-app inbox.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from app.core import clock
from app.notifications.providers.base import Outcome, Provider, Push, parse_retry_after

log = logging.getLogger(__name__)

HTTP_TIMEOUT_SECONDS = 10.0
CONCURRENCY = 8
# Refresh this long before WeChat's stated expiry, so a token never dies mid-batch.
TOKEN_MARGIN = timedelta(minutes=5)
DISPLAY_TIMEZONE = "Asia/Shanghai"
THING_MAX = 20  # WeChat's limit for a ``thing`` keyword value

TOKEN_REJECTED = frozenset({40001, 40014, 42001})  # invalid / not latest / expired token
ADDRESS_DEAD = {
    43101: "user has not subscribed or turned subscription off",
    40003: "invalid openid",
}
MESSAGE_REJECTED = {
    40037: "invalid template_id",
    47003: "template data does not match the template",
    41030: "invalid page",
    43107: "subscribe messages are banned for this account or template",
    45168: "content has sensitive words",
    40038: "the user's daily limit for this template is used up",
}
RATE_LIMITED = {45009: 3600.0, 45011: 60.0}  # daily / per-minute API quota


class TokenUnavailable(Exception):
    """``stable_token`` did not give us a token (wrong credentials, WeChat unreachable)."""


@dataclass
class _CachedToken:
    value: str
    expires_at: datetime


class AccessTokens:
    """The mini-program's access token from ``stable_token``, fetched once per expiry."""

    def __init__(self, client: httpx.AsyncClient, base: str, app_id: str, secret: str) -> None:
        self._client = client
        self._base = base
        self._app_id = app_id
        self._secret = secret
        self._cached: _CachedToken | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> str:
        async with self._lock:
            cached = self._cached
            if cached is not None and clock.now() < cached.expires_at:
                return cached.value
            self._cached = await self._fetch()
            return self._cached.value

    def invalidate(self, token: str) -> None:
        """WeChat refused ``token``; the next ``get`` fetches again (unless already done)."""
        if self._cached is not None and self._cached.value == token:
            self._cached = None

    async def _fetch(self) -> _CachedToken:
        try:
            response = await self._client.post(
                f"{self._base}/cgi-bin/stable_token",
                json={
                    "grant_type": "client_credential",
                    "appid": self._app_id,
                    "secret": self._secret,
                    "force_refresh": False,
                },
            )
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise TokenUnavailable(f"wechat stable_token: {type(exc).__name__}: {exc}") from exc
        if not isinstance(body, dict) or not body.get("access_token"):
            errcode = body.get("errcode") if isinstance(body, dict) else None
            raise TokenUnavailable(
                f"wechat stable_token: HTTP {response.status_code} errcode={errcode}"
            )
        lifetime = timedelta(seconds=int(body.get("expires_in") or 7200))
        log.info("wechat: access token fetched, expires_in=%ds", lifetime.total_seconds())
        return _CachedToken(str(body["access_token"]), clock.now() + lifetime - TOKEN_MARGIN)


class WechatProvider(Provider):
    platform = "wechat"

    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        api_base: str,
        templates: Mapping[str, str],
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._client = client or httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS)
        self._base = api_base.rstrip("/")
        self._templates = dict(templates)
        self.tokens = AccessTokens(self._client, self._base, app_id, app_secret)
        self._limit = asyncio.Semaphore(CONCURRENCY)

    async def send(self, pushes: Sequence[Push]) -> list[Outcome]:
        return list(await asyncio.gather(*(self._send_one(push) for push in pushes)))

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _send_one(self, push: Push) -> Outcome:
        template_id = self._templates.get(push.kind)
        if not template_id:
            return Outcome.skipped(f"no WeChat template for {push.kind}")
        message = {
            "touser": push.address,
            "template_id": template_id,
            "data": _template_data(push),
            "lang": "zh_CN",
        }
        async with self._limit:
            for first_try in (True, False):
                try:
                    token = await self.tokens.get()
                except TokenUnavailable as exc:
                    return Outcome.retry(str(exc))
                try:
                    response = await self._client.post(
                        f"{self._base}/cgi-bin/message/subscribe/send",
                        params={"access_token": token},
                        json=message,
                    )
                except httpx.HTTPError as exc:
                    return Outcome.retry(f"wechat: {type(exc).__name__}: {exc}")
                errcode, errmsg = _errcode(response)
                if errcode in TOKEN_REJECTED and first_try:
                    self.tokens.invalidate(token)
                    continue
                return _classify(response, errcode, errmsg)
        raise AssertionError("unreachable")  # pragma: no cover


def _errcode(response: httpx.Response) -> tuple[int | None, str]:
    """WeChat's ``errcode`` (0 when absent) and ``errmsg``; None when the body is not WeChat's."""
    try:
        body: Any = response.json()
    except ValueError:
        return None, response.text[:200]
    if not isinstance(body, dict):
        return None, str(body)[:200]
    try:
        return int(body.get("errcode", 0)), str(body.get("errmsg", ""))
    except (TypeError, ValueError):
        return None, str(body)[:200]


def _classify(response: httpx.Response, errcode: int | None, errmsg: str) -> Outcome:
    text = f"wechat errcode={errcode} {errmsg}".strip()[:500]
    if not response.is_success or errcode is None:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return Outcome.retry(f"wechat HTTP {response.status_code}: {errmsg}"[:500], retry_after)
    if errcode == 0:
        return Outcome.sent()
    if errcode in ADDRESS_DEAD:
        return Outcome.dead_address(f"{text} ({ADDRESS_DEAD[errcode]})")
    if errcode in MESSAGE_REJECTED:
        return Outcome.failed(f"{text} ({MESSAGE_REJECTED[errcode]})")
    if errcode in RATE_LIMITED:
        return Outcome.retry(text, RATE_LIMITED[errcode])
    # -1 "system busy", a token refused twice, and codes we do not know: try again later
    return Outcome.retry(text)


def _thing(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= THING_MAX else value[: THING_MAX - 1] + "…"


def _template_data(push: Push) -> dict[str, dict[str, str]]:
    when = (push.created_at or clock.now()).astimezone(ZoneInfo(DISPLAY_TIMEZONE))
    return {
        "thing1": {"value": _thing(push.title)},
        "thing2": {"value": _thing(push.body)},
        "time3": {"value": when.strftime("%Y-%m-%d %H:%M")},
    }
