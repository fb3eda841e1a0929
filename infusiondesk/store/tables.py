"""The database tables (SQLAlchemy Core). The Alembic migrations build exactly this schema.

Records whose shape grows with the clinic's vocabulary (patients, visits) keep a canonical JSON document
in `content` beside the columns that are searched or indexed.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.types import TypeDecorator, TypeEngine


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on SQLite (which stores naive text) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the store only accepts timezone-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def new_uid() -> str:
    """A record's global id (migration 0010): what sync between the clinic and a laptop matches records by."""
    return str(uuid.uuid4())


def uid_column() -> Column[str]:
    """Unique through the named index beside it (`uid_unique`), as migration 0010 creates it."""
    return Column("uid", String(36), nullable=False, default=new_uid)


def uid_unique(table: str) -> Index:
    return Index(f"uq_{table}_uid", "uid", unique=True)


def search_text() -> TypeEngine[Any]:
    """Lower-cased text compared byte-wise on both databases, so a prefix is an index range."""
    return String(200).with_variant(String(200, collation="C"), "postgresql")


metadata = MetaData()

clinic = Table(
    "clinic", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("address", Text, nullable=False, default=""),
    Column("phone", String(100), nullable=False, default=""),
    Column("hours", Text, nullable=False, default=""),
    Column("timezone", String(64), nullable=False, default="UTC"),
    # For receipts and superbills (migration 0009): the clinic's tax id, the billing provider and their NPI.
    Column("tax_id", String(32), nullable=False, default="", server_default=""),
    Column("provider_name", String(200), nullable=False, default="", server_default=""),
    Column("npi", String(10), nullable=False, default="", server_default=""),
)

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("full_name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("credentials", String(64), nullable=False, default=""),
    Column("active", Boolean, nullable=False, default=True),
    Column("password_hash", String(200), nullable=False),
    Column("failed_attempts", Integer, nullable=False, default=0),
    Column("locked_until", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    # Set by an admin's password reset: the next sign-in must choose a new password (migration 0004).
    Column("must_change_password", Boolean, nullable=False, default=False, server_default=false()),
    uid_column(),
    uid_unique("users"),
)

# Sign-ins (migration 0007): the store keeps the SHA-256 of each session's random token, never the token, and
# checks it with the user's current role and active flag at every call that reads or changes clinical data.
# Not audited as rows: signing in and out are audit events of their own.
user_sessions = Table(
    "user_sessions", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
    Column("end_reason", String(64), nullable=False, default="", server_default=""),
    Index("ix_user_sessions_user", "user_id", "ended_at"),
)

patients = Table(
    "patients", metadata,
    Column("id", Integer, primary_key=True),
    Column("mrn", String(64), nullable=False, unique=True),
    Column("mrn_key", search_text(), nullable=False),
    Column("family_key", search_text(), nullable=False),
    Column("given_key", search_text(), nullable=False),
    Column("content", Text, nullable=False),
    uid_column(),
    uid_unique("patients"),
    Index("ix_patients_mrn_key", "mrn_key"),
    Index("ix_patients_family_given", "family_key", "given_key"),
    Index("ix_patients_given_family", "given_key", "family_key"),
)

visits = Table(
    "visits", metadata,
    Column("id", Integer, primary_key=True),
    Column("patient_id", Integer, ForeignKey("patients.id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime, nullable=True),
    Column("version", Integer, nullable=False),
    Column("content", Text, nullable=False),
    uid_column(),
    uid_unique("visits"),
    Index("ix_visits_patient_created", "patient_id", "created_at"),
    Index("ix_visits_patient_started", "patient_id", "started_at"),
)

# What the chart shows of each visit (date, dose, pain, vitals...), written with the visit in the same
# transaction so opening a chart reads a few hundred bytes per visit instead of decoding the whole record.
# Derived, like an index: not audited, and ignored unless its version is the visit's current one.
visit_summaries = Table(
    "visit_summaries", metadata,
    Column("visit_id", Integer, ForeignKey("visits.id"), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("summary", Text, nullable=False),
)

# When each started infusion ran (ended_at NULL while it runs), written with the visit in the same transaction:
# the 24 h total finds every infusion overlapping its window without decoding a patient's whole history.
# Derived, like an index; a started visit without a span row is read from its record instead.
infusion_spans = Table(
    "infusion_spans", metadata,
    Column("visit_id", Integer, ForeignKey("visits.id"), primary_key=True),
    Column("patient_id", Integer, ForeignKey("patients.id"), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
    Index("ix_infusion_spans_patient", "patient_id", "started_at"),
)

# The clinic's rules an admin sets (one row once set; none means the defaults). Audited like the clinic.
clinic_policy = Table(
    "clinic_policy", metadata,
    Column("id", Integer, primary_key=True),
    Column("double_check_required", Boolean, nullable=False),
    Column("mobile_cover", String(16), nullable=False, default="either", server_default="either"),
    Column("mobile_remote_approval", String(16), nullable=False, default="at_sync", server_default="at_sync"),
)

# Where and how often the clinic is backed up (one row once an admin sets it; infusiondesk.store.backup). The
# automatic backup acts for `set_by`, who must still be an active admin when it runs. Audited.
backup_schedule = Table(
    "backup_schedule", metadata,
    Column("id", Integer, primary_key=True),
    Column("folder", Text, nullable=False),
    Column("keep", Integer, nullable=False),
    Column("daily", Boolean, nullable=False),
    Column("set_by", Integer, ForeignKey("users.id"), nullable=False),
)

drafts = Table(
    "drafts", metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("payload", Text, nullable=False),
    Column("saved_at", UTCDateTime, nullable=False),
)

signed_notes = Table(
    "signed_notes", metadata,
    Column("id", Integer, primary_key=True),
    Column("visit_id", Integer, ForeignKey("visits.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("pdf", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("signer_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("stored_at", UTCDateTime, nullable=False),
    uid_column(),
    uid_unique("signed_notes"),
    UniqueConstraint("visit_id", "version", name="uq_signed_notes_visit_version"),
)

pki_objects = Table(
    "pki_objects", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("owner_user_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("name", String(200), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("revocation_reason", Text, nullable=False, default=""),
    Index("ix_pki_objects_kind_owner", "kind", "owner_user_id"),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("user_id", Integer, nullable=True),
    Column("username", String(64), nullable=False, default=""),
    Column("event", String(32), nullable=False),
    Column("table_name", String(32), nullable=True),
    Column("record_id", Integer, nullable=True),
    Column("detail", Text, nullable=False),
    Column("content_hash", String(64), nullable=True),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
    uid_column(),
    uid_unique("audit_log"),
    Index("ix_audit_log_event_at", "event", "at"),
    Index("ix_audit_log_record", "table_name", "record_id"),
)

# One row: the newest entry of the chain, so deleting the last entries is detected too. Every write
# transaction locks it first, which also serialises the chain across workstations.
audit_head = Table(
    "audit_head", metadata,
    Column("id", Integer, primary_key=True),
    Column("last_id", Integer, nullable=False),
    Column("last_hash", String(64), nullable=False),
)

# Signed checkpoints of the chain head (infusiondesk.store.audit.checkpoints). Not in the chain: each row carries
# its own signature, checked against a CA certificate the verifier brings, so the chain need not vouch for it.
audit_checkpoints = Table(
    "audit_checkpoints", metadata,
    Column("id", Integer, primary_key=True),
    Column("entry_id", Integer, nullable=False),
    Column("chain_hash", String(64), nullable=False),
    Column("entry_count", Integer, nullable=False),
    Column("made_at", UTCDateTime, nullable=False),
    Column("signer", String(200), nullable=False),
    Column("certificates", LargeBinary, nullable=False),
    Column("signature", LargeBinary, nullable=False),
    Index("ix_audit_checkpoints_entry", "entry_id"),
)

# The clinic's price list (migration 0009): one row per code and date it takes effect, never updated, so a visit
# is priced as on its day whatever changes later. An admin adds rows; audited.
prices = Table(
    "prices", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(16), nullable=False),
    Column("unit_price_cents", Integer, nullable=False),
    Column("effective_from", UTCDateTime, nullable=False),
    Column("set_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("set_at", UTCDateTime, nullable=False),
    Index("ix_prices_code_from", "code", "effective_from"),
)

# What a visit was paid (migration 0009): one row per visit, with the lines as priced when it was recorded
# (JSON), so the receipt never changes with the price list. Audited.
visit_payments = Table(
    "visit_payments", metadata,
    Column("id", Integer, primary_key=True),
    Column("visit_id", Integer, ForeignKey("visits.id"), nullable=False, unique=True),
    Column("method", String(16), nullable=False),
    Column("amount_cents", Integer, nullable=False),
    Column("paid_at", UTCDateTime, nullable=False),
    Column("recorded_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("lines", Text, nullable=False),
)

# Outcome follow-ups (infusiondesk.followups): the clinic's intervals (one row once an admin sets them, else the
# defaults of data/follow_ups.toml) and each follow-up recorded; due ones are derived from the visits. Audited.
follow_up_policy = Table(
    "follow_up_policy", metadata,
    Column("id", Integer, primary_key=True),
    Column("intervals_days", String(100), nullable=False),  # "7,30"
)

follow_ups = Table(
    "follow_ups", metadata,
    Column("id", Integer, primary_key=True),
    Column("patient_id", Integer, ForeignKey("patients.id"), nullable=False),
    Column("visit_id", Integer, ForeignKey("visits.id"), nullable=False),
    Column("interval_days", Integer, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("status", String(32), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("recorded_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("attacks_per_month", Integer, nullable=True),
    Column("headache_days", Integer, nullable=True),
    Column("rescue_medication", Text, nullable=False),
    Column("rescue_days", Integer, nullable=True),
    Column("side_effects", Boolean, nullable=True),
    Column("side_effects_text", Text, nullable=False),
    Column("note", Text, nullable=False),
    UniqueConstraint("visit_id", "interval_days", name="uq_follow_ups_visit_interval"),
    Index("ix_follow_ups_patient", "patient_id"),
    Index("ix_follow_ups_recorded_at", "recorded_at"),
)

# Mobile visits (migration 0010, infusiondesk.mobile). In the clinic: each laptop checked out (its nurse, the
# patients with their versions at checkout as JSON {uid: content sha256}, how far its audit chain was pushed), and the
# patient edits made on both sides, kept for a person to resolve. On a laptop: its identity, and per record
# the version both sides agreed on at the last sync (a visit's version, a patient's content sha256).
mobile_checkouts = Table(
    "mobile_checkouts", metadata,
    Column("id", Integer, primary_key=True),
    Column("laptop_id", String(36), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("patients", Text, nullable=False),
    Column("checked_out_at", UTCDateTime, nullable=False),
    Column("last_sync_at", UTCDateTime, nullable=True),
    Column("audit_pushed", Integer, nullable=False, default=0, server_default="0"),
    Column("revoked_at", UTCDateTime, nullable=True),
)

mobile_conflicts = Table(
    "mobile_conflicts", metadata,
    Column("id", Integer, primary_key=True),
    Column("laptop_id", String(36), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("record_uid", String(36), nullable=False),
    Column("laptop_content", Text, nullable=False),
    Column("clinic_content", Text, nullable=False),
    Column("found_at", UTCDateTime, nullable=False),
    Column("resolution", String(16), nullable=False, default="", server_default=""),
    Column("resolved_at", UTCDateTime, nullable=True),
    Column("applied", Boolean, nullable=False, default=False, server_default=false()),
    Index("ix_mobile_conflicts_laptop", "laptop_id", "record_uid"),
)

mobile_laptop = Table(
    "mobile_laptop", metadata,
    Column("id", Integer, primary_key=True),
    Column("laptop_id", String(36), nullable=False),
    Column("user_id", Integer, nullable=False),
    Column("start_entry", Integer, nullable=False),
    Column("library", Text, nullable=False),
    Column("library_sha256", String(64), nullable=False),
)

mobile_base = Table(
    "mobile_base", metadata,
    Column("uid", String(36), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("base", String(64), nullable=False),
)

# The tables whose rows are clinical or access records: each row's content is in the audit chain.
AUDITED_TABLES: dict[str, Table] = {t.name: t for t in (clinic, clinic_policy, backup_schedule, users, patients, visits,
                                                         signed_notes, pki_objects, prices, visit_payments,
                                                         follow_up_policy, follow_ups)}
