"""The ledgers as office sheets (``.xlsx`` and the ``.csv`` twin), through core/spreadsheet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from app.core import clock
from app.core.spreadsheet import Column, Sheet
from app.ledger.service import Counts, LedgerLine
from app.school.models import School

_COUNT_COLUMNS = (
    Column("应到人数", "int", total=True),
    Column("待点名", "int", total=True),
    Column("出勤", "int", total=True),
    Column("缺勤", "int", total=True),
    Column("请假", "int", total=True),
    Column("已接走", "int", total=True),
    Column("自行离校", "int", total=True),
)

DAILY_COLUMNS = (
    Column("日期", "date"),
    Column("小组", width=18),
    Column("时段", width=10),
    Column("负责老师"),
    Column("签到教师", width=20),
    *_COUNT_COLUMNS,
    Column("点名时间", "datetime"),
    Column("看护记录", width=40),
)

MONTHLY_COLUMNS = (
    Column("日期", "date"),
    Column("小组", width=18),
    Column("时段", width=10),
    *_COUNT_COLUMNS,
)


def _counts(counts: Counts) -> list[int]:
    return [
        counts.total,
        counts.expected,
        counts.present,
        counts.absent,
        counts.on_leave,
        counts.picked_up,
        counts.released,
    ]


def _local(moment: dt.datetime | None, zone: ZoneInfo) -> dt.datetime | None:
    """A timestamp as the school's clock showed it (a cell has no zone)."""
    return moment.astimezone(zone).replace(tzinfo=None) if moment else None


def _daily_rows(lines: Sequence[LedgerLine], zone: ZoneInfo) -> Iterator[list[Any]]:
    kinds = {"activity": "活动", "note": "记事", "incident": "事件"}
    for line in lines:
        yield [
            line.date,
            line.group.group_name,
            line.group.slot_name,
            line.group.leader_name,
            "、".join(line.staff_checked_in),
            *_counts(line.counts),
            _local(line.roll_call_taken_at, zone),
            "；".join(
                f"[{kinds[log.kind]}]{log.student_name or ''}{log.text}" for log in line.care_log
            ),
        ]


def daily_sheet(school: School, day: dt.date, lines: Sequence[LedgerLine]) -> Sheet:
    zone = ZoneInfo(school.timezone)
    return Sheet(
        title="课后服务台账（日）",
        school_name=school.name,
        period=day.isoformat(),
        made_at=clock.local_now(school.timezone),
        columns=DAILY_COLUMNS,
        rows=_daily_rows(lines, zone),
        sheet_name="日台账",
    )


def monthly_sheet(school: School, month: str, lines: Sequence[LedgerLine]) -> Sheet:
    return Sheet(
        title="课后服务台账（月）",
        school_name=school.name,
        period=month,
        made_at=clock.local_now(school.timezone),
        columns=MONTHLY_COLUMNS,
        rows=(
            [line.date, line.group.group_name, line.group.slot_name, *_counts(line.counts)]
            for line in lines
        ),
        sheet_name="月台账",
    )
