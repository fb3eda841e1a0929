"""PLACEHOLDER on branch feat-audit only: stands in for the 0003 and 0004 migrations being written on other
branches, so that 0005 (audit checkpoints) has a parent here. DELETE THIS FILE AT MERGE; the real 0004 then
precedes 0005.

Revision ID: 0004
Revises: 0002
"""

from __future__ import annotations

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
