"""Audit rows are only ever added: the database refuses to update them (and, on PostgreSQL, to delete them). The guards are installed by sotclinic.audit.guards, here and again after every migrate."""

from django.db import migrations


def install(apps, schema_editor):  # type: ignore[no-untyped-def]
    from sotclinic.audit.guards import install_guards

    install_guards(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
