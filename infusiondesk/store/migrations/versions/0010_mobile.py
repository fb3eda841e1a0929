"""Mobile visits: a global id (`uid`, UUID4 text) on every record that travels between the clinic and a laptop,
filled here for existing rows, and the tables of checkouts, sync bookkeeping and patient conflicts
(infusiondesk.mobile). Sync matches records by uid, never by integer id.

Revision ID: 0010
Revises: 0007
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None

UID_TABLES = ("users", "patients", "visits", "signed_notes", "audit_log")


def _fill(table: str) -> None:
    conn = op.get_bind()
    ids = [row[0] for row in conn.execute(sa.text(f"SELECT id FROM {table} WHERE uid IS NULL"))]
    for record_id in ids:
        conn.execute(sa.text(f"UPDATE {table} SET uid = :uid WHERE id = :id"),
                     {"uid": str(uuid.uuid4()), "id": record_id})


def upgrade() -> None:
    for table in UID_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("uid", sa.String(36), nullable=True))
        _fill(table)
        with op.batch_alter_table(table) as batch:
            batch.alter_column("uid", existing_type=sa.String(36), nullable=False)
            batch.create_unique_constraint(f"uq_{table}_uid", ["uid"])
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
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"uq_{table}_uid", type_="unique")
            batch.drop_column("uid")
