"""Voided handovers kept apart from the day's, and students archived when they leave

Revision ID: 0012_seats
Revises: 0015_district
Create Date: 2026-12-04 16:39:45.488231+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_seats"
down_revision: str | Sequence[str] | None = "0015_district"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "voided_handovers",
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("voided_by", sa.UUID(), nullable=True),
        sa.Column("void_reason", sa.String(length=500), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("picked_up_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("adult_kind", sa.String(length=16), nullable=True),
        sa.Column("adult_user_id", sa.UUID(), nullable=True),
        sa.Column("pickup_person_id", sa.UUID(), nullable=True),
        sa.Column("pickup_pass_id", sa.UUID(), nullable=True),
        sa.Column("adult_name", sa.String(length=64), nullable=True),
        sa.Column("adult_phone", sa.String(length=20), nullable=True),
        sa.Column("adult_relationship", sa.String(length=32), nullable=True),
        sa.Column("confirmed_by", sa.UUID(), nullable=True),
        sa.Column("confirmed_by_name", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["adult_user_id"],
            ["users.id"],
            name=op.f("fk_voided_handovers_adult_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by"],
            ["users.id"],
            name=op.f("fk_voided_handovers_confirmed_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["pickup_pass_id"],
            ["pickup_passes.id"],
            name=op.f("fk_voided_handovers_pickup_pass_id_pickup_passes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["pickup_person_id"],
            ["pickup_persons.id"],
            name=op.f("fk_voided_handovers_pickup_person_id_pickup_persons"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_voided_handovers_school_id_schools"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_voided_handovers_student_id_students"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"],
            ["users.id"],
            name=op.f("fk_voided_handovers_voided_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voided_handovers")),
    )
    op.create_index(
        "ix_voided_handovers_school_date", "voided_handovers", ["school_id", "date"], unique=False
    )
    op.add_column("students", sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("students", "archived_at")
    op.drop_index("ix_voided_handovers_school_date", table_name="voided_handovers")
    op.drop_table("voided_handovers")
