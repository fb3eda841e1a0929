"""Mobile visits: the clinic policy says what a mobile visit needs beside the nurse (a second person, a phone
check-in, or either). A visit's location itself is part of its JSON record (records/location.py), so needs no
column; existing clinics get "either".

Revision ID: 0011
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinic_policy") as batch:
        batch.add_column(sa.Column("mobile_cover", sa.String(16), nullable=False, server_default="either"))


def downgrade() -> None:
    with op.batch_alter_table("clinic_policy") as batch:
        batch.drop_column("mobile_cover")
