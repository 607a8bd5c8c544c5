"""Every query of the district: its schools' figures (one grouped statement each), plans,
complaints, and who is told about them.

The figures take a list of school ids and answer ``{school_id: value}`` in one statement
whatever the number of schools (``GET /district/stats`` over 200 schools runs 8 of them).
Roll-call figures read the worker's day counts (``district_school_days``), not the marks:
a month of marks of 200 schools is millions of rows (``bench/district_stats.py``).
A school missing from an answer has nothing to count (0). Staff minutes, overtime and fees
are each read through one function below, named for the figure: its docstring says where
the figure comes from today and which domain's service supplies it once that domain exists.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ARRAY,
    Date,
    DateTime,
    Select,
    Uuid,
    bindparam,
    cast,
    delete,
    distinct,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from app.attendance.models import RollCallMark
from app.auth.models import Role, User
from app.core.personal_data import rows
from app.district.models import (
    ESCALATE_AFTER_DAYS,
    Complaint,
    ComplaintResponse,
    ComplaintStatus,
    District,
    SchoolDay,
    SchoolPlan,
)
from app.enrollment.models import ON_ROSTER, Enrollment, EnrollmentStatus
from app.school.models import School, Student, Term

Counts = dict[uuid.UUID, int]
# Present marks and all marks, for a rate.
Marks = dict[uuid.UUID, tuple[int, int]]

# Enrolled now: an enrollment that still holds its child's place.
ENROLLED_NOW = (EnrollmentStatus.ACTIVE, EnrollmentStatus.WITHDRAWAL_PENDING)
ATTENDANCE_WINDOW_DAYS = 30


def _local_today(now: datetime) -> ColumnElement[date]:
    """Each school's today, in its own zone, from the service clock's ``now``."""
    return cast(func.timezone(School.timezone, literal(now, DateTime(timezone=True))), Date)


async def _counts(session: AsyncSession, stmt: Select[uuid.UUID, int]) -> Counts:
    return {school_id: int(n) for school_id, n in (await session.execute(stmt)).all()}


async def _marks(session: AsyncSession, stmt: Select[uuid.UUID, int, int]) -> Marks:
    rows = (await session.execute(stmt)).all()
    return {school_id: (int(present), int(marked)) for school_id, present, marked in rows}


# ---- the district and its schools ----


async def district_of(
    session: AsyncSession, district_id: uuid.UUID, *, lock: bool = False
) -> District | None:
    return await session.get(
        District, district_id, with_for_update=lock or None, populate_existing=lock
    )


async def school_count(session: AsyncSession, district_id: uuid.UUID) -> int:
    stmt = select(func.count()).select_from(School).where(School.district_id == district_id)
    return int(await session.scalar(stmt) or 0)


def schools_of(district_id: uuid.UUID) -> Select[School]:
    return select(School).where(School.district_id == district_id)


async def all_schools_of(session: AsyncSession, district_id: uuid.UUID) -> list[School]:
    return list(await session.scalars(schools_of(district_id).order_by(School.name, School.id)))


async def district_admin_ids(session: AsyncSession, district_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = select(User.id).where(
        User.district_id == district_id,
        User.is_active,
        User.roles.contains([Role.DISTRICT_ADMIN.value]),
    )
    return list(await session.scalars(stmt))


async def school_admin_ids(session: AsyncSession, school_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = select(User.id).where(
        User.school_id == school_id,
        User.is_active,
        User.roles.contains([Role.SCHOOL_ADMIN.value]),
    )
    return list(await session.scalars(stmt))


# ---- figures of the schools list (now) ----


async def students_by_school(session: AsyncSession, ids: list[uuid.UUID]) -> Counts:
    return await _counts(
        session,
        select(Student.school_id, func.count())
        .where(Student.school_id.in_(ids))
        .group_by(Student.school_id),
    )


async def enrolled_now_by_school(
    session: AsyncSession, ids: list[uuid.UUID], now: datetime
) -> Counts:
    """Children with an enrollment holding its place in a term that has not ended."""
    return await _counts(
        session,
        select(Enrollment.school_id, func.count(distinct(Enrollment.student_id)))
        .join(Term, Term.id == Enrollment.term_id)
        .join(School, School.id == Enrollment.school_id)
        .where(
            Enrollment.school_id.in_(ids),
            Enrollment.status.in_(ENROLLED_NOW),
            Term.end_date >= _local_today(now),
        )
        .group_by(Enrollment.school_id),
    )


async def marks_last_30_days(session: AsyncSession, ids: list[uuid.UUID], now: datetime) -> Marks:
    today = _local_today(now)
    return await _marks(
        session,
        _day_marks()
        .join(School, School.id == SchoolDay.school_id)
        .where(
            SchoolDay.school_id.in_(ids),
            SchoolDay.day <= today,
            SchoolDay.day > today - ATTENDANCE_WINDOW_DAYS,
        ),
    )


async def plan_status_by_school(
    session: AsyncSession, ids: list[uuid.UUID], now: datetime
) -> dict[uuid.UUID, str | None]:
    """The plan status of each school's current term, or the next one if between terms."""
    stmt = (
        select(Term.school_id, SchoolPlan.status)
        .join(School, School.id == Term.school_id)
        .outerjoin(SchoolPlan, SchoolPlan.term_id == Term.id)
        .where(Term.school_id.in_(ids), Term.end_date >= _local_today(now))
        .order_by(Term.school_id, Term.start_date, Term.id)
        .ext(distinct_on(Term.school_id))
    )
    return {school_id: status for school_id, status in (await session.execute(stmt)).all()}


async def open_complaints_by_school(session: AsyncSession, ids: list[uuid.UUID]) -> Counts:
    return await _counts(
        session,
        select(Complaint.school_id, func.count())
        .where(Complaint.school_id.in_(ids), Complaint.status != ComplaintStatus.RESOLVED)
        .group_by(Complaint.school_id),
    )


# ---- figures of a month ----


async def enrolled_in_month(
    session: AsyncSession, ids: list[uuid.UUID], first: date, last: date
) -> Counts:
    """Children on a roster on some day of the month (as ``ON_ROSTER`` defines it)."""
    return await _counts(
        session,
        select(Enrollment.school_id, func.count(distinct(Enrollment.student_id)))
        .join(Term, Term.id == Enrollment.term_id)
        .where(
            Enrollment.school_id.in_(ids),
            Enrollment.status.in_(ON_ROSTER),
            Enrollment.start_date <= last,
            or_(Enrollment.end_date.is_(None), Enrollment.end_date > first),
            Term.end_date >= first,
            Term.start_date <= last,
        )
        .group_by(Enrollment.school_id),
    )


_SERVICE_DAYS = text(
    """
SELECT t.school_id, count(DISTINCT d.day)
FROM terms t
CROSS JOIN LATERAL generate_series(
    greatest(t.start_date, :first), least(t.end_date, :last), interval '1 day'
) AS d(day)
WHERE t.school_id = ANY(:ids)
  AND t.start_date <= :last AND t.end_date >= :first
  AND extract(isodow FROM d.day)::smallint = ANY(t.weekdays)
  AND d.day::date <> ALL(coalesce(t.closures, '{}'))
GROUP BY t.school_id
"""
).bindparams(
    bindparam("ids", type_=ARRAY(Uuid())),
    bindparam("first", type_=Date),
    bindparam("last", type_=Date),
)


async def service_days_in_month(
    session: AsyncSession, ids: list[uuid.UUID], first: date, last: date
) -> Counts:
    """Days of the month that are service days of one of the school's terms."""
    rows = await session.execute(_SERVICE_DAYS, {"ids": ids, "first": first, "last": last})
    return {school_id: int(n) for school_id, n in rows.all()}


def _day_marks() -> Select[uuid.UUID, int, int]:
    present, marked = func.sum(SchoolDay.present), func.sum(SchoolDay.marked)
    return select(SchoolDay.school_id, present, marked).group_by(SchoolDay.school_id)


def _day_sum(column: Any, ids: list[uuid.UUID], first: date, last: date) -> Select[uuid.UUID, int]:
    return (
        select(SchoolDay.school_id, func.sum(column))
        .where(SchoolDay.school_id.in_(ids), SchoolDay.day.between(first, last))
        .group_by(SchoolDay.school_id)
    )


async def sessions_in_month(
    session: AsyncSession, ids: list[uuid.UUID], first: date, last: date
) -> Counts:
    """Group × slot × day with a roll call taken (from the worker's day counts)."""
    return await _counts(session, _day_sum(SchoolDay.sessions, ids, first, last))


async def marks_in_month(
    session: AsyncSession, ids: list[uuid.UUID], first: date, last: date
) -> Marks:
    return await _marks(
        session,
        _day_marks().where(SchoolDay.school_id.in_(ids), SchoolDay.day.between(first, last)),
    )


async def staff_minutes_in_month(
    session: AsyncSession, ids: list[uuid.UUID], first: date, last: date
) -> Counts:
    """Staff minutes: each session's slot length, once per session.

    Source today: the worker's day counts of the sessions with a roll call (taking a roll
    call checks its caller in, API.md "The daily ledger"). Once staff check-ins exist, the
    ledger's service supplies the month's minutes of every check-in per school, leaders and
    assistants alike, in place of this one.
    """
    return await _counts(session, _day_sum(SchoolDay.staff_minutes, ids, first, last))


async def overtime_minutes_in_month(
    session: AsyncSession, ids: list[uuid.UUID], first: date, last: date
) -> Counts:
    """Overtime minutes: the minutes of each session after the school's ``overtime_after``.

    Source today: the worker's day counts, as ``staff_minutes_in_month``. Once the workload
    domain exists, its service supplies the month's overtime per school (the sum of
    ``GET /workload``'s ``overtime_minutes``) in place of this one.
    """
    return await _counts(session, _day_sum(SchoolDay.overtime_minutes, ids, first, last))


# ---- the worker's day counts ----

# Every school's figures of each day in [first, last] from its roll-call marks, in one pass:
# the marks by session (group × slot × day), then the sessions by school and day with their
# slot's minutes. Read school by school (``ix_roll_call_marks_school_day``).
_COUNT_DAYS = text(
    """
INSERT INTO district_school_days
    (school_id, day, sessions, present, marked, staff_minutes, overtime_minutes, counted_at)
SELECT s.school_id, s.day, count(*), sum(s.present), sum(s.marked),
       coalesce(sum(extract(epoch FROM sl.end_time - sl.start_time) / 60), 0)::int,
       coalesce(sum(extract(epoch FROM greatest(
           sl.end_time - greatest(
               sl.start_time,
               -- the policy's default (API.md, "Staff, workload and duty")
               coalesce((sc.policy ->> 'overtime_after')::time, time '16:30')
           ),
           interval '0'
       )) / 60), 0)::int,
       :now
FROM (
    SELECT roll_call_marks.school_id, group_id, slot_id, day,
           count(*) FILTER (WHERE status = 'present') AS present, count(*) AS marked
    FROM schools JOIN roll_call_marks ON roll_call_marks.school_id = schools.id
    WHERE day BETWEEN :first AND :last
    GROUP BY roll_call_marks.school_id, group_id, slot_id, day
) s
JOIN slots sl ON sl.id = s.slot_id
JOIN schools sc ON sc.id = s.school_id
GROUP BY s.school_id, s.day
ON CONFLICT (school_id, day) DO UPDATE SET
    sessions = excluded.sessions, present = excluded.present, marked = excluded.marked,
    staff_minutes = excluded.staff_minutes, overtime_minutes = excluded.overtime_minutes,
    counted_at = excluded.counted_at
"""
).bindparams(
    bindparam("first", type_=Date),
    bindparam("last", type_=Date),
    bindparam("now", type_=DateTime(timezone=True)),
)


async def count_days(session: AsyncSession, first: date, last: date, now: datetime) -> None:
    """Recount every school's days in [first, last]; a day whose marks are gone loses its row."""
    await session.execute(
        delete(SchoolDay).where(
            SchoolDay.day.between(first, last),
            ~exists().where(
                RollCallMark.school_id == SchoolDay.school_id, RollCallMark.day == SchoolDay.day
            ),
        )
    )
    await session.execute(_COUNT_DAYS, {"first": first, "last": last, "now": now})


async def last_uncounted_day(session: AsyncSession) -> date | None:
    """The latest day with marks before the earliest counted day (older history to count)."""
    earliest = await session.scalar(select(func.min(SchoolDay.day)))
    # School by school, each one step down ``ix_roll_call_marks_school_day``: 1.1 s → 4 ms
    # over 200 schools and 17 million marks (bench/README.md, "Reports").
    latest = (
        select(RollCallMark.day)
        .where(RollCallMark.school_id == School.id)
        .order_by(RollCallMark.day.desc())
        .limit(1)
    )
    if earliest is not None:
        latest = latest.where(RollCallMark.day < earliest)
    per_school = select(latest.scalar_subquery().label("day")).select_from(School).subquery()
    last: date | None = await session.scalar(select(func.max(per_school.c.day)))
    return last


# ---- plans ----


async def plan_for_update(session: AsyncSession, term_id: uuid.UUID) -> SchoolPlan | None:
    return await session.scalar(
        select(SchoolPlan)
        .where(SchoolPlan.term_id == term_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def insert_plan_if_missing(session: AsyncSession, **values: Any) -> None:
    """A draft for the term unless it has a plan (two first saves at once make one)."""
    now = values.pop("now")
    await session.execute(
        insert(SchoolPlan)
        .values(id=uuid.uuid4(), created_at=now, updated_at=now, **values)
        .on_conflict_do_nothing(index_elements=[SchoolPlan.term_id])
    )


def district_plans(district_id: uuid.UUID) -> Select[SchoolPlan]:
    """The plans a district sees: those its schools have submitted at least once."""
    return (
        select(SchoolPlan)
        .join(School, School.id == SchoolPlan.school_id)
        .where(School.district_id == district_id, SchoolPlan.submitted_at.is_not(None))
    )


async def district_plan(
    session: AsyncSession, district_id: uuid.UUID, plan_id: uuid.UUID, *, lock: bool = False
) -> SchoolPlan | None:
    stmt = district_plans(district_id).where(SchoolPlan.id == plan_id)
    if lock:
        stmt = stmt.with_for_update(of=SchoolPlan).execution_options(populate_existing=True)
    return await session.scalar(stmt)


async def plan_gate(session: AsyncSession, term_id: uuid.UUID) -> tuple[bool, str | None]:
    """Whether the term's district requires approval, and the term's plan status."""
    row = (
        await session.execute(
            select(District.require_plan_approval, SchoolPlan.status)
            .select_from(Term)
            .join(School, School.id == Term.school_id)
            .join(District, District.id == School.district_id)
            .outerjoin(SchoolPlan, SchoolPlan.term_id == Term.id)
            .where(Term.id == term_id)
        )
    ).one_or_none()
    if row is None:
        return False, None
    return bool(row[0]), row[1]


async def names(
    session: AsyncSession, model: type[School] | type[Term], ids: set[uuid.UUID]
) -> dict[uuid.UUID, str]:
    rows = await session.execute(select(model.id, model.name).where(model.id.in_(ids)))
    return {i: name for i, name in rows.all()}


# ---- complaints ----


def complaints_of_complainant(user_id: uuid.UUID) -> Select[Complaint]:
    return select(Complaint).where(Complaint.complainant_id == user_id)


def complaints_of_school(school_id: uuid.UUID) -> Select[Complaint]:
    return select(Complaint).where(Complaint.school_id == school_id)


def escalated_complaints(district_id: uuid.UUID) -> Select[Complaint]:
    return (
        select(Complaint)
        .join(School, School.id == Complaint.school_id)
        .where(School.district_id == district_id, Complaint.escalated_at.is_not(None))
    )


async def complaint_of_school(
    session: AsyncSession, school_id: uuid.UUID, complaint_id: uuid.UUID
) -> Complaint | None:
    return await session.scalar(
        complaints_of_school(school_id)
        .where(Complaint.id == complaint_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def responses_of(
    session: AsyncSession, complaint_ids: list[uuid.UUID]
) -> list[ComplaintResponse]:
    return list(
        await session.scalars(
            select(ComplaintResponse)
            .where(ComplaintResponse.complaint_id.in_(complaint_ids))
            .order_by(ComplaintResponse.created_at, ComplaintResponse.id)
        )
    )


async def people(session: AsyncSession, user_ids: set[uuid.UUID]) -> dict[uuid.UUID, User]:
    rows = await session.scalars(select(User).where(User.id.in_(user_ids)))
    return {u.id: u for u in rows}


async def escalate_overdue(
    session: AsyncSession, now: datetime
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Mark every complaint unresolved for ``ESCALATE_AFTER_DAYS`` escalated, once.

    Returns each escalated complaint's id and its school's district (schools in no district
    are skipped: nobody above them to tell). Safe from several workers: a row is escalated
    by the one update that finds ``escalated_at`` still empty.
    """
    due = now - timedelta(days=ESCALATE_AFTER_DAYS)
    escalated = (
        update(Complaint)
        .where(
            Complaint.escalated_at.is_(None),
            Complaint.status != ComplaintStatus.RESOLVED,
            Complaint.created_at <= due,
            Complaint.school_id == School.id,
            School.district_id.is_not(None),
        )
        .values(escalated_at=now)
        .returning(Complaint.id, School.district_id)
    )
    return [(cid, did) for cid, did in (await session.execute(escalated)).all() if did]


async def complaints_filed_by(session: AsyncSession, user_id: uuid.UUID) -> list[dict[str, Any]]:
    """A guardian's complaints, oldest first, each with the school's answers (an export)."""
    complaints = await rows(
        session,
        select(
            Complaint.id,
            Complaint.school_id,
            Complaint.category,
            Complaint.text,
            Complaint.anonymous,
            Complaint.status,
            Complaint.created_at,
            Complaint.resolved_at,
        )
        .where(Complaint.complainant_id == user_id)
        .order_by(Complaint.created_at),
    )
    answers = await rows(
        session,
        select(
            ComplaintResponse.complaint_id,
            ComplaintResponse.text,
            ComplaintResponse.resolve,
            ComplaintResponse.created_at,
        )
        .where(ComplaintResponse.complaint_id.in_([c["id"] for c in complaints]))
        .order_by(ComplaintResponse.created_at),
    )
    for complaint in complaints:
        complaint["responses"] = [a for a in answers if a["complaint_id"] == complaint["id"]]
    return complaints
