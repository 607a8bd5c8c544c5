"""Inbox entries, the outbox of pushes owed to devices, and the devices push goes to."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.models import Base, IdMixin


class Platform(StrEnum):
    FCM = "fcm"  # an FCM registration token of the Android/iOS app
    WECHAT = "wechat"  # the mini-program user's openid (subscribe messages)


class PushStatus(StrEnum):
    PENDING = "pending"  # due at next_attempt_at (or claimed by a worker until then)
    SENT = "sent"  # the provider accepted it; never sent again
    DEAD = "dead"  # gave up: permanent error or out of tries
    SKIPPED = "skipped"  # nothing to send: device gone, channel off, no template for the kind


class Notification(IdMixin, Base):
    """One inbox entry of one user. Every notification is here, whatever happens to push."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "dedupe_key"),
        Index("ix_notifications_user_created", "user_id", "created_at", "id"),
        # the badge count is asked on every inbox open: keep it an index-only lookup
        Index("ix_notifications_unread", "user_id", postgresql_where=text("read_at IS NULL")),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(String(500))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    read_at: Mapped[datetime | None]


class OutboxMessage(IdMixin, Base):
    """One push of one notification to one device, written in the same transaction as the change.

    One row per device (not per notification) so each push has its own tries, backoff and
    end state: a phone that got the message is never sent it again because another phone
    of the same parent failed.
    """

    __tablename__ = "notification_outbox"
    __table_args__ = (
        Index(
            "ix_notification_outbox_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
        ),
    )

    notification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), index=True
    )
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=PushStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    # When it is due; a claiming worker pushes it one lease ahead, so a crashed worker's
    # claim falls due again by itself.
    next_attempt_at: Mapped[datetime] = mapped_column(default=clock.now)
    # The claim that may record this attempt's result (a late worker's result is ignored).
    claim_id: Mapped[uuid.UUID | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    finished_at: Mapped[datetime | None]  # when it became sent, dead or skipped


class Device(IdMixin, Base):
    """A push address of a user: an FCM registration token or a WeChat openid.

    A token is unique per platform: registering it again moves it to the caller. Rows are
    deactivated, not deleted, so a WeChat openid the user turned off is not taken up again
    from their login until the mini-program registers it anew.
    """

    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("platform", "token"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(16))
    token: Mapped[str] = mapped_column(String(4096))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    registered_at: Mapped[datetime] = mapped_column(default=clock.now)  # last (re-)registration
    deactivated_at: Mapped[datetime | None]
    deactivated_reason: Mapped[str | None] = mapped_column(String(200))


class PushCoalescing(Base):
    """When a user was last pushed a notice of a coalesced kind, and since when one is held.

    Coalesced kinds (``review.pending``) always reach the inbox; their pushes go out at most
    once per window per user. A notice arriving inside the window is held
    (``held_since``) and the worker's ``notifications.flush_coalesced`` job pushes the
    newest unread one, with its count, once the window has passed.
    """

    __tablename__ = "push_coalescing"
    __table_args__ = (
        Index(
            "ix_push_coalescing_held", "held_since", postgresql_where=text("held_since IS NOT NULL")
        ),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_push_at: Mapped[datetime | None]
    held_since: Mapped[datetime | None]
