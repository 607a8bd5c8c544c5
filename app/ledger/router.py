"""Care log, ledger (台账) and statistics endpoints."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.auth.deps import SchoolAdmin, TeacherOrAdmin
from app.core.database import SessionDep
from app.core.schemas import Day
from app.core.spreadsheet import EXPORT_RESPONSES, Format, attachment, render
from app.ledger import deps, exports, repository, service
from app.ledger.schemas import (
    AttendanceBy,
    AttendanceItemOut,
    AttendanceOut,
    CareLogIn,
    CareLogOut,
    DailyLedgerOut,
    LedgerLineOut,
    MonthlyLedgerOut,
    MonthlyLineOut,
    ParticipationBy,
    ParticipationItemOut,
    ParticipationOut,
    StatusCountsOut,
)

router = APIRouter(tags=["ledger"])


def _counts(counts: service.Counts) -> dict[str, int]:
    return {
        "expected": counts.expected,
        "present": counts.present,
        "absent": counts.absent,
        "on_leave": counts.on_leave,
        "picked_up": counts.picked_up,
        "released": counts.released,
        "total": counts.total,
    }


@router.post("/care-logs", status_code=201, response_model=CareLogOut)
async def create_care_log(body: CareLogIn, session: SessionDep, user: TeacherOrAdmin) -> CareLogOut:
    """Write down what happened in a session (the group's leader or assistant, an admin).

    An `incident` naming a `student_id` notifies the child's guardians (`incident.reported`).
    """
    group = await deps.loggable_group(session, user, body)
    return CareLogOut.model_validate(await service.create_care_log(session, user, group, body))


@router.get("/ledger/daily", response_model=DailyLedgerOut)
async def daily_ledger(
    session: SessionDep, user: TeacherOrAdmin, day: deps.LedgerDay
) -> DailyLedgerOut:
    """The day's sessions with the roster's counts (admin: every group; teacher: their own)."""
    lines = await service.daily(session, user, day)
    return DailyLedgerOut(
        date=day,
        items=[
            LedgerLineOut(
                group_id=line.group.group_id,
                group_name=line.group.group_name,
                kind=line.group.kind,
                slot_id=line.group.slot_id,
                slot_name=line.group.slot_name,
                leader_name=line.group.leader_name,
                staff_checked_in=line.staff_checked_in,
                roll_call_taken_at=line.roll_call_taken_at,
                care_log=[CareLogOut.model_validate(log) for log in line.care_log],
                **_counts(line.counts),
            )
            for line in lines
        ],
    )


async def _daily_file(
    session: SessionDep, user: TeacherOrAdmin, day: dt.date, fmt: Format
) -> Response:
    lines = await service.daily(session, user, day)
    school = await repository.school_of(session, user.staff_school())
    content = render(exports.daily_sheet(school, day, lines), fmt)
    return attachment(content, f"课后服务台账-{day.isoformat()}.{fmt}", fmt)


@router.get("/ledger/daily.xlsx", response_class=Response, responses=EXPORT_RESPONSES)
async def daily_ledger_xlsx(
    session: SessionDep, user: TeacherOrAdmin, day: deps.LedgerDay
) -> Response:
    """The daily ledger as an Excel sheet (title row, totals)."""
    return await _daily_file(session, user, day, "xlsx")


@router.get("/ledger/daily.csv", response_class=Response, responses=EXPORT_RESPONSES)
async def daily_ledger_csv(
    session: SessionDep, user: TeacherOrAdmin, day: deps.LedgerDay
) -> Response:
    """The daily ledger's `.csv` twin (UTF-8 with BOM)."""
    return await _daily_file(session, user, day, "csv")


@router.get("/ledger/monthly", response_model=MonthlyLedgerOut)
async def monthly_ledger(
    session: SessionDep, admin: SchoolAdmin, month: deps.LedgerMonth
) -> MonthlyLedgerOut:
    """Per group and service day of the month, the roster's counts, with the totals."""
    lines, totals = await service.monthly(session, admin, month)
    return MonthlyLedgerOut(
        month=month,
        items=[
            MonthlyLineOut(
                date=line.date,
                group_id=line.group.group_id,
                group_name=line.group.group_name,
                slot_id=line.group.slot_id,
                slot_name=line.group.slot_name,
                **_counts(line.counts),
            )
            for line in lines
        ],
        totals=StatusCountsOut(**_counts(totals)),
    )


async def _monthly_file(
    session: SessionDep, admin: SchoolAdmin, month: str, fmt: Format
) -> Response:
    lines, _ = await service.monthly(session, admin, month)
    school = await repository.school_of(session, admin.staff_school())
    content = render(exports.monthly_sheet(school, month, lines), fmt)
    return attachment(content, f"课后服务台账-{month}.{fmt}", fmt)


@router.get("/ledger/monthly.xlsx", response_class=Response, responses=EXPORT_RESPONSES)
async def monthly_ledger_xlsx(
    session: SessionDep, admin: SchoolAdmin, month: deps.LedgerMonth
) -> Response:
    """The monthly ledger as an Excel sheet (title row, totals)."""
    return await _monthly_file(session, admin, month, "xlsx")


@router.get("/ledger/monthly.csv", response_class=Response, responses=EXPORT_RESPONSES)
async def monthly_ledger_csv(
    session: SessionDep, admin: SchoolAdmin, month: deps.LedgerMonth
) -> Response:
    """The monthly ledger's `.csv` twin (UTF-8 with BOM)."""
    return await _monthly_file(session, admin, month, "csv")


@router.get("/stats/participation", response_model=ParticipationOut)
async def participation_stats(
    session: SessionDep,
    admin: SchoolAdmin,
    term_id: Annotated[uuid.UUID, Query()],
    by: Annotated[ParticipationBy, Query()] = ParticipationBy.GRADE,
) -> ParticipationOut:
    """How many children take part in the term's service, by grade, class or slot."""
    rows = await service.participation(session, admin, term_id, by)
    return ParticipationOut(
        items=[
            ParticipationItemOut(
                key=r.key, label=r.label, students=r.students, enrolled=r.enrolled, rate=r.rate
            )
            for r in rows
        ]
    )


@router.get("/stats/attendance", response_model=AttendanceOut)
async def attendance_stats(
    session: SessionDep,
    admin: SchoolAdmin,
    first: Annotated[Day, Query(alias="from")],
    last: Annotated[Day, Query(alias="to")],
    by: Annotated[AttendanceBy, Query()] = AttendanceBy.CLASS,
) -> AttendanceOut:
    """The rosters' statuses over a range of days, by class or group.

    `expected` counts child-sessions on the rosters; `present` those marked present or
    handed over; `rate` = present / (expected − on_leave).
    """
    rows = await service.attendance_stats(session, admin, first, last, by)
    return AttendanceOut(
        items=[
            AttendanceItemOut(
                key=r.key,
                label=r.label,
                expected=r.counts.total,
                present=r.counts.attended,
                absent=r.counts.absent,
                on_leave=r.counts.on_leave,
                rate=r.rate,
            )
            for r in rows
        ]
    )
