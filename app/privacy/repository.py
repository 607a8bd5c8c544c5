"""The queries of guardians' data rights: consents, and a family's share of the read log."""

from __future__ import annotations

import uuid

from sqlalchemy import Executable, select

from app.audit.models import StudentRecordRead
from app.privacy.models import NoticeAcceptance


def reads_for_family(student_ids: list[uuid.UUID]) -> Executable:
    """Reads naming any of these children: when and through which endpoint (not by whom)."""
    return (
        select(StudentRecordRead.read_at, StudentRecordRead.endpoint, StudentRecordRead.student_ids)
        .where(StudentRecordRead.student_ids.overlap(student_ids))
        .order_by(StudentRecordRead.read_at)
    )


def acceptances(user_id: uuid.UUID) -> Executable:
    return (
        select(NoticeAcceptance.version, NoticeAcceptance.accepted_at)
        .where(NoticeAcceptance.user_id == user_id)
        .order_by(NoticeAcceptance.accepted_at)
    )
