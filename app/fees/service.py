"""The entry point of fees: what routers and the worker call, and what enrollment's and the
school's events set off (subscribed in ``app/wiring.py``).

Bills are made and repriced in ``billing``, money moves in ``payments``, the monthly
publication is ``statement``; this module says when each happens and who may ask.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.pagination import PageParams, paginate
from app.core.personal_data import Section
from app.core.principal import Principal
from app.core.spreadsheet import Sheet
from app.enrollment.events import EnrollmentActivated, EnrollmentWithdrawn
from app.enrollment.models import Enrollment
from app.fees import billing, payments, statement
from app.fees import repository as repo
from app.fees.models import Bill, BillRefund, BillStatus, RefundReason
from app.fees.schemas import BillOut, OfflinePaymentIn, RefundOut, StatementOut
from app.school.events import TermClosuresChanged
from app.school.models import School

# ---- events: enrollment and school set-up announce these in their own transaction ----


async def enrollment_activated(session: AsyncSession, event: EnrollmentActivated) -> None:
    """An enrollment became active: its first bill (the term's, or its first month's)."""
    await billing.bill_new_enrollment(session, event.enrollment)


async def enrollment_withdrawn(session: AsyncSession, event: EnrollmentWithdrawn) -> None:
    """A withdrawal stands: days from its effective date come off, pro rata, and go back."""
    await billing.reprice(session, event.enrollment, RefundReason.WITHDRAWAL, event.actor_id)


async def term_closures_changed(session: AsyncSession, event: TermClosuresChanged) -> None:
    """Closures of a term changed: every bill of the term is repriced (closed days refunded)."""
    for enrollment_id in await repo.enrollments_billed_in_term(session, event.term.id):
        enrollment = await session.get_one(Enrollment, enrollment_id)
        await billing.reprice(session, enrollment, RefundReason.CLOSURE, event.actor_id)


async def bill_this_month(session: AsyncSession, school: School) -> int:
    """This month's bills of one per-month school (what the monthly job does for each)."""
    return await billing.bill_month(session, school, clock.today(school.timezone))


# ---- periodic jobs (app.jobs) ----


async def make_monthly_bills(session: AsyncSession, now: datetime) -> int:
    """This month's bills in every per-month school (once each, safe from several workers)."""
    made = 0
    for school in await repo.schools_charging_monthly(session):
        made += await bill_this_month(session, school)
    return made


async def send_refunds(session: AsyncSession, now: datetime) -> int:
    return await payments.send_pending_refunds(session)


async def forget_notify_nonces(session: AsyncSession, now: datetime) -> int:
    return await payments.forget_old_nonces(session)


# ---- reading ----


async def list_bills(
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    *,
    term_id: uuid.UUID | None,
    status: BillStatus | None,
) -> tuple[list[BillOut], str | None]:
    """Newest first: a parent's children's bills, an admin's school's."""
    stmt = select(Bill).where(repo.readable(principal))
    if term_id is not None:
        stmt = stmt.where(Bill.term_id == term_id)
    if status is not None:
        stmt = stmt.where(Bill.status == status)
    bills, cursor = await paginate(session, stmt, page, (Bill.created_at, Bill.id), descending=True)
    return await describe(session, bills), cursor


async def describe(session: AsyncSession, bills: Sequence[Bill]) -> list[BillOut]:
    """Bills with their refund records, in one query for the whole page."""
    refunds: dict[uuid.UUID, list[BillRefund]] = defaultdict(list)
    for refund in await repo.refunds_of_bills(session, [b.id for b in bills]) if bills else []:
        refunds[refund.bill_id].append(refund)
    return [
        BillOut.model_validate(
            {
                **{f: getattr(b, f) for f in BillOut.model_fields if f != "refunds"},
                "refunds": [RefundOut.model_validate(r) for r in refunds[b.id]],
            }
        )
        for b in bills
    ]


async def readable_bill(
    session: AsyncSession, principal: Principal, bill_id: uuid.UUID
) -> Bill | None:
    return await session.scalar(select(Bill).where(Bill.id == bill_id, repo.readable(principal)))


async def bills_of_school(session: AsyncSession, school_id: uuid.UUID) -> list[Bill]:
    """Every bill of a school, oldest first (the demo; the API pages instead)."""
    return await repo.bills_of_school(session, school_id)


def outstanding(bill: Bill) -> int:
    """What is left to pay on a bill."""
    return billing.outstanding(bill)


async def monthly_statement(session: AsyncSession, school: School, month: str) -> StatementOut:
    return await statement.statement(session, school, month)


def statement_sheet(school: School, report: StatementOut) -> Sheet:
    return statement.sheet(school, report)


# ---- money ----


async def pay_by_wechat(session: AsyncSession, principal: Principal, bill: Bill) -> dict[str, str]:
    return await payments.start_wechat_payment(session, principal, bill)


async def record_offline_payment(
    session: AsyncSession, admin: Principal, bill: Bill, body: OfflinePaymentIn
) -> BillOut:
    bill = await payments.record_offline_payment(session, admin, bill, body.amount_fen, body.method)
    return (await describe(session, [bill]))[0]


async def wechat_notify(session: AsyncSession, headers: Mapping[str, str], body: bytes) -> None:
    await payments.handle_notify(session, headers, body)


async def month_totals_by_school(
    session: AsyncSession, school_ids: Sequence[uuid.UUID], first: date, last: date
) -> dict[uuid.UUID, tuple[int, int]]:
    """(charged net of waivers, refunded) in fen per school for the bills of a month: the
    figures of each school's ``GET /fees/statement``, for the district's statistics."""
    return await repo.month_totals_by_school(session, school_ids, first, last)


async def _personal_data(
    session: AsyncSession, user_id: uuid.UUID, student_ids: Sequence[uuid.UUID]
) -> dict[str, Any]:
    """The children's bills, with what was paid and refunded on each."""
    return {"bills": await repo.bills_of_children(session, student_ids)}


PERSONAL_DATA = Section("fees", ("bills", "bill_payments", "bill_refunds"), _personal_data)
