"""Acceptances of the privacy notice (the log of staff reads is ``app.audit.models``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.models import Base, IdMixin


class NoticeAcceptance(IdMixin, Base):
    """A parent accepted this version of the privacy notice at this time."""

    __tablename__ = "privacy_notice_acceptances"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(SmallInteger)
    accepted_at: Mapped[datetime] = mapped_column(default=clock.now)
