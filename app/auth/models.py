"""Accounts and their roles, refresh-token families, and failed attempts for throttling."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.models import Base, IdMixin
from app.core.principal import STAFF_ROLES, Role

__all__ = ["STAFF_ROLES", "Role"]


class User(IdMixin, Base):
    """An account. Staff belong to one school; a parent's reach comes from linked children."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "employment IN ('school', 'external', 'volunteer')", name="employment_known"
        ),
    )

    school_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("schools.id", ondelete="RESTRICT"), index=True
    )
    # A district admin's district (``app.district``); ``None`` for everyone else.
    district_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("districts.id", ondelete="RESTRICT"), index=True
    )
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list)
    wechat_openid: Mapped[str | None] = mapped_column(String(128), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True, server_default="true")
    # school | external | volunteer: outside staff carry a vetting record (app.staff).
    employment: Mapped[str] = mapped_column(String(16), default="school", server_default="school")
    # Carried by every access token; bumped by a change of roles, activation or password,
    # which ends every access token already issued (the walls compare it on each request).
    token_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=clock.now, server_default=func.now())


class RefreshFamily(IdMixin, Base):
    """One sign-in (a login on one device) and every refresh token rotated from it.

    Revoking the family ends the sign-in: logout, a replayed spent token, a deactivated
    account or a password change.
    """

    __tablename__ = "refresh_families"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    revoked_at: Mapped[datetime | None]
    # logout, replay, deactivated, password_changed
    revoked_reason: Mapped[str | None] = mapped_column(String(32))


class RefreshToken(IdMixin, Base):
    """One opaque refresh token, stored as a keyed digest; ``used_at`` marks it spent."""

    __tablename__ = "refresh_tokens"

    family_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("refresh_families.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]


class FailedAttempt(IdMixin, Base):
    """A failed guess (password, binding code) counted against an account or an address."""

    __tablename__ = "auth_failed_attempts"
    __table_args__ = (Index("ix_auth_failed_attempts_key_created", "key", "created_at"),)

    # "<kind>:account:<who>" or "<kind>:ip:<address>"
    key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
