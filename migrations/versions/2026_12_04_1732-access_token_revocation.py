"""users.token_version: access tokens already issued end when roles, activation or password change

Revision ID: 0010_auth_revocation
Revises: 0016_staffside
Create Date: 2026-12-04 16:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_auth_revocation"
down_revision: str | Sequence[str] | None = "0016_staffside"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("token_version", sa.Integer(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("users", "token_version")
