"""Money in and back: WeChat Pay orders and their callbacks, offline payments, refunds sent.

A WeChat payment is a ``pending`` row from the order until its callback; the callback is
accepted once (the bill and the payment are row-locked, the payment's status decides), and
its nonce once (a replay is refused). A second payment of a bill already settled is given
back at once (``overpaid``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.principal import Principal
from app.fees import billing, wechatpay
from app.fees import repository as repo
from app.fees.errors import (
    BillNothingDue,
    BillOverpayment,
    PaymentsMismatch,
    PaymentsNoOpenid,
    PaymentsReplayed,
)
from app.fees.models import (
    Bill,
    BillPayment,
    BillRefund,
    PaymentMethod,
    PaymentStatus,
    RefundReason,
    RefundStatus,
)
from app.school.models import School, Student

log = logging.getLogger(__name__)

# WeChat Pay's refund states that end a refund: it went through, or it never will.
REFUND_DONE = {
    "SUCCESS": RefundStatus.SUCCEEDED,
    "CLOSED": RefundStatus.FAILED,
    "ABNORMAL": RefundStatus.FAILED,
}
REFUNDS_PER_RUN = 50


async def start_wechat_payment(
    session: AsyncSession, principal: Principal, bill: Bill
) -> dict[str, str]:
    """A WeChat Pay JSAPI order for what is left to pay; the ``wx.requestPayment`` params."""
    merchant = wechatpay.merchant()  # 503 before anything is written
    bill = await repo.lock_bill(session, bill.id)
    due = billing.outstanding(bill)
    if due == 0:
        raise BillNothingDue()
    openid = await repo.wechat_openid(session, principal.id)
    if openid is None:
        raise PaymentsNoOpenid()
    payment = BillPayment(
        bill_id=bill.id,
        method=PaymentMethod.WECHAT,
        amount_fen=due,
        status=PaymentStatus.PENDING,
        out_trade_no=uuid.uuid4().hex,
        payer_id=principal.id,
    )
    session.add(payment)
    await session.flush()
    school = await session.get_one(School, bill.school_id)
    student = await session.get_one(Student, bill.student_id)
    assert payment.out_trade_no is not None
    prepay_id = await wechatpay.jsapi_order(
        merchant,
        out_trade_no=payment.out_trade_no,
        description=f"{school.name}课后服务费 {student.name} {bill.period}",
        amount_fen=due,
        openid=openid,
    )
    await billing.record(
        session,
        bill,
        "bill.payment_started",
        actor_id=principal.id,
        data={"payment_id": str(payment.id), "amount_fen": due, "method": "wechat"},
    )
    return wechatpay.request_payment_params(merchant, prepay_id)


async def record_offline_payment(
    session: AsyncSession, admin: Principal, bill: Bill, amount_fen: int, method: str
) -> Bill:
    """Cash or a bank transfer the school received, up to what is left to pay."""
    bill = await repo.lock_bill(session, bill.id)
    due = billing.outstanding(bill)
    if due == 0:
        raise BillNothingDue()
    if amount_fen > due:
        raise BillOverpayment(field="amount_fen", due=due)
    now = clock.now()
    payment = BillPayment(
        bill_id=bill.id,
        method=method,
        amount_fen=amount_fen,
        status=PaymentStatus.SUCCEEDED,
        recorded_by=admin.id,
        paid_at=now,
    )
    session.add(payment)
    bill.paid_fen += amount_fen
    bill.status = billing.status_of(bill)
    await session.flush()
    await billing.record(
        session,
        bill,
        "bill.paid",
        actor_id=admin.id,
        data={"payment_id": str(payment.id), "amount_fen": amount_fen, "method": method},
    )
    return bill


async def handle_notify(session: AsyncSession, headers: Mapping[str, str], body: bytes) -> None:
    """WeChat Pay's callback: checked (401 and nothing changes otherwise), then applied once."""
    merchant = wechatpay.merchant()
    callback = wechatpay.open_callback(merchant, headers, body, clock.now().timestamp())
    if callback.resource.get("mchid") != merchant.mchid:
        raise PaymentsMismatch()
    if not await repo.remember_nonce(session, callback.nonce):
        raise PaymentsReplayed()
    if callback.event_type == "TRANSACTION.SUCCESS":
        await _payment_succeeded(session, callback.resource)
    elif callback.event_type.startswith("REFUND."):
        await _refund_result(session, callback.resource)
    else:
        log.info("WeChat Pay callback %s ignored", callback.event_type)


async def _payment_succeeded(session: AsyncSession, resource: dict[str, Any]) -> None:
    if resource.get("trade_state") != "SUCCESS":
        return
    found = await repo.payment_by_trade_no(session, str(resource.get("out_trade_no")))
    if found is None:
        raise PaymentsMismatch()
    # bill first, then payment: the same order as every other writer of the bill
    bill = await repo.lock_bill(session, found.bill_id)
    await session.refresh(found, with_for_update=True)
    if found.status == PaymentStatus.SUCCEEDED:
        return  # told again: done already
    amount = resource.get("amount") or {}
    if not isinstance(amount, dict) or amount.get("total") != found.amount_fen:
        raise PaymentsMismatch()
    found.status = PaymentStatus.SUCCEEDED
    found.transaction_id = str(resource.get("transaction_id") or "") or None
    found.paid_at = clock.now()
    bill.paid_fen += found.amount_fen
    bill.status = billing.status_of(bill)
    await session.flush()
    await billing.record(
        session,
        bill,
        "bill.paid",
        actor_id=found.payer_id,
        data={
            "payment_id": str(found.id),
            "amount_fen": found.amount_fen,
            "method": "wechat",
            "transaction_id": found.transaction_id,
        },
    )
    excess = (bill.paid_fen - bill.refunded_fen) - (bill.amount_fen - bill.waived_fen)
    if excess > 0:
        await billing.refund(session, bill, excess, RefundReason.OVERPAID, days=0)


async def _refund_result(session: AsyncSession, resource: dict[str, Any]) -> None:
    found = await repo.refund_by_refund_no(session, str(resource.get("out_refund_no")))
    if found is None:
        raise PaymentsMismatch()
    await repo.lock_bill(session, found.bill_id)
    await session.refresh(found, with_for_update=True)
    outcome = REFUND_DONE.get(str(resource.get("refund_status")))
    if outcome is None or found.status in (RefundStatus.SUCCEEDED, RefundStatus.FAILED):
        return
    _settle(found, outcome, resource.get("refund_id"))
    await session.flush()


def _settle(refund: BillRefund, outcome: RefundStatus, refund_id: object) -> None:
    refund.status = outcome
    if isinstance(refund_id, str):
        refund.wechat_refund_id = refund_id
    if outcome is RefundStatus.SUCCEEDED:
        refund.settled_at = clock.now()
    elif outcome is RefundStatus.FAILED:
        # the money is still owed: the school pays it back by hand (statement counts it)
        log.warning("WeChat Pay refund %s failed; pay it back offline", refund.out_refund_no)


async def send_pending_refunds(session: AsyncSession) -> int:
    """Send the refunds owed through WeChat Pay (the job; each at most once at a time)."""
    pending = await repo.pending_refunds(session, REFUNDS_PER_RUN)
    if not pending:
        return 0
    merchant = wechatpay.merchant()
    sent = 0
    for refund, payment in pending:
        assert refund.out_refund_no is not None and payment.out_trade_no is not None
        status, refund_id = await wechatpay.refund(
            merchant,
            out_trade_no=payment.out_trade_no,
            out_refund_no=refund.out_refund_no,
            refund_fen=refund.amount_fen,
            total_fen=payment.amount_fen,
            reason=billing.REASON_TEXT[RefundReason(refund.reason)],
        )
        _settle(refund, REFUND_DONE.get(status, RefundStatus.PROCESSING), refund_id)
        sent += 1
    await session.flush()
    return sent


async def forget_old_nonces(session: AsyncSession) -> int:
    """Nonces older than the callback window can never be replayed past the age check."""
    window = timedelta(seconds=2 * wechatpay.CALLBACK_WINDOW_SECONDS)
    return await repo.forget_nonces_before(session, clock.now() - window)
