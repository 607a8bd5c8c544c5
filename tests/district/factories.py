"""A district with a school in it (classes, children, a term, roll calls) and one outside."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from app.attendance.models import RollCallMark
from app.auth.models import Role, User
from app.district.models import District
from app.school.models import Group, School, SchoolClass, Slot, Student, Term
from tests.factories import (
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

# A Monday in term; the month the statistics tests read.
TODAY = date(2026, 11, 16)
NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
TERM_START = date(2026, 9, 1)
TERM_END = date(2027, 1, 15)
MONTH = "2026-11"


async def create_district(
    session: AsyncSession, *, name: str = "示范区教育局", require_plan_approval: bool = False
) -> District:
    district = District(name=name, require_plan_approval=require_plan_approval)
    session.add(district)
    await session.flush()
    return district


async def create_district_admin(session: AsyncSession, district: District) -> User:
    return await create_user(session, roles=[Role.DISTRICT_ADMIN], district_id=district.id)


@dataclass
class DistrictWorld:
    district: District
    district_admin: User
    school: School
    school_admin: User
    teacher: User
    term: Term
    slot: Slot  # 15:30–16:30
    evening: Slot  # 16:30–18:00
    school_class: SchoolClass
    group: Group
    evening_group: Group
    students: list[Student]
    parent: User  # the guardian of students[0]
    other_district: District
    other_district_admin: User
    other_school: School  # in the other district
    other_school_admin: User


async def build_district_world(session: AsyncSession) -> DistrictWorld:
    """A district holding one school of 4 children (3 enrolled), and another district."""
    district = await create_district(session)
    district_admin = await create_district_admin(session, district)
    school = await create_school(session, name="城关小学", district_id=district.id)
    school_admin = await create_user(session, roles=[Role.SCHOOL_ADMIN], school=school)
    teacher = await create_user(session, roles=[Role.TEACHER], school=school)
    term = await create_term(
        session, school, start_date=TERM_START, end_date=TERM_END, closures=[date(2026, 11, 2)]
    )
    slot = await create_slot(session, term, name="课后活动")
    evening = await create_slot(session, term, name="晚托", start=time(16, 30), end=time(18, 0))
    school_class = await create_class(session, school, homeroom_teacher=teacher)
    group = await create_group(session, slot, classes=[school_class], leader=teacher)
    evening_group = await create_group(session, evening, classes=[school_class], leader=teacher)
    students = [
        await create_student(session, school_class, name=name)
        for name in ("林小雨", "王子涵", "张一诺", "刘浩然")
    ]
    for student in students[:3]:
        await create_enrollment(session, student, term, [slot, evening])
    parent = await create_parent(session, students[0], name="林静", phone="13800138000")

    other_district = await create_district(session, name="邻区教育局")
    other_district_admin = await create_district_admin(session, other_district)
    other_school = await create_school(session, name="邻区小学", district_id=other_district.id)
    other_school_admin = await create_user(session, roles=[Role.SCHOOL_ADMIN], school=other_school)
    await session.commit()
    return DistrictWorld(
        district=district,
        district_admin=district_admin,
        school=school,
        school_admin=school_admin,
        teacher=teacher,
        term=term,
        slot=slot,
        evening=evening,
        school_class=school_class,
        group=group,
        evening_group=evening_group,
        students=students,
        parent=parent,
        other_district=other_district,
        other_district_admin=other_district_admin,
        other_school=other_school,
        other_school_admin=other_school_admin,
    )


async def mark(
    session: AsyncSession,
    world: DistrictWorld,
    student: Student,
    day: date,
    status: str,
    *,
    evening: bool = False,
) -> None:
    """A roll-call mark of ``student`` in the afternoon (or evening) group on ``day``."""
    slot, group = (world.evening, world.evening_group) if evening else (world.slot, world.group)
    session.add(
        RollCallMark(
            student_id=student.id,
            slot_id=slot.id,
            day=day,
            school_id=world.school.id,
            group_id=group.id,
            status=status,
            marked_by=world.teacher.id,
        )
    )
    await session.flush()


async def count_days() -> None:
    """What the worker does every 10 minutes: the district's day counts, history included."""
    from app.core import clock
    from app.core.database import sessionmaker
    from app.district import service

    async with sessionmaker()() as session, session.begin():
        await service.count_recent_days(session, clock.now())
