"""Plain helpers that save real rows for tests to stand on.

Each builder flushes and never commits (commit what the API must see), except where its
docstring says so. Defaults make a valid row; pass what a test depends on.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, time
from itertools import count

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role, User
from app.core import clock
from app.core.security import create_access_token, hash_password
from app.enrollment.models import Enrollment, EnrollmentSlot, EnrollmentStatus
from app.enrollment.slots import last_slot_of
from app.school.models import Group, GroupClass, Guardian, School, SchoolClass, Slot, Student, Term

_seq = count(1)
PASSWORD = "correct-horse-battery"
_PASSWORD_HASH = hash_password(PASSWORD)

WEEKDAYS = (1, 2, 3, 4, 5)  # Monday to Friday
# The term a test gets when the dates do not matter to it (autumn 2025, already over).
DEFAULT_TERM_START = date(2025, 9, 1)
DEFAULT_TERM_END = date(2026, 1, 16)


async def create_school(
    session: AsyncSession, *, name: str | None = None, **fields: object
) -> School:
    school = School(name=name or f"第{next(_seq)}实验小学", **fields)
    session.add(school)
    await session.flush()
    return school


async def create_user(
    session: AsyncSession,
    *,
    roles: list[Role],
    school: School | None = None,
    name: str | None = None,
    username: str | None = None,
    **fields: object,
) -> User:
    n = next(_seq)
    user = User(
        school_id=school.id if school else None,
        username=username or f"user{n}",
        name=name or f"用户{n}",
        password_hash=_PASSWORD_HASH,
        roles=[r.value for r in roles],
        **fields,
    )
    session.add(user)
    await session.flush()
    return user


def auth(user: User, *, language: str | None = None) -> dict[str, str]:
    """Headers carrying a fresh access token for ``user`` (claims as at issue time)."""
    token, _ = create_access_token(user.id, list(user.roles), user.school_id, user.district_id)
    headers = {"Authorization": f"Bearer {token}"}
    if language:
        headers["Accept-Language"] = language
    return headers


def random_id() -> str:
    return str(uuid.uuid4())


async def give_phone(session: AsyncSession, *users: User) -> None:
    """Register an FCM device for each user, so pushes are owed to them (commits)."""
    from app.notifications.models import Device

    for user in users:
        session.add(Device(user_id=user.id, platform="fcm", token=f"fcm-{user.id}"))
    await session.commit()


async def create_other_school(session: AsyncSession) -> tuple[School, User]:
    """Another school with its own admin, who must see nothing of the first."""
    school = await create_school(session)
    admin = await create_user(session, roles=[Role.SCHOOL_ADMIN], school=school)
    return school, admin


async def create_term(
    session: AsyncSession,
    school: School,
    *,
    start_date: date = DEFAULT_TERM_START,
    end_date: date = DEFAULT_TERM_END,
    weekdays: Sequence[int] = WEEKDAYS,
    closures: Sequence[date] = (),
    name: str | None = None,
    agreement_text: str = "课后服务安全责任书",
    agreement_version: int = 1,
) -> Term:
    term = Term(
        school_id=school.id,
        name=name or f"学期{next(_seq)}",
        start_date=start_date,
        end_date=end_date,
        weekdays=list(weekdays),
        closures=list(closures),
        agreement_text=agreement_text,
        agreement_version=agreement_version,
    )
    session.add(term)
    await session.flush()
    return term


async def create_slot(
    session: AsyncSession,
    term: Term,
    *,
    name: str | None = None,
    start: time = time(15, 30),
    end: time = time(16, 30),
    capacity: int | None = None,
) -> Slot:
    slot = Slot(
        school_id=term.school_id,
        term_id=term.id,
        name=name or f"时段{next(_seq)}",
        start_time=start,
        end_time=end,
        capacity=capacity,
    )
    session.add(slot)
    await session.flush()
    return slot


async def create_class(
    session: AsyncSession,
    school: School,
    *,
    name: str | None = None,
    grade: int = 3,
    homeroom_teacher: User | None = None,
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
    classes: Sequence[SchoolClass] = (),
    leader: User | None = None,
    name: str | None = None,
    capacity: int = 45,
) -> Group:
    """A group of ``slot`` fed by ``classes``."""
    group = Group(
        school_id=slot.school_id,
        term_id=slot.term_id,
        slot_id=slot.id,
        name=name or f"{slot.name}{next(_seq)}组",
        leader_id=leader.id if leader else None,
        capacity=capacity,
    )
    session.add(group)
    await session.flush()
    session.add_all(GroupClass(group_id=group.id, class_id=c.id, slot_id=slot.id) for c in classes)
    await session.flush()
    return group


async def create_student(
    session: AsyncSession,
    school_class: SchoolClass,
    *,
    name: str | None = None,
    student_no: str | None = None,
    priority: Sequence[str] | None = None,
) -> Student:
    n = next(_seq)
    student = Student(
        school_id=school_class.school_id,
        class_id=school_class.id,
        name=name or f"学生{n}",
        student_no=student_no or f"S{n:05d}",
        priority=list(priority or ()),
    )
    session.add(student)
    await session.flush()
    return student


async def link_guardian(
    session: AsyncSession, user: User, student: Student, relationship: str = "妈妈"
) -> Guardian:
    guardian = Guardian(user_id=user.id, student_id=student.id, relationship=relationship)
    session.add(guardian)
    await session.flush()
    return guardian


async def create_parent(
    session: AsyncSession,
    *children: Student,
    name: str | None = None,
    phone: str | None = None,
    relationship: str = "妈妈",
    **fields: object,
) -> User:
    """A parent account (with a phone number) and the guardian of ``children``."""
    n = next(_seq)
    parent = await create_user(
        session,
        roles=[Role.PARENT],
        name=name or f"家长{n}",
        phone=phone or f"139{n:08d}",
        **fields,
    )
    for child in children:
        await link_guardian(session, parent, child, relationship)
    return parent


async def create_enrollment(
    session: AsyncSession,
    student: Student,
    term: Term,
    slots: Sequence[Slot],
    *,
    status: str = EnrollmentStatus.ACTIVE,
    weekdays: Sequence[int] = WEEKDAYS,
    start_date: date | None = None,
    end_date: date | None = None,
) -> Enrollment:
    """An enrollment as if applied for now and already decided: ``start_date`` defaults to
    the term's first day; ``end_date`` is a withdrawal's effective date."""
    enrollment = Enrollment(
        school_id=student.school_id,
        student_id=student.id,
        term_id=term.id,
        status=status,
        weekdays=list(weekdays),
        last_slot_id=last_slot_of(slots),
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
