"""Recovery codes are kept as keyed hashes (sotclinic.clinic.authn.recovery_code_digest): the codes made before
this migration, stored as django-otp stores them (the code itself, 8 characters), are replaced by their hashes
(16 hex characters), so that they keep working and the database no longer holds them."""

from typing import Any

from django.db import migrations


def hash_plain_codes(apps: Any, schema_editor: Any) -> None:
    from sotclinic.clinic.authn import recovery_code_digest

    StaticToken = apps.get_model("otp_static", "StaticToken")
    for token in StaticToken.objects.exclude(token__regex=r"^[0-9a-f]{16}$").iterator():
        token.token = recovery_code_digest(token.token)
        token.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0004_caseloads_break_glass"),
        ("otp_static", "0003_add_timestamps"),
    ]

    # Backwards: a hash cannot be turned back into its code; the codes stay hashed (and unusable by the old code).
    operations = [migrations.RunPython(hash_plain_codes, migrations.RunPython.noop)]
