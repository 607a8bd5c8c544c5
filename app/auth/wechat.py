"""WeChat mini-program login: trade a ``wx.login`` code for the user's openid (jscode2session).

The HTTP client comes from a factory that tests replace (``use_client_factory``) with one
on an ``httpx.MockTransport``, so the real request and answer parsing are exercised.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import httpx

from app.auth.errors import AuthWechatCodeInvalid, WechatNotConfigured, WechatUnavailable
from app.core.settings import get_settings

log = logging.getLogger(__name__)
# httpx logs each request URL at INFO, and jscode2session carries the app secret in its query.
logging.getLogger("httpx").setLevel(logging.WARNING)

TIMEOUT = httpx.Timeout(5.0, connect=3.0)

# errcodes that mean "this code is no good" (the user must get a new one), not "WeChat is down":
# 40029 invalid code, 40163 code already used, 40226 user blocked as high-risk.
REJECTED_CODES = frozenset({40029, 40163, 40226})

ClientFactory = Callable[[], httpx.AsyncClient]


def _default_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=TIMEOUT)


_client_factory: ClientFactory = _default_client


def use_client_factory(factory: ClientFactory | None) -> None:
    """Install the client factory (tests); ``None`` restores the real one."""
    global _client_factory
    _client_factory = factory or _default_client


async def openid_for_code(code: str) -> str:
    """The openid behind a login code.

    Raises 503 ``wechat.not_configured`` without app credentials, 401
    ``auth.wechat_code_invalid`` for a code WeChat rejects, and 503 ``wechat.unavailable``
    when WeChat cannot be reached or answers with anything else.
    """
    settings = get_settings()
    if not settings.wechat_configured:
        raise WechatNotConfigured()
    url = settings.wechat_api_base.rstrip("/") + "/sns/jscode2session"
    params = {
        "appid": settings.wechat_app_id or "",
        "secret": settings.wechat_app_secret or "",
        "js_code": code,
        "grant_type": "authorization_code",
    }
    try:
        async with _client_factory() as client:
            response = await client.get(url, params=params)
    except httpx.HTTPError as exc:  # timeouts, refused connections, TLS, protocol errors
        log.warning("wechat jscode2session unreachable: %s", exc.__class__.__name__)
        raise WechatUnavailable() from exc
    try:
        # WeChat answers JSON labelled text/plain, so parse the text whatever the header says.
        body = json.loads(response.text)
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict):
        log.warning("wechat jscode2session answered HTTP %s", response.status_code)
        raise WechatUnavailable()
    errcode = body.get("errcode") or 0
    if errcode in REJECTED_CODES:
        raise AuthWechatCodeInvalid()
    openid = body.get("openid")
    if errcode != 0 or not isinstance(openid, str) or not openid or len(openid) > 128:
        # -1 busy, 45011 rate limited, 40013/40125 wrong appid/secret (an operator problem)
        log.warning("wechat jscode2session errcode %s: %s", errcode, body.get("errmsg"))
        raise WechatUnavailable()
    return openid
