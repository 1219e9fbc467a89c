"""The database itself refuses to change a signed note or an amendment, whatever path the change takes
(a form, the API, the admin, a shell). On PostgreSQL it also refuses to delete them."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER visits_visit_signed_locked BEFORE UPDATE ON visits_visit
       FOR EACH ROW WHEN OLD.status = 'signed'
       BEGIN SELECT RAISE(ABORT, 'sotclinic: a signed visit note cannot be changed'); END;""",
    """CREATE TRIGGER visits_amendment_locked BEFORE UPDATE ON visits_amendment
       FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'sotclinic: an amendment cannot be changed'); END;""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS visits_visit_signed_locked;", "DROP TRIGGER IF EXISTS visits_amendment_locked;"]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION sotclinic_visit_signed_locked() RETURNS trigger AS $$
       BEGIN
         IF OLD.status = 'signed' THEN
           RAISE EXCEPTION 'sotclinic: a signed visit note cannot be changed or deleted';
         END IF;
         IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
         RETURN NEW;
       END $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER visits_visit_signed_locked BEFORE UPDATE OR DELETE ON visits_visit
       FOR EACH ROW EXECUTE FUNCTION sotclinic_visit_signed_locked();""",
    """CREATE OR REPLACE FUNCTION sotclinic_append_only() RETURNS trigger AS $$
       BEGIN
         RAISE EXCEPTION 'sotclinic: % rows are append-only', TG_TABLE_NAME;
       END $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER visits_amendment_locked BEFORE UPDATE OR DELETE ON visits_amendment
       FOR EACH ROW EXECUTE FUNCTION sotclinic_append_only();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS visits_visit_signed_locked ON visits_visit;",
    "DROP TRIGGER IF EXISTS visits_amendment_locked ON visits_amendment;",
    "DROP FUNCTION IF EXISTS sotclinic_visit_signed_locked();",
]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, None)

    return run


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        )
    ]
