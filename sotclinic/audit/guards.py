"""Database guards that hold whatever code path writes: a signed note and an amendment cannot be changed, and
audit rows are append-only. They are (re)installed after every `migrate`, because SQLite drops a table's
triggers when a migration rebuilds the table.

The head of each clinic's audit chain may only move forward one row at a time (and, on PostgreSQL, never be
deleted). On SQLite, DELETE stays allowed so that test databases can be flushed; on PostgreSQL a flush is a
TRUNCATE, which row triggers do not see. A table owner or superuser can still disable triggers: that is what the
hash chain and `sotclinic audit verify` are for."""

from __future__ import annotations

from typing import Any

from django.db import connections

SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS visits_visit_signed_locked BEFORE UPDATE ON visits_visit
       FOR EACH ROW WHEN OLD.status = 'signed'
       BEGIN SELECT RAISE(ABORT, 'sotclinic: a signed visit note cannot be changed'); END;""",
    """CREATE TRIGGER IF NOT EXISTS visits_amendment_locked BEFORE UPDATE ON visits_amendment
       FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'sotclinic: an amendment cannot be changed'); END;""",
    """CREATE TRIGGER IF NOT EXISTS audit_auditevent_append_only BEFORE UPDATE ON audit_auditevent
       FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'sotclinic: audit rows are append-only'); END;""",
    """CREATE TRIGGER IF NOT EXISTS audit_auditchainhead_forward BEFORE UPDATE ON audit_auditchainhead
       FOR EACH ROW WHEN NEW.seq <> OLD.seq + 1 OR NEW.clinic_id <> OLD.clinic_id
       BEGIN SELECT RAISE(ABORT, 'sotclinic: the audit chain head only moves forward'); END;""",
]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION sotclinic_visit_signed_locked() RETURNS trigger AS $$
       BEGIN
         IF OLD.status = 'signed' THEN
           RAISE EXCEPTION 'sotclinic: a signed visit note cannot be changed or deleted';
         END IF;
         IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
         RETURN NEW;
       END $$ LANGUAGE plpgsql;""",
    """CREATE OR REPLACE FUNCTION sotclinic_append_only() RETURNS trigger AS $$
       BEGIN
         RAISE EXCEPTION 'sotclinic: % rows are append-only', TG_TABLE_NAME;
       END $$ LANGUAGE plpgsql;""",
    "DROP TRIGGER IF EXISTS visits_visit_signed_locked ON visits_visit;",
    """CREATE TRIGGER visits_visit_signed_locked BEFORE UPDATE OR DELETE ON visits_visit
       FOR EACH ROW EXECUTE FUNCTION sotclinic_visit_signed_locked();""",
    "DROP TRIGGER IF EXISTS visits_amendment_locked ON visits_amendment;",
    """CREATE TRIGGER visits_amendment_locked BEFORE UPDATE OR DELETE ON visits_amendment
       FOR EACH ROW EXECUTE FUNCTION sotclinic_append_only();""",
    "DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;",
    """CREATE TRIGGER audit_auditevent_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
       FOR EACH ROW EXECUTE FUNCTION sotclinic_append_only();""",
    """CREATE OR REPLACE FUNCTION sotclinic_chain_head_forward() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'DELETE' OR NEW.seq <> OLD.seq + 1 OR NEW.clinic_id <> OLD.clinic_id THEN
           RAISE EXCEPTION 'sotclinic: the audit chain head only moves forward';
         END IF;
         RETURN NEW;
       END $$ LANGUAGE plpgsql;""",
    "DROP TRIGGER IF EXISTS audit_auditchainhead_forward ON audit_auditchainhead;",
    """CREATE TRIGGER audit_auditchainhead_forward BEFORE UPDATE OR DELETE ON audit_auditchainhead
       FOR EACH ROW EXECUTE FUNCTION sotclinic_chain_head_forward();""",
]


def install_guards(using: str = "default") -> None:
    connection = connections[using]
    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(connection.vendor, [])
    tables = set(connection.introspection.table_names())
    if not {"visits_visit", "visits_amendment", "audit_auditevent"} <= tables:
        return  # migrated only part of the way: the next migrate installs them
    with connection.cursor() as cursor:
        for sql in statements:
            if "audit_auditchainhead" in sql and "audit_auditchainhead" not in tables:
                continue  # migrated only up to audit 0003
            cursor.execute(sql, None)


def install_guards_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    install_guards(using)
