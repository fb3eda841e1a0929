"""Billing: the clinic's tax id, billing provider and NPI; the price list (dated rows, never updated, so an old
visit keeps the price it was given); the payment recorded per visit, with its lines as priced then.

Revision ID: 0009
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinic") as batch:
        batch.add_column(sa.Column("tax_id", sa.String(32), nullable=False, server_default=""))
        batch.add_column(sa.Column("provider_name", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("npi", sa.String(10), nullable=False, server_default=""))
    op.create_table(
        "prices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("unit_price_cents", sa.Integer, nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("set_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_prices_code_from", "prices", ["code", "effective_from"])
    op.create_table(
        "visit_payments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("visit_id", sa.Integer, sa.ForeignKey("visits.id"), nullable=False, unique=True),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("amount_cents", sa.Integer, nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("lines", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("visit_payments")
    op.drop_index("ix_prices_code_from", "prices")
    op.drop_table("prices")
    with op.batch_alter_table("clinic") as batch:
        batch.drop_column("npi")
        batch.drop_column("provider_name")
        batch.drop_column("tax_id")
