"""Announcements to families (告家长书), who they reached, and who read and acknowledged them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.models import Base, IdMixin


class Announcement(IdMixin, Base):
    """A notice from the school office to the guardians of an audience of children."""

    __tablename__ = "announcements"
    __table_args__ = (
        Index("ix_announcements_school_published", "school_id", "published_at", "id"),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    audience_grades: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger), default=list)
    audience_class_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), default=list
    )
    audience_slot_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), default=list
    )
    requires_ack: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    published_at: Mapped[datetime] = mapped_column(default=clock.now)


class AnnouncementRecipient(Base):
    """A child the announcement reached, fixed when it was published (receipts go by these)."""

    __tablename__ = "announcement_recipients"

    announcement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("announcements.id", ondelete="CASCADE"), primary_key=True
    )
    student_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AnnouncementReceipt(Base):
    """A guardian's first read and acknowledgement of an announcement."""

    __tablename__ = "announcement_receipts"

    announcement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("announcements.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    read_at: Mapped[datetime] = mapped_column(default=clock.now)
    acknowledged_at: Mapped[datetime | None]
