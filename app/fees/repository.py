"""Every query of fees: what a principal may read, bills and payments to lock, the job's work."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, Row, delete, false, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role, User
from app.core.personal_data import rows
from app.core.principal import Principal
from app.enrollment.models import Enrollment, EnrollmentSlot, EnrollmentStatus
from app.fees.models import (
    Bill,
    BillLine,
    BillPayment,
    BillRefund,
    NotifyNonce,
    PaymentMethod,
    PaymentStatus,
    RefundStatus,
)
from app.school.models import Guardian, School, SchoolClass, Slot, Student

# Enrollments a month is billed for: on the roster some day of it (a withdrawal stands from
# its effective date, so a withdrawn one is billed up to that day).
BILLED_STATUSES = (
    EnrollmentStatus.ACTIVE,
    EnrollmentStatus.WITHDRAWAL_PENDING,
    EnrollmentStatus.WITHDRAWN,
)


def readable(principal: Principal) -> ColumnElement[bool]:
    """Bills the caller may read: a parent their children's, a school admin the school's."""
    reach: list[ColumnElement[bool]] = []
    if principal.has(Role.PARENT):
        reach.append(
            Bill.student_id.in_(select(Guardian.student_id).where(Guardian.user_id == principal.id))
        )
    if principal.school_id is not None and principal.is_school_admin:
        reach.append(Bill.school_id == principal.school_id)
    return or_(*reach) if reach else false()


async def lock_bill(session: AsyncSession, bill_id: uuid.UUID) -> Bill:
    """The bill, row-locked: every change of its money goes one at a time."""
    bill = await session.scalar(
        select(Bill)
        .where(Bill.id == bill_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert bill is not None
    return bill


async def bills_of_enrollment(session: AsyncSession, enrollment_id: uuid.UUID) -> list[Bill]:
    rows = await session.scalars(
        select(Bill)
        .where(Bill.enrollment_id == enrollment_id)
        .order_by(Bill.period_start, Bill.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def enrollments_billed_in_term(session: AsyncSession, term_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        await session.scalars(select(Bill.enrollment_id).where(Bill.term_id == term_id).distinct())
    )


async def slot_fees(session: AsyncSession, enrollment_id: uuid.UUID) -> list[tuple[uuid.UUID, int]]:
    """The enrollment's chosen slots with their fee now."""
    rows = await session.execute(
        select(Slot.id, Slot.fee_fen)
        .join(EnrollmentSlot, EnrollmentSlot.slot_id == Slot.id)
        .where(EnrollmentSlot.enrollment_id == enrollment_id)
        .order_by(Slot.start_time)
    )
    return [(slot_id, fee) for slot_id, fee in rows]


async def schools_charging_monthly(session: AsyncSession) -> list[School]:
    rows = await session.scalars(
        select(School).where(School.policy["fees"]["mode"].astext == "per_month")
    )
    return list(rows)


async def enrollments_in_month(
    session: AsyncSession, school_id: uuid.UUID, first: date, last: date
) -> list[Enrollment]:
    """Enrollments of the school on the roster some day between ``first`` and ``last``."""
    rows = await session.scalars(
        select(Enrollment).where(
            Enrollment.school_id == school_id,
            Enrollment.status.in_(BILLED_STATUSES),
            Enrollment.start_date <= last,
            or_(Enrollment.end_date.is_(None), Enrollment.end_date > first),
        )
    )
    return list(rows)


async def bills_of_school(session: AsyncSession, school_id: uuid.UUID) -> list[Bill]:
    rows = await session.scalars(
        select(Bill).where(Bill.school_id == school_id).order_by(Bill.created_at, Bill.id)
    )
    return list(rows)


async def refunds_of_bills(
    session: AsyncSession, bill_ids: Sequence[uuid.UUID]
) -> list[BillRefund]:
    rows = await session.scalars(
        select(BillRefund)
        .where(BillRefund.bill_id.in_(bill_ids))
        .order_by(BillRefund.created_at, BillRefund.id)
    )
    return list(rows)


async def wechat_openid(session: AsyncSession, user_id: uuid.UUID) -> str | None:
    return await session.scalar(select(User.wechat_openid).where(User.id == user_id))


async def payment_by_trade_no(session: AsyncSession, out_trade_no: str) -> BillPayment | None:
    return await session.scalar(select(BillPayment).where(BillPayment.out_trade_no == out_trade_no))


async def refund_by_refund_no(session: AsyncSession, out_refund_no: str) -> BillRefund | None:
    return await session.scalar(select(BillRefund).where(BillRefund.out_refund_no == out_refund_no))


async def wechat_payments_left(
    session: AsyncSession, bill_id: uuid.UUID
) -> list[tuple[BillPayment, int]]:
    """The bill's WeChat payments, newest first, with what each has left to refund."""
    payments = list(
        await session.scalars(
            select(BillPayment)
            .where(
                BillPayment.bill_id == bill_id,
                BillPayment.method == PaymentMethod.WECHAT,
                BillPayment.status == PaymentStatus.SUCCEEDED,
            )
            .order_by(BillPayment.paid_at.desc(), BillPayment.id)
        )
    )
    refunded: dict[uuid.UUID | None, int] = {}
    for payment_id, amount in await session.execute(
        select(BillRefund.payment_id, BillRefund.amount_fen).where(
            BillRefund.bill_id == bill_id, BillRefund.payment_id.is_not(None)
        )
    ):
        refunded[payment_id] = refunded.get(payment_id, 0) + amount
    return [(p, p.amount_fen - refunded.get(p.id, 0)) for p in payments]


async def pending_refunds(
    session: AsyncSession, limit: int
) -> list[tuple[BillRefund, BillPayment]]:
    """Refunds still to send to WeChat Pay, locked so two workers never send one twice."""
    rows = await session.execute(
        select(BillRefund, BillPayment)
        .join(BillPayment, BillPayment.id == BillRefund.payment_id)
        .where(BillRefund.status == RefundStatus.PENDING)
        .order_by(BillRefund.created_at)
        .limit(limit)
        .with_for_update(of=BillRefund, skip_locked=True)
    )
    return [(row[0], row[1]) for row in rows]


async def remember_nonce(session: AsyncSession, nonce: str) -> bool:
    """Record a callback's nonce; False when it was seen before (a replay)."""
    inserted = await session.scalar(
        insert(NotifyNonce)
        .values(nonce=nonce)
        .on_conflict_do_nothing(index_elements=[NotifyNonce.nonce])
        .returning(NotifyNonce.nonce)
    )
    return inserted is not None


async def forget_nonces_before(session: AsyncSession, before: datetime) -> int:
    result = await session.execute(delete(NotifyNonce).where(NotifyNonce.seen_at < before))
    return int(getattr(result, "rowcount", 0) or 0)


StatementLine = Row[uuid.UUID, int, int, int, int, int, str, str, time]


async def statement_rows(
    session: AsyncSession, school_id: uuid.UUID, first: date, last: date
) -> Sequence[StatementLine]:
    """Each slot line of the school's bills starting in the month, with its class and slot."""
    rows = await session.execute(
        select(
            Bill.id,
            Bill.amount_fen,
            Bill.waived_fen,
            Bill.paid_fen,
            Bill.refunded_fen,
            BillLine.fee_fen,
            SchoolClass.name,
            Slot.name,
            Slot.start_time,
        )
        .join(BillLine, BillLine.bill_id == Bill.id)
        .join(Slot, Slot.id == BillLine.slot_id)
        .join(Student, Student.id == Bill.student_id)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(Bill.school_id == school_id, Bill.period_start.between(first, last))
        .order_by(Bill.id, Slot.start_time)
    )
    return rows.all()


async def month_totals_by_school(
    session: AsyncSession, school_ids: Sequence[uuid.UUID], first: date, last: date
) -> dict[uuid.UUID, tuple[int, int]]:
    """Per school: (charged net of waivers, refunded) on the bills starting in [first, last],
    as the monthly statement counts them. One grouped query for any number of schools."""
    rows = await session.execute(
        select(
            Bill.school_id,
            func.coalesce(func.sum(Bill.amount_fen - Bill.waived_fen), 0),
            func.coalesce(func.sum(Bill.refunded_fen), 0),
        )
        .where(Bill.school_id.in_(school_ids), Bill.period_start.between(first, last))
        .group_by(Bill.school_id)
    )
    return {school_id: (int(charged), int(refunded)) for school_id, charged, refunded in rows}


async def bills_of_children(
    session: AsyncSession, student_ids: Sequence[uuid.UUID]
) -> list[dict[str, Any]]:
    """The children's bills as plain rows, each with its payments and refunds (an export)."""
    bills = await rows(
        session,
        select(
            Bill.id,
            Bill.student_id,
            Bill.period,
            Bill.amount_fen,
            Bill.waived_fen,
            Bill.paid_fen,
            Bill.refunded_fen,
            Bill.due_date,
            Bill.status,
        )
        .where(Bill.student_id.in_(student_ids))
        .order_by(Bill.period_start),
    )
    ids = [b["id"] for b in bills]
    paid = await rows(
        session,
        select(
            BillPayment.bill_id,
            BillPayment.method,
            BillPayment.amount_fen,
            BillPayment.status,
            BillPayment.paid_at,
        )
        .where(BillPayment.bill_id.in_(ids))
        .order_by(BillPayment.created_at),
    )
    refunded = await rows(
        session,
        select(
            BillRefund.bill_id,
            BillRefund.reason,
            BillRefund.days,
            BillRefund.amount_fen,
            BillRefund.status,
            BillRefund.created_at,
            BillRefund.settled_at,
        )
        .where(BillRefund.bill_id.in_(ids))
        .order_by(BillRefund.created_at),
    )
    for bill in bills:
        bill["payments"] = [p for p in paid if p["bill_id"] == bill["id"]]
        bill["refunds"] = [r for r in refunded if r["bill_id"] == bill["id"]]
    return bills
