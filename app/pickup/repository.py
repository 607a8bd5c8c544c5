"""Gate pickup's queries: every prebuilt statement and every query the gate's hot paths run.

The gate's statements are built once (``@cache``) with bound parameters: building and
cache-keying them cost more CPU than PostgreSQL spends running them (bench/README.md,
round 1: the day status and roster −42%; round 2: the handover 15 → 8 statements,
10.6 → 5.0 ms). Rows are read by name (the statements label their columns).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date, time
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Row,
    Select,
    String,
    Table,
    Time,
    Uuid,
    and_,
    any_,
    bindparam,
    exists,
    func,
    literal,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.selectable import LateralFromClause

from app.attendance.roster import (
    DAY,
    StudentColumn,
    day_params,
    enrolled_on_day,
    on_leave,
    roll_call_mark,
)
from app.auth.models import Role, User
from app.enrollment.models import ON_ROSTER, Enrollment, EnrollmentSlot
from app.leave.models import LeaveRequest, LeaveStatus
from app.pickup.models import (
    BlockedAdult,
    Handover,
    PickupPass,
    PickupPassStudent,
    PickupPerson,
    VerificationFailure,
)
from app.school.models import Guardian, School, SchoolClass, Slot, Student, Term

# Who is in the school's care on a day ----------------------------------------------------------


def _in_care(waiting_only: bool) -> list[ColumnElement[bool]]:
    """An enrollment of ``school_id`` on the roster covering the day of ``day_params`` (the
    roster's own rule, ``attendance.roster.enrolled_on_day``), and its child not yet handed
    over that day when ``waiting_only``."""
    conditions: list[ColumnElement[bool]] = [
        Enrollment.school_id == bindparam("school_id"),
        Enrollment.status.in_(ON_ROSTER),
        *enrolled_on_day(),
    ]
    if waiting_only:  # checked before any per-slot lookup
        conditions.append(
            ~exists().where(
                Handover.school_id == Enrollment.school_id,  # the school's day: one index range
                Handover.date == DAY,
                Handover.student_id == Enrollment.student_id,
            )
        )
    return conditions


def _over_enrolled_slots(stmt: Select[Any], waiting_only: bool) -> Select[Any]:
    """``stmt`` over each enrolled slot of the enrollments ``_in_care`` admits."""
    return (
        stmt.join(Term, Term.id == Enrollment.term_id)
        .join(EnrollmentSlot, EnrollmentSlot.enrollment_id == Enrollment.id)
        .join(Slot, Slot.id == EnrollmentSlot.slot_id)
        .where(*_in_care(waiting_only))
    )


def _slot_day() -> dict[str, Any]:
    """What decides a child's day, per enrolled slot (``daystatus``): its start and end,
    approved leave covering it, and its latest roll-call mark (the roster's rules)."""
    return {
        "start": Slot.start_time,
        "end": Slot.end_time,
        "leave": on_leave(Enrollment.student_id, Slot.id, DAY),
        "mark": roll_call_mark(Enrollment.student_id, Slot.id, DAY),
    }


@cache
def _enrolled_slots_select(for_some_children: bool, waiting_only: bool) -> Select[Any]:
    columns = [column.label(name) for name, column in _slot_day().items()]
    stmt = _over_enrolled_slots(select(Enrollment.student_id, *columns), waiting_only)
    if for_some_children:
        stmt = stmt.where(Enrollment.student_id == any_(bindparam("student_ids", ARRAY(Uuid()))))
    return stmt


async def enrolled_slots(
    session: AsyncSession,
    school_id: uuid.UUID,
    day: date,
    student_ids: Collection[uuid.UUID] | None,
    *,
    waiting_only: bool = False,
) -> Sequence[Row[Any]]:
    """A row per child and enrolled slot in the school's care on ``day`` (``student_id``,
    ``start``, ``end``, ``leave``, ``mark``), among ``student_ids`` if given, and only
    children not yet handed over if ``waiting_only``. One query for the whole school."""
    params: dict[str, Any] = {"school_id": school_id, **day_params(day)}
    if student_ids is not None:
        params["student_ids"] = list(student_ids)
    stmt = _enrolled_slots_select(student_ids is not None, waiting_only)
    found: Sequence[Row[Any]] = (await session.execute(stmt, params)).all()
    return found


def _slots_of_child(student_id: StudentColumn) -> LateralFromClause:
    """The enrolled slots of ``student_id`` on the day, as four arrays (``starts``, ``ends``,
    ``leaves``, ``marks``) for another query to join LATERAL; NULLs when there are none."""
    arrays = [func.array_agg(column).label(f"{name}s") for name, column in _slot_day().items()]
    return (
        _over_enrolled_slots(select(*arrays).select_from(Enrollment), waiting_only=False)
        .where(Enrollment.student_id == student_id)
        .lateral("slots_of_child")
    )


@cache
def _ended_by_select() -> Select[uuid.UUID]:
    return (
        select(Enrollment.student_id)
        .join(Slot, Slot.id == Enrollment.last_slot_id)
        .join(Term, Term.id == Enrollment.term_id)
        .where(
            Slot.school_id == bindparam("school_id"),
            Slot.end_time <= bindparam("ends_by", type_=Time()),
            *_in_care(waiting_only=True),
        )
    )


@cache
def _on_leave_select() -> Select[uuid.UUID]:
    return select(LeaveRequest.student_id).where(
        LeaveRequest.school_id == bindparam("school_id"),
        LeaveRequest.status == LeaveStatus.APPROVED,
        LeaveRequest.start_date <= DAY,
        LeaveRequest.end_date >= DAY,
    )


async def late_candidates(
    session: AsyncSession, school_id: uuid.UUID, day: date, ends_by: time
) -> set[uuid.UUID]:
    """The children who may be late on ``day``: still waiting with every enrolled slot ended
    by ``ends_by``, or with approved leave that day (leave may end their day earlier)."""
    params: dict[str, Any] = {"school_id": school_id, "ends_by": ends_by, **day_params(day)}
    # From the school's ended slots by ``Enrollment.last_slot_id``, not every enrollment:
    # one sweep of 200 schools 5.5 s → 0.42 s (bench/README.md, round 3, fix 1).
    candidates = set(await session.scalars(_ended_by_select(), params))
    return candidates | set(await session.scalars(_on_leave_select(), params))


# For each school's sweep: a plan for that school's own values; the generic plan walked every
# enrollment of the district, 17 ms a school instead of 0.2 ms (bench/README.md, round 3);
# and never a parallel plan (background work, one core at most).
_SWEEP_SETTINGS = text(
    "SELECT set_config('max_parallel_workers_per_gather', '0', true),"
    " set_config('plan_cache_mode', 'force_custom_plan', true)"
)


async def plan_for_the_sweep(session: AsyncSession) -> None:
    """Settings for the rest of a late-sweep transaction (``_SWEEP_SETTINGS``)."""
    await session.execute(_SWEEP_SETTINGS)


# The gate -------------------------------------------------------------------------------------


def _blocks_in_force(student_id: InstrumentedAttribute[uuid.UUID]) -> ColumnElement[bool]:
    """Joins a child's blocks not lifted."""
    return and_(BlockedAdult.student_id == student_id, BlockedAdult.lifted_at.is_(None))


@cache
def _context_select() -> Select[Any]:
    staff_name = (
        select(User.name).where(User.id == bindparam("staff_id", type_=Uuid())).scalar_subquery()
    )
    guardians = func.array(
        select(Guardian.user_id)
        .where(Guardian.student_id == Student.id)
        .order_by(Guardian.created_at)
        .scalar_subquery()
    )
    slots = _slots_of_child(Student.id)
    return (
        select(
            Student,
            School,
            staff_name.label("staff_name"),
            guardians.label("guardians"),
            *slots.c,
            BlockedAdult,
        )
        .join(School, School.id == Student.school_id)
        .join(slots, true())
        .outerjoin(BlockedAdult, _blocks_in_force(Student.id))
        .order_by(BlockedAdult.created_at)
        .where(
            Student.id == bindparam("student_id", type_=Uuid()),
            Student.school_id == bindparam("school_id", type_=Uuid()),
        )
    )


async def handover_context(
    session: AsyncSession,
    student_id: uuid.UUID,
    school_id: uuid.UUID,
    staff_id: uuid.UUID,
    day: date,
) -> Sequence[Row[Any]]:
    """What a handover of a child of ``school_id`` needs, a row per block in force (one row
    with ``BlockedAdult`` None when there is none; no row for another school's child):
    ``Student``, ``School``, ``staff_name``, ``guardians`` (first linked first), and the
    child's enrolled slots on ``day`` as the arrays ``starts``, ``ends``, ``leaves``,
    ``marks``."""
    # One round trip for all of it, the child's day joined LATERAL: 10 round trips → 8,
    # the handover 4.8–5.9 → 4.5–5.3 ms (bench/README.md, round 3).
    params = {"student_id": student_id, "school_id": school_id, "staff_id": staff_id}
    found: Sequence[Row[Any]] = (
        await session.execute(_context_select(), {**params, **day_params(day)})
    ).all()
    return found


@cache
def _insert_handover() -> Any:
    table = cast(Table, Handover.__table__)
    return (
        pg_insert(table)
        .values({c.name: bindparam(c.name, type_=c.type) for c in table.c})
        .on_conflict_do_nothing(index_elements=["student_id", "date"])
        .returning(table.c.id)
    )


async def insert_handover(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert a handover unless the child already has one that day (the unique (student,
    date) decides between racing gates): whether it went in."""
    # A Core insert of values known beforehand: the ORM's insert path, returning a loaded
    # object, cost ~0.5 ms (the handover 5.8–6.8 → 5.2–5.4 ms, bench/README.md, round 3).
    return await session.scalar(_insert_handover(), values) is not None


@cache
def _pass_children_select() -> Select[Student, str | None, Handover, BlockedAdult]:
    ids = bindparam("student_ids", type_=ARRAY(Uuid()))
    return (
        select(Student, SchoolClass.name.label("class_name"), Handover, BlockedAdult)
        .outerjoin(SchoolClass, SchoolClass.id == Student.class_id)
        .outerjoin(
            Handover,
            and_(Handover.student_id == Student.id, Handover.date == bindparam("day")),
        )
        .outerjoin(BlockedAdult, _blocks_in_force(Student.id))
        .where(Student.id == any_(ids))
        .order_by(Student.name, Student.id, BlockedAdult.created_at)
    )


async def pass_children(
    session: AsyncSession, student_ids: list[uuid.UUID], day: date
) -> Sequence[Row[Student, str | None, Handover, BlockedAdult]]:
    """The children of a pass by name, a row per block in force (``BlockedAdult`` None when
    none): ``Student``, ``class_name``, and the ``Handover`` of ``day`` if they left."""
    # One query where it was four: verify 7 → 4 statements (bench/README.md, round 2).
    params = {"student_ids": student_ids, "day": day}
    found = await session.execute(_pass_children_select(), params)
    return found.all()


def _recent_failures(column: InstrumentedAttribute[Any], value: BindParameter[Any]) -> Any:
    """The times of the latest ``limit`` failed checks by ``column`` since ``since``."""
    latest = (
        select(VerificationFailure.created_at)
        .where(column == value, VerificationFailure.created_at > bindparam("since"))
        .order_by(VerificationFailure.created_at.desc())
        .limit(bindparam("limit"))
        .subquery()
    )
    return select(func.array_agg(latest.c.created_at)).scalar_subquery()


@cache
def _code_select() -> Select[Any]:
    digest = bindparam("digest", type_=String())
    return (
        select(
            _recent_failures(
                VerificationFailure.actor_id, bindparam("actor_id", type_=Uuid())
            ).label("account_failures"),
            _recent_failures(VerificationFailure.code_digest, digest).label("code_failures"),
            PickupPass,
            PickupPassStudent.student_id,
            PickupPassStudent.pickup_person_id,
            Guardian.relationship.label("issuer_relationship"),
            PickupPerson,
        )
        .select_from(select(literal(1).label("one")).subquery("one"))
        .outerjoin(PickupPass, PickupPass.code_digest == digest)
        .outerjoin(PickupPassStudent, PickupPassStudent.pass_id == PickupPass.id)
        .outerjoin(
            Guardian,
            and_(
                Guardian.student_id == PickupPassStudent.student_id,
                Guardian.user_id == PickupPass.issued_by,
            ),
        )
        .outerjoin(PickupPerson, PickupPerson.id == PickupPassStudent.pickup_person_id)
    )


async def code_check(
    session: AsyncSession,
    actor_id: uuid.UUID,
    digest: str,
    since: Any,
    limit: int,
) -> Sequence[Row[Any]]:
    """A pass check's facts: a row per child of the pass with this code (one row of NULLs
    for an unknown code), each with ``account_failures`` and ``code_failures`` (the
    latest ``limit`` failed checks since ``since`` by this gate account, and of this code),
    the ``PickupPass``, the child's ``student_id``, the ``pickup_person_id`` named for
    them, the issuer's ``issuer_relationship`` to them (None if no longer a guardian) and
    that ``PickupPerson``."""
    # One round trip for the throttle's two windows and the pass with its children (round 1
    # and 2 of bench/README.md: a query per pickup person before; the handover 10.6 → 5.0 ms).
    params = {"actor_id": actor_id, "digest": digest, "since": since, "limit": limit}
    found: Sequence[Row[Any]] = (await session.execute(_code_select(), params)).all()
    return found


# Simple reads shared by the gate's flows --------------------------------------------------------


async def class_names(session: AsyncSession, class_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not class_ids:
        return {}
    rows = await session.execute(
        select(SchoolClass.id, SchoolClass.name).where(SchoolClass.id.in_(class_ids))
    )
    return {row.id: row.name for row in rows}


async def handovers_on(
    session: AsyncSession, school_id: uuid.UUID, day: date
) -> dict[uuid.UUID, Handover]:
    """The day's handovers of the school, by child."""
    stmt = select(Handover).where(Handover.school_id == school_id, Handover.date == day)
    return {h.student_id: h for h in await session.scalars(stmt)}


async def staff_on_watch(session: AsyncSession, school_id: uuid.UUID) -> list[uuid.UUID]:
    """The duty staff and school admins of a school: who hears about trouble at the gate."""
    rows = await session.scalars(
        select(User.id).where(
            User.school_id == school_id,
            User.is_active.is_(True),
            User.roles.overlap([Role.DUTY.value, Role.SCHOOL_ADMIN.value]),
        )
    )
    return list(rows)
