"""Audit rows are only ever added: the database refuses to update them (and, on PostgreSQL, to delete them)."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER audit_auditevent_append_only BEFORE UPDATE ON audit_auditevent
       FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'sotclinic: audit rows are append-only'); END;""",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION sotclinic_append_only() RETURNS trigger AS $$
       BEGIN
         RAISE EXCEPTION 'sotclinic: % rows are append-only', TG_TABLE_NAME;
       END $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER audit_auditevent_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
       FOR EACH ROW EXECUTE FUNCTION sotclinic_append_only();""",
]
REVERSE = {
    "sqlite": ["DROP TRIGGER IF EXISTS audit_auditevent_append_only;"],
    "postgresql": ["DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;"],
}


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]

    operations = [migrations.RunPython(_run({"sqlite": SQLITE, "postgresql": POSTGRES}), _run(REVERSE))]
