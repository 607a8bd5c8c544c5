"""The monthly fee publication (收费公示): totals by class and slot, no family named.

It covers the bills whose period starts in the month (a month's bills, or the term bills of
service that began that month), as they stand now: charged (after days taken off), waived,
paid and refunded. A bill's money is shared among its slots by their fees, to the fen, so
the rows add up exactly to the bills.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime, time
from itertools import groupby

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.spreadsheet import Column, Sheet
from app.fees import pricing
from app.fees import repository as repo
from app.fees.errors import FeesMonthInvalid
from app.fees.schemas import StatementOut, StatementRow, StatementTotals
from app.school import service as school_service
from app.school.models import School

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MONEY = ("charged_fen", "waived_fen", "paid_fen", "refunded_fen")


def parse_month(month: str) -> date:
    match = _MONTH.match(month)
    if match is None:
        raise FeesMonthInvalid(field="month")
    return date(int(match[1]), int(match[2]), 1)


async def statement(session: AsyncSession, school: School, month: str) -> StatementOut:
    first, last = pricing.month_bounds(parse_month(month))
    rows = await repo.statement_rows(session, school.id, first, last)
    cells: dict[tuple[str, str], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(("children", *MONEY), 0)
    )
    order: dict[tuple[str, str], tuple[str, time]] = {}
    for _, lines in groupby(rows, key=lambda r: r[0]):
        bill_lines = list(lines)
        _, amount, waived, paid, refunded = bill_lines[0][:5]
        weights = [line[5] for line in bill_lines]
        shares = {
            key: pricing.split(total, weights)
            for key, total in zip(MONEY, (amount, waived, paid, refunded), strict=True)
        }
        for i, line in enumerate(bill_lines):
            key = (line[6], line[7])
            order[key] = (line[6], line[8])
            cell = cells[key]
            cell["children"] += 1
            for money in MONEY:
                cell[money] += shares[money][i]
    keys = sorted(cells, key=lambda k: order[k])
    out = [StatementRow(class_name=k[0], slot_name=k[1], **cells[k]) for k in keys]
    bills = len({r[0] for r in rows})
    totals = StatementTotals(bills=bills, **{m: sum(getattr(r, m) for r in out) for m in MONEY})
    mode = school_service.policy_of(school).fees.mode
    return StatementOut(month=f"{first:%Y-%m}", mode=mode, rows=out, totals=totals)


COLUMNS = (
    Column("班级"),
    Column("时段"),
    Column("人数", "int"),
    Column("应收（元）", "yuan", total=True),
    Column("减免（元）", "yuan", total=True),
    Column("实收（元）", "yuan", total=True),
    Column("退费（元）", "yuan", total=True),
)


def sheet(school: School, report: StatementOut, made_at: datetime | None = None) -> Sheet:
    return Sheet(
        title="课后服务收费公示",
        school_name=school.name,
        period=report.month,
        made_at=made_at or clock.local_now(school.timezone),
        columns=COLUMNS,
        rows=(
            (
                r.class_name,
                r.slot_name,
                r.children,
                r.charged_fen,
                r.waived_fen,
                r.paid_fen,
                r.refunded_fen,
            )
            for r in report.rows
        ),
        sheet_name="收费公示",
    )
