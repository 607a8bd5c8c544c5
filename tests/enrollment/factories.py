"""A school to enrol in, built from real rows (set-up endpoints are another domain's)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role, User
from app.core import clock
from app.school.models import DEFAULT_POLICY, School, SchoolClass, Slot, Student, Term
from tests.factories import (
    auth,
    create_class,
    create_parent,
    create_school,
    create_slot,
    create_student,
    create_term,
    create_user,
)

TERM_START = date(2026, 9, 1)  # a Tuesday
TERM_END = date(2027, 1, 15)
# Not 1: an application must carry the term's current version, not a constant.
AGREEMENT_VERSION = 2
# 10:00 in Shanghai, ten days before the term starts.
BEFORE_TERM = datetime(2026, 8, 22, 2, 0, tzinfo=UTC)


@dataclass
class Family:
    student: Student
    parent: User


@dataclass
class World:
    """One school with a class, its homeroom teacher, a term with two slots and one family."""

    session: AsyncSession
    school: School
    admin: User
    teacher: User  # homeroom teacher of ``school_class``
    other_teacher: User  # a teacher of the same school, not this class's
    duty: User
    school_class: SchoolClass
    term: Term
    activity: Slot  # 课后活动 15:30–16:30
    evening: Slot  # 晚托 16:30–18:00
    family: Family
    extra: dict[str, Any] = field(default_factory=dict)

    async def add_family(
        self,
        *,
        name: str | None = None,
        priority: list[str] | None = None,
        school_class: SchoolClass | None = None,
    ) -> Family:
        student = await create_student(
            self.session, school_class or self.school_class, name=name, priority=priority
        )
        parent = await create_parent(self.session, student)
        await self.session.commit()
        return Family(student, parent)

    async def set_policy(self, **policy: str) -> None:
        self.school.policy = {**self.school.policy, **policy}
        await self.session.commit()

    async def set_capacity(self, slot: Slot, capacity: int | None) -> None:
        slot.capacity = capacity
        await self.session.commit()


async def build_world(
    session: AsyncSession,
    *,
    review: str = "class_then_school",
    withdrawal: str = "none",
    capacity: int | None = None,
) -> World:
    school = await create_school(
        session,
        policy={**DEFAULT_POLICY, "enrollment_review": review, "withdrawal_review": withdrawal},
    )
    admin = await create_user(session, roles=[Role.SCHOOL_ADMIN], school=school, name="教务处")
    teacher = await create_user(session, roles=[Role.TEACHER], school=school, name="王老师")
    other_teacher = await create_user(session, roles=[Role.TEACHER], school=school, name="李老师")
    duty = await create_user(session, roles=[Role.DUTY], school=school, name="门卫")
    school_class = await create_class(session, school, homeroom_teacher=teacher)
    term = await create_term(
        session,
        school,
        start_date=TERM_START,
        end_date=TERM_END,
        agreement_version=AGREEMENT_VERSION,
    )
    activity = await create_slot(
        session, term, name="课后活动", start=time(15, 30), end=time(16, 30), capacity=capacity
    )
    evening = await create_slot(
        session, term, name="晚托", start=time(16, 30), end=time(18, 0), capacity=capacity
    )
    student = await create_student(session, school_class, name="小明")
    parent = await create_parent(session, student)
    await session.commit()
    return World(
        session=session,
        school=school,
        admin=admin,
        teacher=teacher,
        other_teacher=other_teacher,
        duty=duty,
        school_class=school_class,
        term=term,
        activity=activity,
        evening=evening,
        family=Family(student, parent),
    )


def application(world: World, family: Family | None = None, **overrides: Any) -> dict[str, Any]:
    """A valid POST /enrollments body for the family's child (both slots, Mon–Fri)."""
    family = family or world.family
    body: dict[str, Any] = {
        "student_id": str(family.student.id),
        "term_id": str(world.term.id),
        "weekdays": [1, 2, 3, 4, 5],
        "slot_ids": [str(world.activity.id), str(world.evening.id)],
        "agreement_version": world.term.agreement_version,
    }
    body.update(overrides)
    return body


async def apply(
    client: httpx.AsyncClient,
    world: World,
    family: Family | None = None,
    *,
    headers: dict[str, str] | None = None,
    **overrides: Any,
) -> httpx.Response:
    family = family or world.family
    return await client.post(
        "/enrollments",
        json=application(world, family, **overrides),
        headers={**auth(family.parent), **(headers or {})},
    )


async def enrol(
    client: httpx.AsyncClient, world: World, family: Family | None = None, **overrides: Any
) -> dict[str, Any]:
    """Apply and return the 201 body (fails the test otherwise)."""
    response = await apply(client, world, family, **overrides)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def decide(
    client: httpx.AsyncClient,
    reviewer: User,
    enrollment_id: str,
    decision: str = "approve",
    **body: Any,
) -> httpx.Response:
    """POST a review a minute later than whatever came before (so trails have an order)."""
    clock.advance(timedelta(minutes=1))
    return await client.post(
        f"/enrollments/{enrollment_id}/review",
        json={"decision": decision, **body},
        headers=auth(reviewer),
    )
