"""Gate pickup tables: authorised and blocked adults, passes, handovers, late cases."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.models import Base, IdMixin


class PickupLevel(StrEnum):
    ALWAYS = "always"
    # Only with a pass a guardian issued that day: the family decides each time.
    EMERGENCY_ONLY = "emergency_only"


class AdultKind(StrEnum):
    GUARDIAN = "guardian"
    PICKUP_PERSON = "pickup_person"


class HandoverKind(StrEnum):
    PICKED_UP = "picked_up"
    RELEASED = "released"  # 弹性离校: left on their own, with consent and school policy


class LateOutcome(StrEnum):
    COLLECTED = "collected"
    GUARDIAN_CONTACTED = "guardian_contacted"
    ESCORTED_HOME = "escorted_home"
    AUTHORITIES_INVOLVED = "authorities_involved"
    OTHER = "other"


class PickupPerson(IdMixin, Base):
    """An adult a guardian authorised to collect one child (removed ones are kept for history)."""

    __tablename__ = "pickup_persons"
    __table_args__ = (
        Index("ix_pickup_persons_student", "student_id", "created_at"),
        # One live record per phone and child; the phone is stored normalised.
        Index(
            "uq_pickup_persons_live_phone",
            "student_id",
            "phone",
            unique=True,
            postgresql_where=text("removed_at IS NULL"),
        ),
        CheckConstraint(
            "valid_until IS NULL OR valid_from IS NULL OR valid_from <= valid_until",
            name="validity_ordered",
        ),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    student_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(20))
    relationship: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(16), default=PickupLevel.ALWAYS)
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None]
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)
    removed_at: Mapped[datetime | None]


class BlockedAdult(IdMixin, Base):
    """An adult who must never collect a child (custody order), set by a school admin."""

    __tablename__ = "blocked_adults"
    __table_args__ = (Index("ix_blocked_adults_student", "student_id", "created_at"),)

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    student_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(20))
    # An identity document is kept only as a keyed digest plus its last four characters.
    id_number_digest: Mapped[str | None] = mapped_column(String(64))
    id_number_tail: Mapped[str | None] = mapped_column(String(4))
    note: Mapped[str] = mapped_column(String(2000))
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    lifted_at: Mapped[datetime | None]
    lifted_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class PickupPass(IdMixin, Base):
    """A short-lived code a guardian issued naming one adult and some of their children."""

    __tablename__ = "pickup_passes"
    __table_args__ = (Index("ix_pickup_passes_issuer", "issued_by", "created_at"),)

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The adult it names: the issuing guardian, or one of the family's pickup persons.
    adult_kind: Mapped[str] = mapped_column(String(16))
    pickup_person_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("pickup_persons.id", ondelete="SET NULL")
    )
    adult_name: Mapped[str] = mapped_column(String(64))
    adult_phone: Mapped[str | None] = mapped_column(String(20))
    adult_relationship: Mapped[str] = mapped_column(String(32))
    date: Mapped[date]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class PickupPassStudent(Base):
    """A child named on a pass, with the pickup person record that authorises the adult."""

    __tablename__ = "pickup_pass_students"

    pass_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pickup_passes.id", ondelete="CASCADE"), primary_key=True
    )
    student_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    pickup_person_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("pickup_persons.id", ondelete="CASCADE")
    )


class HandoverFacts:
    """What a handover records; shared by the day's handovers and the voided ones kept apart."""

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    student_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    date: Mapped[date]
    kind: Mapped[str] = mapped_column(String(16))
    picked_up_at: Mapped[datetime]
    adult_kind: Mapped[str | None] = mapped_column(String(16))
    adult_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    pickup_person_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("pickup_persons.id", ondelete="SET NULL")
    )
    pickup_pass_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("pickup_passes.id", ondelete="SET NULL")
    )
    # What the gate saw, kept as it was even if the person record changes later.
    adult_name: Mapped[str | None] = mapped_column(String(64))
    adult_phone: Mapped[str | None] = mapped_column(String(20))
    adult_relationship: Mapped[str | None] = mapped_column(String(32))
    confirmed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    confirmed_by_name: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(500))


class Handover(IdMixin, HandoverFacts, Base):
    """A child leaving the school's care for the day: to an adult, or released on their own."""

    __tablename__ = "handovers"
    __table_args__ = (
        # One handover per child and day, whatever the gates race to do.
        UniqueConstraint("student_id", "date"),
        Index("ix_handovers_school_date", "school_id", "date", "picked_up_at"),
    )


class VoidedHandover(IdMixin, HandoverFacts, Base):
    """A handover an admin voided as a mistake, moved out of the day's handovers (same id).

    Kept apart so that everything reading "who has left today" never sees it: the child is
    waiting again and a new handover that day is possible.
    """

    __tablename__ = "voided_handovers"
    __table_args__ = (Index("ix_voided_handovers_school_date", "school_id", "date"),)

    voided_at: Mapped[datetime] = mapped_column(default=clock.now)
    voided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    void_reason: Mapped[str] = mapped_column(String(500))


class ReleaseConsent(Base):
    """A guardian's consent that the child may leave without an adult (弹性离校)."""

    __tablename__ = "release_consents"

    student_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), primary_key=True
    )
    given_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    given_at: Mapped[datetime] = mapped_column(default=clock.now)
    note: Mapped[str | None] = mapped_column(String(500))


class PickupSettings(Base):
    """A school's gate rules beyond ``School.policy``: who may leave alone, how long passes live."""

    __tablename__ = "pickup_settings"

    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("schools.id", ondelete="CASCADE"), primary_key=True
    )
    self_release_grades: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger), default=list)
    pass_ttl_minutes: Mapped[int | None] = mapped_column(SmallInteger)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)


class VerificationFailure(IdMixin, Base):
    """A failed pass check at the gate; recent ones throttle the account and the code."""

    __tablename__ = "pickup_verification_failures"
    __table_args__ = (
        Index("ix_pickup_verification_failures_actor", "actor_id", "created_at"),
        Index("ix_pickup_verification_failures_code", "code_digest", "created_at"),
    )

    actor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    school_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("schools.id", ondelete="CASCADE")
    )
    code_digest: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class LateCase(IdMixin, Base):
    """A child still waiting after the grace period, and how the day ended for them."""

    __tablename__ = "late_pickups"
    __table_args__ = (
        UniqueConstraint("student_id", "date"),
        Index("ix_late_pickups_school_date", "school_id", "date", "detected_at"),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    student_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    date: Mapped[date]
    slot_end_at: Mapped[datetime]
    detected_at: Mapped[datetime] = mapped_column(default=clock.now)
    escalated_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    outcome: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(2000))
