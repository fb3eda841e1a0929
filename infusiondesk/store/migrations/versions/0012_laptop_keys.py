"""Mobile visits: the clinic policy says whether a clinician may approve an order remotely, signed in on a laptop
("allowed"), or the visit waits for approval in the clinic after sync ("at_sync", what existing clinics get: it
is how they worked before, see infusiondesk/records/remote_approval.py). The per-laptop signing certificates are
kept as `pki_objects` rows of kind "laptop_cert", so need no column.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinic_policy") as batch:
        batch.add_column(sa.Column("mobile_remote_approval", sa.String(16), nullable=False,
                                   server_default="at_sync"))


def downgrade() -> None:
    with op.batch_alter_table("clinic_policy") as batch:
        batch.drop_column("mobile_remote_approval")
