"""Fees: bills with their slot lines, payments, refunds, WeChat Pay callback nonces; slots.fee_fen

Revision ID: 0014_fees
Revises: 0010_auth_revocation
Create Date: 2026-12-04 16:33:16.462062+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_fees"
down_revision: str | Sequence[str] | None = "0010_auth_revocation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "wechatpay_notify_nonces",
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_wechatpay_notify_nonces")),
    )
    op.create_index(
        op.f("ix_wechatpay_notify_nonces_seen_at"),
        "wechatpay_notify_nonces",
        ["seen_at"],
        unique=False,
    )
    op.create_table(
        "bills",
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.Column("enrollment_id", sa.UUID(), nullable=False),
        sa.Column("term_id", sa.UUID(), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("service_days", sa.Integer(), nullable=False),
        sa.Column("days_off", sa.Integer(), nullable=False),
        sa.Column("waiver_bp", sa.Integer(), nullable=False),
        sa.Column("base_amount_fen", sa.Integer(), nullable=False),
        sa.Column("base_waived_fen", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("waived_fen", sa.Integer(), nullable=False),
        sa.Column("paid_fen", sa.Integer(), nullable=False),
        sa.Column("refunded_fen", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'paid', 'waived', 'refunded', 'void')",
            name=op.f("ck_bills_status_known"),
        ),
        sa.CheckConstraint(
            "0 <= refunded_fen AND refunded_fen <= paid_fen",
            name=op.f("ck_bills_refund_within_paid"),
        ),
        sa.CheckConstraint(
            "0 <= waived_fen AND waived_fen <= amount_fen AND amount_fen <= base_amount_fen",
            name=op.f("ck_bills_amounts_ordered"),
        ),
        sa.CheckConstraint("waiver_bp BETWEEN 0 AND 10000", name=op.f("ck_bills_waiver_fraction")),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_bills_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_bills_school_id_schools"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_bills_student_id_students"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["term_id"], ["terms.id"], name=op.f("fk_bills_term_id_terms"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bills")),
        sa.UniqueConstraint("enrollment_id", "period", name=op.f("uq_bills_enrollment_id_period")),
    )
    op.create_index(
        "ix_bills_school_period_start", "bills", ["school_id", "period_start"], unique=False
    )
    op.create_index("ix_bills_student_created", "bills", ["student_id", "created_at"], unique=False)
    op.create_index(op.f("ix_bills_term_id"), "bills", ["term_id"], unique=False)
    op.create_table(
        "bill_lines",
        sa.Column("bill_id", sa.UUID(), nullable=False),
        sa.Column("slot_id", sa.UUID(), nullable=False),
        sa.Column("fee_fen", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"], ["bills.id"], name=op.f("fk_bill_lines_bill_id_bills"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"], ["slots.id"], name=op.f("fk_bill_lines_slot_id_slots"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("bill_id", "slot_id", name=op.f("pk_bill_lines")),
    )
    op.create_index(op.f("ix_bill_lines_slot_id"), "bill_lines", ["slot_id"], unique=False)
    op.create_table(
        "bill_payments",
        sa.Column("bill_id", sa.UUID(), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("out_trade_no", sa.String(length=32), nullable=True),
        sa.Column("transaction_id", sa.String(length=64), nullable=True),
        sa.Column("payer_id", sa.UUID(), nullable=True),
        sa.Column("recorded_by", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.CheckConstraint(
            "method IN ('wechat', 'cash', 'bank')", name=op.f("ck_bill_payments_method_known")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'succeeded')", name=op.f("ck_bill_payments_status_known")
        ),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_bill_payments_amount_positive")),
        sa.ForeignKeyConstraint(
            ["bill_id"],
            ["bills.id"],
            name=op.f("fk_bill_payments_bill_id_bills"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["payer_id"],
            ["users.id"],
            name=op.f("fk_bill_payments_payer_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
            name=op.f("fk_bill_payments_recorded_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bill_payments")),
        sa.UniqueConstraint("out_trade_no", name=op.f("uq_bill_payments_out_trade_no")),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_bill_payments_transaction_id")),
    )
    op.create_index(op.f("ix_bill_payments_bill_id"), "bill_payments", ["bill_id"], unique=False)
    op.create_table(
        "bill_refunds",
        sa.Column("bill_id", sa.UUID(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.UUID(), nullable=True),
        sa.Column("out_refund_no", sa.String(length=64), nullable=True),
        sa.Column("wechat_refund_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'processing', 'succeeded', 'failed', 'offline')",
            name=op.f("ck_bill_refunds_status_known"),
        ),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_bill_refunds_amount_positive")),
        sa.ForeignKeyConstraint(
            ["bill_id"],
            ["bills.id"],
            name=op.f("fk_bill_refunds_bill_id_bills"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["bill_payments.id"],
            name=op.f("fk_bill_refunds_payment_id_bill_payments"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bill_refunds")),
        sa.UniqueConstraint("out_refund_no", name=op.f("uq_bill_refunds_out_refund_no")),
    )
    op.create_index(op.f("ix_bill_refunds_bill_id"), "bill_refunds", ["bill_id"], unique=False)
    op.create_index(
        "ix_bill_refunds_pending",
        "bill_refunds",
        ["created_at"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.add_column("slots", sa.Column("fee_fen", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    op.drop_column("slots", "fee_fen")
    op.drop_index(
        "ix_bill_refunds_pending",
        table_name="bill_refunds",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_index(op.f("ix_bill_refunds_bill_id"), table_name="bill_refunds")
    op.drop_table("bill_refunds")
    op.drop_index(op.f("ix_bill_payments_bill_id"), table_name="bill_payments")
    op.drop_table("bill_payments")
    op.drop_index(op.f("ix_bill_lines_slot_id"), table_name="bill_lines")
    op.drop_table("bill_lines")
    op.drop_index(op.f("ix_bills_term_id"), table_name="bills")
    op.drop_index("ix_bills_student_created", table_name="bills")
    op.drop_index("ix_bills_school_period_start", table_name="bills")
    op.drop_table("bills")
    op.drop_index(op.f("ix_wechatpay_notify_nonces_seen_at"), table_name="wechatpay_notify_nonces")
    op.drop_table("wechatpay_notify_nonces")
