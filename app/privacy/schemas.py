"""Request and response bodies of guardians' data rights."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel


class PrivacyNoticeOut(BaseModel):
    version: int
    text: str


class RecordReadOut(BaseModel):
    """One staff request that read the child's record."""

    id: uuid.UUID
    actor_id: uuid.UUID
    actor_name: str | None  # None once the staff account is gone
    endpoint: str
    read_at: datetime
    # How many children that request read (a roster or list names many at once).
    children_read: int


class MyDataOut(BaseModel):
    """Everything Kehou holds about the caller and their children, one section per domain."""

    generated_at: datetime
    privacy_notice_version: int
    sections: dict[str, dict[str, Any]]
