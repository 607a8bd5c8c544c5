"""What an admin sees of an audit event and of the read log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.core.schemas import Output


class AuditEventOut(Output):
    id: uuid.UUID
    created_at: datetime
    action: str = Field(examples=["enrollment.approved"])
    object_type: str = Field(examples=["enrollment"])
    object_id: uuid.UUID | None
    actor_id: uuid.UUID | None
    actor_name: str | None = Field(default=None, examples=["王老师"])
    data: dict[str, Any]
    ip: str | None = Field(examples=["10.1.2.3"])
    user_agent: str | None
    request_id: str | None


class RecordReadOut(BaseModel):
    """One staff request that read the child's record."""

    id: uuid.UUID
    actor_id: uuid.UUID
    actor_name: str | None  # None once the staff account is gone
    endpoint: str
    read_at: datetime
    # How many children that request read (a roster or list names many at once).
    children_read: int
