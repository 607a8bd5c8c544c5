"""A month's workload as published: the frozen figures staff read."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.models import Base, IdMixin


class WorkloadPublication(IdMixin, Base):
    """公示: a school's workload figures for a month, frozen when an admin published them."""

    __tablename__ = "workload_publications"
    __table_args__ = (UniqueConstraint("school_id", "month"),)

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    published_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    published_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    # The items of GET /workload as they were then, one per staff member.
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
