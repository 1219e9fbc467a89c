"""Action codes are checked in code (sotclinic.audit.models.Action), not declared as the column's choices, so a
new kind of action needs no migration."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_hash_chain")]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(max_length=40),
        ),
    ]
