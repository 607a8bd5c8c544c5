"""Complaints (监督举报): a family complains, the school answers, the district supervises.

The school never learns who made an anonymous complaint; the district does. A complaint
still unresolved ``ESCALATE_AFTER_DAYS`` after it was made goes to the district by the
periodic job ``escalate_overdue``.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import audit, clock
from app.core.pagination import PageParams, paginate
from app.core.principal import Principal
from app.district import repository as repo
from app.district.errors import ComplaintNotFound, ComplaintResolved, ComplaintSchoolInvalid
from app.district.models import (
    ESCALATE_AFTER_DAYS,
    Complaint,
    ComplaintCategory,
    ComplaintResponse,
    ComplaintStatus,
)
from app.district.schemas import (
    Complainant,
    ComplaintIn,
    ComplaintOut,
    ComplaintResponseIn,
    ComplaintResponseOut,
)
from app.notifications import service as notifications
from app.notifications.templates import Kind
from app.school import access
from app.school.models import School


async def file(session: AsyncSession, parent: Principal, body: ComplaintIn) -> ComplaintOut:
    """A parent complains about a school one of their children attends (default: the child's)."""
    schools = await access.readable_school_ids(session, parent)
    if body.school_id is not None:
        if body.school_id not in schools:
            raise ComplaintSchoolInvalid(field="school_id")
        school_id = body.school_id
    elif len(schools) == 1:
        school_id = next(iter(schools))
    else:  # no child yet, or children at several schools: the parent must say which
        raise ComplaintSchoolInvalid(field="school_id")
    complaint = Complaint(
        id=uuid.uuid4(),
        school_id=school_id,
        complainant_id=parent.id,
        category=body.category,
        text=body.text,
        anonymous=body.anonymous,
        status=ComplaintStatus.OPEN,
        created_at=clock.now(),
    )
    session.add(complaint)
    await session.flush()
    await audit.record(
        session,
        action="complaint.filed",
        object_type="complaint",
        object_id=complaint.id,
        # An anonymous complaint's trail must not name the parent to the school's admins.
        actor_id=None if body.anonymous else parent.id,
        school_id=school_id,
        data={"category": body.category, "anonymous": body.anonymous},
    )
    return (await describe(session, [complaint], reveal=True))[0]


async def describe(
    session: AsyncSession, complaints: list[Complaint], *, reveal: bool
) -> list[ComplaintOut]:
    """Complaints with their answers; ``reveal`` shows who made the anonymous ones."""
    ids = [c.id for c in complaints]
    answers: dict[uuid.UUID, list[ComplaintResponseOut]] = {i: [] for i in ids}
    for r in await repo.responses_of(session, ids):
        answers[r.complaint_id].append(ComplaintResponseOut.model_validate(r))
    shown = {
        c.complainant_id for c in complaints if c.complainant_id and (reveal or not c.anonymous)
    }
    people = await repo.people(session, shown)
    schools = await repo.names(session, School, {c.school_id for c in complaints})
    result = []
    for c in complaints:
        person = people.get(c.complainant_id) if c.complainant_id in shown else None
        result.append(
            ComplaintOut(
                id=c.id,
                school_id=c.school_id,
                school_name=schools[c.school_id],
                category=ComplaintCategory(c.category),
                text=c.text,
                anonymous=c.anonymous,
                complainant=(
                    Complainant(id=person.id, name=person.name, phone=person.phone)
                    if person
                    else None
                ),
                status=ComplaintStatus(c.status),
                created_at=c.created_at,
                escalated_at=c.escalated_at,
                resolved_at=c.resolved_at,
                responses=answers[c.id],
            )
        )
    return result


async def _page(
    session: AsyncSession,
    stmt: Select[Complaint],
    page: PageParams,
    status: ComplaintStatus | None,
    *,
    reveal: bool,
) -> tuple[list[ComplaintOut], str | None]:
    if status is not None:
        stmt = stmt.where(Complaint.status == status)
    rows, cursor = await paginate(
        session, stmt, page, (Complaint.created_at, Complaint.id), descending=True
    )
    return await describe(session, rows, reveal=reveal), cursor


async def list_visible(
    session: AsyncSession, principal: Principal, page: PageParams, status: ComplaintStatus | None
) -> tuple[list[ComplaintOut], str | None]:
    """A school admin: the school's (anonymous ones unnamed); a parent: their own."""
    if principal.is_school_admin and principal.school_id is not None:
        stmt = repo.complaints_of_school(principal.school_id)
        return await _page(session, stmt, page, status, reveal=False)
    return await _page(
        session, repo.complaints_of_complainant(principal.id), page, status, reveal=True
    )


async def list_escalated(
    session: AsyncSession, principal: Principal, page: PageParams, status: ComplaintStatus | None
) -> tuple[list[ComplaintOut], str | None]:
    """The district's: complaints of its schools escalated to it, with who made them."""
    assert principal.district_id is not None
    stmt = repo.escalated_complaints(principal.district_id)
    return await _page(session, stmt, page, status, reveal=True)


async def answer(
    session: AsyncSession, admin: Principal, complaint_id: uuid.UUID, body: ComplaintResponseIn
) -> ComplaintOut:
    """A school admin answers (and may resolve); the parent is told (``complaint.answered``)."""
    complaint = await repo.complaint_of_school(session, admin.staff_school(), complaint_id)
    if complaint is None:
        raise ComplaintNotFound()
    if complaint.status == ComplaintStatus.RESOLVED:
        raise ComplaintResolved()
    now = clock.now()
    session.add(
        ComplaintResponse(
            id=uuid.uuid4(),
            complaint_id=complaint.id,
            author_id=admin.id,
            text=body.text,
            resolve=body.resolve,
            created_at=now,
        )
    )
    complaint.status = ComplaintStatus.RESOLVED if body.resolve else ComplaintStatus.ANSWERED
    if body.resolve:
        complaint.resolved_at = now
    await session.flush()
    await audit.record(
        session,
        action="complaint.answered",
        object_type="complaint",
        object_id=complaint.id,
        actor_id=admin.id,
        school_id=complaint.school_id,
        data={"resolve": body.resolve, "status": complaint.status},
    )
    described = (await describe(session, [complaint], reveal=False))[0]
    if complaint.complainant_id is not None:
        await notifications.notify(
            session,
            recipients=[complaint.complainant_id],
            kind=Kind.COMPLAINT_ANSWERED,
            params={
                "school_name": described.school_name,
                "status": "已办结" if body.resolve else "处理中",
                "text": body.text,
            },
            data={"complaint_id": complaint.id, "status": complaint.status},
        )
    return described


async def escalate_overdue(session: AsyncSession, now: datetime) -> int:
    """The periodic job: complaints unresolved for 7 days go to their district's admins."""
    escalated = await repo.escalate_overdue(session, now)
    for complaint_id, district_id in escalated:
        complaint = await session.get_one(Complaint, complaint_id)
        school = await session.get_one(School, complaint.school_id)
        await audit.record(
            session,
            action="complaint.escalated",
            object_type="complaint",
            object_id=complaint_id,
            actor_id=None,
            school_id=complaint.school_id,
            data={"district_id": str(district_id)},
        )
        await notifications.notify(
            session,
            recipients=await repo.district_admin_ids(session, district_id),
            kind=Kind.COMPLAINT_ESCALATED,
            params={"school_name": school.name, "days": ESCALATE_AFTER_DAYS},
            data={"complaint_id": complaint_id, "school_id": school.id},
            dedupe_key=f"complaint.escalated:{complaint_id}",
        )
    return len(escalated)
