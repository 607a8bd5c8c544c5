"""The staff side of the day: leave recorded by staff, coalesced review pushes, announcements

Revision ID: 0016_staffside
Revises: 0009_last_slot
Create Date: 2026-12-04 16:31:30.983030+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016_staffside"
down_revision: str | Sequence[str] | None = "0009_last_slot"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("audience_grades", postgresql.ARRAY(sa.SmallInteger()), nullable=False),
        sa.Column("audience_class_ids", postgresql.ARRAY(sa.UUID()), nullable=False),
        sa.Column("audience_slot_ids", postgresql.ARRAY(sa.UUID()), nullable=False),
        sa.Column("requires_ack", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_announcements_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_announcements_school_id_schools"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    op.create_index(
        "ix_announcements_school_published",
        "announcements",
        ["school_id", "published_at", "id"],
        unique=False,
    )
    op.create_table(
        "push_coalescing",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("last_push_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("held_since", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_push_coalescing_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_push_coalescing")),
    )
    op.create_index(
        "ix_push_coalescing_held",
        "push_coalescing",
        ["held_since"],
        unique=False,
        postgresql_where=sa.text("held_since IS NOT NULL"),
    )
    op.create_table(
        "announcement_receipts",
        sa.Column("announcement_id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["announcements.id"],
            name=op.f("fk_announcement_receipts_announcement_id_announcements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_announcement_receipts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "announcement_id", "user_id", name=op.f("pk_announcement_receipts")
        ),
    )
    op.create_table(
        "announcement_recipients",
        sa.Column("announcement_id", sa.UUID(), nullable=False),
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["announcements.id"],
            name=op.f("fk_announcement_recipients_announcement_id_announcements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_announcement_recipients_student_id_students"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "announcement_id", "student_id", name=op.f("pk_announcement_recipients")
        ),
    )
    op.create_index(
        op.f("ix_announcement_recipients_student_id"),
        "announcement_recipients",
        ["student_id"],
        unique=False,
    )
    op.add_column(
        "leave_requests",
        sa.Column("channel", sa.String(length=8), server_default="app", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_leave_requests_channel_known"),
        "leave_requests",
        "channel IN ('app', 'phone', 'paper')",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_leave_requests_channel_known"), "leave_requests", type_="check")
    op.drop_column("leave_requests", "channel")
    op.drop_index(
        op.f("ix_announcement_recipients_student_id"), table_name="announcement_recipients"
    )
    op.drop_table("announcement_recipients")
    op.drop_table("announcement_receipts")
    op.drop_index(
        "ix_push_coalescing_held",
        table_name="push_coalescing",
        postgresql_where=sa.text("held_since IS NOT NULL"),
    )
    op.drop_table("push_coalescing")
    op.drop_index("ix_announcements_school_published", table_name="announcements")
    op.drop_table("announcements")
