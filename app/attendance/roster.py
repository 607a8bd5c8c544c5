"""The roster query: which children a group expects on a day, with each child's status.

A child is on the roster of (day, group) when the group places the child there that day
(``_placed``: where is this child at this slot today), the child's enrollment in the
group's term is ``active`` or ``withdrawal_pending`` with the group's slot among its
slots, the day lies in the term, is one of the term's weekdays and of the enrollment's
weekdays, is not a closure, is on or after the enrollment's ``start_date`` and before its
``end_date`` (withdrawal effective date).

Where a child is at a slot on a day is one rule (``_placed``): an *activity* group
(课程社团、走班) holds the children assigned to it (``app.activities``) on its weekdays;
a *class* group holds the children of the classes feeding it (``GroupClass``) on the days
they are at no activity of that slot. Rosters, roll calls, absence alerts, the ledger's
counts and everything else reading these statements follow from it. Everything is computed
from those rules at read time; nothing is stored ahead.

Extension point (gate pickup)
-----------------------------
A child's status is the first non-NULL value of ``STATUS_RULES``, else ``expected``.
Each rule receives the outer query's student and slot columns and the day, and returns a
nullable text expression correlated to them (a scalar subquery or a CASE). PostgreSQL
evaluates COALESCE lazily left to right, so earlier rules win and later ones cost nothing
once an earlier one answered. Gate pickup adds its rule, reading its handovers table and
answering ``picked_up``/``released``, by inserting it in the tuple where it belongs:

    STATUS_RULES = (on_leave, handed_over, roll_call_mark)

Each rule must stay an index lookup on (student, day[, slot]) so the roster stays one
query for the whole school, whatever its size. Each rule also has its *range form* in
``OVER_A_RANGE`` (the (day, answer) rows of a range of days for one child and slot, read
by ``status_counts_select`` for ledgers and statistics); a rule added to ``STATUS_RULES``
needs one there, and ``tests/attendance/test_status_counts.py`` holds both forms to the
same statuses.

The statements are built once, with the day as bound parameters (``DAY`` and friends,
filled by ``day_params``): building and cache-keying this many joins and subqueries costs
more CPU than PostgreSQL spends running them, and rosters are read at every gate and roll
call. Rules therefore receive the day as a SQL expression, not a ``date``.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    SmallInteger,
    SQLColumnExpression,
    Uuid,
    and_,
    any_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.orm import aliased

from app.activities.models import ActivityChoice, ChoiceStatus
from app.attendance.models import RollCallMark, RosterStatus
from app.enrollment.models import ON_ROSTER, Enrollment, EnrollmentSlot
from app.leave.models import LeaveRequest, LeaveStatus
from app.pickup.models import Handover
from app.pickup.roster import handed_over
from app.school.models import Group, GroupClass, GroupKind, SchoolClass, Student, Term

StudentColumn = SQLColumnExpression[uuid.UUID]
SlotColumn = SQLColumnExpression[uuid.UUID]
DayValue = SQLColumnExpression[date]
StatusRule = Callable[[StudentColumn, SlotColumn, DayValue], SQLColumnExpression[Any]]

# The day a roster statement is about, bound at execution (``day_params``).
DAY = bindparam("day", type_=Date)
DAY_AS_ARRAY = bindparam("day_as_array", type_=ARRAY(Date))  # [day]: for array containment
WEEKDAY_AS_ARRAY = bindparam("weekday_as_array", type_=ARRAY(SmallInteger))  # [ISO weekday]


def day_params(day: date) -> dict[str, Any]:
    """The values of ``DAY`` and its companions for ``day``."""
    return {"day": day, "day_as_array": [day], "weekday_as_array": [day.isoweekday()]}


def on_leave(
    student_id: StudentColumn, slot_id: SlotColumn, day: DayValue
) -> SQLColumnExpression[Any]:
    """``on_leave`` when an approved leave covers the day and the slot (NULL slots: all)."""
    covered = exists().where(
        LeaveRequest.student_id == student_id,
        LeaveRequest.status == LeaveStatus.APPROVED,
        LeaveRequest.start_date <= day,
        LeaveRequest.end_date >= day,
        or_(LeaveRequest.slot_ids.is_(None), slot_id == any_(LeaveRequest.slot_ids)),
    )
    return case((covered, literal(RosterStatus.ON_LEAVE.value)), else_=null())


def roll_call_mark(
    student_id: StudentColumn, slot_id: SlotColumn, day: DayValue
) -> SQLColumnExpression[Any]:
    """The last roll-call mark of the child for that slot and day (``present``/``absent``)."""
    return (
        select(RollCallMark.status)
        .where(
            RollCallMark.student_id == student_id,
            RollCallMark.slot_id == slot_id,
            RollCallMark.day == day,
        )
        .scalar_subquery()
    )


STATUS_RULES: tuple[StatusRule, ...] = (on_leave, handed_over, roll_call_mark)


# The same rules over a range of days (``status_counts_select``): each reads, once per
# (child, slot), the (day, answer) rows of the range that the rule above would answer on
# that day, so a month costs a range scan per child and slot, not a lookup per day.
# ``tests/attendance/test_status_counts.py`` holds both forms to the same statuses.


@dataclass(frozen=True)
class DayRange:
    """The range a set query is about: ``first_day``..``last_day`` (bound at execution),
    and ``day``, the column of its days (``_range_days``)."""

    first: DayValue
    last: DayValue
    day: DayValue


RangeRule = Callable[[StudentColumn, SlotColumn, DayRange], Select[date, str]]


def on_leave_over(
    student_id: StudentColumn, slot_id: SlotColumn, days: DayRange
) -> Select[date, str]:
    """``on_leave`` on each day of the range an approved leave covers for the slot."""
    return (
        select(days.day, literal(RosterStatus.ON_LEAVE.value))
        .join(
            LeaveRequest,
            and_(LeaveRequest.start_date <= days.day, LeaveRequest.end_date >= days.day),
        )
        .where(
            LeaveRequest.student_id == student_id,
            LeaveRequest.status == LeaveStatus.APPROVED,
            LeaveRequest.start_date <= days.last,
            LeaveRequest.end_date >= days.first,
            or_(LeaveRequest.slot_ids.is_(None), slot_id == any_(LeaveRequest.slot_ids)),
        )
    )


def handed_over_over(
    student_id: StudentColumn, slot_id: SlotColumn, days: DayRange
) -> Select[date, str]:
    """Each handover kind of the child in the range (``handed_over``: whatever the slot)."""
    return select(Handover.date, Handover.kind).where(
        Handover.student_id == student_id,
        Handover.date >= days.first,
        Handover.date <= days.last,
    )


def roll_call_mark_over(
    student_id: StudentColumn, slot_id: SlotColumn, days: DayRange
) -> Select[date, str]:
    """Each roll-call mark of the child for the slot in the range."""
    return select(RollCallMark.day, RollCallMark.status).where(
        RollCallMark.student_id == student_id,
        RollCallMark.slot_id == slot_id,
        RollCallMark.day >= days.first,
        RollCallMark.day <= days.last,
    )


# Every rule of STATUS_RULES has its range form here (a missing one fails at first use).
OVER_A_RANGE: dict[StatusRule, RangeRule] = {
    on_leave: on_leave_over,
    handed_over: handed_over_over,
    roll_call_mark: roll_call_mark_over,
}


def status_of(student_id: StudentColumn, slot_id: SlotColumn, day: DayValue) -> Any:
    """The roster status expression: the first rule that answers, else ``expected``."""
    answers = [rule(student_id, slot_id, day) for rule in STATUS_RULES]
    return func.coalesce(*answers, literal(RosterStatus.EXPECTED.value))


@dataclass(frozen=True)
class _Calendar:
    """The columns that decide whether a roster row exists on a day: the term's calendar
    and the enrollment's days. The models' own columns, or a subquery's copies of them."""

    term_start: Any
    term_end: Any
    term_weekdays: Any
    term_closures: Any
    weekdays: Any
    start_date: Any
    end_date: Any
    enrollment_id: Any
    slot_id: Any
    group_kind: Any
    group_weekdays: Any
    member_from: Any
    # Whether the enrollment is assigned to any activity of the slot at all (a set query's
    # link column; None: ask ``_placed``'s lookup every day).
    at_some_activity: Any = None


_MODELS = _Calendar(
    Term.start_date,
    Term.end_date,
    Term.weekdays,
    Term.closures,
    Enrollment.weekdays,
    Enrollment.start_date,
    Enrollment.end_date,
    Enrollment.id,
    Group.slot_id,
    Group.kind,
    Group.weekdays,
    None,  # ``_members().c.start_date`` of the statement's own members subquery
)


def _term_runs(
    day: DayValue,
    day_as_array: SQLColumnExpression[Any],
    weekday_as_array: SQLColumnExpression[Any],
    c: _Calendar = _MODELS,
) -> tuple[ColumnElement[bool], ...]:
    """The term runs on ``day``: within its dates, one of its weekdays, no closure."""
    return (
        c.term_start <= day,
        c.term_end >= day,
        c.term_weekdays.contains(weekday_as_array),
        ~c.term_closures.contains(day_as_array),
    )


def _enrollment_covers(
    day: DayValue, weekday_as_array: SQLColumnExpression[Any], c: _Calendar = _MODELS
) -> tuple[ColumnElement[bool], ...]:
    """The enrollment puts its child in the school's care on ``day`` (its status aside);
    ``_placed`` then says in which group."""
    return (
        c.weekdays.contains(weekday_as_array),
        c.start_date <= day,
        or_(c.end_date.is_(None), c.end_date > day),
    )


def enrolled_on_day() -> tuple[ColumnElement[bool], ...]:
    """An enrollment covers the day of ``day_params``: its term runs that day, and the day
    is one of the enrollment's weekdays within its dates (its status aside; ``Term`` joined
    on ``Enrollment.term_id``). The one "enrolled this day" rule: the rosters read it, and
    so does the gate's day status (a child waiting at the gate); ``_placed`` then says in
    which group the child is at each slot."""
    return (
        *_term_runs(DAY, DAY_AS_ARRAY, WEEKDAY_AS_ARRAY),
        *_enrollment_covers(DAY, WEEKDAY_AS_ARRAY),
    )


Activity = aliased(Group, name="activity")


def _placed(day: DayValue, weekday_as_array: SQLColumnExpression[Any], c: _Calendar) -> Any:
    """Where is this child at this slot today: the one rule placing a child in a group.

    An activity group on one of its weekdays, from the day the child was assigned to it; a
    class group on a day when no activity the enrollment is assigned to runs in that slot.
    (Which children a group may hold at all, its classes' or its assigned ones, is
    ``_members``; ``c.member_from`` is the members row's ``start_date``.)"""
    at_activity = exists().where(
        ActivityChoice.enrollment_id == c.enrollment_id,
        ActivityChoice.status == ChoiceStatus.ASSIGNED,
        ActivityChoice.start_date <= day,
        Activity.id == ActivityChoice.group_id,
        Activity.slot_id == c.slot_id,
        Activity.weekdays.contains(weekday_as_array),
    )
    by_class = (
        ~at_activity
        if c.at_some_activity is None
        else case((c.at_some_activity, ~at_activity), else_=true())
    )
    return case(
        (
            c.group_kind == GroupKind.ACTIVITY,
            and_(c.group_weekdays.contains(weekday_as_array), c.member_from <= day),
        ),
        else_=by_class,
    )


def _at_some_activity(enrollment_id: Any, slot_id: Any) -> ColumnElement[bool]:
    """The enrollment is assigned to an activity group of the slot (on some day)."""
    return exists().where(
        ActivityChoice.enrollment_id == enrollment_id,
        ActivityChoice.status == ChoiceStatus.ASSIGNED,
        Activity.id == ActivityChoice.group_id,
        Activity.slot_id == slot_id,
    )


@cache
def _members(school_only: bool = False) -> Any:
    """(group, child, enrollment and start date or NULLs) a group may hold, whatever the
    day: the children of its classes (class groups), or those assigned to it (activity
    groups, from the day they were). ``school_only``: of the groups of ``school_id`` only
    (a school's set query; otherwise every school's class members are joined first)."""
    by_class = select(
        GroupClass.group_id.label("group_id"),
        Student.id.label("student_id"),
        null().label("enrollment_id"),
        cast(null(), Date).label("start_date"),
    ).join(Student, Student.class_id == GroupClass.class_id)
    by_choice = select(
        ActivityChoice.group_id,
        ActivityChoice.student_id,
        ActivityChoice.enrollment_id,
        ActivityChoice.start_date,
    ).where(ActivityChoice.status == ChoiceStatus.ASSIGNED)
    if school_only:
        school_group = aliased(Group, name="school_group")
        of_school = select(school_group.id).where(
            school_group.school_id == bindparam("school_id", type_=Uuid())
        )
        by_class = by_class.where(GroupClass.group_id.in_(of_school))
        by_choice = by_choice.where(ActivityChoice.group_id.in_(of_school))
    return union_all(by_class, by_choice).subquery("members")


def _roster_joins(stmt: Select[Any], members: Any = None) -> Select[Any]:
    """``stmt`` over every (group, child) a group's members and an enrollment on the
    roster link, whatever the day (``_placed`` then decides the day)."""
    members = _members() if members is None else members
    return (
        stmt.select_from(Group)
        .join(Term, Term.id == Group.term_id)
        .join(members, members.c.group_id == Group.id)
        .join(Student, Student.id == members.c.student_id)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .join(
            Enrollment,
            and_(
                Enrollment.student_id == Student.id,
                Enrollment.term_id == Group.term_id,
                or_(
                    members.c.enrollment_id.is_(None),
                    members.c.enrollment_id == Enrollment.id,
                ),
            ),
        )
        .join(
            EnrollmentSlot,
            and_(
                EnrollmentSlot.enrollment_id == Enrollment.id,
                EnrollmentSlot.slot_id == Group.slot_id,
            ),
        )
        .where(Enrollment.status.in_(ON_ROSTER))
    )


def _on_rosters(stmt: Select[Any]) -> Select[Any]:
    """``stmt`` over every (group, child) of the rosters on the day of ``day_params``."""
    return _roster_joins(stmt).where(
        *enrolled_on_day(),
        _placed(
            DAY, WEEKDAY_AS_ARRAY, dataclasses.replace(_MODELS, member_from=_members().c.start_date)
        ),
    )


@cache
def roster_select() -> Select[Any]:
    """Every roster row of every group on the day of ``day_params``; callers narrow it with
    ``.where`` (once, at import or first use: see the module docstring)."""
    return _on_rosters(
        select(
            Student.id.label("student_id"),
            Student.name.label("name"),
            Student.student_no.label("student_no"),
            SchoolClass.id.label("class_id"),
            SchoolClass.name.label("class_name"),
            Group.id.label("group_id"),
            Group.name.label("group_name"),
            Group.slot_id.label("slot_id"),
            Group.term_id.label("term_id"),
            status_of(Student.id, Group.slot_id, DAY).label("status"),
        )
    ).order_by(SchoolClass.grade, SchoolClass.name, Student.student_no, Group.slot_id)


@cache
def group_members_select() -> Select[uuid.UUID]:
    """Who is on the roster of ``group_id`` on the day of ``day_params``, without their
    status (no leave, handover or roll-call lookups): what a roll call may mark."""
    return _on_rosters(select(Student.id)).where(Group.id == bindparam("group_id"))


@cache
def group_roster_select() -> Select[Any]:
    """One group's roster: ``roster_select`` for ``group_id`` and ``day_params``."""
    return roster_select().where(Group.id == bindparam("group_id"))


def groups_with_children_select() -> Select[uuid.UUID]:
    """The groups with at least one child on their roster on the day of ``day_params``
    (callers narrow it, e.g. to candidate group ids)."""
    return _on_rosters(select(Group.id).distinct())


def _series_of_days() -> tuple[DayValue, SQLColumnExpression[Any], SQLColumnExpression[Any]]:
    """Each day from ``first_day`` to ``last_day`` (bound at execution), with the
    one-element arrays the term and enrollment rules compare with."""
    series = func.generate_series(
        bindparam("first_day", type_=Date),
        bindparam("last_day", type_=Date),
        literal_column("interval '1 day'"),
    )
    day = select(cast(series, Date).label("day")).subquery("days").c.day
    return day, array([day]), array([cast(func.extract("isodow", day), SmallInteger)])


@cache
def group_days_select() -> Select[date, uuid.UUID]:
    """Every (day, group) of ``school_id`` from ``first_day`` to ``last_day`` on which the
    group meets (its term runs; an activity group on its weekdays only): the service days a
    ledger has a line for, children or none."""
    day, day_as_array, weekday_as_array = _series_of_days()
    return (
        select(day.label("day"), Group.id.label("group_id"))
        .select_from(Group)
        .join(Term, Term.id == Group.term_id)
        .where(
            Group.school_id == bindparam("school_id", type_=Uuid()),
            *_term_runs(day, day_as_array, weekday_as_array),
            or_(Group.kind != GroupKind.ACTIVITY, Group.weekdays.contains(weekday_as_array)),
        )
    )


@cache
def _range_days() -> Any:
    """Each day from ``first_day`` to ``last_day`` with the one-element arrays the term and
    enrollment rules compare with, computed once per day (a CTE of a month's 31 rows)."""
    series = (
        func.generate_series(
            bindparam("first_day", type_=Date),
            bindparam("last_day", type_=Date),
            literal_column("interval '1 day'"),
        )
        .table_valued("value")
        .render_derived(name="series")
    )
    day = cast(series.c.value, Date)
    return (
        select(
            day.label("day"),
            array([day]).label("day_as_array"),
            array([cast(func.extract("isodow", day), SmallInteger)]).label("weekday_as_array"),
        )
        .select_from(series)
        .cte("roster_days")
        .prefix_with("MATERIALIZED")
    )


@cache
def status_counts_select() -> Select[Any]:
    """How many roster rows of each status every group of ``school_id`` has, per class and
    day from ``first_day`` to ``last_day``: the roster above, as a set query over the range's
    days grouped by (day, group, class, status). The ledger and the statistics read it,
    so their counts are the roster's statuses by construction.

    Computed at read time like the roster (past days are fixed facts, but a catch-up roll
    call or a backdated withdrawal may still change them, so nothing is stored ahead).
    The (group, child) links of the school are joined once for the range (a MATERIALIZED
    CTE of a few thousand rows), each with its status rules' answers over the range
    (``OVER_A_RANGE``: one range scan per rule and link, read as arrays); each day then
    costs the calendar's comparisons and array lookups, no index lookup.
    One query, each lookup a nested loop on an index whatever the planner's estimates
    (the month of school 0, 200×3,000 bench: 1.2 s → 0.5 s in PostgreSQL).
    """
    first_day = bindparam("first_day", type_=Date)
    last_day = bindparam("last_day", type_=Date)
    days = _range_days()
    span = DayRange(first_day, last_day, days.c.day)
    members = _members(school_only=True)
    facts = []
    for n, rule in enumerate(STATUS_RULES):
        answered = OVER_A_RANGE[rule](Student.id, Group.slot_id, span)
        day, answer = answered.selected_columns
        facts.append(
            answered.with_only_columns(
                func.array_agg(day).label("days"),
                func.array_agg(answer).label("answers"),
                maintain_column_froms=True,
            ).lateral(f"rule_{n}")
        )
    linked: list[Any] = [
        Group.id.label("group_id"),
        Group.slot_id.label("slot_id"),
        SchoolClass.id.label("class_id"),
        Term.start_date.label("term_start"),
        Term.end_date.label("term_end"),
        Term.weekdays.label("term_weekdays"),
        Term.closures.label("term_closures"),
        Enrollment.weekdays.label("weekdays"),
        Enrollment.start_date.label("start_date"),
        Enrollment.end_date.label("end_date"),
        Enrollment.id.label("enrollment_id"),
        Group.kind.label("group_kind"),
        Group.weekdays.label("group_weekdays"),
        members.c.start_date.label("member_from"),
        _at_some_activity(Enrollment.id, Group.slot_id).label("at_some_activity"),
        *(
            column
            for n, fact in enumerate(facts)
            for column in (fact.c.days.label(f"days_{n}"), fact.c.answers.label(f"answers_{n}"))
        ),
    ]
    links = _roster_joins(select(*linked), members)
    for fact in facts:
        links = links.outerjoin(fact, true())
    links_cte = (
        links.where(
            Group.school_id == bindparam("school_id", type_=Uuid()),
            # the range's terms and enrollments only (the calendar decides each day below)
            Term.start_date <= last_day,
            Term.end_date >= first_day,
            Enrollment.start_date <= last_day,
            or_(Enrollment.end_date.is_(None), Enrollment.end_date > first_day),
        )
        .cte("roster_links")
        .prefix_with("MATERIALIZED")
    )
    link = links_cte.c
    calendar = _Calendar(
        link.term_start,
        link.term_end,
        link.term_weekdays,
        link.term_closures,
        link.weekdays,
        link.start_date,
        link.end_date,
        link.enrollment_id,
        link.slot_id,
        link.group_kind,
        link.group_weekdays,
        link.member_from,
        link.at_some_activity,
    )
    day = days.c.day
    answers = [
        link[f"answers_{n}"][func.array_position(link[f"days_{n}"], day)] for n in range(len(facts))
    ]
    rows = (
        select(
            day.label("day"),
            link.group_id,
            link.class_id,
            func.coalesce(*answers, literal(RosterStatus.EXPECTED.value)).label("status"),
        )
        .select_from(links_cte)
        .join(days, true())
        .where(
            *_term_runs(day, days.c.day_as_array, days.c.weekday_as_array, calendar),
            *_enrollment_covers(day, days.c.weekday_as_array, calendar),
            _placed(day, days.c.weekday_as_array, calendar),
        )
        .subquery("roster_rows")
    )
    return select(
        rows.c.day, rows.c.group_id, rows.c.class_id, rows.c.status, func.count().label("n")
    ).group_by(rows.c.day, rows.c.group_id, rows.c.class_id, rows.c.status)
