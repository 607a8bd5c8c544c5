"""The district over HTTP: its schools in counts, monthly statistics, plans, complaints.

District endpoints answer counts only; no child or family is named, except the
complainant of a complaint escalated to the district (anonymity hides them from the school).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from app.auth.deps import ParentUser, SchoolAdmin
from app.core import clock
from app.core.database import SessionDep
from app.core.pagination import PageDep
from app.core.schemas import Month, Page
from app.core.spreadsheet import EXPORT_RESPONSES, Format, attachment, render
from app.district import complaints, plans, service
from app.district.deps import AdminTerm, ComplaintReader, DistrictAdmin, DistrictPlan
from app.district.exports import stats_sheet
from app.district.models import ComplaintStatus, PlanStatus
from app.district.schemas import (
    ComplaintIn,
    ComplaintOut,
    ComplaintResponseIn,
    DistrictOut,
    DistrictPatch,
    DistrictSchoolOut,
    DistrictStatsOut,
    PlanDecisionIn,
    PlanIn,
    PlanOut,
)

router = APIRouter(tags=["district"])

MonthQuery = Annotated[
    Month,
    Query(
        description="The month, `YYYY-MM`.",
        examples=["2026-11"],
    ),
]
PlanStatusQuery = Annotated[PlanStatus | None, Query()]
ComplaintStatusQuery = Annotated[ComplaintStatus | None, Query()]


# ---- the district ----


@router.get("/district", response_model=DistrictOut)
async def get_district(session: SessionDep, admin: DistrictAdmin) -> Any:
    return await service.get_district(session, admin)


@router.patch("/district", response_model=DistrictOut)
async def update_district(body: DistrictPatch, session: SessionDep, admin: DistrictAdmin) -> Any:
    """Rename, or require each term's plan to be approved before its enrollment opens."""
    return await service.update_district(session, admin, body)


@router.get("/district/schools", response_model=Page[DistrictSchoolOut])
async def list_district_schools(session: SessionDep, admin: DistrictAdmin, page: PageDep) -> Any:
    """Each school of the district in counts, by name."""
    items, cursor = await service.list_schools(session, admin, page)
    return Page(items=items, next_cursor=cursor)


@router.get("/district/stats", response_model=DistrictStatsOut)
async def district_stats(
    month: MonthQuery, session: SessionDep, admin: DistrictAdmin, page: PageDep
) -> Any:
    """Per school, by name: the month's enrollment, service, attendance, staff time and fees."""
    parsed = service.Month.parse(month)
    items, cursor = await service.month_stats(session, admin, parsed, page)
    return DistrictStatsOut(month=month, items=items, next_cursor=cursor)


async def _stats_file(
    month: str, session: SessionDep, admin: DistrictAdmin, fmt: Format
) -> Response:
    parsed = service.Month.parse(month)
    district, rows = await service.month_stats_all(session, admin, parsed)
    sheet = stats_sheet(district.name, parsed.label, rows, clock.local_now())
    return attachment(render(sheet, fmt), f"{district.name}课后服务统计{month}.{fmt}", fmt)


@router.get("/district/stats.xlsx", response_class=Response, responses=EXPORT_RESPONSES)
async def district_stats_xlsx(
    month: MonthQuery, session: SessionDep, admin: DistrictAdmin
) -> Response:
    """`GET /district/stats` of every school as an Excel sheet, with totals."""
    return await _stats_file(month, session, admin, "xlsx")


@router.get("/district/stats.csv", response_class=Response, responses=EXPORT_RESPONSES)
async def district_stats_csv(
    month: MonthQuery, session: SessionDep, admin: DistrictAdmin
) -> Response:
    """The `.xlsx`'s twin: UTF-8 with a BOM."""
    return await _stats_file(month, session, admin, "csv")


# ---- plans (方案备案) ----


@router.get("/district/plans", response_model=Page[PlanOut])
async def list_district_plans(
    session: SessionDep, admin: DistrictAdmin, page: PageDep, status: PlanStatusQuery = None
) -> Any:
    """Plans the district's schools have submitted, most recently changed first."""
    items, cursor = await plans.list_plans(session, admin, status, page)
    return Page(items=items, next_cursor=cursor)


@router.post("/district/plans/{plan_id}/decision", response_model=PlanOut)
async def decide_plan(
    body: PlanDecisionIn, session: SessionDep, admin: DistrictAdmin, plan: DistrictPlan
) -> Any:
    """Approve a submitted plan, or return it to the school to edit; its admins are notified
    (`plan.decided`)."""
    return await plans.decide_plan(session, admin, plan, body)


@router.put("/school/plans/{term_id}", response_model=PlanOut)
async def save_school_plan(
    body: PlanIn, session: SessionDep, admin: SchoolAdmin, term: AdminTerm
) -> Any:
    """Write the term's plan (实施方案) as a draft; a returned plan is a draft again."""
    return await plans.save_plan(session, admin, term, body.text)


@router.get("/school/plans/{term_id}", response_model=PlanOut)
async def get_school_plan(session: SessionDep, admin: SchoolAdmin, term: AdminTerm) -> Any:
    return await plans.get_plan(session, term)


@router.post("/school/plans/{term_id}/submit", response_model=PlanOut)
async def submit_school_plan(session: SessionDep, admin: SchoolAdmin, term: AdminTerm) -> Any:
    """File the draft with the district (备案) for its decision."""
    return await plans.submit_plan(session, admin, term)


# ---- complaints (监督举报) ----


@router.post("/complaints", status_code=201, response_model=ComplaintOut)
async def file_complaint(body: ComplaintIn, session: SessionDep, parent: ParentUser) -> Any:
    """Complain about your child's school (or name one of your children's schools)."""
    return await complaints.file(session, parent, body)


@router.get("/complaints", response_model=Page[ComplaintOut])
async def list_complaints(
    session: SessionDep, reader: ComplaintReader, page: PageDep, status: ComplaintStatusQuery = None
) -> Any:
    """A parent: their own; a school admin: the school's, anonymous ones without the parent."""
    items, cursor = await complaints.list_visible(session, reader, page, status)
    return Page(items=items, next_cursor=cursor)


@router.post("/complaints/{complaint_id}/responses", status_code=201, response_model=ComplaintOut)
async def answer_complaint(
    complaint_id: uuid.UUID, body: ComplaintResponseIn, session: SessionDep, admin: SchoolAdmin
) -> Any:
    """Answer a complaint of the school (`resolve` closes it); the parent is notified
    (`complaint.answered`)."""
    return await complaints.answer(session, admin, complaint_id, body)


@router.get("/district/complaints", response_model=Page[ComplaintOut])
async def list_district_complaints(
    session: SessionDep, admin: DistrictAdmin, page: PageDep, status: ComplaintStatusQuery = None
) -> Any:
    """Complaints of the district's schools not resolved within 7 days, with the parent."""
    items, cursor = await complaints.list_escalated(session, admin, page, status)
    return Page(items=items, next_cursor=cursor)
