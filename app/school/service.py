"""The school itself: its name, time zone and policy (PATCH merges, audited); the policy as
every domain reads it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import audit
from app.core.personal_data import Section, rows
from app.core.principal import Principal
from app.school import policy as _policy
from app.school.access import guarded_student as guarded_student
from app.school.access import visible_student as visible_student
from app.school.errors import SchoolNotFound, SchoolTimezoneInvalid
from app.school.lookup import in_school
from app.school.models import Group, Guardian, School, SchoolClass, Student, Term
from app.school.policy import Policy, merge
from app.school.schemas import SchoolPatch


async def get_school(session: AsyncSession, principal: Principal, *, lock: bool = False) -> School:
    """The caller's own school (staff tokens always name one)."""
    stmt = select(School).where(School.id == principal.staff_school())
    school = await session.scalar(stmt.with_for_update() if lock else stmt)
    if school is None:
        raise SchoolNotFound()
    return school


# The student walls (``deps.py`` of every domain that loads a child by its id) -------------
# A child of the calling staff's own school, else 404: ``school_student``. A child of the
# calling guardian: ``guarded_student``. Either: ``visible_student``.


async def school_student(
    session: AsyncSession, principal: Principal, student_id: uuid.UUID
) -> Student:
    """A student of the staff caller's own school; another school's looks like none (404)."""
    return await in_school(
        session, Student, student_id, principal.staff_school(), "student.not_found"
    )


@cache
def _timezones() -> frozenset[str]:
    # "localtime" would make the school's day follow the server's configuration.
    return frozenset(available_timezones()) - {"localtime", "Factory"}


def _valid_timezone(name: str) -> str:
    """An IANA zone key the server knows (``Asia/Shanghai``), so "today" is always computable."""
    if name not in _timezones():
        raise SchoolTimezoneInvalid(field="timezone", timezone=name)
    return name


async def update_school(session: AsyncSession, admin: Principal, body: SchoolPatch) -> School:
    # The row lock makes two concurrent PATCHes merge one after the other, losing nothing.
    school = await get_school(session, admin, lock=True)
    changes: dict[str, Any] = {}
    if body.name is not None and body.name != school.name:
        changes["name"] = [school.name, body.name]
        school.name = body.name
    if body.timezone is not None and body.timezone != school.timezone:
        changes["timezone"] = [school.timezone, _valid_timezone(body.timezone)]
        school.timezone = body.timezone
    if body.policy is not None:
        before = Policy.of(school).model_dump()
        after = merge(before, body.policy.model_dump(exclude_unset=True))
        policy_changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
        if policy_changes:
            changes["policy"] = policy_changes
            school.policy = after  # a new dict, so the JSONB column is written
    if changes:
        await session.flush()
        await audit.record(
            session,
            action="school.updated",
            object_type="school",
            object_id=school.id,
            actor_id=admin.id,
            school_id=school.id,
            data={"changes": changes},
        )
    return school


def policy_of(school: School) -> Policy:
    """The policy in force at ``school``: what its admin set, defaults for the rest."""
    return Policy.of(school)


async def policy(session: AsyncSession, school_id: uuid.UUID) -> Policy:
    """The policy in force at the school ``school_id`` now (a change applies to later requests)."""
    return await _policy.in_force(session, school_id)


# Who staffs a group: its leader and its assistant. Every wall that says "the group's
# leader or assistant" asks these two, in Python or in SQL.
def group_staff_ids(group: Group) -> frozenset[uuid.UUID]:
    """The accounts that staff ``group``."""
    return frozenset(
        user_id for user_id in (group.leader_id, group.assistant_id) if user_id is not None
    )


def staffed_by(user_id: uuid.UUID) -> ColumnElement[bool]:
    """A condition on ``Group``: ``user_id`` staffs it (the SQL of ``group_staff_ids``)."""
    return or_(Group.leader_id == user_id, Group.assistant_id == user_id)


async def _personal_data(
    session: AsyncSession, user_id: uuid.UUID, student_ids: Sequence[uuid.UUID]
) -> dict[str, Any]:
    """The children linked to the guardian, as the school holds them."""
    children = await rows(
        session,
        select(
            Student.id,
            Student.name,
            Student.student_no,
            SchoolClass.name.label("class_name"),
            SchoolClass.grade,
            Student.priority,
            Guardian.relationship,
            Guardian.created_at.label("linked_at"),
        )
        .join(Guardian, Guardian.student_id == Student.id)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(Guardian.user_id == user_id)
        .order_by(Guardian.created_at, Student.id),
    )
    return {"children": children}


PERSONAL_DATA = Section("children", ("students", "guardians"), _personal_data)


async def terms_ended_before(session: AsyncSession, day: date) -> list[Term]:
    """Every school's terms whose last day is before ``day`` (the retention sweep's input)."""
    found = await session.scalars(select(Term).where(Term.end_date < day).order_by(Term.end_date))
    return list(found)
