"""care_logs and staff_check_ins for the daily ledger (台账); roll-call marks by school and day

Revision ID: 0013_ledger
Revises: 0014_fees
Create Date: 2026-12-04 16:31:47.381098+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_ledger"
down_revision: str | Sequence[str] | None = "0014_fees"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "care_logs",
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("group_id", sa.UUID(), nullable=False),
        sa.Column("slot_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("student_id", sa.UUID(), nullable=True),
        sa.Column("author_id", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('activity', 'note', 'incident')", name=op.f("ck_care_logs_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_care_logs_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_care_logs_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_care_logs_school_id_schools"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"], ["slots.id"], name=op.f("fk_care_logs_slot_id_slots"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_care_logs_student_id_students"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_logs")),
    )
    op.create_index("ix_care_logs_group_date", "care_logs", ["group_id", "date"], unique=False)
    op.create_index(
        "ix_care_logs_school_date", "care_logs", ["school_id", "date", "created_at"], unique=False
    )
    op.create_index(op.f("ix_care_logs_student_id"), "care_logs", ["student_id"], unique=False)
    op.create_table(
        "staff_check_ins",
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("group_id", sa.UUID(), nullable=False),
        sa.Column("slot_id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.CheckConstraint(
            "source IN ('manual', 'roll_call')", name=op.f("ck_staff_check_ins_source_known")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_staff_check_ins_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_staff_check_ins_school_id_schools"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["slots.id"],
            name=op.f("fk_staff_check_ins_slot_id_slots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_staff_check_ins_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_check_ins")),
        sa.UniqueConstraint(
            "user_id",
            "group_id",
            "slot_id",
            "date",
            name=op.f("uq_staff_check_ins_user_id_group_id_slot_id_date"),
        ),
    )
    op.create_index(
        op.f("ix_staff_check_ins_group_id"), "staff_check_ins", ["group_id"], unique=False
    )
    op.create_index(
        "ix_staff_check_ins_school_date", "staff_check_ins", ["school_id", "date"], unique=False
    )
    op.create_index(
        "ix_roll_call_marks_school_day", "roll_call_marks", ["school_id", "day"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_roll_call_marks_school_day", table_name="roll_call_marks")
    op.drop_index("ix_staff_check_ins_school_date", table_name="staff_check_ins")
    op.drop_index(op.f("ix_staff_check_ins_group_id"), table_name="staff_check_ins")
    op.drop_table("staff_check_ins")
    op.drop_index(op.f("ix_care_logs_student_id"), table_name="care_logs")
    op.drop_index("ix_care_logs_school_date", table_name="care_logs")
    op.drop_index("ix_care_logs_group_date", table_name="care_logs")
    op.drop_table("care_logs")
