"""`infusiondesk db harden`: on PostgreSQL, let the database itself refuse what the app never does.

The app only ever appends to the audit trail, never changes a stored signed note, and changes a signed visit
only by adding addenda (or signing one). Here the workstations' role loses UPDATE, DELETE and TRUNCATE on the
trail, its checkpoints and the signed notes, and triggers refuse those changes and any edit or deletion of a
signed visit for every role, the owner included, until the owner drops the triggers (which needs the owner's
password, not the workstations'). Re-running it is harmless; run it again after an upgrade adds tables.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, Engine, text

from infusiondesk.errors import DomainError

APPEND_ONLY = ("audit_log", "audit_checkpoints", "signed_notes")
_ROLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")

_REFUSE = """
CREATE OR REPLACE FUNCTION infusiondesk_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'InfusionDesk: % is append-only; % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$
"""

# A signed visit may only gain addenda, and an addendum saved unsigned may only gain its signature (the same
# rule as Store.save_visit's _check_transition, here for anyone who bypasses the app).
_GUARD_SIGNED_VISIT = """
CREATE OR REPLACE FUNCTION infusiondesk_guard_signed_visit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_doc jsonb; new_doc jsonb; old_add jsonb; new_add jsonb; a jsonb; b jsonb;
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status = 'signed' THEN
            RAISE EXCEPTION 'InfusionDesk: visit % is signed and is never deleted', OLD.id
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status <> 'signed' THEN
        RETURN NEW;
    END IF;
    old_doc := OLD.content::jsonb;
    new_doc := NEW.content::jsonb;
    old_add := coalesce(old_doc -> 'addenda', '[]'::jsonb);
    new_add := coalesce(new_doc -> 'addenda', '[]'::jsonb);
    IF NEW.id <> OLD.id OR NEW.status <> 'signed' OR NEW.patient_id <> OLD.patient_id
            OR NEW.created_at IS DISTINCT FROM OLD.created_at OR NEW.started_at IS DISTINCT FROM OLD.started_at
            OR (new_doc - 'addenda') <> (old_doc - 'addenda')
            OR jsonb_array_length(new_add) < jsonb_array_length(old_add) THEN
        RAISE EXCEPTION 'InfusionDesk: visit % is signed; only addenda may be added to it', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    FOR i IN 0 .. jsonb_array_length(old_add) - 1 LOOP
        a := old_add -> i;
        b := new_add -> i;
        IF (a - 'signature') <> (b - 'signature')
                OR (coalesce(a -> 'signature', 'null'::jsonb) <> 'null'::jsonb AND a -> 'signature' <> b -> 'signature')
        THEN
            RAISE EXCEPTION 'InfusionDesk: a saved addendum of visit % is never edited', OLD.id
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END LOOP;
    RETURN NEW;
END $$
"""


def _triggers(conn: Connection) -> None:
    conn.execute(text(_REFUSE))
    conn.execute(text(_GUARD_SIGNED_VISIT))
    for table in APPEND_ONLY:
        conn.execute(text(f"DROP TRIGGER IF EXISTS infusiondesk_append_only ON {table}"))
        conn.execute(text(f"CREATE TRIGGER infusiondesk_append_only BEFORE UPDATE OR DELETE ON {table} "
                          "FOR EACH ROW EXECUTE FUNCTION infusiondesk_refuse_change()"))
        conn.execute(text(f"DROP TRIGGER IF EXISTS infusiondesk_no_truncate ON {table}"))
        conn.execute(text(f"CREATE TRIGGER infusiondesk_no_truncate BEFORE TRUNCATE ON {table} "
                          "FOR EACH STATEMENT EXECUTE FUNCTION infusiondesk_refuse_change()"))
    conn.execute(text("DROP TRIGGER IF EXISTS infusiondesk_signed_visit ON visits"))
    conn.execute(text("CREATE TRIGGER infusiondesk_signed_visit BEFORE UPDATE OR DELETE ON visits "
                      "FOR EACH ROW EXECUTE FUNCTION infusiondesk_guard_signed_visit()"))


def _grants(conn: Connection, role: str) -> None:
    conn.execute(text(f'GRANT USAGE ON SCHEMA public TO "{role}"'))
    conn.execute(text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"'))
    conn.execute(text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"'))
    conn.execute(text(f'REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM "{role}"'))
    for table in APPEND_ONLY:
        conn.execute(text(f'REVOKE UPDATE, DELETE ON {table} FROM "{role}"'))
    conn.execute(text(f'REVOKE DELETE ON audit_head FROM "{role}"'))
    conn.execute(text(f'REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM "{role}"'))


def harden(engine: Engine, app_role: str) -> list[str]:
    """Grant the workstations' role what the app needs and no more, and install the triggers. Run as the
    tables' owner. Returns what was done, a line each, for the person running it."""
    if engine.dialect.name != "postgresql":
        raise DomainError("db harden is for PostgreSQL. An SQLite file has no roles: protect it with file "
                          "permissions, and anchor its audit trail with `infusiondesk audit checkpoint`.")
    if not _ROLE.fullmatch(app_role):
        raise DomainError(f'"{app_role}" is not a PostgreSQL role name (letters, digits and _).')
    with engine.begin() as conn:
        if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": app_role}).first() is None:
            raise DomainError(f'There is no role "{app_role}"; create it first: CREATE ROLE {app_role} LOGIN '
                              "PASSWORD '…'.")
        me = conn.execute(text("SELECT current_user")).scalar_one()
        owner = conn.execute(text("SELECT tableowner FROM pg_tables WHERE schemaname = 'public' "
                                  "AND tablename = 'audit_log'")).scalar_one_or_none()
        if owner is None:
            raise DomainError("This database has no InfusionDesk tables yet; open it with the app once first.")
        if app_role in (me, owner):
            raise DomainError(f'"{app_role}" owns the tables, so it could undo this. Create a separate role for the '
                              "workstations, connect them with it, and run db harden as the owner.")
        if conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = :r"), {"r": app_role}).scalar_one():
            raise DomainError(f'"{app_role}" is a superuser, which no grant or trigger binds; give the workstations '
                              "an ordinary role.")
        _grants(conn, app_role)
        _triggers(conn)
    return [
        f'"{app_role}" may read and add to every table, update the records the app updates, and no longer update, '
        f"delete or truncate {', '.join(APPEND_ONLY)}.",
        "Triggers refuse, for every role including the owner, any update or deletion of audit entries, "
        "checkpoints and stored signed notes, and any change to a signed visit other than adding an addendum.",
        f'Connect the workstations as "{app_role}"; keep the owner\'s password ({me}) off them. Run db harden '
        "again after an upgrade (new tables need their grants).",
    ]
