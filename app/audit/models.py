"""The log of staff reading children's records (the audit trail itself is ``app.core.audit``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.models import Base, IdMixin


class StudentRecordRead(IdMixin, Base):
    """One staff request that read children's records: a list is one row with all its ids."""

    __tablename__ = "student_record_reads"
    __table_args__ = (
        # GET /students/{id}/access-log: which reads name this child
        Index("ix_student_record_reads_student_ids", "student_ids", postgresql_using="gin"),
    )

    school_id: Mapped[uuid.UUID | None]
    # No foreign key: the log outlives a staff account removed later.
    actor_id: Mapped[uuid.UUID]
    endpoint: Mapped[str] = mapped_column(String(100))
    student_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)))
    read_at: Mapped[datetime] = mapped_column(default=clock.now)
