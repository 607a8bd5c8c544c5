"""Rows the gate tests stand on: a school day with slots, classes, children and their families."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from itertools import count

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role, User
from app.core import clock
from app.enrollment.models import Enrollment, EnrollmentSlot, EnrollmentStatus
from app.school.models import (
    Group,
    GroupClass,
    Guardian,
    School,
    SchoolClass,
    Slot,
    Student,
    Term,
)
from tests.factories import create_school, create_user

_seq = count(1)

# Wednesday 13 March 2030. 08:00 UTC is 16:00 in Asia/Shanghai, during the first slot.
# (In the future on purpose: python-jose checks `exp` against the wall clock as well.)
TODAY = date(2030, 3, 13)
AFTERNOON = datetime(2030, 3, 13, 8, 0, tzinfo=UTC)
# The second slot (晚托) ends at 18:00 local = 10:00 UTC.
LAST_SLOT_ENDS = datetime(2030, 3, 13, 10, 0, tzinfo=UTC)


async def create_term(
    session: AsyncSession,
    school: School,
    *,
    start: date = date(2030, 2, 18),
    end: date = date(2030, 6, 28),
    weekdays: list[int] | None = None,
    closures: list[date] | None = None,
) -> Term:
    term = Term(
        school_id=school.id,
        name=f"2030春季学期{next(_seq)}",
        start_date=start,
        end_date=end,
        weekdays=weekdays or [1, 2, 3, 4, 5],
        closures=closures or [],
        agreement_text="课后服务安全责任书",
        agreement_version=1,
    )
    session.add(term)
    await session.flush()
    return term


async def create_slot(
    session: AsyncSession, term: Term, *, name: str, start: time, end: time
) -> Slot:
    slot = Slot(
        school_id=term.school_id, term_id=term.id, name=name, start_time=start, end_time=end
    )
    session.add(slot)
    await session.flush()
    return slot


async def create_class(
    session: AsyncSession, school: School, *, grade: int = 3, teacher: User | None = None
) -> SchoolClass:
    klass = SchoolClass(
        school_id=school.id,
        name=f"{grade}年级{next(_seq)}班",
        grade=grade,
        homeroom_teacher_id=teacher.id if teacher else None,
    )
    session.add(klass)
    await session.flush()
    return klass


async def create_student(
    session: AsyncSession, klass: SchoolClass, *, name: str | None = None
) -> Student:
    n = next(_seq)
    student = Student(
        school_id=klass.school_id, class_id=klass.id, name=name or f"学生{n}", student_no=f"S{n}"
    )
    session.add(student)
    await session.flush()
    return student


async def create_parent(
    session: AsyncSession,
    *children: Student,
    name: str | None = None,
    phone: str | None = None,
    relationship: str = "妈妈",
) -> User:
    n = next(_seq)
    parent = await create_user(
        session, roles=[Role.PARENT], name=name or f"家长{n}", phone=phone or f"139{n:08d}"
    )
    for child in children:
        await link_guardian(session, parent, child, relationship=relationship)
    return parent


async def link_guardian(
    session: AsyncSession, parent: User, student: Student, *, relationship: str = "妈妈"
) -> Guardian:
    guardian = Guardian(user_id=parent.id, student_id=student.id, relationship=relationship)
    session.add(guardian)
    await session.flush()
    return guardian


async def enroll(
    session: AsyncSession,
    student: Student,
    term: Term,
    slots: list[Slot],
    *,
    weekdays: list[int] | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
    status: EnrollmentStatus = EnrollmentStatus.ACTIVE,
) -> Enrollment:
    enrollment = Enrollment(
        school_id=student.school_id,
        student_id=student.id,
        term_id=term.id,
        status=status,
        weekdays=weekdays or [1, 2, 3, 4, 5],
        start_date=start_date or term.start_date,
        end_date=end_date,
        agreement_version=term.agreement_version,
        agreement_accepted_at=clock.now(),
    )
    session.add(enrollment)
    await session.flush()
    session.add_all(EnrollmentSlot(enrollment_id=enrollment.id, slot_id=s.id) for s in slots)
    await session.flush()
    return enrollment


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
    term = await create_term(session, school)
    activity = await create_slot(
        session, term, name="课后活动", start=time(15, 30), end=time(16, 30)
    )
    evening = await create_slot(session, term, name="晚托", start=time(16, 30), end=time(18, 0))
    admin = await create_user(session, roles=[Role.SCHOOL_ADMIN], school=school, name="王校长")
    duty = await create_user(session, roles=[Role.DUTY], school=school, name="李值班")
    teacher = await create_user(session, roles=[Role.TEACHER], school=school, name="赵老师")
    klass = await create_class(session, school, teacher=teacher)
    child = await create_student(session, klass, name="小明")
    mother = await create_parent(session, child, name="张妈妈", phone="13800001111")
    father = await create_parent(
        session, child, name="张爸爸", phone="13800002222", relationship="爸爸"
    )
    await enroll(session, child, term, [activity, evening])
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
        await enroll(session, child, gate.term, slots, **enrollment)  # type: ignore[arg-type]
    return child


async def create_group(session: AsyncSession, gate: Gate, slot: Slot) -> Group:
    """A group of ``slot`` fed by the gate's class and led by the gate's teacher."""
    group = Group(
        school_id=gate.school.id,
        term_id=gate.term.id,
        slot_id=slot.id,
        name=f"{slot.name}{next(_seq)}组",
        leader_id=gate.teacher.id,
        capacity=45,
    )
    session.add(group)
    await session.flush()
    session.add(GroupClass(group_id=group.id, class_id=gate.klass.id, slot_id=slot.id))
    await session.flush()
    return group
