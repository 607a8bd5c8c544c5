"""Refunds (多退少补): unused service days pro rata, on withdrawal and on closures after payment."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.fees import service as fees
from tests.enrollment.factories import World
from tests.factories import auth
from tests.fees.fakewechatpay import FakeWeChatPay
from tests.fees.helpers import bill_row, billed, notify, pay, refunds_of
from tests.fees.test_bills import FEES, inbox

SEPTEMBER_10 = datetime(2026, 9, 10, 2, 0, tzinfo=UTC)  # Thursday, 10:00 in Shanghai


async def paid_by_wechat(
    client: httpx.AsyncClient, world: World, fake: FakeWeChatPay, **overrides: Any
) -> str:
    bill = await billed(client, world, **overrides)
    assert (await pay(client, world.family.parent, bill["id"])).status_code == 200
    [trade_no] = list(fake.orders)[-1:]
    assert (await notify(client, *fake.paid(trade_no))).status_code == 200
    return str(bill["id"])


async def paid_in_cash(client: httpx.AsyncClient, world: World) -> str:
    bill = await billed(client, world)
    response = await client.post(
        f"/bills/{bill['id']}/payments",
        json={"amount_fen": FEES, "method": "cash"},
        headers=auth(world.admin),
    )
    assert response.status_code == 200
    return str(bill["id"])


async def withdraw(client: httpx.AsyncClient, world: World, effective: str) -> None:
    enrollments = await client.get("/enrollments", headers=auth(world.family.parent))
    enrollment_id = enrollments.json()["items"][0]["id"]
    response = await client.post(
        f"/enrollments/{enrollment_id}/withdraw",
        json={"reason": "搬家转学", "effective_date": effective},
        headers=auth(world.family.parent),
    )
    assert response.status_code == 200, response.text


async def close(client: httpx.AsyncClient, world: World, *days: str) -> None:
    response = await client.patch(
        f"/terms/{world.term.id}", json={"closures": list(days)}, headers=auth(world.admin)
    )
    assert response.status_code == 200, response.text


class TestWithdrawal:
    async def test_a_mid_month_withdrawal_refunds_the_days_left_through_wechat_pay(
        self,
        client: httpx.AsyncClient,
        world: World,
        fake_pay: FakeWeChatPay,
        session: AsyncSession,
    ) -> None:
        bill_id = await paid_by_wechat(client, world, fake_pay)
        clock.freeze(SEPTEMBER_10)
        await withdraw(client, world, "2026-09-16")
        # served 1–15 September: 11 of 22 days; 33 333 × 11 / 22 = 16 666.5 → 16 667 back
        bill = await bill_row(session, bill_id)
        assert (bill.amount_fen, bill.refunded_fen, bill.status) == (16_666, 16_667, "paid")
        [refund] = await refunds_of(session, bill_id)
        assert (refund.reason, refund.days, refund.amount_fen) == ("withdrawal", 11, 16_667)
        assert refund.status == "pending" and refund.payment_id is not None
        [notice] = [
            n for n in await inbox(client, world.family.parent) if n["kind"] == "fee.refunded"
        ]
        assert "166.67" in notice["body"] and "原路退回" in notice["body"]
        shown = await client.get(f"/bills/{bill_id}", headers=auth(world.family.parent))
        [record] = shown.json()["refunds"]
        assert (record["reason"], record["days"], record["amount_fen"]) == (
            "withdrawal",
            11,
            16_667,
        )
        assert (shown.json()["amount_fen"], record["status"]) == (16_666, "pending")

        assert await fees.send_refunds(session, clock.now()) == 1
        await session.commit()
        [sent] = fake_pay.refunds.values()
        assert sent["amount"] == {"refund": 16_667, "total": FEES, "currency": "CNY"}
        assert (await refunds_of(session, bill_id))[0].status == "processing"
        assert await fees.send_refunds(session, clock.now()) == 0  # sent once

        result = fake_pay.refunded(refund.out_refund_no or "")
        assert (await notify(client, *result)).status_code == 200
        assert (
            await notify(client, *fake_pay.refunded(refund.out_refund_no or ""))
        ).status_code == 200
        [done] = await refunds_of(session, bill_id)
        assert done.status == "succeeded" and done.settled_at is not None

    async def test_wechat_pay_answering_at_once_settles_the_refund(
        self,
        client: httpx.AsyncClient,
        world: World,
        fake_pay: FakeWeChatPay,
        session: AsyncSession,
    ) -> None:
        bill_id = await paid_by_wechat(client, world, fake_pay)
        clock.freeze(SEPTEMBER_10)
        await withdraw(client, world, "2026-09-16")
        fake_pay.refund_status = "SUCCESS"
        await fees.send_refunds(session, clock.now())
        await session.commit()
        assert (await refunds_of(session, bill_id))[0].status == "succeeded"

    async def test_a_refund_wechat_pay_gives_up_on_is_marked_failed(
        self,
        client: httpx.AsyncClient,
        world: World,
        fake_pay: FakeWeChatPay,
        session: AsyncSession,
    ) -> None:
        bill_id = await paid_by_wechat(client, world, fake_pay)
        clock.freeze(SEPTEMBER_10)
        await withdraw(client, world, "2026-09-16")
        await fees.send_refunds(session, clock.now())
        await session.commit()
        [refund] = await refunds_of(session, bill_id)
        response = await notify(client, *fake_pay.refunded(refund.out_refund_no or "", "ABNORMAL"))
        assert response.status_code == 200
        assert (await refunds_of(session, bill_id))[0].status == "failed"

    async def test_an_unpaid_bill_is_lowered_and_nothing_goes_back(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        bill = await billed(client, world)
        clock.freeze(SEPTEMBER_10)
        await withdraw(client, world, "2026-09-16")
        row = await bill_row(session, bill["id"])
        assert (row.amount_fen, row.refunded_fen, row.status) == (16_666, 0, "open")
        assert await refunds_of(session, bill["id"]) == []

    async def test_leaving_before_the_first_day_voids_an_unpaid_bill(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        bill = await billed(client, world)
        await withdraw(client, world, "2026-09-01")
        row = await bill_row(session, bill["id"])
        assert (row.amount_fen, row.status) == (0, "void")

    async def test_leaving_before_the_first_day_gives_everything_back(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        bill_id = await paid_in_cash(client, world)
        await withdraw(client, world, "2026-09-01")
        row = await bill_row(session, bill_id)
        assert (row.amount_fen, row.refunded_fen, row.status) == (0, FEES, "refunded")
        [refund] = await refunds_of(session, bill_id)
        assert (refund.status, refund.payment_id) == ("offline", None)


class TestClosures:
    async def test_closures_after_payment_are_refunded_pro_rata(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        bill_id = await paid_in_cash(client, world)
        await close(client, world, "2026-09-28", "2026-09-29")
        # 2 of 22 days: 33 333 × 2 / 22 = 3 030.27 → 3 030
        row = await bill_row(session, bill_id)
        assert (row.amount_fen, row.refunded_fen) == (FEES - 3_030, 3_030)
        [refund] = await refunds_of(session, bill_id)
        assert (refund.reason, refund.days, refund.status) == ("closure", 2, "offline")
        [notice] = [
            n for n in await inbox(client, world.family.parent) if n["kind"] == "fee.refunded"
        ]
        assert "30.30" in notice["body"] and "财务" in notice["body"]
        # the same closures again change nothing
        await close(client, world, "2026-09-28", "2026-09-29")
        assert len(await refunds_of(session, bill_id)) == 1

    async def test_closures_then_a_withdrawal_add_up_to_the_days_not_served(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        bill_id = await paid_in_cash(client, world)
        await close(client, world, "2026-09-28", "2026-09-29")
        clock.freeze(SEPTEMBER_10)
        await withdraw(client, world, "2026-09-16")
        # 11 served days of 22 in all, whatever order the days came off in
        row = await bill_row(session, bill_id)
        assert (row.amount_fen, row.refunded_fen) == (16_666, FEES - 16_666)
        amounts = [(r.reason, r.days, r.amount_fen) for r in await refunds_of(session, bill_id)]
        assert amounts == [("closure", 2, 3_030), ("withdrawal", 9, 13_637)]

    async def test_waived_money_is_not_refunded(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        from tests.fees.conftest import charge

        await charge(world, waivers={"left_behind": 0.5})
        family = await world.add_family(priority=["left_behind"])
        bill = await billed(client, world, family)
        due = bill["amount_fen"] - bill["waived_fen"]
        assert due == 16_666  # 33 333 − 16 667
        await client.post(
            f"/bills/{bill['id']}/payments",
            json={"amount_fen": due, "method": "bank"},
            headers=auth(world.admin),
        )
        await close(client, world, "2026-09-28", "2026-09-29")
        row = await bill_row(session, bill["id"])
        # charge 33 333 − 3 030 = 30 303; waiver 16 667 − 1 515 (1 515.18) = 15 152
        assert (row.amount_fen, row.waived_fen) == (30_303, 15_152)
        assert row.refunded_fen == due - (30_303 - 15_152)  # 1 515


class TestOtherWaysIn:
    async def test_a_promotion_from_the_waitlist_is_billed_and_the_leavers_bill_void(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        await world.set_capacity(world.activity, 1)
        first = await billed(client, world)
        other = await world.add_family()
        waiting = await client.post(
            "/enrollments",
            json={
                "student_id": str(other.student.id),
                "term_id": str(world.term.id),
                "weekdays": [1, 2, 3, 4, 5],
                "slot_ids": [str(world.activity.id)],
                "agreement_version": world.term.agreement_version,
            },
            headers=auth(other.parent),
        )
        assert waiting.json()["status"] == "waitlisted"
        assert (await client.get("/bills", headers=auth(other.parent))).json()["items"] == []
        await withdraw(client, world, "2026-09-01")
        assert (await bill_row(session, first["id"])).status == "void"
        [bill] = (await client.get("/bills", headers=auth(other.parent))).json()["items"]
        assert (bill["amount_fen"], bill["status"]) == (world.activity.fee_fen, "open")

    async def test_a_withdrawal_the_school_approves_is_refunded_on_approval(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        await world.set_policy(withdrawal_review="school")
        bill_id = await paid_in_cash(client, world)
        clock.freeze(SEPTEMBER_10)
        await withdraw(client, world, "2026-09-16")
        assert (await bill_row(session, bill_id)).refunded_fen == 0  # not yet approved
        enrollments = await client.get("/enrollments", headers=auth(world.admin))
        response = await client.post(
            f"/enrollments/{enrollments.json()['items'][0]['id']}/review",
            json={"decision": "approve"},
            headers=auth(world.admin),
        )
        assert response.status_code == 200, response.text
        assert (await bill_row(session, bill_id)).refunded_fen == 16_667
