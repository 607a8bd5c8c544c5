"""The vetting record of an outside staff member (external instructor or volunteer)."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.models import Base


class Employment(StrEnum):
    SCHOOL = "school"
    EXTERNAL = "external"  # an outside provider's instructor (校外机构)
    VOLUNTEER = "volunteer"


OUTSIDE = frozenset({Employment.EXTERNAL, Employment.VOLUNTEER})


class StaffVetting(Base):
    """资格审查: who vetted an outside adult, the certificate, and until when it holds."""

    __tablename__ = "staff_vettings"
    # The daily expiry warning reads a range of valid_until.
    __table_args__ = (Index("ix_staff_vettings_valid_until", "valid_until"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    organisation: Mapped[str] = mapped_column(String(100))
    checked_at: Mapped[dt.date]
    certificate_no: Mapped[str] = mapped_column(String(64))
    valid_until: Mapped[dt.date]
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
