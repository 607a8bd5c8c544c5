"""The district's monthly statistics as an office sheet (``.xlsx`` and its ``.csv`` twin)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from app.core.spreadsheet import Column, Sheet
from app.district.schemas import SchoolMonthOut

STATS_COLUMNS = (
    Column("学校", width=24),
    Column("服务学生数", "int", total=True),
    Column("服务天数", "int"),
    Column("服务场次", "int", total=True),
    Column("出勤率", "percent"),
    Column("教师服务时长（分钟）", "int", total=True),
    Column("延时服务时长（分钟）", "int", total=True),
    Column("收费（元）", "yuan", total=True),
    Column("退费（元）", "yuan", total=True),
)


def _rows(rows: Sequence[SchoolMonthOut]) -> Iterator[list[Any]]:
    for r in rows:
        yield [
            r.school_name,
            r.enrolled,
            r.service_days,
            r.sessions,
            r.attendance_rate,
            r.staff_minutes,
            r.overtime_minutes,
            r.fees_charged_fen,
            r.fees_refunded_fen,
        ]


def stats_sheet(
    district_name: str, month: str, rows: Sequence[SchoolMonthOut], made_at: datetime
) -> Sheet:
    return Sheet(
        title="课后服务月度统计",
        school_name=district_name,
        period=month,
        made_at=made_at,
        columns=STATS_COLUMNS,
        rows=_rows(rows),
        sheet_name=month,
    )
