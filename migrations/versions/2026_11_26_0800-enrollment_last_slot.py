"""enrollments.last_slot_id: the chosen slot that ends last, for the late-pickup sweep

Revision ID: 0009_last_slot
Revises: 0008_pickup
Create Date: 2026-11-26 08:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_last_slot"
down_revision: str | Sequence[str] | None = "0008_pickup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("enrollments", sa.Column("last_slot_id", sa.Uuid(), nullable=True))
    # Every enrollment's slot that ends last (slots of a term never overlap: no ties).
    op.execute(
        "UPDATE enrollments e SET last_slot_id = ("
        " SELECT es.slot_id FROM enrollment_slots es JOIN slots s ON s.id = es.slot_id"
        " WHERE es.enrollment_id = e.id ORDER BY s.end_time DESC LIMIT 1)"
    )
    op.create_index(
        op.f("ix_enrollments_last_slot_id"), "enrollments", ["last_slot_id"], unique=False
    )
    op.create_foreign_key(
        op.f("fk_enrollments_last_slot_id_slots"),
        "enrollments",
        "slots",
        ["last_slot_id"],
        ["id"],
        ondelete="RESTRICT",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_enrollments_last_slot_id_slots"), "enrollments", type_="foreignkey")
    op.drop_index(op.f("ix_enrollments_last_slot_id"), table_name="enrollments")
    op.drop_column("enrollments", "last_slot_id")
