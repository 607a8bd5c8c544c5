"""Announcement endpoints: the office publishes, families read and acknowledge."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.announcements import service
from app.announcements.deps import (
    FamilyAnnouncement,
    GuardianOrAdmin,
    SchoolAnnouncement,
    VisibleAnnouncement,
)
from app.announcements.schemas import AckOut, AnnouncementIn, AnnouncementOut, ReceiptsOut
from app.auth.deps import CurrentUser, ParentUser, SchoolAdmin
from app.core.database import SessionDep
from app.core.pagination import PageDep
from app.core.schemas import Page

router = APIRouter(tags=["announcements"])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such announcement here"}}


@router.post("/announcements", status_code=201, response_model=AnnouncementOut)
async def publish_announcement(
    body: AnnouncementIn, session: SessionDep, admin: SchoolAdmin
) -> AnnouncementOut:
    """Publish a notice (告家长书) to the guardians of an audience, notified at once
    (`announcement.published`)."""
    return await service.publish(session, admin, body)


@router.get("/announcements", response_model=Page[AnnouncementOut])
async def list_announcements(
    session: SessionDep, user: GuardianOrAdmin, page: PageDep
) -> Page[AnnouncementOut]:
    """Newest first: a guardian's (with their read and acknowledgement), an admin's school's."""
    items, cursor = await service.list_visible(session, user, page)
    return Page(items=items, next_cursor=cursor)


@router.get("/announcements/{id}", response_model=AnnouncementOut, responses=_NOT_FOUND)
async def read_announcement(
    session: SessionDep, user: CurrentUser, announcement: VisibleAnnouncement
) -> AnnouncementOut:
    """One announcement; a guardian's first read counts in the receipts."""
    return await service.read(session, user, announcement)


@router.post("/announcements/{id}/ack", response_model=AckOut, responses=_NOT_FOUND)
async def acknowledge_announcement(
    session: SessionDep, guardian: ParentUser, announcement: FamilyAnnouncement
) -> AckOut:
    """The guardian confirms they have read it (a repeat keeps the first time)."""
    return await service.acknowledge(session, guardian, announcement)


@router.get("/announcements/{id}/receipts", response_model=ReceiptsOut, responses=_NOT_FOUND)
async def announcement_receipts(
    session: SessionDep, announcement: SchoolAnnouncement
) -> ReceiptsOut:
    """Who read and acknowledged it, and the children whose families have not: the list a
    teacher phones."""
    return await service.receipts(session, announcement)
