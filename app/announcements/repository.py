"""Queries of announcements: the audience, what a caller may read, and the receipts."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    ColumnElement,
    Select,
    Uuid,
    and_,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.announcements.models import Announcement, AnnouncementReceipt, AnnouncementRecipient
from app.enrollment.models import ON_ROSTER, Enrollment, EnrollmentSlot
from app.school.models import Guardian, SchoolClass, Slot, Student, Term


async def foreign_ids(
    session: AsyncSession,
    school_id: uuid.UUID,
    class_ids: list[uuid.UUID],
    slot_ids: list[uuid.UUID],
) -> bool:
    """Whether any of the classes or slots is not this school's."""
    classes = await session.scalar(
        select(func.count()).where(
            SchoolClass.id.in_(class_ids), SchoolClass.school_id == school_id
        )
    )
    slots = await session.scalar(
        select(func.count()).where(Slot.id.in_(slot_ids), Slot.school_id == school_id)
    )
    return (classes or 0) != len(set(class_ids)) or (slots or 0) != len(set(slot_ids))


def _audience(announcement: Announcement, today: date) -> Select[uuid.UUID, uuid.UUID]:
    """(announcement, child) for each child it reaches (its grades or classes, and slots)."""
    by_class: list[ColumnElement[bool]] = []
    if announcement.audience_grades:
        by_class.append(SchoolClass.grade.in_(announcement.audience_grades))
    if announcement.audience_class_ids:
        by_class.append(Student.class_id.in_(announcement.audience_class_ids))
    stmt = (
        select(literal(announcement.id, Uuid()), Student.id)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(
            Student.school_id == announcement.school_id,
            Student.archived_at.is_(None),  # a child who left hears nothing more
            or_(*by_class) if by_class else true(),
        )
    )
    if announcement.audience_slot_ids:
        stmt = stmt.where(
            exists(
                select(Enrollment.id)
                .join(Term, Term.id == Enrollment.term_id)
                .join(EnrollmentSlot, EnrollmentSlot.enrollment_id == Enrollment.id)
                .where(
                    Enrollment.student_id == Student.id,
                    Enrollment.status.in_(ON_ROSTER),
                    Term.end_date >= today,
                    EnrollmentSlot.slot_id.in_(announcement.audience_slot_ids),
                )
            )
        )
    return stmt


async def fix_recipients(session: AsyncSession, announcement: Announcement, today: date) -> int:
    """Record the children the announcement reaches now; returns how many."""
    result = await session.execute(
        insert(AnnouncementRecipient).from_select(
            ["announcement_id", "student_id"],
            _audience(announcement, today),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def guardians_of_recipients(
    session: AsyncSession, announcement_id: uuid.UUID
) -> list[uuid.UUID]:
    rows = await session.scalars(
        select(Guardian.user_id)
        .join(AnnouncementRecipient, AnnouncementRecipient.student_id == Guardian.student_id)
        .where(AnnouncementRecipient.announcement_id == announcement_id)
        .distinct()
    )
    return list(rows)


async def recipient_count(
    session: AsyncSession, announcement_ids: list[uuid.UUID]
) -> dict[uuid.UUID, int]:
    rows = await session.execute(
        select(AnnouncementRecipient.announcement_id, func.count())
        .where(AnnouncementRecipient.announcement_id.in_(announcement_ids))
        .group_by(AnnouncementRecipient.announcement_id)
    )
    return {announcement_id: n for announcement_id, n in rows}


def reaches_family(user_id: uuid.UUID) -> ColumnElement[bool]:
    """SQL: the ``Announcement`` in scope reached a child of guardian ``user_id``."""
    return exists(
        select(AnnouncementRecipient.student_id)
        .join(Guardian, Guardian.student_id == AnnouncementRecipient.student_id)
        .where(
            AnnouncementRecipient.announcement_id == Announcement.id,
            Guardian.user_id == user_id,
        )
    )


def of_school(school_id: uuid.UUID) -> Select[Announcement]:
    return select(Announcement).where(Announcement.school_id == school_id)


def of_family(user_id: uuid.UUID) -> Select[Announcement]:
    return select(Announcement).where(reaches_family(user_id))


async def receipts_of(
    session: AsyncSession, user_id: uuid.UUID, announcement_ids: list[uuid.UUID]
) -> dict[uuid.UUID, AnnouncementReceipt]:
    rows = await session.scalars(
        select(AnnouncementReceipt).where(
            AnnouncementReceipt.user_id == user_id,
            AnnouncementReceipt.announcement_id.in_(announcement_ids),
        )
    )
    return {r.announcement_id: r for r in rows}


async def mark(
    session: AsyncSession,
    announcement_id: uuid.UUID,
    user_id: uuid.UUID,
    now: datetime,
    *,
    ack: bool,
) -> AnnouncementReceipt:
    """A guardian's receipt: the first read is kept, and so is the first acknowledgement."""
    stmt = pg_insert(AnnouncementReceipt).values(
        announcement_id=announcement_id,
        user_id=user_id,
        read_at=now,
        acknowledged_at=now if ack else None,
    )
    if ack:
        stmt = stmt.on_conflict_do_update(
            index_elements=["announcement_id", "user_id"],
            set_={"acknowledged_at": func.coalesce(AnnouncementReceipt.acknowledged_at, now)},
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=["announcement_id", "user_id"])
    await session.execute(stmt)
    receipt = await session.scalar(
        select(AnnouncementReceipt)
        .where(
            AnnouncementReceipt.announcement_id == announcement_id,
            AnnouncementReceipt.user_id == user_id,
        )
        .execution_options(populate_existing=True)
    )
    assert receipt is not None
    return receipt


async def receipt_counts(
    session: AsyncSession, announcement_id: uuid.UUID
) -> list[tuple[uuid.UUID, str, str, bool, bool]]:
    """Per child reached: id, name, class, read by a guardian, acknowledged by a guardian."""
    read = func.bool_or(AnnouncementReceipt.user_id.is_not(None))
    acked = func.bool_or(AnnouncementReceipt.acknowledged_at.is_not(None))
    rows = await session.execute(
        select(
            Student.id,
            Student.name,
            SchoolClass.name,
            func.coalesce(read, False),
            func.coalesce(acked, False),
        )
        .select_from(AnnouncementRecipient)
        .join(Student, Student.id == AnnouncementRecipient.student_id)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .outerjoin(Guardian, Guardian.student_id == Student.id)
        .outerjoin(
            AnnouncementReceipt,
            and_(
                AnnouncementReceipt.announcement_id == announcement_id,
                AnnouncementReceipt.user_id == Guardian.user_id,
            ),
        )
        .where(AnnouncementRecipient.announcement_id == announcement_id)
        .group_by(Student.id, Student.name, SchoolClass.name, SchoolClass.grade, Student.student_no)
        .order_by(SchoolClass.grade, SchoolClass.name, Student.student_no)
    )
    return [(sid, name, cls, bool(r), bool(a)) for sid, name, cls, r, a in rows]
