"""Workload, its exports and its publication (公示)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from app.auth.deps import SchoolAdmin, StaffUser
from app.core.database import SessionDep
from app.core.principal import Principal
from app.core.schemas import Month
from app.core.spreadsheet import EXPORT_RESPONSES, Format, attachment, render
from app.workload import exports, service
from app.workload.figures import StaffWorkload
from app.workload.schemas import (
    PublishedItem,
    PublishedOut,
    WorkloadFigures,
    WorkloadItem,
    WorkloadOut,
)

router = APIRouter(tags=["workload"])

MonthQuery = Annotated[Month, Query(description="YYYY-MM")]


def _item(person: StaffWorkload) -> WorkloadItem:
    return WorkloadItem(
        staff_id=person.staff_id,
        name=person.name,
        employment=person.employment,
        **person.figures(),
    )


@router.get("/workload", response_model=WorkloadOut)
async def workload(session: SessionDep, user: StaffUser, month: MonthQuery) -> WorkloadOut:
    """The month's sessions, overtime, duty minutes and pay by staff member, as the records
    stand now (admin: everyone; teacher and duty staff: themselves)."""
    people = await service.readable(session, user, month)
    return WorkloadOut(month=month, items=[_item(p) for p in people])


async def _file(session: SessionDep, user: Principal, month: str, fmt: Format) -> Response:
    people = await service.readable(session, user, month)
    school = await service.school_of(session, user)
    content = render(exports.workload_sheet(school, month, people), fmt)
    return attachment(content, f"教师工作量-{month}.{fmt}", fmt)


@router.get("/workload.xlsx", response_class=Response, responses=EXPORT_RESPONSES)
async def workload_xlsx(session: SessionDep, user: StaffUser, month: MonthQuery) -> Response:
    """The month's workload as an Excel sheet, pay in yuan, with totals."""
    return await _file(session, user, month, "xlsx")


@router.get("/workload.csv", response_class=Response, responses=EXPORT_RESPONSES)
async def workload_csv(session: SessionDep, user: StaffUser, month: MonthQuery) -> Response:
    """The workload sheet's `.csv` twin (UTF-8 with BOM)."""
    return await _file(session, user, month, "csv")


@router.post("/workload/{month}/publish", response_model=PublishedOut)
async def publish(
    session: SessionDep, admin: SchoolAdmin, month: Annotated[Month, Path(description="YYYY-MM")]
) -> PublishedOut:
    """公示: freeze the month's figures (admin). Once per month: 409
    `workload.already_published`; a later change shows as a correction, never replacing
    the published figure. A month not yet begun: 422."""
    await service.publish(session, admin, month)
    return await _published(session, admin, month)


@router.get("/workload/published", response_model=PublishedOut)
async def published(session: SessionDep, user: StaffUser, month: MonthQuery) -> PublishedOut:
    """The month's published workload, read by every staff member of the school, with each
    correction since beside the published figure (not published: 404)."""
    return await _published(session, user, month)


async def _published(session: SessionDep, user: Principal, month: str) -> PublishedOut:
    published_at, lines = await service.published(session, user, month)
    return PublishedOut(
        month=month,
        published_at=published_at,
        items=[
            PublishedItem(
                staff_id=line.staff_id,
                name=line.name,
                employment=line.employment,
                **line.published,
                correction=WorkloadFigures(**line.correction) if line.correction else None,
            )
            for line in lines
        ],
    )
