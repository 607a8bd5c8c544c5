"""Roll-call marks lose their index on ``day`` alone (the roster's lookup took it)

Revision ID: 0020_marks_day_index
Revises: 0019_activities
Create Date: 2026-12-04 20:45:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020_marks_day_index"
down_revision: str | Sequence[str] | None = "0019_activities"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_roll_call_marks_day", table_name="roll_call_marks")


def downgrade() -> None:
    op.create_index("ix_roll_call_marks_day", "roll_call_marks", ["day"])
