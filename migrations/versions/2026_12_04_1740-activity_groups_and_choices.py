"""Activity groups (课程社团、走班) beside class groups, families' ranked choices, lottery terms

Revision ID: 0019_activities
Revises: 0018_workload
Create Date: 2026-12-04 18:05:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0019_activities"
down_revision: str | Sequence[str] | None = "0018_workload"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # groups.assistant_id came with the workload migration (0018_workload).
    op.add_column(
        "groups",
        sa.Column("kind", sa.String(length=16), server_default="class", nullable=False),
    )
    op.add_column("groups", sa.Column("weekdays", postgresql.ARRAY(sa.SmallInteger())))
    op.add_column("groups", sa.Column("grades", postgresql.ARRAY(sa.SmallInteger())))
    op.add_column("groups", sa.Column("category", sa.String(length=16), nullable=True))
    op.add_column("groups", sa.Column("venue", sa.String(length=100), nullable=True))
    op.add_column("groups", sa.Column("description", sa.Text(), nullable=True))
    op.add_column(
        "terms",
        sa.Column(
            "activity_allocation", sa.String(length=16), server_default="first_come", nullable=False
        ),
    )
    op.create_table(
        "activity_choices",
        sa.Column("enrollment_id", sa.UUID(), nullable=False),
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.Column("group_id", sa.UUID(), nullable=False),
        sa.Column("rank", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("chosen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_activity_choices_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_activity_choices_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_activity_choices_student_id_students"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_choices")),
        sa.UniqueConstraint(
            "enrollment_id", "group_id", name=op.f("uq_activity_choices_enrollment_id_group_id")
        ),
    )
    op.create_index(
        op.f("ix_activity_choices_enrollment_id"), "activity_choices", ["enrollment_id"]
    )
    op.create_index(op.f("ix_activity_choices_group_id"), "activity_choices", ["group_id"])
    op.create_index(op.f("ix_activity_choices_student_id"), "activity_choices", ["student_id"])


def downgrade() -> None:
    op.drop_table("activity_choices")
    op.drop_column("terms", "activity_allocation")
    for column in ("description", "venue", "category", "grades", "weekdays", "kind"):
        op.drop_column("groups", column)
