"""Making bills and keeping them true: the charge, the waiver, days taken off, refunds owed.

A bill is made once per enrollment and period (the unique constraint decides, also for two
workers at once). Days taken off later (a withdrawal, closures added) lower the charge pro
rata over the service days it was made for; money held beyond what is due then goes back
(多退少补): through WeChat Pay when it came that way, else by the school's hand.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import audit, clock
from app.enrollment.models import Enrollment
from app.fees import pricing
from app.fees import repository as repo
from app.fees.models import (
    Bill,
    BillLine,
    BillRefund,
    BillStatus,
    RefundReason,
    RefundStatus,
)
from app.notifications import service as notifications
from app.notifications.templates import Kind
from app.school import access
from app.school import service as school_service
from app.school.models import School, Student, Term

OBJECT_TYPE = "bill"
# Days a family has to pay from the day a bill is made (or its period starts, if later).
DAYS_TO_PAY = 14
REASON_TEXT = {
    RefundReason.WITHDRAWAL: "退出课后服务",
    RefundReason.CLOSURE: "停课",
    RefundReason.OVERPAID: "重复缴费",
}


def status_of(bill: Bill) -> BillStatus:
    due, held = bill.amount_fen - bill.waived_fen, bill.paid_fen - bill.refunded_fen
    if bill.paid_fen == 0:
        if bill.amount_fen == 0:
            return BillStatus.VOID
        return BillStatus.WAIVED if due == 0 else BillStatus.OPEN
    if held == 0 and due == 0:  # everything paid went back: no service day left to pay for
        return BillStatus.REFUNDED
    return BillStatus.PAID if held >= due else BillStatus.OPEN


def outstanding(bill: Bill) -> int:
    """What is left to pay (never negative)."""
    return max(0, bill.amount_fen - bill.waived_fen - (bill.paid_fen - bill.refunded_fen))


def period_label(bill: Bill, term_name: str) -> str:
    if len(bill.period) == 7:  # "2026-10"
        return f"{bill.period_start.year}年{bill.period_start.month}月"
    return term_name


async def record(
    session: AsyncSession,
    bill: Bill,
    action: str,
    *,
    actor_id: uuid.UUID | None,
    data: dict[str, Any],
) -> None:
    await audit.record(
        session,
        action=action,
        object_type=OBJECT_TYPE,
        object_id=bill.id,
        actor_id=actor_id,
        school_id=bill.school_id,
        data=data,
    )


@dataclass(frozen=True)
class _Period:
    label: str
    first: date  # the calendar period (a month, or the term)
    last: date


def _weekdays(enrollment: Enrollment, term: Term) -> set[int]:
    return set(enrollment.weekdays) & set(term.weekdays)


def _served_until(enrollment: Enrollment, last: date) -> date:
    """The last day charged for: a withdrawal's effective date is the first day off."""
    if enrollment.end_date is None:
        return last
    return min(last, enrollment.end_date - timedelta(days=1))


async def _make(
    session: AsyncSession,
    *,
    school: School,
    term: Term,
    enrollment: Enrollment,
    period: _Period,
    today: date,
) -> Bill | None:
    """The bill of ``enrollment`` for ``period``; None when there is nothing to charge or it
    exists already. Charge = Σ slot fees × days served / service days of the whole period."""
    fees = await repo.slot_fees(session, enrollment.id)
    total = sum(fee for _, fee in fees)
    weekdays = _weekdays(enrollment, term)
    start = max(period.first, term.start_date, enrollment.start_date)
    end = _served_until(enrollment, min(period.last, term.end_date))
    days = pricing.service_days(start, end, weekdays, term.closures)
    whole = pricing.service_days(period.first, period.last, weekdays, term.closures)
    if total == 0 or days == 0:
        return None
    student = await session.get_one(Student, enrollment.student_id)
    policy = school_service.policy_of(school)
    amount = pricing.share(total, days, whole)
    waiver_bp = pricing.waiver_bp(student.priority, policy.fees.waivers)
    waived = pricing.waived(amount, waiver_bp)
    bill = Bill(
        id=uuid.uuid4(),
        school_id=school.id,
        student_id=student.id,
        enrollment_id=enrollment.id,
        term_id=term.id,
        period=period.label,
        period_start=start,
        period_end=end,
        service_days=days,
        waiver_bp=waiver_bp,
        base_amount_fen=amount,
        base_waived_fen=waived,
        amount_fen=amount,
        waived_fen=waived,
        paid_fen=0,
        refunded_fen=0,
        due_date=max(today, start) + timedelta(days=DAYS_TO_PAY),
    )
    bill.status = status_of(bill)
    try:
        async with session.begin_nested():
            session.add(bill)
            await session.flush()
    except IntegrityError:
        return None  # made already (by the job, or another worker at the same moment)
    session.add_all(BillLine(bill_id=bill.id, slot_id=s, fee_fen=fee) for s, fee in fees)
    await record(
        session,
        bill,
        "bill.created",
        actor_id=None,
        data={
            "enrollment_id": str(enrollment.id),
            "period": bill.period,
            "service_days": days,
            "amount_fen": amount,
            "waived_fen": waived,
            "waiver_bp": waiver_bp,
        },
    )
    if outstanding(bill) > 0:
        await notifications.notify(
            session,
            recipients=await access.guardian_ids(session, student.id),
            kind=Kind.FEE_DUE,
            params={
                "student_name": student.name,
                "period": period_label(bill, term.name),
                "amount": pricing.yuan(amount),
                "waived": f"（已减免{pricing.yuan(waived)}元）" if waived else "",
                "due": pricing.yuan(outstanding(bill)),
                "due_date": f"{bill.due_date.month}月{bill.due_date.day}日",
            },
            data={"bill_id": str(bill.id), "student_id": str(student.id)},
            dedupe_key=f"fee.due:{bill.id}",
        )
    return bill


def term_period(term: Term) -> _Period:
    return _Period(f"{term.start_date}/{term.end_date}", term.start_date, term.end_date)


def month_period(day: date) -> _Period:
    first, last = pricing.month_bounds(day)
    return _Period(f"{first:%Y-%m}", first, last)


async def bill_new_enrollment(session: AsyncSession, enrollment: Enrollment) -> Bill | None:
    """The first bill of an enrollment that became active: the term, or its first month."""
    school = await session.get_one(School, enrollment.school_id)
    mode = school_service.policy_of(school).fees.mode
    if mode == "free":
        return None
    term = await session.get_one(Term, enrollment.term_id)
    today = clock.today(school.timezone)
    if mode == "per_term":
        period = term_period(term)
    else:  # never a month that ended before (a school that began charging later)
        period = month_period(max(enrollment.start_date, term.start_date, today))
    return await _make(
        session, school=school, term=term, enrollment=enrollment, period=period, today=today
    )


async def bill_month(session: AsyncSession, school: School, today: date) -> int:
    """Bills of this month for every enrollment of a per-month school (made once each)."""
    period = month_period(today)
    made = 0
    for enrollment in await repo.enrollments_in_month(
        session, school.id, period.first, period.last
    ):
        term = await session.get_one(Term, enrollment.term_id)
        if term.end_date < period.first or term.start_date > period.last:
            continue
        bill = await _make(
            session, school=school, term=term, enrollment=enrollment, period=period, today=today
        )
        made += bill is not None
    return made


async def reprice(
    session: AsyncSession, enrollment: Enrollment, reason: RefundReason, actor_id: uuid.UUID | None
) -> list[BillRefund]:
    """Take off, pro rata, the service days each bill of the enrollment no longer gives
    (withdrawn from, or closed since), and give back what is held beyond what is due."""
    term = await session.get_one(Term, enrollment.term_id)
    refunds: list[BillRefund] = []
    for bill in await repo.bills_of_enrollment(session, enrollment.id):
        end = _served_until(enrollment, bill.period_end)
        now_days = pricing.service_days(
            bill.period_start, end, _weekdays(enrollment, term), term.closures
        )
        days_off = max(0, bill.service_days - now_days)
        if days_off == bill.days_off:
            continue
        before = (bill.amount_fen, bill.waived_fen)
        bill.amount_fen = bill.base_amount_fen - pricing.share(
            bill.base_amount_fen, days_off, bill.service_days
        )
        bill.waived_fen = bill.base_waived_fen - pricing.share(
            bill.base_waived_fen, days_off, bill.service_days
        )
        given_back = days_off - bill.days_off
        bill.days_off = days_off
        await record(
            session,
            bill,
            "bill.repriced",
            actor_id=actor_id,
            data={
                "reason": reason.value,
                "days_off": days_off,
                "amount_fen": [before[0], bill.amount_fen],
                "waived_fen": [before[1], bill.waived_fen],
            },
        )
        excess = (bill.paid_fen - bill.refunded_fen) - (bill.amount_fen - bill.waived_fen)
        if excess > 0:
            refunds += await refund(session, bill, excess, reason, days=max(0, given_back))
        bill.status = status_of(bill)
    await session.flush()
    return refunds


async def refund(
    session: AsyncSession, bill: Bill, amount_fen: int, reason: RefundReason, *, days: int
) -> list[BillRefund]:
    """Give ``amount_fen`` back: from the bill's WeChat payments first (newest first), the
    rest by the school's hand. The bill is locked by the caller. The family is told."""
    made: list[BillRefund] = []
    left = amount_fen
    for payment, room in await repo.wechat_payments_left(session, bill.id):
        if left == 0:
            break
        part = min(left, room)
        if part > 0:
            made.append(
                BillRefund(
                    bill_id=bill.id,
                    reason=reason,
                    days=days,
                    amount_fen=part,
                    payment_id=payment.id,
                    out_refund_no=f"R{uuid.uuid4().hex}",
                    status=RefundStatus.PENDING,
                )
            )
            left -= part
    if left > 0:
        made.append(
            BillRefund(
                bill_id=bill.id,
                reason=reason,
                days=days,
                amount_fen=left,
                status=RefundStatus.OFFLINE,
            )
        )
    session.add_all(made)
    bill.refunded_fen += amount_fen
    bill.status = status_of(bill)
    await session.flush()
    await record(
        session,
        bill,
        "bill.refunded",
        actor_id=None,
        data={
            "reason": reason.value,
            "amount_fen": amount_fen,
            "refunds": [
                {"id": str(r.id), "amount_fen": r.amount_fen, "status": r.status} for r in made
            ],
        },
    )
    student = await session.get_one(Student, bill.student_id)
    term = await session.get_one(Term, bill.term_id)
    by_wechat = any(r.payment_id is not None for r in made)
    await notifications.notify(
        session,
        recipients=await access.guardian_ids(session, bill.student_id),
        kind=Kind.FEE_REFUNDED,
        params={
            "student_name": student.name,
            "period": period_label(bill, term.name),
            "reason": REASON_TEXT[reason],
            "amount": pricing.yuan(amount_fen),
            "channel": "将按原路退回微信零钱或银行卡" if by_wechat else "请到学校财务处领取",
        },
        data={
            "bill_id": str(bill.id),
            "student_id": str(bill.student_id),
            "amount_fen": amount_fen,
        },
    )
    return made
