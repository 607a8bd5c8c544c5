"""Roll-call alerts: the groups whose missing roll call was announced, per slot and day

Revision ID: 0021_roll_call_alerts
Revises: 0020_marks_day_index
Create Date: 2026-12-04 20:55:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_roll_call_alerts"
down_revision: str | Sequence[str] | None = "0020_marks_day_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "roll_call_alerts",
        sa.Column("group_id", sa.UUID(), nullable=False),
        sa.Column("slot_id", sa.UUID(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("alerted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_roll_call_alerts_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["slots.id"],
            name=op.f("fk_roll_call_alerts_slot_id_slots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "slot_id", "day", name=op.f("pk_roll_call_alerts")),
    )


def downgrade() -> None:
    op.drop_table("roll_call_alerts")
