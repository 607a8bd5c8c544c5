"""Gate pickup: pickup persons, blocked adults, passes, handovers, release, late cases

Revision ID: 0008_pickup
Revises: 0007_notify
Create Date: 2026-11-26 02:28:22.027413+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008_pickup"
down_revision: str | Sequence[str] | None = "0007_notify"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pickup_settings",
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("self_release_grades", postgresql.ARRAY(sa.SmallInteger()), nullable=False),
        sa.Column("pass_ttl_minutes", sa.SmallInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_pickup_settings_school_id_schools"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("school_id", name=op.f("pk_pickup_settings")),
    )
    op.create_table(
        "pickup_verification_failures",
        sa.Column("actor_id", sa.UUID(), nullable=False),
        sa.Column("school_id", sa.UUID(), nullable=True),
        sa.Column("code_digest", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_pickup_verification_failures_actor_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_pickup_verification_failures_school_id_schools"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_verification_failures")),
    )
    op.create_index(
        "ix_pickup_verification_failures_actor",
        "pickup_verification_failures",
        ["actor_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_pickup_verification_failures_code",
        "pickup_verification_failures",
        ["code_digest", "created_at"],
        unique=False,
    )
    op.create_table(
        "blocked_adults",
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("id_number_digest", sa.String(length=64), nullable=True),
        sa.Column("id_number_tail", sa.String(length=4), nullable=True),
        sa.Column("note", sa.String(length=2000), nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.UUID(), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_blocked_adults_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lifted_by"],
            ["users.id"],
            name=op.f("fk_blocked_adults_lifted_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_blocked_adults_school_id_schools"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_blocked_adults_student_id_students"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocked_adults")),
    )
    op.create_index(
        "ix_blocked_adults_student", "blocked_adults", ["student_id", "created_at"], unique=False
    )
    op.create_table(
        "late_pickups",
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("slot_end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.UUID(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"],
            ["users.id"],
            name=op.f("fk_late_pickups_acknowledged_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_late_pickups_school_id_schools"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_late_pickups_student_id_students"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_late_pickups")),
        sa.UniqueConstraint("student_id", "date", name=op.f("uq_late_pickups_student_id_date")),
    )
    op.create_index(
        "ix_late_pickups_school_date",
        "late_pickups",
        ["school_id", "date", "detected_at"],
        unique=False,
    )
    op.create_table(
        "pickup_persons",
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("relationship", sa.String(length=32), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_from IS NULL OR valid_from <= valid_until",
            name=op.f("ck_pickup_persons_validity_ordered"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_pickup_persons_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_pickup_persons_school_id_schools"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_pickup_persons_student_id_students"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_persons")),
    )
    op.create_index(
        "ix_pickup_persons_student", "pickup_persons", ["student_id", "created_at"], unique=False
    )
    op.create_index(
        "uq_pickup_persons_live_phone",
        "pickup_persons",
        ["student_id", "phone"],
        unique=True,
        postgresql_where=sa.text("removed_at IS NULL"),
    )
    op.create_table(
        "release_consents",
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.Column("given_by", sa.UUID(), nullable=True),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["given_by"],
            ["users.id"],
            name=op.f("fk_release_consents_given_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_release_consents_student_id_students"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("student_id", name=op.f("pk_release_consents")),
    )
    op.create_table(
        "pickup_passes",
        sa.Column("school_id", sa.UUID(), nullable=False),
        sa.Column("code_digest", sa.String(length=64), nullable=False),
        sa.Column("issued_by", sa.UUID(), nullable=False),
        sa.Column("adult_kind", sa.String(length=16), nullable=False),
        sa.Column("pickup_person_id", sa.UUID(), nullable=True),
        sa.Column("adult_name", sa.String(length=64), nullable=False),
        sa.Column("adult_phone", sa.String(length=20), nullable=True),
        sa.Column("adult_relationship", sa.String(length=32), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issued_by"],
            ["users.id"],
            name=op.f("fk_pickup_passes_issued_by_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pickup_person_id"],
            ["pickup_persons.id"],
            name=op.f("fk_pickup_passes_pickup_person_id_pickup_persons"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_pickup_passes_school_id_schools"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_passes")),
        sa.UniqueConstraint("code_digest", name=op.f("uq_pickup_passes_code_digest")),
    )
    op.create_index(
        "ix_pickup_passes_issuer", "pickup_passes", ["issued_by", "created_at"], unique=False
    )
    op.create_table(
        "handovers",
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
        sa.Column("id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["adult_user_id"],
            ["users.id"],
            name=op.f("fk_handovers_adult_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by"],
            ["users.id"],
            name=op.f("fk_handovers_confirmed_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["pickup_pass_id"],
            ["pickup_passes.id"],
            name=op.f("fk_handovers_pickup_pass_id_pickup_passes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["pickup_person_id"],
            ["pickup_persons.id"],
            name=op.f("fk_handovers_pickup_person_id_pickup_persons"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_handovers_school_id_schools"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_handovers_student_id_students"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handovers")),
        sa.UniqueConstraint("student_id", "date", name=op.f("uq_handovers_student_id_date")),
    )
    op.create_index(
        "ix_handovers_school_date", "handovers", ["school_id", "date", "picked_up_at"], unique=False
    )
    op.create_table(
        "pickup_pass_students",
        sa.Column("pass_id", sa.UUID(), nullable=False),
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.Column("pickup_person_id", sa.UUID(), nullable=True),
        sa.ForeignKeyConstraint(
            ["pass_id"],
            ["pickup_passes.id"],
            name=op.f("fk_pickup_pass_students_pass_id_pickup_passes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pickup_person_id"],
            ["pickup_persons.id"],
            name=op.f("fk_pickup_pass_students_pickup_person_id_pickup_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_pickup_pass_students_student_id_students"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pass_id", "student_id", name=op.f("pk_pickup_pass_students")),
    )
    op.create_index(
        op.f("ix_pickup_pass_students_student_id"),
        "pickup_pass_students",
        ["student_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_pickup_pass_students_student_id"), table_name="pickup_pass_students")
    op.drop_table("pickup_pass_students")
    op.drop_index("ix_handovers_school_date", table_name="handovers")
    op.drop_table("handovers")
    op.drop_index("ix_pickup_passes_issuer", table_name="pickup_passes")
    op.drop_table("pickup_passes")
    op.drop_table("release_consents")
    op.drop_index(
        "uq_pickup_persons_live_phone",
        table_name="pickup_persons",
        postgresql_where=sa.text("removed_at IS NULL"),
    )
    op.drop_index("ix_pickup_persons_student", table_name="pickup_persons")
    op.drop_table("pickup_persons")
    op.drop_index("ix_late_pickups_school_date", table_name="late_pickups")
    op.drop_table("late_pickups")
    op.drop_index("ix_blocked_adults_student", table_name="blocked_adults")
    op.drop_table("blocked_adults")
    op.drop_index("ix_pickup_verification_failures_code", table_name="pickup_verification_failures")
    op.drop_index(
        "ix_pickup_verification_failures_actor", table_name="pickup_verification_failures"
    )
    op.drop_table("pickup_verification_failures")
    op.drop_table("pickup_settings")
