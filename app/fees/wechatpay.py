"""WeChat Pay API v3 (JSAPI, merchant side): signed requests, wx.requestPayment parameters,
refunds, and the checks every callback must pass.

Why not the ``wechatpayv3`` SDK: its gateway is a hard-coded private attribute
(``https://api.mch.weixin.qq.com``), so it cannot be pointed at a test server without
poking its internals; its main client is synchronous ``requests`` (it would block the event
loop of this async server), and its async client builds its own ``httpx.AsyncClient`` that
tests cannot put a transport under. The v3 protocol is small and documented, so this module
follows it directly on ``httpx`` and ``cryptography``:

- a request is signed with the merchant key, RSA-SHA256 over
  ``METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n``, sent as
  ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid=…,nonce_str=…,signature=…,``
  ``timestamp=…,serial_no=…``;
- answers and callbacks are verified with the WeChat Pay public key (微信支付公钥) over
  ``TIMESTAMP\\nNONCE\\nBODY\\n`` (headers ``Wechatpay-Signature/-Timestamp/-Nonce/-Serial``);
- a callback's ``resource`` is AES-256-GCM, keyed by the APIv3 key.

The base URL is ``KEHOU_WECHATPAY_API_BASE``; tests replace the HTTP client factory
(``use_client_factory``) with one on a fake WeChat Pay that checks our signatures.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.core.settings import get_settings
from app.fees.errors import (
    PaymentsBadSignature,
    PaymentsNotConfigured,
    PaymentsStaleCallback,
    PaymentsUnavailable,
)

log = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(10.0, connect=3.0)
# A callback signed longer ago (or ahead) than this is refused: WeChat Pay signs each try anew.
CALLBACK_WINDOW_SECONDS = 300
SCHEME = "WECHATPAY2-SHA256-RSA2048"

ClientFactory = Callable[[], httpx.AsyncClient]


def _default_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=TIMEOUT)


_client_factory: ClientFactory = _default_client


def use_client_factory(factory: ClientFactory | None) -> None:
    """Install the client factory (tests); ``None`` restores the real one."""
    global _client_factory
    _client_factory = factory or _default_client


@dataclass(frozen=True)
class Merchant:
    mchid: str
    appid: str
    api_v3_key: bytes
    private_key: rsa.RSAPrivateKey
    serial_no: str
    public_key: rsa.RSAPublicKey
    public_key_id: str
    api_base: str
    notify_url: str


def merchant() -> Merchant:
    """The configured merchant; 503 ``payments.not_configured`` when a setting is missing."""
    s = get_settings()
    if not s.wechatpay_configured:
        raise PaymentsNotConfigured()
    assert s.wechatpay_private_key is not None and s.wechatpay_public_key is not None
    private_key = serialization.load_pem_private_key(
        s.wechatpay_private_key.read_bytes(), password=None
    )
    public_key = serialization.load_pem_public_key(s.wechatpay_public_key.read_bytes())
    if not isinstance(private_key, rsa.RSAPrivateKey) or not isinstance(
        public_key, rsa.RSAPublicKey
    ):
        raise PaymentsNotConfigured()
    return Merchant(
        mchid=s.wechatpay_mchid or "",
        appid=s.wechatpay_appid or s.wechat_app_id or "",
        api_v3_key=(s.wechatpay_api_v3_key or "").encode(),
        private_key=private_key,
        serial_no=s.wechatpay_cert_serial_no or "",
        public_key=public_key,
        public_key_id=s.wechatpay_public_key_id or "",
        api_base=s.wechatpay_api_base.rstrip("/"),
        notify_url=s.wechatpay_notify_url or "",
    )


def sign(private_key: rsa.RSAPrivateKey, message: str) -> str:
    signature = private_key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def signature_valid(public_key: rsa.RSAPublicKey, message: bytes, signature: str) -> bool:
    try:
        public_key.verify(
            base64.b64decode(signature, validate=True), message, padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def _nonce() -> str:
    return secrets.token_hex(16)


def authorization(m: Merchant, method: str, path: str, body: str) -> str:
    """The ``Authorization`` header of a request to ``path`` (with its query) and ``body``."""
    timestamp, nonce = str(int(time.time())), _nonce()
    signature = sign(m.private_key, f"{method}\n{path}\n{timestamp}\n{nonce}\n{body}\n")
    return (
        f'{SCHEME} mchid="{m.mchid}",nonce_str="{nonce}",signature="{signature}",'
        f'timestamp="{timestamp}",serial_no="{m.serial_no}"'
    )


def _signed_by_wechatpay(m: Merchant, headers: Mapping[str, str], body: bytes) -> bool:
    serial = headers.get("wechatpay-serial", "")
    timestamp = headers.get("wechatpay-timestamp", "")
    nonce = headers.get("wechatpay-nonce", "")
    signature = headers.get("wechatpay-signature", "")
    if serial != m.public_key_id or not (timestamp and nonce and signature):
        return False
    message = timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"
    return signature_valid(m.public_key, message, signature)


async def _post(m: Merchant, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    """POST a signed JSON body; the verified JSON answer, else 503 ``payments.unavailable``."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    headers = {
        "Authorization": authorization(m, "POST", path, body),
        "Accept": "application/json",
        "Content-Type": "application/json",
    }
    try:
        async with _client_factory() as client:
            response = await client.post(m.api_base + path, content=body.encode(), headers=headers)
    except httpx.HTTPError as exc:
        log.warning("WeChat Pay unreachable: %s", type(exc).__name__)
        raise PaymentsUnavailable() from exc
    if response.status_code >= 300:
        log.warning("WeChat Pay refused %s: %s %s", path, response.status_code, response.text[:200])
        raise PaymentsUnavailable()
    if not _signed_by_wechatpay(m, response.headers, response.content):
        log.warning("WeChat Pay answer to %s not signed by the configured public key", path)
        raise PaymentsUnavailable()
    answer = response.json()
    if not isinstance(answer, dict):
        raise PaymentsUnavailable()
    return answer


async def jsapi_order(
    m: Merchant, *, out_trade_no: str, description: str, amount_fen: int, openid: str
) -> str:
    """Place a JSAPI order (统一下单); its ``prepay_id``."""
    answer = await _post(
        m,
        "/v3/pay/transactions/jsapi",
        {
            "appid": m.appid,
            "mchid": m.mchid,
            "description": description[:127],
            "out_trade_no": out_trade_no,
            "notify_url": m.notify_url,
            "amount": {"total": amount_fen, "currency": "CNY"},
            "payer": {"openid": openid},
        },
    )
    prepay_id = answer.get("prepay_id")
    if not isinstance(prepay_id, str) or not prepay_id:
        raise PaymentsUnavailable()
    return prepay_id


def request_payment_params(m: Merchant, prepay_id: str) -> dict[str, str]:
    """What the mini-program passes to ``wx.requestPayment`` (paySign over the four lines)."""
    timestamp, nonce = str(int(time.time())), _nonce()
    package = f"prepay_id={prepay_id}"
    return {
        "appId": m.appid,
        "timeStamp": timestamp,
        "nonceStr": nonce,
        "package": package,
        "signType": "RSA",
        "paySign": sign(m.private_key, f"{m.appid}\n{timestamp}\n{nonce}\n{package}\n"),
    }


async def refund(
    m: Merchant,
    *,
    out_trade_no: str,
    out_refund_no: str,
    refund_fen: int,
    total_fen: int,
    reason: str,
) -> tuple[str, str | None]:
    """Ask for a refund (申请退款); WeChat Pay's ``status`` and ``refund_id``."""
    answer = await _post(
        m,
        "/v3/refund/domestic/refunds",
        {
            "out_trade_no": out_trade_no,
            "out_refund_no": out_refund_no,
            "reason": reason[:80],
            "notify_url": m.notify_url,
            "amount": {"refund": refund_fen, "total": total_fen, "currency": "CNY"},
        },
    )
    refund_id = answer.get("refund_id")
    return str(answer.get("status", "PROCESSING")), refund_id if isinstance(
        refund_id, str
    ) else None


@dataclass(frozen=True)
class Callback:
    """A callback that passed every check: its nonce (to refuse a replay) and its event."""

    nonce: str
    event_type: str
    resource: dict[str, Any]


def open_callback(m: Merchant, headers: Mapping[str, str], body: bytes, now: float) -> Callback:
    """Verify a callback's signature and age, then decrypt its resource; 401 otherwise."""
    if not _signed_by_wechatpay(m, headers, body):
        raise PaymentsBadSignature()
    try:
        signed_at = int(headers.get("wechatpay-timestamp", ""))
    except ValueError as exc:
        raise PaymentsBadSignature() from exc
    if abs(now - signed_at) > CALLBACK_WINDOW_SECONDS:
        raise PaymentsStaleCallback()
    try:
        event = json.loads(body)
        encrypted = event["resource"]
        plain = AESGCM(m.api_v3_key).decrypt(
            encrypted["nonce"].encode(),
            base64.b64decode(encrypted["ciphertext"]),
            (encrypted.get("associated_data") or "").encode(),
        )
        resource = json.loads(plain)
        event_type = str(event["event_type"])
    except (KeyError, TypeError, ValueError, InvalidTag) as exc:
        raise PaymentsBadSignature() from exc
    if not isinstance(resource, dict):
        raise PaymentsBadSignature()
    return Callback(headers.get("wechatpay-nonce", ""), event_type, resource)
