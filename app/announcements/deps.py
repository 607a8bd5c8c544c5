"""Who may call announcement endpoints, and loading the one the caller may see (else 404)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path
from sqlalchemy import select

from app.announcements import repository
from app.announcements.errors import AnnouncementNotFound
from app.announcements.models import Announcement
from app.auth.deps import ParentUser, SchoolAdmin, require_roles
from app.core.database import SessionDep
from app.core.principal import Principal, Role

# Guardians read theirs, school admins the school's; teachers and duty staff have none.
GuardianOrAdmin = Annotated[Principal, Depends(require_roles(Role.PARENT, Role.SCHOOL_ADMIN))]
AnnouncementId = Annotated[uuid.UUID, Path(alias="id")]


async def visible_announcement(
    session: SessionDep, principal: GuardianOrAdmin, announcement_id: AnnouncementId
) -> Announcement:
    found = await session.scalar(select(Announcement).where(Announcement.id == announcement_id))
    if found is not None:
        if principal.is_school_admin and principal.school_id == found.school_id:
            return found
        if principal.has(Role.PARENT) and await session.scalar(
            select(repository.reaches_family(principal.id)).where(Announcement.id == found.id)
        ):
            return found
    raise AnnouncementNotFound()


async def school_announcement(
    session: SessionDep, admin: SchoolAdmin, announcement_id: AnnouncementId
) -> Announcement:
    found = await session.scalar(
        select(Announcement).where(
            Announcement.id == announcement_id, Announcement.school_id == admin.school_id
        )
    )
    if found is None:
        raise AnnouncementNotFound()
    return found


async def family_announcement(
    session: SessionDep, parent: ParentUser, announcement_id: AnnouncementId
) -> Announcement:
    found = await session.scalar(
        select(Announcement).where(
            Announcement.id == announcement_id, repository.reaches_family(parent.id)
        )
    )
    if found is None:
        raise AnnouncementNotFound()
    return found


VisibleAnnouncement = Annotated[Announcement, Depends(visible_announcement)]
SchoolAnnouncement = Annotated[Announcement, Depends(school_announcement)]
FamilyAnnouncement = Annotated[Announcement, Depends(family_announcement)]
