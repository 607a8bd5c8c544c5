"""privacy: acceptances of the privacy notice, and the log of staff reads of children's records

Revision ID: 0017_privacy
Revises: 0012_seats
Create Date: 2026-12-04 18:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0017_privacy"
down_revision: str | Sequence[str] | None = "0012_seats"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "privacy_notice_acceptances",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("version", sa.SmallInteger(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_privacy_notice_acceptances_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_notice_acceptances")),
    )
    op.create_index(
        op.f("ix_privacy_notice_acceptances_user_id"),
        "privacy_notice_acceptances",
        ["user_id"],
        unique=False,
    )
    op.create_table(
        "student_record_reads",
        sa.Column("school_id", sa.UUID(), nullable=True),
        sa.Column("actor_id", sa.UUID(), nullable=False),
        sa.Column("endpoint", sa.String(length=100), nullable=False),
        sa.Column("student_ids", postgresql.ARRAY(sa.UUID()), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_student_record_reads")),
    )
    op.create_index(
        "ix_student_record_reads_student_ids",
        "student_record_reads",
        ["student_ids"],
        unique=False,
        postgresql_using="gin",
    )


def downgrade() -> None:
    op.drop_index(
        "ix_student_record_reads_student_ids",
        table_name="student_record_reads",
        postgresql_using="gin",
    )
    op.drop_table("student_record_reads")
    op.drop_index(
        op.f("ix_privacy_notice_acceptances_user_id"), table_name="privacy_notice_acceptances"
    )
    op.drop_table("privacy_notice_acceptances")
