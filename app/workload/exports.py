"""The month's workload as an office sheet (``.xlsx`` and its ``.csv`` twin)."""

from __future__ import annotations

from collections.abc import Sequence

from app.core import clock
from app.core.spreadsheet import Column, Sheet
from app.school.models import School
from app.workload.figures import StaffWorkload

EMPLOYMENT_NAMES = {"school": "本校", "external": "校外", "volunteer": "志愿者"}

COLUMNS = (
    Column("姓名", width=12),
    Column("用工类型"),
    Column("课时数", "int", total=True),
    Column("课时分钟", "int", total=True),
    Column("加班分钟", "int", total=True),
    Column("值班分钟", "int", total=True),
    Column("报酬（元）", "yuan", total=True),
)


def workload_sheet(school: School, month: str, people: Sequence[StaffWorkload]) -> Sheet:
    return Sheet(
        title="教师工作量",
        school_name=school.name,
        period=month,
        made_at=clock.now(),
        columns=COLUMNS,
        rows=(
            (
                p.name,
                EMPLOYMENT_NAMES.get(p.employment, p.employment),
                p.sessions,
                p.session_minutes,
                p.overtime_minutes,
                p.duty_minutes,
                p.pay_fen,
            )
            for p in people
        ),
        sheet_name="工作量",
    )
