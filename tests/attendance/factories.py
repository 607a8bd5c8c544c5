"""Rows the roster stands on (school set-up and enrollments), written directly, and one
ready campus: a term, two slots, a class feeding a group in each slot, an enrolled child
with two guardians, and the staff around them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import count

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role, User
from app.core import clock
from app.enrollment.models import Enrollment, EnrollmentSlot, EnrollmentStatus
from app.leave.models import LeaveRequest
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


def _spring_term_start() -> date:
    """The first Monday of March next year.

    Next year, not a fixed one: access tokens are issued at the frozen time, and
    python-jose still checks their expiry against the wall clock, so the frozen clock
    must never lie in the past.
    """
    first = date(datetime.now(UTC).year + 1, 3, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


TERM_START = _spring_term_start()  # a Monday
TERM_END = TERM_START + timedelta(weeks=17, days=4)  # a Friday
TODAY = TERM_START + timedelta(days=8)  # the Tuesday of the second week
NOW = datetime.combine(TODAY, time(7, 0), tzinfo=UTC)  # 15:00 in Shanghai
QINGMING = TERM_START + timedelta(weeks=5)  # a Monday closure


def freeze_today() -> None:
    clock.freeze(NOW)


async def create_term(
    session: AsyncSession,
    school: School,
    *,
    start: date = TERM_START,
    end: date = TERM_END,
    weekdays: list[int] | None = None,
    closures: list[date] | None = None,
) -> Term:
    term = Term(
        school_id=school.id,
        name=f"春季学期{next(_seq)}",
        start_date=start,
        end_date=end,
        weekdays=weekdays or [1, 2, 3, 4, 5],
        closures=closures if closures is not None else [QINGMING],
        agreement_text="安全责任书",
        agreement_version=1,
    )
    session.add(term)
    await session.flush()
    return term


async def create_slot(
    session: AsyncSession,
    term: Term,
    *,
    name: str = "晚托",
    start: time = time(16, 30),
    end: time = time(18, 0),
) -> Slot:
    slot = Slot(
        school_id=term.school_id, term_id=term.id, name=name, start_time=start, end_time=end
    )
    session.add(slot)
    await session.flush()
    return slot


async def create_class(
    session: AsyncSession,
    school: School,
    *,
    homeroom_teacher: User | None = None,
    name: str | None = None,
    grade: int = 3,
) -> SchoolClass:
    school_class = SchoolClass(
        school_id=school.id,
        name=name or f"{grade}年级{next(_seq)}班",
        grade=grade,
        homeroom_teacher_id=homeroom_teacher.id if homeroom_teacher else None,
    )
    session.add(school_class)
    await session.flush()
    return school_class


async def create_group(
    session: AsyncSession,
    slot: Slot,
    *,
    classes: list[SchoolClass],
    leader: User | None = None,
    name: str | None = None,
) -> Group:
    group = Group(
        school_id=slot.school_id,
        term_id=slot.term_id,
        slot_id=slot.id,
        name=name or f"{slot.name}{next(_seq)}组",
        leader_id=leader.id if leader else None,
        capacity=45,
    )
    session.add(group)
    await session.flush()
    session.add_all(GroupClass(group_id=group.id, class_id=c.id, slot_id=slot.id) for c in classes)
    await session.flush()
    return group


async def create_student(
    session: AsyncSession, school_class: SchoolClass, *, name: str | None = None
) -> Student:
    n = next(_seq)
    student = Student(
        school_id=school_class.school_id,
        class_id=school_class.id,
        name=name or f"学生{n}",
        student_no=f"S{n:05d}",
    )
    session.add(student)
    await session.flush()
    return student


async def create_guardian(
    session: AsyncSession, student: Student, *, user: User | None = None, relationship: str = "母亲"
) -> User:
    user = user or await create_user(session, roles=[Role.PARENT])
    session.add(Guardian(user_id=user.id, student_id=student.id, relationship=relationship))
    await session.flush()
    return user


async def create_enrollment(
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
class Campus:
    school: School
    admin: User
    duty: User
    homeroom: User  # homeroom teacher of `klass`
    leader: User  # leads both groups
    other_teacher: User  # a teacher of the school with no link to the class or the groups
    term: Term
    activity: Slot  # 课后活动 15:30–16:30
    evening: Slot  # 晚托 16:30–18:00
    klass: SchoolClass
    activity_group: Group
    evening_group: Group
    student: Student
    mother: User
    father: User
    enrollment: Enrollment

    async def add_child(
        self,
        session: AsyncSession,
        *,
        slots: list[Slot] | None = None,
        weekdays: list[int] | None = None,
        start_date: date | None = None,
        end_date: date | None = None,
        status: EnrollmentStatus = EnrollmentStatus.ACTIVE,
        school_class: SchoolClass | None = None,
    ) -> Student:
        """Another child (of ``klass`` by default) with a guardian, enrolled in both slots
        unless told otherwise (``slots=[]``: not enrolled)."""
        child = await create_student(session, school_class or self.klass)
        await create_guardian(session, child)
        chosen = [self.activity, self.evening] if slots is None else slots
        if chosen:
            await create_enrollment(
                session,
                child,
                self.term,
                chosen,
                weekdays=weekdays,
                start_date=start_date,
                end_date=end_date,
                status=status,
            )
        return child


async def build_campus(session: AsyncSession) -> Campus:
    """The standard scene, committed so the API sees it; the clock stands at ``NOW``."""
    freeze_today()
    school = await create_school(session)
    admin = await create_user(session, roles=[Role.SCHOOL_ADMIN], school=school)
    duty = await create_user(session, roles=[Role.DUTY], school=school)
    homeroom = await create_user(session, roles=[Role.TEACHER], school=school)
    leader = await create_user(session, roles=[Role.TEACHER], school=school)
    other_teacher = await create_user(session, roles=[Role.TEACHER], school=school)
    term = await create_term(session, school)
    activity = await create_slot(
        session, term, name="课后活动", start=time(15, 30), end=time(16, 30)
    )
    evening = await create_slot(session, term, name="晚托")
    klass = await create_class(session, school, homeroom_teacher=homeroom, name="三年级2班")
    activity_group = await create_group(session, activity, classes=[klass], leader=leader)
    evening_group = await create_group(session, evening, classes=[klass], leader=leader)
    student = await create_student(session, klass, name="王小明")
    mother = await create_guardian(session, student)
    father = await create_guardian(session, student, relationship="父亲")
    enrollment = await create_enrollment(session, student, term, [activity, evening])
    await session.commit()
    return Campus(
        school=school,
        admin=admin,
        duty=duty,
        homeroom=homeroom,
        leader=leader,
        other_teacher=other_teacher,
        term=term,
        activity=activity,
        evening=evening,
        klass=klass,
        activity_group=activity_group,
        evening_group=evening_group,
        student=student,
        mother=mother,
        father=father,
        enrollment=enrollment,
    )


async def create_other_school(session: AsyncSession) -> tuple[School, User]:
    """Another school with its own admin (who must see nothing of the campus)."""
    school = await create_school(session)
    admin = await create_user(session, roles=[Role.SCHOOL_ADMIN], school=school)
    await session.commit()
    return school, admin


async def create_leave(
    session: AsyncSession,
    student: Student,
    term: Term,
    start: date,
    end: date,
    *,
    slots: list[Slot] | None = None,
    status: str = "approved",
) -> LeaveRequest:
    leave = LeaveRequest(
        school_id=student.school_id,
        student_id=student.id,
        term_id=term.id,
        start_date=start,
        end_date=end,
        slot_ids=[s.id for s in slots] if slots is not None else None,
        kind="sick",
        reason="发烧",
        status=status,
    )
    session.add(leave)
    await session.flush()
    return leave
