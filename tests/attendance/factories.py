"""One ready campus the roster stands on: a term, two slots, a class feeding a group in
each slot, an enrolled child with two guardians, and the staff around them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role, User
from app.core import clock
from app.enrollment.models import Enrollment, EnrollmentStatus
from app.leave.models import LeaveRequest
from app.school.models import Group, School, SchoolClass, Slot, Student, Term
from tests.factories import (
    WEEKDAYS,
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
        weekdays: Sequence[int] = WEEKDAYS,
        start_date: date | None = None,
        end_date: date | None = None,
        status: EnrollmentStatus = EnrollmentStatus.ACTIVE,
        school_class: SchoolClass | None = None,
    ) -> Student:
        """Another child (of ``klass`` by default) with a guardian, enrolled in both slots
        unless told otherwise (``slots=[]``: not enrolled)."""
        child = await create_student(session, school_class or self.klass)
        await create_parent(session, child)
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
    term = await create_term(
        session, school, start_date=TERM_START, end_date=TERM_END, closures=[QINGMING]
    )
    activity = await create_slot(
        session, term, name="课后活动", start=time(15, 30), end=time(16, 30)
    )
    evening = await create_slot(session, term, name="晚托", start=time(16, 30), end=time(18, 0))
    klass = await create_class(session, school, homeroom_teacher=homeroom, name="三年级2班")
    activity_group = await create_group(session, activity, classes=[klass], leader=leader)
    evening_group = await create_group(session, evening, classes=[klass], leader=leader)
    student = await create_student(session, klass, name="王小明")
    mother = await create_parent(session, student, relationship="母亲")
    father = await create_parent(session, student, relationship="父亲")
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
