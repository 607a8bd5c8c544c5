"""notification pushes per device, worker claims, device registry

One outbox row per (notification, device) instead of per notification, so each push has
its own tries and end state; claim ids for the worker's leases; when a device was last
registered and why it was deactivated; an index for the inbox's unread count.

Revision ID: 0007_notify
Revises: 0006_school
Create Date: 2026-11-26 02:27:43.774852+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_notify"
down_revision: str | Sequence[str] | None = "0006_school"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "devices",
        sa.Column(
            "registered_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text("now()"),
        ),
    )
    op.execute("UPDATE devices SET registered_at = created_at")
    op.alter_column("devices", "registered_at", server_default=None)
    op.add_column("devices", sa.Column("deactivated_reason", sa.String(length=200), nullable=True))

    op.add_column("notification_outbox", sa.Column("device_id", sa.UUID(), nullable=True))
    op.add_column("notification_outbox", sa.Column("claim_id", sa.UUID(), nullable=True))
    op.add_column(
        "notification_outbox", sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True)
    )
    # Pending per-notification rows become one row per active device of the recipient;
    # finished ones cannot name a device and are dropped (the inbox keeps every notice).
    op.execute(
        """
        INSERT INTO notification_outbox
            (id, notification_id, user_id, device_id, status, attempts,
             next_attempt_at, created_at)
        SELECT gen_random_uuid(), o.notification_id, o.user_id, d.id, 'pending', 0,
               o.next_attempt_at, o.created_at
        FROM notification_outbox o
        JOIN devices d ON d.user_id = o.user_id AND d.active
        WHERE o.device_id IS NULL AND o.status = 'pending'
        """
    )
    op.execute("DELETE FROM notification_outbox WHERE device_id IS NULL")
    op.alter_column("notification_outbox", "device_id", nullable=False)
    op.create_foreign_key(
        op.f("fk_notification_outbox_device_id_devices"),
        "notification_outbox",
        "devices",
        ["device_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.drop_constraint(
        op.f("fk_notification_outbox_user_id_users"), "notification_outbox", type_="foreignkey"
    )
    op.drop_column("notification_outbox", "user_id")
    op.drop_column("notification_outbox", "sent_at")

    op.create_index(
        "ix_notifications_unread",
        "notifications",
        ["user_id"],
        unique=False,
        postgresql_where=sa.text("read_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_notifications_unread",
        table_name="notifications",
        postgresql_where=sa.text("read_at IS NULL"),
    )

    op.add_column(
        "notification_outbox", sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("notification_outbox", sa.Column("user_id", sa.UUID(), nullable=True))
    # Back to one row per notification: keep one row of each, owned by its recipient.
    op.execute(
        """
        DELETE FROM notification_outbox a USING notification_outbox b
        WHERE a.notification_id = b.notification_id AND a.id > b.id
        """
    )
    op.execute(
        """
        UPDATE notification_outbox o
        SET user_id = n.user_id,
            sent_at = CASE WHEN o.status = 'sent' THEN o.finished_at END,
            status = CASE WHEN o.status = 'skipped' THEN 'dead' ELSE o.status END
        FROM notifications n WHERE n.id = o.notification_id
        """
    )
    op.alter_column("notification_outbox", "user_id", nullable=False)
    op.create_foreign_key(
        op.f("fk_notification_outbox_user_id_users"),
        "notification_outbox",
        "users",
        ["user_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.drop_constraint(
        op.f("fk_notification_outbox_device_id_devices"), "notification_outbox", type_="foreignkey"
    )
    op.drop_column("notification_outbox", "finished_at")
    op.drop_column("notification_outbox", "claim_id")
    op.drop_column("notification_outbox", "device_id")

    op.drop_column("devices", "deactivated_reason")
    op.drop_column("devices", "registered_at")
