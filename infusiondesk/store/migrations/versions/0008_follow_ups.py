"""Outcome follow-ups: the clinic's follow-up intervals (admin-set, audited) and each follow-up recorded (the
due ones are derived from the visits, never stored).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "follow_up_policy",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("intervals_days", sa.String(100), nullable=False),
    )
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("patient_id", sa.Integer, sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("visit_id", sa.Integer, sa.ForeignKey("visits.id"), nullable=False),
        sa.Column("interval_days", sa.Integer, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("attacks_per_month", sa.Integer, nullable=True),
        sa.Column("headache_days", sa.Integer, nullable=True),
        sa.Column("rescue_medication", sa.Text, nullable=False),
        sa.Column("rescue_days", sa.Integer, nullable=True),
        sa.Column("side_effects", sa.Boolean, nullable=True),
        sa.Column("side_effects_text", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.UniqueConstraint("visit_id", "interval_days", name="uq_follow_ups_visit_interval"),
    )
    op.create_index("ix_follow_ups_patient", "follow_ups", ["patient_id"])
    op.create_index("ix_follow_ups_recorded_at", "follow_ups", ["recorded_at"])


def downgrade() -> None:
    op.drop_index("ix_follow_ups_recorded_at", table_name="follow_ups")
    op.drop_index("ix_follow_ups_patient", table_name="follow_ups")
    op.drop_table("follow_ups")
    op.drop_table("follow_up_policy")
