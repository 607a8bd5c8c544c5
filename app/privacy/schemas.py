"""Request and response bodies of guardians' data rights."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class PrivacyNoticeOut(BaseModel):
    version: int
    text: str


class MyDataOut(BaseModel):
    """Everything Kehou holds about the caller and their children, one section per domain."""

    generated_at: datetime
    privacy_notice_version: int
    sections: dict[str, dict[str, Any]]
