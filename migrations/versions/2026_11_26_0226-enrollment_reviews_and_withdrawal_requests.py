"""Enrollment review decisions, and the withdrawal a family asked for (date and time).

Revision ID: 0005_enroll
Revises: 0004_auth
Create Date: 2026-11-26 02:26:10.118600+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_enroll"
down_revision: str | Sequence[str] | None = "0004_auth"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "enrollment_reviews",
        sa.Column("enrollment_id", sa.UUID(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=True),
        sa.Column("reviewer_id", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_enrollment_reviews_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["users.id"],
            name=op.f("fk_enrollment_reviews_reviewer_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollment_reviews")),
    )
    op.create_index(
        op.f("ix_enrollment_reviews_enrollment_id"),
        "enrollment_reviews",
        ["enrollment_id"],
        unique=False,
    )
    op.add_column("enrollments", sa.Column("withdrawal_effective_date", sa.Date(), nullable=True))
    op.add_column(
        "enrollments",
        sa.Column("withdrawal_requested_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("enrollments", "withdrawal_requested_at")
    op.drop_column("enrollments", "withdrawal_effective_date")
    op.drop_index(op.f("ix_enrollment_reviews_enrollment_id"), table_name="enrollment_reviews")
    op.drop_table("enrollment_reviews")
