"""Rows the gate tests stand on: a school day with slots, classes, children and their families."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role, User
from app.core import clock
from app.school.models import Group, School, SchoolClass, Slot, Student, Term
from tests.factories import (
    auth,
    create_class,
    create_enrollment,
    create_group,
    create_parent,
    create_school,
    create_slot,
    create_student,
    create_term,
    create_user,
)

# Wednesday 13 March 2030. 08:00 UTC is 16:00 in Asia/Shanghai, during the first slot.
# (In the future on purpose: python-jose checks `exp` against the wall clock as well.)
TODAY = date(2030, 3, 13)
AFTERNOON = datetime(2030, 3, 13, 8, 0, tzinfo=UTC)
# The second slot (晚托) ends at 18:00 local = 10:00 UTC.
LAST_SLOT_ENDS = datetime(2030, 3, 13, 10, 0, tzinfo=UTC)
TERM_START = date(2030, 2, 18)
TERM_END = date(2030, 6, 28)


@dataclass
class Gate:
    """One school on a Wednesday afternoon: staff, two slots, a class, a child, two parents."""

    school: School
    term: Term
    activity: Slot  # 课后活动 15:30–16:30
    evening: Slot  # 晚托 16:30–18:00
    klass: SchoolClass
    admin: User
    duty: User
    teacher: User
    child: Student
    mother: User
    father: User


async def build_gate(session: AsyncSession, *, commit: bool = True) -> Gate:
    """A school with a child enrolled in both slots every weekday, and the clock at 16:00."""
    clock.freeze(AFTERNOON)
    school = await create_school(session)
    term = await create_term(session, school, start_date=TERM_START, end_date=TERM_END)
    activity = await create_slot(
        session, term, name="课后活动", start=time(15, 30), end=time(16, 30)
    )
    evening = await create_slot(session, term, name="晚托", start=time(16, 30), end=time(18, 0))
    admin = await create_user(session, roles=[Role.SCHOOL_ADMIN], school=school, name="王校长")
    duty = await create_user(session, roles=[Role.DUTY], school=school, name="李值班")
    teacher = await create_user(session, roles=[Role.TEACHER], school=school, name="赵老师")
    klass = await create_class(session, school, homeroom_teacher=teacher)
    child = await create_student(session, klass, name="小明")
    mother = await create_parent(session, child, name="张妈妈", phone="13800001111")
    father = await create_parent(
        session, child, name="张爸爸", phone="13800002222", relationship="爸爸"
    )
    await create_enrollment(session, child, term, [activity, evening])
    if commit:
        await session.commit()
    return Gate(
        school=school,
        term=term,
        activity=activity,
        evening=evening,
        klass=klass,
        admin=admin,
        duty=duty,
        teacher=teacher,
        child=child,
        mother=mother,
        father=father,
    )


async def add_child(
    session: AsyncSession, gate: Gate, *, slots: list[Slot] | None = None, **enrollment: object
) -> Student:
    """Another child of the gate's class, enrolled (unless ``slots=[]``), no guardians."""
    child = await create_student(session, gate.klass)
    if slots is None:
        slots = [gate.activity, gate.evening]
    if slots:
        await create_enrollment(session, child, gate.term, slots, **enrollment)  # type: ignore[arg-type]
    return child


async def add_group(session: AsyncSession, gate: Gate, slot: Slot) -> Group:
    """A group of ``slot`` fed by the gate's class and led by the gate's teacher."""
    return await create_group(session, slot, classes=[gate.klass], leader=gate.teacher)


async def pass_code(client: httpx.AsyncClient, parent: User, *students: Student) -> str:
    """A pass the parent issues for ``students`` (through the API), by its code."""
    response = await client.post(
        "/pickup-passes",
        json={"student_ids": [str(s.id) for s in students]},
        headers=auth(parent),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["code"])


async def hand_over(
    client: httpx.AsyncClient,
    staff: User,
    student: Student,
    headers: dict[str, str] | None = None,
    **source: object,
) -> httpx.Response:
    """``POST /pickups`` for today by ``staff``; ``source`` is ``pass_code=`` or
    ``pickup_person_id=`` (and any other field of the body)."""
    return await client.post(
        "/pickups",
        json={"student_id": str(student.id), "date": TODAY.isoformat(), **source},
        headers={**auth(staff), **(headers or {})},
    )
