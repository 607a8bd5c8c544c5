"""districts, schools and district admins placed in them, school plans, complaints, the
district's day counts (and the index on roll-call marks by day they are counted from)

Revision ID: 0015_district
Revises: 0011_worker_heartbeat
Create Date: 2026-12-04 16:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_district"
down_revision: str | Sequence[str] | None = "0011_worker_heartbeat"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _district_column(table: str) -> None:
    op.add_column(table, sa.Column("district_id", sa.Uuid(), nullable=True))
    op.create_index(op.f(f"ix_{table}_district_id"), table, ["district_id"], unique=False)
    op.create_foreign_key(
        op.f(f"fk_{table}_district_id_districts"),
        table,
        "districts",
        ["district_id"],
        ["id"],
        ondelete="RESTRICT",
    )


def upgrade() -> None:
    op.create_table(
        "districts",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("require_plan_approval", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_districts")),
    )
    _district_column("schools")
    _district_column("users")
    op.create_table(
        "school_plans",
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("term_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=True),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'approved', 'returned')",
            name=op.f("ck_school_plans_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users.id"],
            name=op.f("fk_school_plans_decided_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_school_plans_school_id_schools"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["terms.id"],
            name=op.f("fk_school_plans_term_id_terms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_school_plans_updated_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_plans")),
        sa.UniqueConstraint("term_id", name=op.f("uq_school_plans_term_id")),
    )
    op.create_index(op.f("ix_school_plans_school_id"), "school_plans", ["school_id"], unique=False)
    op.create_table(
        "complaints",
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("complainant_id", sa.Uuid(), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "category IN ('fees', 'safety', 'quality', 'staff', 'other')",
            name=op.f("ck_complaints_category_known"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'answered', 'resolved')", name=op.f("ck_complaints_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["complainant_id"],
            ["users.id"],
            name=op.f("fk_complaints_complainant_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_complaints_school_id_schools"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
    )
    op.create_index(
        "ix_complaints_awaiting_escalation",
        "complaints",
        ["created_at"],
        unique=False,
        postgresql_where=sa.text("escalated_at IS NULL AND status <> 'resolved'"),
    )
    op.create_index(
        op.f("ix_complaints_complainant_id"), "complaints", ["complainant_id"], unique=False
    )
    op.create_index(
        "ix_complaints_school_created",
        "complaints",
        ["school_id", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "complaint_responses",
        sa.Column("complaint_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("resolve", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_complaint_responses_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_complaint_responses_complaint_id_complaints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_responses")),
    )
    op.create_index(
        op.f("ix_complaint_responses_complaint_id"),
        "complaint_responses",
        ["complaint_id"],
        unique=False,
    )

    op.create_table(
        "district_school_days",
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("marked", sa.Integer(), nullable=False),
        sa.Column("staff_minutes", sa.Integer(), nullable=False),
        sa.Column("overtime_minutes", sa.Integer(), nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_district_school_days_school_id_schools"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("school_id", "day", name=op.f("pk_district_school_days")),
    )
    op.create_index("ix_roll_call_marks_day", "roll_call_marks", ["day"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_roll_call_marks_day", table_name="roll_call_marks")
    op.drop_table("district_school_days")
    op.drop_table("complaint_responses")
    op.drop_table("complaints")
    op.drop_table("school_plans")
    for table in ("users", "schools"):
        op.drop_constraint(op.f(f"fk_{table}_district_id_districts"), table, type_="foreignkey")
        op.drop_index(op.f(f"ix_{table}_district_id"), table_name=table)
        op.drop_column(table, "district_id")
    op.drop_table("districts")
