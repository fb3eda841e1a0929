"""Infusion spans (for the 24 h total over any overlapping infusion) and the clinic policy (double check).

Existing started visits get no span here: the 24 h total reads their full record until they are next saved.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "infusion_spans",
        sa.Column("visit_id", sa.Integer, sa.ForeignKey("visits.id"), primary_key=True),
        sa.Column("patient_id", sa.Integer, sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_infusion_spans_patient", "infusion_spans", ["patient_id", "started_at"])
    op.create_table(
        "clinic_policy",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("double_check_required", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("clinic_policy")
    op.drop_index("ix_infusion_spans_patient", "infusion_spans")
    op.drop_table("infusion_spans")
