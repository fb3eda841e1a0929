"""The clinic's backup schedule: the folder, whether a daily automatic backup runs, how many to keep, and the
admin it runs for (audited like the clinic policy).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "backup_schedule",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("folder", sa.Text, nullable=False),
        sa.Column("keep", sa.Integer, nullable=False),
        sa.Column("daily", sa.Boolean, nullable=False),
        sa.Column("set_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("backup_schedule")
