"""School plans (方案备案): a school admin drafts and submits a term's plan, the district
approves or returns it. While the district requires approval, ``service.ensure_enrollment_open``
keeps the term's enrollment closed until its plan is approved."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import audit, clock
from app.core.pagination import PageParams, paginate
from app.core.principal import Principal
from app.district import repository as repo
from app.district.errors import (
    PlanNoDistrict,
    PlanNotEditable,
    PlanNotFound,
    PlanNotSubmittable,
    PlanNotSubmitted,
)
from app.district.models import PlanStatus, SchoolPlan
from app.district.schemas import PlanDecisionIn, PlanOut
from app.district.service import district_id_of
from app.notifications import service as notifications
from app.notifications.templates import Kind
from app.school.models import School, Term

EDITABLE = (PlanStatus.DRAFT, PlanStatus.RETURNED)


async def describe_plans(session: AsyncSession, plans: list[SchoolPlan]) -> list[PlanOut]:
    schools = await repo.names(session, School, {p.school_id for p in plans})
    terms = await repo.names(session, Term, {p.term_id for p in plans})
    return [
        PlanOut(
            id=p.id,
            school_id=p.school_id,
            school_name=schools[p.school_id],
            term_id=p.term_id,
            term_name=terms[p.term_id],
            text=p.text,
            status=PlanStatus(p.status),
            comment=p.comment,
            submitted_at=p.submitted_at,
            decided_at=p.decided_at,
            updated_at=p.updated_at,
        )
        for p in plans
    ]


async def _record_plan(
    session: AsyncSession, plan: SchoolPlan, action: str, actor: Principal, **data: object
) -> None:
    await audit.record(
        session,
        action=action,
        object_type="school_plan",
        object_id=plan.id,
        actor_id=actor.id,
        school_id=plan.school_id,
        data={"term_id": str(plan.term_id), "status": plan.status, **data},
    )


async def save_plan(session: AsyncSession, admin: Principal, term: Term, text: str) -> PlanOut:
    """Write the term's plan as a draft (a returned plan becomes a draft again)."""
    now = clock.now()
    await repo.insert_plan_if_missing(
        session,
        school_id=term.school_id,
        term_id=term.id,
        text=text,
        status=PlanStatus.DRAFT,
        updated_by=admin.id,
        now=now,
    )
    plan = await repo.plan_for_update(session, term.id)
    assert plan is not None  # inserted above or already there
    if plan.status not in EDITABLE:
        raise PlanNotEditable()
    plan.text, plan.status, plan.updated_by, plan.updated_at = text, PlanStatus.DRAFT, admin.id, now
    await session.flush()
    await _record_plan(session, plan, "plan.saved", admin, length=len(text))
    return (await describe_plans(session, [plan]))[0]


async def _plan_of(session: AsyncSession, term: Term) -> SchoolPlan:
    plan = await repo.plan_for_update(session, term.id)
    if plan is None:
        raise PlanNotFound()
    return plan


async def get_plan(session: AsyncSession, term: Term) -> PlanOut:
    return (await describe_plans(session, [await _plan_of(session, term)]))[0]


async def submit_plan(session: AsyncSession, admin: Principal, term: Term) -> PlanOut:
    plan = await _plan_of(session, term)
    if plan.status not in EDITABLE:
        raise PlanNotSubmittable()
    school = await session.get_one(School, plan.school_id)
    if school.district_id is None:
        raise PlanNoDistrict()
    plan.status, plan.submitted_at = PlanStatus.SUBMITTED, clock.now()
    await session.flush()
    await _record_plan(session, plan, "plan.submitted", admin)
    return (await describe_plans(session, [plan]))[0]


async def visible_plan(
    session: AsyncSession, principal: Principal, plan_id: uuid.UUID
) -> SchoolPlan:
    """A plan of one of the district's schools, else 404."""
    plan = await repo.district_plan(session, district_id_of(principal), plan_id)
    if plan is None:
        raise PlanNotFound()
    return plan


async def decide_plan(
    session: AsyncSession, principal: Principal, plan: SchoolPlan, body: PlanDecisionIn
) -> PlanOut:
    """Approve or return a submitted plan; the school's admins are told (``plan.decided``)."""
    locked = await repo.district_plan(session, district_id_of(principal), plan.id, lock=True)
    assert locked is not None
    if locked.status != PlanStatus.SUBMITTED:
        raise PlanNotSubmitted()
    approved = body.decision == "approve"
    locked.status = PlanStatus.APPROVED if approved else PlanStatus.RETURNED
    locked.comment, locked.decided_at, locked.decided_by = body.comment, clock.now(), principal.id
    await session.flush()
    await _record_plan(session, locked, "plan.decided", principal, comment=body.comment)
    described = (await describe_plans(session, [locked]))[0]
    await notifications.notify(
        session,
        recipients=await repo.school_admin_ids(session, locked.school_id),
        kind=Kind.PLAN_DECIDED,
        params={
            "term_name": described.term_name,
            "outcome": "已审核同意" if approved else "被退回修改",
            "comment": body.comment or "",
        },
        data={"plan_id": locked.id, "term_id": locked.term_id, "status": locked.status},
    )
    return described


async def list_plans(
    session: AsyncSession, principal: Principal, status: PlanStatus | None, page: PageParams
) -> tuple[list[PlanOut], str | None]:
    stmt = repo.district_plans(district_id_of(principal))
    if status is not None:
        stmt = stmt.where(SchoolPlan.status == status)
    plans, cursor = await paginate(
        session, stmt, page, (SchoolPlan.updated_at, SchoolPlan.id), descending=True
    )
    return await describe_plans(session, plans), cursor
