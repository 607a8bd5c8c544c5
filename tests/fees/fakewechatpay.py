"""A local WeChat Pay (API v3) for tests: it checks our signed requests with the merchant's
public key and signs its answers and callbacks with a platform key made here."""

from __future__ import annotations

import base64
import json
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.core import clock

MCHID = "1900000109"
APPID = "wx1234567890abcdef"
API_V3_KEY = "0123456789abcdef0123456789ABCDEF"  # 32 bytes
MERCHANT_SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
PUBLIC_KEY_ID = "PUB_KEY_ID_0114232134912410000000000000"
API_BASE = "https://wechatpay.test"
NOTIFY_URL = "https://kehou.test/api/v1/payments/wechat/notify"

_AUTH = re.compile(r"^WECHATPAY2-SHA256-RSA2048 (.+)$")


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem_private(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _pem_public(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _sign(key: rsa.RSAPrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


@dataclass
class FakeWeChatPay:
    directory: Path
    merchant_key: rsa.RSAPrivateKey = field(default_factory=_key)
    platform_key: rsa.RSAPrivateKey = field(default_factory=_key)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)  # out_trade_no → body
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)  # out_refund_no → body
    requests: list[httpx.Request] = field(default_factory=list)
    refund_status: str = "PROCESSING"
    down: bool = False

    def settings(self) -> dict[str, Any]:
        """The ``KEHOU_WECHATPAY_*`` settings of a merchant talking to this fake."""
        private, public = self.directory / "apiclient_key.pem", self.directory / "pub_key.pem"
        private.write_bytes(_pem_private(self.merchant_key))
        public.write_bytes(_pem_public(self.platform_key))
        return {
            "wechatpay_mchid": MCHID,
            "wechatpay_appid": APPID,
            "wechatpay_api_v3_key": API_V3_KEY,
            "wechatpay_private_key": private,
            "wechatpay_cert_serial_no": MERCHANT_SERIAL,
            "wechatpay_public_key": public,
            "wechatpay_public_key_id": PUBLIC_KEY_ID,
            "wechatpay_api_base": API_BASE,
            "wechatpay_notify_url": NOTIFY_URL,
        }

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handle))

    # ---- the API ----

    def _check_signature(self, request: httpx.Request) -> bool:
        match = _AUTH.match(request.headers.get("authorization", ""))
        if match is None:
            return False
        fields = dict(re.findall(r'(\w+)="([^"]*)"', match[1]))
        if fields.get("mchid") != MCHID or fields.get("serial_no") != MERCHANT_SERIAL:
            return False
        path = request.url.raw_path.decode()
        message = (
            (f"{request.method}\n{path}\n{fields['timestamp']}\n{fields['nonce_str']}\n").encode()
            + request.content
            + b"\n"
        )
        try:
            self.merchant_key.public_key().verify(
                base64.b64decode(fields["signature"]), message, padding.PKCS1v15(), hashes.SHA256()
            )
        except Exception:
            return False
        return True

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("wechat pay down")
        if not self._check_signature(request):
            return self._answer(401, {"code": "SIGN_ERROR", "message": "签名错误"})
        body = json.loads(request.content)
        if request.url.path == "/v3/pay/transactions/jsapi":
            assert body["mchid"] == MCHID and body["appid"] == APPID
            assert body["notify_url"] == NOTIFY_URL
            assert isinstance(body["amount"]["total"], int)
            self.orders[body["out_trade_no"]] = body
            return self._answer(200, {"prepay_id": f"wx{secrets.token_hex(14)}"})
        if request.url.path == "/v3/refund/domestic/refunds":
            self.refunds[body["out_refund_no"]] = body
            return self._answer(
                200,
                {
                    "refund_id": f"5030{secrets.token_hex(8)}",
                    "out_refund_no": body["out_refund_no"],
                    "status": self.refund_status,
                    "amount": body["amount"],
                },
            )
        return self._answer(404, {"code": "NOT_FOUND", "message": "no such API"})

    def _answer(self, status: int, payload: dict[str, Any]) -> httpx.Response:
        content = json.dumps(payload).encode()
        return httpx.Response(status, content=content, headers=self._signed_headers(content))

    def _signed_headers(
        self, body: bytes, *, timestamp: int | None = None, nonce: str | None = None
    ) -> dict[str, str]:
        ts = str(timestamp if timestamp is not None else int(clock.now().timestamp()))
        nonce = nonce or secrets.token_hex(16)
        return {
            "Content-Type": "application/json",
            "Wechatpay-Serial": PUBLIC_KEY_ID,
            "Wechatpay-Timestamp": ts,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": _sign(
                self.platform_key, ts.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"
            ),
        }

    # ---- callbacks ----

    def callback(
        self,
        event_type: str,
        resource: dict[str, Any],
        *,
        timestamp: int | None = None,
        nonce: str | None = None,
        key: rsa.RSAPrivateKey | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """A callback as WeChat Pay sends it: the resource AES-GCM encrypted, the body signed."""
        iv = secrets.token_hex(6)  # 12 characters
        associated = "transaction" if event_type.startswith("TRANSACTION") else "refund"
        ciphertext = AESGCM(API_V3_KEY.encode()).encrypt(
            iv.encode(), json.dumps(resource).encode(), associated.encode()
        )
        body = json.dumps(
            {
                "id": secrets.token_hex(8),
                "create_time": clock.now().isoformat(),
                "resource_type": "encrypt-resource",
                "event_type": event_type,
                "summary": "支付成功",
                "resource": {
                    "original_type": associated,
                    "algorithm": "AEAD_AES_256_GCM",
                    "ciphertext": base64.b64encode(ciphertext).decode(),
                    "associated_data": associated,
                    "nonce": iv,
                },
            }
        ).encode()
        headers = self._signed_headers(body, timestamp=timestamp, nonce=nonce)
        if key is not None:  # signed by someone else
            headers["Wechatpay-Signature"] = _sign(
                key,
                headers["Wechatpay-Timestamp"].encode()
                + b"\n"
                + headers["Wechatpay-Nonce"].encode()
                + b"\n"
                + body
                + b"\n",
            )
        return body, headers

    def paid(self, trade_no: str, /, **overrides: Any) -> tuple[bytes, dict[str, str]]:
        """The TRANSACTION.SUCCESS callback of an order placed with this fake."""
        order = self.orders[trade_no]
        resource = {
            "mchid": MCHID,
            "appid": APPID,
            "out_trade_no": trade_no,
            "transaction_id": f"4200{secrets.token_hex(10)}",
            "trade_type": "JSAPI",
            "trade_state": "SUCCESS",
            "trade_state_desc": "支付成功",
            "success_time": clock.now().isoformat(),
            "payer": order["payer"],
            "amount": {
                "total": order["amount"]["total"],
                "payer_total": order["amount"]["total"],
                "currency": "CNY",
            },
        }
        resource.update(overrides)
        return self.callback("TRANSACTION.SUCCESS", resource)

    def refunded(self, out_refund_no: str, status: str = "SUCCESS") -> tuple[bytes, dict[str, str]]:
        refund = self.refunds[out_refund_no]
        return self.callback(
            f"REFUND.{status}" if status != "SUCCESS" else "REFUND.SUCCESS",
            {
                "mchid": MCHID,
                "out_trade_no": refund["out_trade_no"],
                "transaction_id": "4200000000",
                "out_refund_no": out_refund_no,
                "refund_id": f"5030{secrets.token_hex(8)}",
                "refund_status": status,
                "amount": refund["amount"],
            },
        )

    def other_key(self) -> rsa.RSAPrivateKey:
        return _key()
