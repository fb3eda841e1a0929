"""Visit summaries: what the chart shows of each visit, kept beside it so a long history opens fast.

Existing visits get no summary here; the chart reads their full record until they are next saved.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "visit_summaries",
        sa.Column("visit_id", sa.Integer, sa.ForeignKey("visits.id"), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("visit_summaries")
