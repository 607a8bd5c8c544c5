"""Announcements (告家长书): publish to an audience, notify its guardians, read the receipts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.announcements import repository
from app.announcements.errors import AnnouncementAudienceEmpty, AnnouncementAudienceInvalid
from app.announcements.models import Announcement, AnnouncementReceipt, AnnouncementRecipient
from app.announcements.schemas import (
    AckOut,
    AnnouncementIn,
    AnnouncementOut,
    AudienceOut,
    PendingChild,
    ReceiptsOut,
)
from app.core import audit, clock
from app.core.pagination import PageParams, paginate
from app.core.personal_data import Section, rows
from app.core.principal import Principal, Role
from app.notifications import service as notifications
from app.notifications.templates import Kind
from app.school import access

SUMMARY_CHARS = 80


async def publish(session: AsyncSession, admin: Principal, body: AnnouncementIn) -> AnnouncementOut:
    """Publish at once: the audience is fixed now and every guardian in it is notified."""
    school_id = admin.staff_school()
    audience = body.audience
    class_ids = list(dict.fromkeys(audience.class_ids or []))
    slot_ids = list(dict.fromkeys(audience.slot_ids or []))
    if await repository.foreign_ids(session, school_id, class_ids, slot_ids):
        raise AnnouncementAudienceInvalid(field="audience")
    announcement = Announcement(
        id=uuid.uuid4(),
        school_id=school_id,
        title=body.title,
        body=body.body,
        audience_grades=sorted(set(audience.grades or [])),
        audience_class_ids=class_ids,
        audience_slot_ids=slot_ids,
        requires_ack=body.requires_ack,
        created_by=admin.id,
        published_at=clock.now(),
    )
    session.add(announcement)
    await session.flush()
    today = await access.school_today(session, school_id)
    reached = await repository.fix_recipients(session, announcement, today)
    if reached == 0:
        raise AnnouncementAudienceEmpty(field="audience")
    await audit.record(
        session,
        action="announcement.published",
        object_type="announcement",
        object_id=announcement.id,
        actor_id=admin.id,
        school_id=school_id,
        data={"title": announcement.title, "recipients": reached},
    )
    summary = body.body if len(body.body) <= SUMMARY_CHARS else body.body[:SUMMARY_CHARS] + "…"
    await notifications.notify(
        session,
        recipients=await repository.guardians_of_recipients(session, announcement.id),
        kind=Kind.ANNOUNCEMENT_PUBLISHED,
        params={"title": announcement.title, "summary": summary},
        data={"announcement_id": str(announcement.id), "requires_ack": announcement.requires_ack},
        dedupe_key=f"announcement:{announcement.id}",
    )
    return _out(announcement, recipients=reached)


async def list_visible(
    session: AsyncSession, principal: Principal, page: PageParams
) -> tuple[list[AnnouncementOut], str | None]:
    """Newest first: an admin's school's, a guardian's (with their own receipts)."""
    if principal.is_school_admin and principal.school_id is not None:
        stmt = repository.of_school(principal.school_id)
    else:
        stmt = repository.of_family(principal.id)
    rows, cursor = await paginate(
        session, stmt, page, (Announcement.published_at, Announcement.id), descending=True
    )
    return await _describe(session, principal, rows), cursor


async def read(
    session: AsyncSession, principal: Principal, announcement: Announcement
) -> AnnouncementOut:
    """One announcement; a guardian's first read is recorded (it counts in the receipts)."""
    if not _as_admin(principal, announcement):
        await repository.mark(session, announcement.id, principal.id, clock.now(), ack=False)
    return (await _describe(session, principal, [announcement]))[0]


async def acknowledge(
    session: AsyncSession, guardian: Principal, announcement: Announcement
) -> AckOut:
    """The guardian confirms they read it; a repeat keeps the first time."""
    receipt = await repository.mark(session, announcement.id, guardian.id, clock.now(), ack=True)
    assert receipt.acknowledged_at is not None
    return AckOut(announcement_id=announcement.id, acknowledged_at=receipt.acknowledged_at)


async def receipts(session: AsyncSession, announcement: Announcement) -> ReceiptsOut:
    children = await repository.receipt_counts(session, announcement.id)
    return ReceiptsOut(
        audience=len(children),
        read=sum(1 for *_, read_, _a in children if read_),
        acknowledged=sum(1 for *_, acked in children if acked),
        pending=[
            PendingChild(student_id=sid, name=name, class_name=class_name)
            for sid, name, class_name, read_, acked in children
            if not (acked if announcement.requires_ack else read_)
        ],
    )


def _as_admin(principal: Principal, announcement: Announcement) -> bool:
    return principal.has(Role.SCHOOL_ADMIN) and principal.school_id == announcement.school_id


async def _describe(
    session: AsyncSession, principal: Principal, rows: list[Announcement]
) -> list[AnnouncementOut]:
    ids = [a.id for a in rows]
    counts = await repository.recipient_count(session, ids)
    mine: dict[uuid.UUID, AnnouncementReceipt] = await repository.receipts_of(
        session, principal.id, ids
    )
    out = []
    for a in rows:
        receipt = mine.get(a.id)
        out.append(
            _out(
                a,
                recipients=counts.get(a.id, 0) if _as_admin(principal, a) else None,
                read_at=receipt.read_at if receipt else None,
                acknowledged_at=receipt.acknowledged_at if receipt else None,
            )
        )
    return out


def _out(a: Announcement, **extra: object) -> AnnouncementOut:
    return AnnouncementOut.model_validate(
        {
            "id": a.id,
            "title": a.title,
            "body": a.body,
            "audience": AudienceOut(
                grades=a.audience_grades,
                class_ids=a.audience_class_ids,
                slot_ids=a.audience_slot_ids,
            ),
            "requires_ack": a.requires_ack,
            "published_at": a.published_at,
            **extra,
        }
    )


async def _personal_data(
    session: AsyncSession, user_id: uuid.UUID, student_ids: Sequence[uuid.UUID]
) -> dict[str, Any]:
    """The announcements that reached the children, and which the guardian read or acked."""
    received = await rows(
        session,
        select(
            AnnouncementRecipient.announcement_id,
            AnnouncementRecipient.student_id,
            Announcement.title,
            Announcement.published_at,
        )
        .join(Announcement, Announcement.id == AnnouncementRecipient.announcement_id)
        .where(AnnouncementRecipient.student_id.in_(student_ids))
        .order_by(Announcement.published_at),
    )
    receipts = await rows(
        session,
        select(
            AnnouncementReceipt.announcement_id,
            AnnouncementReceipt.read_at,
            AnnouncementReceipt.acknowledged_at,
        )
        .where(AnnouncementReceipt.user_id == user_id)
        .order_by(AnnouncementReceipt.read_at),
    )
    return {"announcements_received": received, "announcement_receipts": receipts}


PERSONAL_DATA = Section(
    "announcements", ("announcement_recipients", "announcement_receipts"), _personal_data
)
