"""Rows of school set-up for tests to stand on (saved directly, flushed, not committed)."""

from __future__ import annotations

from datetime import date, time
from itertools import count

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.school.models import Group, GroupClass, Guardian, School, SchoolClass, Slot, Student, Term

_seq = count(1)


async def create_class(
    session: AsyncSession,
    school: School,
    *,
    name: str | None = None,
    grade: int = 3,
    **fields: object,
) -> SchoolClass:
    school_class = SchoolClass(
        school_id=school.id, name=name or f"{grade}年级{next(_seq)}班", grade=grade, **fields
    )
    session.add(school_class)
    await session.flush()
    return school_class


async def create_term(
    session: AsyncSession,
    school: School,
    *,
    start: date = date(2025, 9, 1),
    end: date = date(2026, 1, 16),
    **fields: object,
) -> Term:
    term = Term(
        school_id=school.id,
        name=fields.pop("name", f"2025秋季学期{next(_seq)}"),
        start_date=start,
        end_date=end,
        weekdays=fields.pop("weekdays", [1, 2, 3, 4, 5]),
        closures=fields.pop("closures", []),
        agreement_text=fields.pop("agreement_text", "课后服务安全责任书"),
        agreement_version=1,
        **fields,
    )
    session.add(term)
    await session.flush()
    return term


async def create_slot(
    session: AsyncSession,
    term: Term,
    *,
    start: time = time(15, 30),
    end: time = time(16, 30),
    capacity: int | None = None,
) -> Slot:
    slot = Slot(
        school_id=term.school_id,
        term_id=term.id,
        name=f"时段{next(_seq)}",
        start_time=start,
        end_time=end,
        capacity=capacity,
    )
    session.add(slot)
    await session.flush()
    return slot


async def create_group(
    session: AsyncSession,
    slot: Slot,
    *,
    leader: User | None = None,
    classes: list[SchoolClass] = (),  # type: ignore[assignment]
    capacity: int = 40,
) -> Group:
    group = Group(
        school_id=slot.school_id,
        term_id=slot.term_id,
        slot_id=slot.id,
        name=f"小组{next(_seq)}",
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
    student_no: str | None = None,
    **fields: object,
) -> Student:
    n = next(_seq)
    student = Student(
        school_id=school_class.school_id,
        class_id=school_class.id,
        name=fields.pop("name", f"学生{n}"),
        student_no=student_no or f"S{n:06d}",
        priority=fields.pop("priority", []),
        **fields,
    )
    session.add(student)
    await session.flush()
    return student


async def link_guardian(
    session: AsyncSession, parent: User, student: Student, relationship: str = "妈妈"
) -> Guardian:
    link = Guardian(user_id=parent.id, student_id=student.id, relationship=relationship)
    session.add(link)
    await session.flush()
    return link
