"""Paying bills: WeChat Pay orders and their callbacks (checked, once), and office payments."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import timedelta

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.fees import service as fees
from tests.enrollment.factories import World
from tests.factories import auth, create_other_school
from tests.fees.fakewechatpay import APPID, FakeWeChatPay
from tests.fees.helpers import bill_row, billed, notify, pay, payments_of, refunds_of
from tests.fees.test_bills import FEES


async def ordered(client: httpx.AsyncClient, world: World, fake: FakeWeChatPay) -> tuple[str, str]:
    """A bill with a WeChat Pay order placed: (bill id, out_trade_no)."""
    bill = await billed(client, world)
    response = await pay(client, world.family.parent, bill["id"])
    assert response.status_code == 200, response.text
    [out_trade_no] = list(fake.orders)[-1:]
    return bill["id"], out_trade_no


class TestPay:
    async def test_the_answer_is_what_wx_request_payment_takes(
        self, client: httpx.AsyncClient, world: World, fake_pay: FakeWeChatPay
    ) -> None:
        bill = await billed(client, world)
        response = await pay(client, world.family.parent, bill["id"])
        assert response.status_code == 200, response.text
        params = response.json()
        assert params["appId"] == APPID and params["signType"] == "RSA"
        assert params["package"].startswith("prepay_id=wx")
        message = "\n".join(
            [params["appId"], params["timeStamp"], params["nonceStr"], params["package"], ""]
        )
        fake_pay.merchant_key.public_key().verify(
            base64.b64decode(params["paySign"]),
            message.encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
        [order] = fake_pay.orders.values()  # the fake accepted our request's signature
        assert order["amount"] == {"total": FEES, "currency": "CNY"}
        assert order["payer"] == {"openid": world.family.parent.wechat_openid}

    async def test_unconfigured_payments_are_503(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        bill = await billed(client, world)
        response = await pay(client, world.family.parent, bill["id"])
        assert response.status_code == 503
        assert response.json()["code"] == "payments.not_configured"
        response = await notify(client, b"{}", {})
        assert response.status_code == 503

    async def test_wechat_pay_down_is_503_and_leaves_no_order(
        self,
        client: httpx.AsyncClient,
        world: World,
        fake_pay: FakeWeChatPay,
        session: AsyncSession,
    ) -> None:
        bill = await billed(client, world)
        fake_pay.down = True
        response = await pay(client, world.family.parent, bill["id"])
        assert response.status_code == 503
        assert response.json()["code"] == "payments.unavailable"
        assert await payments_of(session, bill["id"]) == []

    async def test_another_familys_bill_is_404_and_admins_do_not_pay(
        self, client: httpx.AsyncClient, world: World, fake_pay: FakeWeChatPay
    ) -> None:
        bill = await billed(client, world)
        other = await world.add_family()
        response = await pay(client, other.parent, bill["id"])
        assert response.status_code == 404
        assert "amount" not in response.text
        assert (await pay(client, world.admin, bill["id"])).status_code == 403
        assert fake_pay.orders == {}

    async def test_a_parent_without_wechat_or_a_settled_bill_is_409(
        self, client: httpx.AsyncClient, world: World, fake_pay: FakeWeChatPay
    ) -> None:
        bill = await billed(client, world)
        world.family.parent.wechat_openid = None
        await world.session.commit()
        response = await pay(client, world.family.parent, bill["id"])
        assert (response.status_code, response.json()["code"]) == (409, "payments.no_openid")
        await client.post(
            f"/bills/{bill['id']}/payments",
            json={"amount_fen": FEES, "method": "cash"},
            headers=auth(world.admin),
        )
        response = await pay(client, world.family.parent, bill["id"])
        assert (response.status_code, response.json()["code"]) == (409, "bill.nothing_due")


class TestTalkingToWeChatPay:
    async def test_wechat_pay_refusing_our_signature_is_503(
        self,
        client: httpx.AsyncClient,
        world: World,
        fake_pay: FakeWeChatPay,
        session: AsyncSession,
    ) -> None:
        bill = await billed(client, world)
        fake_pay.merchant_key = fake_pay.other_key()  # the fake now expects another merchant
        response = await pay(client, world.family.parent, bill["id"])
        assert (response.status_code, response.json()["code"]) == (503, "payments.unavailable")
        assert fake_pay.orders == {} and await payments_of(session, bill["id"]) == []

    async def test_an_answer_not_signed_by_wechat_pay_is_not_believed(
        self,
        client: httpx.AsyncClient,
        world: World,
        fake_pay: FakeWeChatPay,
        session: AsyncSession,
    ) -> None:
        bill = await billed(client, world)
        fake_pay.platform_key = fake_pay.other_key()  # answers signed by someone else
        response = await pay(client, world.family.parent, bill["id"])
        assert (response.status_code, response.json()["code"]) == (503, "payments.unavailable")
        assert await payments_of(session, bill["id"]) == []


class TestNotify:
    async def test_the_callback_marks_the_bill_paid(
        self,
        client: httpx.AsyncClient,
        world: World,
        fake_pay: FakeWeChatPay,
        session: AsyncSession,
    ) -> None:
        bill_id, trade_no = await ordered(client, world, fake_pay)
        response = await notify(client, *fake_pay.paid(trade_no))
        assert response.status_code == 200, response.text
        assert response.json()["code"] == "SUCCESS"
        bill = await bill_row(session, bill_id)
        assert (bill.status, bill.paid_fen) == ("paid", FEES)
        [payment] = await payments_of(session, bill_id)
        assert payment.status == "succeeded" and payment.transaction_id

    async def test_callbacks_told_again_and_at_once_pay_once(
        self,
        client: httpx.AsyncClient,
        world: World,
        fake_pay: FakeWeChatPay,
        session: AsyncSession,
    ) -> None:
        bill_id, trade_no = await ordered(client, world, fake_pay)
        callbacks = [fake_pay.paid(trade_no) for _ in range(4)]
        responses = await asyncio.gather(*(notify(client, *c) for c in callbacks))
        assert [r.status_code for r in responses] == [200] * 4
        again = await notify(client, *fake_pay.paid(trade_no))
        assert again.status_code == 200
        bill = await bill_row(session, bill_id)
        assert (bill.paid_fen, bill.refunded_fen, bill.status) == (FEES, 0, "paid")
        assert await refunds_of(session, bill_id) == []

    async def test_a_forged_signature_is_401_and_changes_nothing(
        self,
        client: httpx.AsyncClient,
        world: World,
        fake_pay: FakeWeChatPay,
        session: AsyncSession,
    ) -> None:
        bill_id, trade_no = await ordered(client, world, fake_pay)
        body, headers = fake_pay.paid(trade_no)
        forged_body, forged = fake_pay.callback(
            "TRANSACTION.SUCCESS", json.loads(_plain(fake_pay, body)), key=fake_pay.other_key()
        )
        response = await notify(client, forged_body, forged)
        assert (response.status_code, response.json()["code"]) == (401, "payments.bad_signature")
        for name in ("Wechatpay-Signature", "Wechatpay-Serial", "Wechatpay-Timestamp"):
            missing = {k: v for k, v in headers.items() if k != name}
            assert (await notify(client, body, missing)).status_code == 401, name
        wrong_serial = {**headers, "Wechatpay-Serial": "PUB_KEY_ID_SOMEONE_ELSE"}
        assert (await notify(client, body, wrong_serial)).status_code == 401
        assert (await bill_row(session, bill_id)).status == "open"
        assert [p.status for p in await payments_of(session, bill_id)] == ["pending"]

    async def test_a_tampered_body_is_401(
        self,
        client: httpx.AsyncClient,
        world: World,
        fake_pay: FakeWeChatPay,
        session: AsyncSession,
    ) -> None:
        bill_id, trade_no = await ordered(client, world, fake_pay)
        body, headers = fake_pay.paid(trade_no)
        event = json.loads(body)
        ciphertext = bytearray(base64.b64decode(event["resource"]["ciphertext"]))
        ciphertext[5] ^= 1
        event["resource"]["ciphertext"] = base64.b64encode(bytes(ciphertext)).decode()
        tampered = json.dumps(event).encode()
        assert (await notify(client, tampered, headers)).status_code == 401
        # any change to the signed text, even outside the resource
        edited = body.replace(b"TRANSACTION.SUCCESS", b"TRANSACTION.SUCCESS ")
        assert (await notify(client, edited, headers)).status_code == 401
        assert (await bill_row(session, bill_id)).paid_fen == 0

    async def test_nonces_are_forgotten_after_the_window(
        self,
        client: httpx.AsyncClient,
        world: World,
        fake_pay: FakeWeChatPay,
        session: AsyncSession,
    ) -> None:
        _, trade_no = await ordered(client, world, fake_pay)
        assert (await notify(client, *fake_pay.paid(trade_no))).status_code == 200
        assert await fees.forget_notify_nonces(session, clock.now()) == 0  # still in the window
        clock.advance(timedelta(minutes=11))
        assert await fees.forget_notify_nonces(session, clock.now()) == 1

    async def test_a_replayed_callback_is_refused(
        self,
        client: httpx.AsyncClient,
        world: World,
        fake_pay: FakeWeChatPay,
        session: AsyncSession,
    ) -> None:
        bill_id, trade_no = await ordered(client, world, fake_pay)
        body, headers = fake_pay.paid(trade_no)
        assert (await notify(client, body, headers)).status_code == 200
        replay = await notify(client, body, headers)
        assert (replay.status_code, replay.json()["code"]) == (401, "payments.replayed")
        assert (await bill_row(session, bill_id)).paid_fen == FEES

    async def test_a_stale_callback_is_refused(
        self,
        client: httpx.AsyncClient,
        world: World,
        fake_pay: FakeWeChatPay,
        session: AsyncSession,
    ) -> None:
        bill_id, trade_no = await ordered(client, world, fake_pay)
        body, headers = fake_pay.paid(trade_no)
        clock.advance(timedelta(minutes=6))
        response = await notify(client, body, headers)
        assert (response.status_code, response.json()["code"]) == (401, "payments.stale_callback")
        assert (await bill_row(session, bill_id)).status == "open"

    async def test_a_callback_not_matching_the_order_changes_nothing(
        self,
        client: httpx.AsyncClient,
        world: World,
        fake_pay: FakeWeChatPay,
        session: AsyncSession,
    ) -> None:
        bill_id, trade_no = await ordered(client, world, fake_pay)
        cheap = {"total": 1, "payer_total": 1, "currency": "CNY"}
        assert (await notify(client, *fake_pay.paid(trade_no, amount=cheap))).status_code == 401
        other_shop = fake_pay.paid(trade_no, mchid="1900000999")
        assert (await notify(client, *other_shop)).status_code == 401
        unknown = fake_pay.paid(trade_no, out_trade_no="f" * 32)
        assert (await notify(client, *unknown)).status_code == 401
        assert (await bill_row(session, bill_id)).paid_fen == 0

    async def test_a_second_payment_of_a_settled_bill_goes_back(
        self,
        client: httpx.AsyncClient,
        world: World,
        fake_pay: FakeWeChatPay,
        session: AsyncSession,
    ) -> None:
        bill_id, first = await ordered(client, world, fake_pay)
        assert (await pay(client, world.family.parent, bill_id)).status_code == 200
        second = list(fake_pay.orders)[-1]
        assert (await notify(client, *fake_pay.paid(first))).status_code == 200
        assert (await notify(client, *fake_pay.paid(second))).status_code == 200
        bill = await bill_row(session, bill_id)
        assert (bill.paid_fen, bill.refunded_fen, bill.status) == (2 * FEES, FEES, "paid")
        [refund] = await refunds_of(session, bill_id)
        assert (refund.reason, refund.amount_fen, refund.status) == ("overpaid", FEES, "pending")


def _plain(fake: FakeWeChatPay, body: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from tests.fees.fakewechatpay import API_V3_KEY

    resource = json.loads(body)["resource"]
    return AESGCM(API_V3_KEY.encode()).decrypt(
        resource["nonce"].encode(),
        base64.b64decode(resource["ciphertext"]),
        resource["associated_data"].encode(),
    )


class TestOfflinePayment:
    async def test_the_office_records_cash_and_bank_payments(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        bill = await billed(client, world)
        url, headers = f"/bills/{bill['id']}/payments", auth(world.admin)
        cash = {"amount_fen": 10_000, "method": "cash"}
        part = await client.post(url, json=cash, headers=headers)
        assert part.status_code == 200, part.text
        assert (part.json()["paid_fen"], part.json()["status"]) == (10_000, "open")
        too_much = await client.post(
            url, json={"amount_fen": FEES, "method": "bank"}, headers=headers
        )
        assert (too_much.status_code, too_much.json()["code"]) == (422, "bill.overpayment")
        rest = await client.post(
            url, json={"amount_fen": FEES - 10_000, "method": "bank"}, headers=headers
        )
        assert (rest.json()["paid_fen"], rest.json()["status"]) == (FEES, "paid")
        again = await client.post(url, json={"amount_fen": 1, "method": "cash"}, headers=headers)
        assert (again.status_code, again.json()["code"]) == (409, "bill.nothing_due")

    @pytest.mark.parametrize(
        "body",
        [
            {"amount_fen": 0, "method": "cash"},
            {"amount_fen": 100.5, "method": "cash"},
            {"amount_fen": "100", "method": "cash"},
            {"amount_fen": 100, "method": "alipay"},
            {"amount_fen": 100, "method": "cash", "note": "x"},
            {"method": "cash"},
        ],
    )
    async def test_bad_bodies_are_422(
        self, client: httpx.AsyncClient, world: World, body: dict[str, object]
    ) -> None:
        bill = await billed(client, world)
        response = await client.post(
            f"/bills/{bill['id']}/payments", json=body, headers=auth(world.admin)
        )
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")

    async def test_two_clerks_at_once_take_the_money_once(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        bill = await billed(client, world)
        body = {"amount_fen": FEES, "method": "cash"}
        responses = await asyncio.gather(
            *(
                client.post(f"/bills/{bill['id']}/payments", json=body, headers=auth(world.admin))
                for _ in range(3)
            )
        )
        assert sorted(r.status_code for r in responses) == [200, 409, 409]
        assert (await bill_row(session, bill["id"])).paid_fen == FEES

    async def test_parents_and_other_schools_may_not(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        bill = await billed(client, world)
        url, body = f"/bills/{bill['id']}/payments", {"amount_fen": 100, "method": "cash"}
        response = await client.post(url, json=body, headers=auth(world.family.parent))
        assert response.status_code == 403
        _, stranger = await create_other_school(session)
        await session.commit()
        response = await client.post(url, json=body, headers=auth(stranger))
        assert response.status_code == 404
        assert (await bill_row(session, bill["id"])).paid_fen == 0
