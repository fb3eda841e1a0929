"""The first schema: clinic, users, patients, visits, drafts, signed notes, keys, and the audit chain.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _search(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql"),
                     nullable=False)


def upgrade() -> None:
    op.create_table(
        "clinic",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("phone", sa.String(100), nullable=False),
        sa.Column("hours", sa.Text, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("credentials", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("failed_attempts", sa.Integer, nullable=False),
        _when("locked_until", nullable=True),
        _when("created_at"),
    )
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("mrn", sa.String(64), nullable=False, unique=True),
        _search("mrn_key"),
        _search("family_key"),
        _search("given_key"),
        sa.Column("content", sa.Text, nullable=False),
    )
    op.create_index("ix_patients_mrn_key", "patients", ["mrn_key"])
    op.create_index("ix_patients_family_given", "patients", ["family_key", "given_key"])
    op.create_index("ix_patients_given_family", "patients", ["given_key", "family_key"])
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("patient_id", sa.Integer, sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _when("created_at"),
        _when("started_at", nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
    )
    op.create_index("ix_visits_patient_created", "visits", ["patient_id", "created_at"])
    op.create_index("ix_visits_patient_started", "visits", ["patient_id", "started_at"])
    op.create_table(
        "drafts",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("payload", sa.Text, nullable=False),
        _when("saved_at"),
    )
    op.create_table(
        "signed_notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("visit_id", sa.Integer, sa.ForeignKey("visits.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("pdf", sa.LargeBinary, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("signer_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        _when("stored_at"),
        sa.UniqueConstraint("visit_id", "version", name="uq_signed_notes_visit_version"),
    )
    op.create_table(
        "pki_objects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("owner_user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        _when("created_at"),
        _when("revoked_at", nullable=True),
        sa.Column("revocation_reason", sa.Text, nullable=False),
    )
    op.create_index("ix_pki_objects_kind_owner", "pki_objects", ["kind", "owner_user_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        _when("at"),
        sa.Column("user_id", sa.Integer, nullable=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("table_name", sa.String(32), nullable=True),
        sa.Column("record_id", sa.Integer, nullable=True),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_log_event_at", "audit_log", ["event", "at"])
    op.create_index("ix_audit_log_record", "audit_log", ["table_name", "record_id"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("last_id", sa.Integer, nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(sa.table("audit_head", sa.column("id", sa.Integer), sa.column("last_id", sa.Integer),
                            sa.column("last_hash", sa.String)),
                   [{"id": 1, "last_id": 0, "last_hash": "0" * 64}])


def downgrade() -> None:
    for name in ("audit_head", "audit_log", "pki_objects", "signed_notes", "drafts", "visits", "patients",
                 "users", "clinic"):
        op.drop_table(name)
