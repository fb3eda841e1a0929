"""Mobile visits: a global id (`uid`, UUID4 text) on every record that travels between the clinic and a laptop,
filled here for existing rows, and the tables of checkouts, sync bookkeeping and patient conflicts
(infusiondesk.mobile). Sync matches records by uid, never by integer id.

Revision ID: 0010
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UID_TABLES = ("users", "patients", "visits", "signed_notes", "audit_log")


# A UUID4 per row, made by the database in one statement (a clinic's audit trail has millions of rows).
_SQLITE_UUID4 = ("lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || "
                 "substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || "
                 "substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))")


def _add_uid(table: str) -> None:
    """Add and fill the column in place (no table rebuild: SQLite's batch copy would drop `users` under the
    foreign keys that point at it), then its unique index."""
    if op.get_bind().dialect.name == "postgresql":
        # Filled by ADD COLUMN's own rewrite, which fires no row trigger: a hardened database (`db harden`: the
        # trail and signed notes append-only, signed visits frozen) takes this migration too.
        op.execute(f"ALTER TABLE {table} ADD COLUMN uid VARCHAR(36) NOT NULL DEFAULT gen_random_uuid()::text")
        op.execute(f"ALTER TABLE {table} ALTER COLUMN uid DROP DEFAULT")
    else:
        op.execute(f"ALTER TABLE {table} ADD COLUMN uid VARCHAR(36) NOT NULL DEFAULT ''")
        op.execute(f"UPDATE {table} SET uid = {_SQLITE_UUID4}")
    op.create_index(f"uq_{table}_uid", table, ["uid"], unique=True)


def upgrade() -> None:
    for table in UID_TABLES:
        _add_uid(table)
    op.create_table(
        "mobile_checkouts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("laptop_id", sa.String(36), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("patients", sa.Text, nullable=False),
        sa.Column("checked_out_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("audit_pushed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "mobile_conflicts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("laptop_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("record_uid", sa.String(36), nullable=False),
        sa.Column("laptop_content", sa.Text, nullable=False),
        sa.Column("clinic_content", sa.Text, nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolution", sa.String(16), nullable=False, server_default=""),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applied", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_mobile_conflicts_laptop", "mobile_conflicts", ["laptop_id", "record_uid"])
    op.create_table(
        "mobile_laptop",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("laptop_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("start_entry", sa.Integer, nullable=False),
        sa.Column("library", sa.Text, nullable=False),
        sa.Column("library_sha256", sa.String(64), nullable=False),
    )
    op.create_table(
        "mobile_base",
        sa.Column("uid", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("base", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    for name in ("mobile_base", "mobile_laptop"):
        op.drop_table(name)
    op.drop_index("ix_mobile_conflicts_laptop", table_name="mobile_conflicts")
    op.drop_table("mobile_conflicts")
    op.drop_table("mobile_checkouts")
    for table in UID_TABLES:
        op.drop_index(f"uq_{table}_uid", table_name=table)
        op.execute(f"ALTER TABLE {table} DROP COLUMN uid")
