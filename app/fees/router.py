"""Fees endpoints: bills, paying them (WeChat Pay or at the office), WeChat Pay's callback,
and the monthly statement."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from app.auth.deps import ParentUser, SchoolAdmin
from app.core.database import SessionDep
from app.core.errors import PROBLEM_SCHEMA
from app.core.pagination import PageDep
from app.core.schemas import Month, Page
from app.core.spreadsheet import EXPORT_RESPONSES, Format, attachment, render
from app.fees import service
from app.fees.deps import BillReader, FamilyBill, ReadableBill, SchoolBill
from app.fees.models import BillStatus
from app.fees.schemas import (
    BillOut,
    NotifyAck,
    OfflinePaymentIn,
    RequestPaymentOut,
    StatementOut,
)
from app.school import service as school_service

router = APIRouter(tags=["fees"])

MonthQuery = Annotated[Month, Query(description="The month, as YYYY-MM.", examples=["2026-10"])]


@router.get("/bills", response_model=Page[BillOut])
async def list_bills(
    session: SessionDep,
    reader: BillReader,
    page: PageDep,
    term_id: uuid.UUID | None = None,
    status: BillStatus | None = None,
) -> Page[BillOut]:
    """Newest first: a parent's children's bills, a school admin's school's."""
    items, cursor = await service.list_bills(session, reader, page, term_id=term_id, status=status)
    return Page(items=items, next_cursor=cursor)


@router.get("/bills/{id}", response_model=BillOut)
async def get_bill(session: SessionDep, bill: ReadableBill) -> BillOut:
    """One bill, with its refund records."""
    return (await service.describe(session, [bill]))[0]


@router.post("/bills/{id}/pay", response_model=RequestPaymentOut)
async def pay_bill(session: SessionDep, parent: ParentUser, bill: FamilyBill) -> Any:
    """A WeChat Pay JSAPI order for what is left to pay: pass the answer to
    `wx.requestPayment`. The bill is paid when WeChat Pay's callback arrives."""
    return await service.pay_by_wechat(session, parent, bill)


@router.post("/bills/{id}/payments", response_model=BillOut)
async def record_payment(
    body: OfflinePaymentIn, session: SessionDep, admin: SchoolAdmin, bill: SchoolBill
) -> BillOut:
    """Cash or a bank transfer received at the school office (up to what is left to pay)."""
    return await service.record_offline_payment(session, admin, bill, body)


_PROBLEM = {"application/problem+json": {"schema": PROBLEM_SCHEMA}}
NOTIFY_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {
        "description": "A bad, stale or replayed signature (`payments.bad_signature`, "
        "`payments.stale_callback`, `payments.replayed`): nothing changes.",
        "content": _PROBLEM,
    },
    503: {
        "description": "WeChat Pay is not configured here (`payments.not_configured`).",
        "content": _PROBLEM,
    },
}


@router.post("/payments/wechat/notify", response_model=NotifyAck, responses=NOTIFY_RESPONSES)
async def wechat_pay_notify(request: Request, session: SessionDep) -> NotifyAck:
    """WeChat Pay's callback (no bearer token: its signature is checked instead).
    A bad signature, a stale or replayed one: 401 and nothing changes."""
    await service.wechat_notify(session, request.headers, await request.body())
    return NotifyAck()


@router.get("/fees/statement", response_model=StatementOut)
async def fee_statement(session: SessionDep, admin: SchoolAdmin, month: MonthQuery) -> StatementOut:
    """The month's fees by class and slot (收费公示): charged, waived, paid, refunded."""
    school = await school_service.get_school(session, admin)
    return await service.monthly_statement(session, school, month)


async def _statement_file(
    session: SessionDep, admin: SchoolAdmin, month: str, fmt: Format
) -> Response:
    school = await school_service.get_school(session, admin)
    report = await service.monthly_statement(session, school, month)
    sheet = service.statement_sheet(school, report)
    return attachment(render(sheet, fmt), f"收费公示-{report.month}.{fmt}", fmt)


@router.get("/fees/statement.xlsx", response_class=Response, responses=EXPORT_RESPONSES)
async def fee_statement_xlsx(
    session: SessionDep, admin: SchoolAdmin, month: MonthQuery
) -> Response:
    """The statement as an Excel file: no family named."""
    return await _statement_file(session, admin, month, "xlsx")


@router.get("/fees/statement.csv", response_class=Response, responses=EXPORT_RESPONSES)
async def fee_statement_csv(session: SessionDep, admin: SchoolAdmin, month: MonthQuery) -> Response:
    """The `.xlsx` file's twin: the same columns, UTF-8 with a BOM for Excel."""
    return await _statement_file(session, admin, month, "csv")
