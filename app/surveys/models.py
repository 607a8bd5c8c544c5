"""A school's surveys (意愿征询) and the one response per child to each."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.models import Base, IdMixin


class SurveyStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"


class Survey(IdMixin, Base):
    """A questionnaire for the families of an audience (grades and/or classes) of one term.

    An empty audience (no grades, no classes) is the whole school; otherwise a child is in it
    when their class's grade or the class itself is named. ``questions`` is the list of
    ``{"id", "kind", "prompt", "options", "required"}`` the answers are checked against.
    """

    __tablename__ = "surveys"
    __table_args__ = (
        CheckConstraint("opens_at < closes_at", name="window_ordered"),
        CheckConstraint("status IN ('draft', 'published', 'closed')", name="status_known"),
        Index("ix_surveys_school_created", "school_id", "created_at", "id"),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    term_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("terms.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(2000))
    # The ready-made survey this one was started from (``next_term_intent``), if any.
    template: Mapped[str | None] = mapped_column(String(32))
    audience_grades: Mapped[list[int]] = mapped_column(
        ARRAY(SmallInteger), default=list, server_default=text("'{}'")
    )
    audience_class_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), default=list, server_default=text("'{}'")
    )
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=SurveyStatus.DRAFT)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)
    published_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class SurveyResponse(IdMixin, Base):
    """A family's answers for one child; a later submission replaces them (one row per child)."""

    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("survey_id", "student_id"),)

    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    student_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), index=True
    )
    # question id -> str (single, text) or list[str] (multi); unanswered optional ones absent.
    answers: Mapped[dict[str, Any]] = mapped_column(JSONB)
    submitted_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    submitted_at: Mapped[datetime] = mapped_column(default=clock.now)
