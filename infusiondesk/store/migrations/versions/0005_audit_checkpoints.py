"""Audit checkpoints: the chain head signed by a key the database alone cannot use (infusiondesk.checkpoints).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("entry_id", sa.Integer, nullable=False),
        sa.Column("chain_hash", sa.String(64), nullable=False),
        sa.Column("entry_count", sa.Integer, nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signer", sa.String(200), nullable=False),
        sa.Column("certificates", sa.LargeBinary, nullable=False),
        sa.Column("signature", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_audit_checkpoints_entry", "audit_checkpoints", ["entry_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_checkpoints_entry", table_name="audit_checkpoints")
    op.drop_table("audit_checkpoints")
