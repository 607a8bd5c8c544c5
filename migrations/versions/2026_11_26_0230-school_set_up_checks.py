"""school set-up: capacity and weekday checks, groups by term

Revision ID: 0006_school
Revises: 0005_enroll
Create Date: 2026-11-26 02:30:03.430998+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_school"
down_revision: str | Sequence[str] | None = "0005_enroll"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Listing a term's groups.
    op.create_index(op.f("ix_groups_term_id"), "groups", ["term_id"], unique=False)
    # Autogenerate does not see CHECK constraints: written by hand, named by the convention.
    op.create_check_constraint(
        op.f("ck_terms_weekdays_iso"),
        "terms",
        "cardinality(weekdays) BETWEEN 1 AND 7"
        " AND weekdays <@ ARRAY[1, 2, 3, 4, 5, 6, 7]::smallint[]",
    )
    op.create_check_constraint(
        op.f("ck_slots_capacity_positive"), "slots", "capacity IS NULL OR capacity >= 1"
    )
    op.create_check_constraint(op.f("ck_groups_capacity_positive"), "groups", "capacity >= 1")


def downgrade() -> None:
    op.drop_constraint(op.f("ck_groups_capacity_positive"), "groups", type_="check")
    op.drop_constraint(op.f("ck_slots_capacity_positive"), "slots", type_="check")
    op.drop_constraint(op.f("ck_terms_weekdays_iso"), "terms", type_="check")
    op.drop_index(op.f("ix_groups_term_id"), table_name="groups")
