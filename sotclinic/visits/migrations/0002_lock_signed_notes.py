"""The database itself refuses to change a signed note or an amendment, whatever path the change takes
(a form, the API, the admin, a shell). On PostgreSQL it also refuses to delete them. The guards are installed by sotclinic.audit.guards, here and again after every migrate."""

from django.db import migrations


def install(apps, schema_editor):  # type: ignore[no-untyped-def]
    from sotclinic.audit.guards import install_guards

    install_guards(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
