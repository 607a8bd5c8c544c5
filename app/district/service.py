"""The district's entry points: its account and schools, their figures, the worker's day
counts, and the gate plans keep on enrollment. Plans are in ``plans.py``, complaints in
``complaints.py``."""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import accounts
from app.auth.errors import AuthUsernameTaken
from app.auth.models import Role
from app.core import audit, clock
from app.core.database import sessionmaker
from app.core.pagination import PageParams, paginate
from app.core.personal_data import Section
from app.core.principal import Principal
from app.district import repository as repo
from app.district.errors import DistrictNotFound, TermPlanNotApproved
from app.district.models import District, PlanStatus
from app.district.schemas import (
    DistrictOut,
    DistrictPatch,
    DistrictSchoolOut,
    SchoolMonthOut,
)
from app.enrollment.events import EnrollmentApplying
from app.fees import service as fees
from app.school.models import School

# The worker's day counts: today and yesterday every 10 minutes (``count_recent_days``), the
# last week every hour (roll calls caught up late), older history once (``count_days``).
RECENT_DAYS = 2
WEEK_DAYS = 8
BACKFILL_DAYS = 31
BACKFILL_STEPS = 12


# ---- the district ----


async def create_district(
    *, name: str, admin_username: str, admin_password: str
) -> tuple[uuid.UUID, uuid.UUID]:
    """A district and its first admin (``kehou create-district``), in one transaction.

    Raises ``Invalid`` (weak password, malformed username) or ``Conflict`` (username taken).
    """
    async with sessionmaker()() as session, session.begin():
        district, admin_id = await add_district(
            session, name=name, admin_username=admin_username, admin_password=admin_password
        )
        return district.id, admin_id


async def add_district(
    session: AsyncSession, *, name: str, admin_username: str, admin_password: str
) -> tuple[District, uuid.UUID]:
    """A district and its admin, in the caller's transaction (the command, the demo)."""
    district = District(id=uuid.uuid4(), name=name, created_at=clock.now())
    session.add(district)
    await session.flush()
    login = accounts.normalize_username(admin_username)
    accounts.check_password(admin_password, username=login)
    admin = await accounts.insert_user(
        session,
        district_id=district.id,
        username=login,
        name=name,
        password_hash=await accounts.hash_password(admin_password),
        roles=[Role.DISTRICT_ADMIN.value],
    )
    if admin is None:
        raise AuthUsernameTaken()
    await audit.record(
        session,
        action="district.created",
        object_type="district",
        object_id=district.id,
        actor_id=None,
        school_id=None,
        data={"name": name, "admin_user_id": str(admin.id), "username": login},
    )
    return district, admin.id


async def place_school(session: AsyncSession, school: School, district_id: uuid.UUID) -> None:
    """Put ``school`` in a district (``kehou create-school --district-id``)."""
    if await repo.district_of(session, district_id) is None:
        raise DistrictNotFound()
    school.district_id = district_id
    await session.flush()
    await audit.record(
        session,
        action="school.placed_in_district",
        object_type="school",
        object_id=school.id,
        actor_id=None,
        school_id=school.id,
        data={"district_id": str(district_id)},
    )


def district_id_of(principal: Principal) -> uuid.UUID:
    """The district a district admin acts in (the ``DistrictAdmin`` wall guarantees one)."""
    assert principal.district_id is not None
    return principal.district_id


async def _own_district(
    session: AsyncSession, principal: Principal, *, lock: bool = False
) -> District:
    district = await repo.district_of(session, district_id_of(principal), lock=lock)
    if district is None:
        raise DistrictNotFound()
    return district


async def _describe(session: AsyncSession, district: District) -> DistrictOut:
    return DistrictOut(
        id=district.id,
        name=district.name,
        require_plan_approval=district.require_plan_approval,
        schools=await repo.school_count(session, district.id),
    )


async def get_district(session: AsyncSession, principal: Principal) -> DistrictOut:
    return await _describe(session, await _own_district(session, principal))


async def update_district(
    session: AsyncSession, principal: Principal, body: DistrictPatch
) -> DistrictOut:
    # locked, so two changes at once apply one after the other
    district = await _own_district(session, principal, lock=True)
    changes: dict[str, list[object]] = {}
    for field in body.model_fields_set:
        value = getattr(body, field)
        if value is not None and value != getattr(district, field):
            changes[field] = [getattr(district, field), value]
            setattr(district, field, value)
    if changes:
        await session.flush()
        await audit.record(
            session,
            action="district.updated",
            object_type="district",
            object_id=district.id,
            actor_id=principal.id,
            school_id=None,
            data=changes,
        )
    return await _describe(session, district)


# ---- the schools and their figures (counts only) ----


def _rate(present_and_marked: tuple[int, int] | None) -> float | None:
    if not present_and_marked or not present_and_marked[1]:
        return None
    present, marked = present_and_marked
    return round(present / marked, 4)


async def list_schools(
    session: AsyncSession, principal: Principal, page: PageParams
) -> tuple[list[DistrictSchoolOut], str | None]:
    schools, cursor = await paginate(
        session, repo.schools_of(district_id_of(principal)), page, (School.name, School.id)
    )
    ids = [s.id for s in schools]
    now = clock.now()
    students = await repo.students_by_school(session, ids)
    enrolled = await repo.enrolled_now_by_school(session, ids, now)
    marks = await repo.marks_last_30_days(session, ids, now)
    plans = await repo.plan_status_by_school(session, ids, now)
    complaints = await repo.open_complaints_by_school(session, ids)
    items = []
    for school in schools:
        n, e = students.get(school.id, 0), enrolled.get(school.id, 0)
        items.append(
            DistrictSchoolOut(
                id=school.id,
                name=school.name,
                students=n,
                enrolled=e,
                participation_rate=round(e / n, 4) if n else 0.0,
                attendance_rate_30d=_rate(marks.get(school.id)),
                plan_status=plans.get(school.id) or "none",
                open_complaints=complaints.get(school.id, 0),
            )
        )
    return items, cursor


@dataclass(frozen=True)
class Month:
    label: str  # YYYY-MM
    first: date
    last: date

    @classmethod
    def parse(cls, value: str) -> Month:
        """``YYYY-MM`` (the router's pattern has checked the shape)."""
        year, month = int(value[:4]), int(value[5:7])
        last_day = calendar.monthrange(year, month)[1]
        return cls(value, date(year, month, 1), date(year, month, last_day))


async def month_figures(
    session: AsyncSession, schools: list[School], month: Month
) -> list[SchoolMonthOut]:
    """Each school's figures of the month: one grouped statement per figure, not per school."""
    ids = [s.id for s in schools]
    args = (session, ids, month.first, month.last)
    enrolled = await repo.enrolled_in_month(*args)
    service_days = await repo.service_days_in_month(*args)
    sessions = await repo.sessions_in_month(*args)
    marks = await repo.marks_in_month(*args)
    staff_minutes = await repo.staff_minutes_in_month(*args)
    overtime = await repo.overtime_minutes_in_month(*args)
    # charged (net of waivers) and refunded, as each school's fee statement counts them
    money = await fees.month_totals_by_school(session, ids, month.first, month.last)
    return [
        SchoolMonthOut(
            school_id=s.id,
            school_name=s.name,
            enrolled=enrolled.get(s.id, 0),
            service_days=service_days.get(s.id, 0),
            sessions=sessions.get(s.id, 0),
            attendance_rate=_rate(marks.get(s.id)),
            staff_minutes=staff_minutes.get(s.id, 0),
            overtime_minutes=overtime.get(s.id, 0),
            fees_charged_fen=money.get(s.id, (0, 0))[0],
            fees_refunded_fen=money.get(s.id, (0, 0))[1],
        )
        for s in schools
    ]


async def month_stats(
    session: AsyncSession, principal: Principal, month: Month, page: PageParams
) -> tuple[list[SchoolMonthOut], str | None]:
    schools, cursor = await paginate(
        session, repo.schools_of(district_id_of(principal)), page, (School.name, School.id)
    )
    return await month_figures(session, schools, month), cursor


async def month_stats_all(
    session: AsyncSession, principal: Principal, month: Month
) -> tuple[District, list[SchoolMonthOut]]:
    """Every school's figures of the month, for the export."""
    district = await _own_district(session, principal)
    schools = await repo.all_schools_of(session, district.id)
    return district, await month_figures(session, schools, month)


async def ensure_enrollment_open(session: AsyncSession, event: EnrollmentApplying) -> None:
    """409 ``term.plan_not_approved`` while the district requires approval and the term's
    plan is not approved (heard before a family applies: ``app/wiring.py``)."""
    required, status = await repo.plan_gate(session, event.term_id)
    if required and status != PlanStatus.APPROVED:
        raise TermPlanNotApproved()


# ---- the worker's day counts (the statistics' roll-call figures) ----


async def _count_back(session: AsyncSession, now: datetime, days: int) -> None:
    # The UTC date and the day after it cover "today" in every school's zone.
    last = now.date() + timedelta(days=1)
    await repo.count_days(session, last - timedelta(days=days), last, now)


async def count_recent_days(session: AsyncSession, now: datetime) -> None:
    """Recount today and yesterday, then count any older history not counted yet."""
    await _count_back(session, now, RECENT_DAYS)
    for _ in range(BACKFILL_STEPS):
        last = await repo.last_uncounted_day(session)
        if last is None:
            break
        await repo.count_days(session, last - timedelta(days=BACKFILL_DAYS - 1), last, now)


async def recount_week(session: AsyncSession, now: datetime) -> None:
    """Recount the last week: roll calls caught up a few days late."""
    await _count_back(session, now, WEEK_DAYS)


async def _personal_data(
    session: AsyncSession, user_id: uuid.UUID, student_ids: Sequence[uuid.UUID]
) -> dict[str, Any]:
    """The complaints the guardian filed, with the school's answers."""
    return {"complaints": await repo.complaints_filed_by(session, user_id)}


PERSONAL_DATA = Section("complaints", ("complaints", "complaint_responses"), _personal_data)
