"""Audit rows form one hash chain per clinic (seq, prev_hash, row_hash) with its head in AuditChainHead.

Rows written before this migration are chained here, in the order they were written (id), per clinic."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def chain_existing_rows(apps, schema_editor):  # type: ignore[no-untyped-def]
    from sotclinic.audit.chain import chain_rows

    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    connection = schema_editor.connection
    if not AuditEvent.objects.using(connection.alias).exists():
        return
    # The append-only trigger refuses the one-time UPDATE that chains old rows; migrate reinstalls it at the end.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_auditevent_append_only")
    fields = [
        "id", "at", "clinic_id", "actor_id", "actor_role", "action", "patient_id",
        "object_type", "object_id", "detail", "address", "request_id",
    ]
    events = AuditEvent.objects.using(connection.alias)
    for clinic_id in events.order_by().values_list("clinic_id", flat=True).distinct():
        last = None
        for row in chain_rows(events.filter(clinic_id=clinic_id).order_by("id").values(*fields)):
            events.filter(pk=row["id"]).update(
                seq=row["seq"], prev_hash=row["prev_hash"], row_hash=row["row_hash"], detail=row["detail"]
            )
            last = row
        assert last is not None
        AuditChainHead.objects.using(connection.alias).create(
            clinic_id=clinic_id, seq=last["seq"], row_hash=last["row_hash"]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_append_only"),
        ("clinic", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, editable=False),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("patient.search", "Searched patients"),
                    ("patient.create", "Registered patient"),
                    ("patient.update", "Edited demographics"),
                    ("patient.view", "Opened demographics"),
                    ("chart.view", "Opened chart"),
                    ("complaint.create", "Recorded presenting complaint"),
                    ("visit.create", "Started visit"),
                    ("visit.view", "Opened visit"),
                    ("visit.save", "Saved visit draft"),
                    ("visit.carry_forward", "Carried findings forward"),
                    ("visit.sign", "Signed visit note"),
                    ("visit.amend", "Amended signed note"),
                    ("visit.screening", "Confirmed screening at visit"),
                    ("intake.record", "Recorded screening answers"),
                    ("flag.decide", "Recorded red-flag decision"),
                    ("referral.view", "Printed referral letter"),
                    ("consent.sign", "Recorded consent"),
                    ("adverse.report", "Reported adverse event"),
                    ("adverse.follow_up", "Followed up adverse event"),
                    ("adverse.register", "Opened adverse-event register"),
                ],
                max_length=40,
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="row_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                (
                    "clinic",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="clinic.clinic",
                    ),
                ),
                ("seq", models.PositiveBigIntegerField(default=0)),
                ("row_hash", models.CharField(max_length=64)),
            ],
        ),
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(editable=False),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(fields=("clinic", "seq"), name="audit_event_clinic_seq_unique"),
        ),
    ]
