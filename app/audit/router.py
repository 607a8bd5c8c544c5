"""``GET /audit-events``: a school admin reads the school's audit trail."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from app.audit import service
from app.audit.schemas import AuditEventOut
from app.auth.deps import SchoolAdmin
from app.core.database import SessionDep
from app.core.pagination import PageDep
from app.core.schemas import Page, SearchText

router = APIRouter(tags=["operations"])

Filter = Annotated[SearchText | None, Query()]


@router.get("/audit-events", response_model=Page[AuditEventOut])
async def list_audit_events(
    session: SessionDep,
    admin: SchoolAdmin,
    page: PageDep,
    object_type: Filter = None,
    object_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    action: Filter = None,
) -> Page[AuditEventOut]:
    """Who did what, when and from where in the admin's school, newest first."""
    return await service.list_events(
        session,
        school_id=admin.staff_school(),
        page=page,
        object_type=object_type,
        object_id=object_id,
        actor_id=actor_id,
        action=action,
    )
