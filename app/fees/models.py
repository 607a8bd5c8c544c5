"""Bills of an enrollment per period, the payments against them and the refunds they owe."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.models import Base, IdMixin


class FeeMode(StrEnum):
    FREE = "free"
    PER_TERM = "per_term"
    PER_MONTH = "per_month"


class BillStatus(StrEnum):
    OPEN = "open"  # something is left to pay
    PAID = "paid"  # settled (perhaps with part given back)
    WAIVED = "waived"  # the waiver covers everything
    REFUNDED = "refunded"  # everything paid was given back
    VOID = "void"  # no service day left to charge for, nothing paid


class PaymentMethod(StrEnum):
    WECHAT = "wechat"
    CASH = "cash"
    BANK = "bank"


class PaymentStatus(StrEnum):
    PENDING = "pending"  # a WeChat Pay order made, its callback not yet received
    SUCCEEDED = "succeeded"


class RefundReason(StrEnum):
    WITHDRAWAL = "withdrawal"
    CLOSURE = "closure"
    OVERPAID = "overpaid"  # a second payment of a settled bill


class RefundStatus(StrEnum):
    PENDING = "pending"  # to be sent to WeChat Pay (by the refund job)
    PROCESSING = "processing"  # accepted by WeChat Pay, its result not yet known
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # WeChat Pay gave up (ABNORMAL/CLOSED): the school pays it back by hand
    OFFLINE = "offline"  # handed back by the school (cash or bank)


class Bill(IdMixin, Base):
    """What one enrollment owes for one period.

    ``base_*`` are the charge as made; ``amount_fen``/``waived_fen`` are the charge now,
    after service days taken away (withdrawal, closures) pro rata over ``service_days``.
    What is due is ``amount - waived``; what is held is ``paid - refunded``.
    """

    __tablename__ = "bills"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "period"),
        CheckConstraint(
            "status IN ('open', 'paid', 'waived', 'refunded', 'void')", name="status_known"
        ),
        CheckConstraint(
            "0 <= waived_fen AND waived_fen <= amount_fen AND amount_fen <= base_amount_fen",
            name="amounts_ordered",
        ),
        CheckConstraint(
            "0 <= refunded_fen AND refunded_fen <= paid_fen", name="refund_within_paid"
        ),
        CheckConstraint("waiver_bp BETWEEN 0 AND 10000", name="waiver_fraction"),
        Index("ix_bills_school_period_start", "school_id", "period_start"),
        Index("ix_bills_student_created", "student_id", "created_at"),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    student_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    enrollment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE")
    )
    term_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("terms.id", ondelete="CASCADE"), index=True
    )
    # "2026-09" (per month) or "2026-09-01/2027-01-15" (per term, an ISO 8601 interval)
    period: Mapped[str] = mapped_column(String(32))
    # The days charged for: the period, from the enrollment's first day.
    period_start: Mapped[date]
    period_end: Mapped[date]
    service_days: Mapped[int]  # service days charged for when the bill was made
    days_off: Mapped[int] = mapped_column(default=0)  # of those, taken off since (pro rata)
    waiver_bp: Mapped[int]  # the waiver in ten-thousandths (5000 = half)
    base_amount_fen: Mapped[int]
    base_waived_fen: Mapped[int]
    amount_fen: Mapped[int]
    waived_fen: Mapped[int]
    paid_fen: Mapped[int] = mapped_column(default=0)
    refunded_fen: Mapped[int] = mapped_column(default=0)
    due_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)


class BillLine(Base):
    """A slot charged on a bill, with its fee as made (the statement's split by slot)."""

    __tablename__ = "bill_lines"

    bill_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("bills.id", ondelete="CASCADE"), primary_key=True
    )
    slot_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("slots.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    fee_fen: Mapped[int]


class BillPayment(IdMixin, Base):
    """Money received for a bill: a WeChat Pay order (pending until its callback) or cash/bank."""

    __tablename__ = "bill_payments"
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("method IN ('wechat', 'cash', 'bank')", name="method_known"),
        CheckConstraint("status IN ('pending', 'succeeded')", name="status_known"),
    )

    bill_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("bills.id", ondelete="CASCADE"), index=True
    )
    method: Mapped[str] = mapped_column(String(8))
    amount_fen: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))
    out_trade_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    transaction_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    payer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    paid_at: Mapped[datetime | None]


class BillRefund(IdMixin, Base):
    """Money owed back on a bill, sent through WeChat Pay when it came that way."""

    __tablename__ = "bill_refunds"
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint(
            "status IN ('pending', 'processing', 'succeeded', 'failed', 'offline')",
            name="status_known",
        ),
        Index(
            "ix_bill_refunds_pending",
            "created_at",
            postgresql_where=text("status = 'pending'"),
        ),
    )

    bill_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("bills.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(16))
    days: Mapped[int]  # service days given back by this refund (0 for an overpayment)
    amount_fen: Mapped[int]
    # The WeChat Pay payment refunded from; NULL when the school pays back by hand.
    payment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("bill_payments.id", ondelete="RESTRICT")
    )
    out_refund_no: Mapped[str | None] = mapped_column(String(64), unique=True)
    wechat_refund_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    settled_at: Mapped[datetime | None]


class NotifyNonce(Base):
    """A WeChat Pay callback nonce already accepted: the same one again is a replay."""

    __tablename__ = "wechatpay_notify_nonces"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
