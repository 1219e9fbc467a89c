from __future__ import annotations

from django.db import models


class ResearchKey(models.Model):
    """A clinic's research key: the secret that turns a patient's id into their pseudonym in de-identified exports
    (HMAC-SHA256, see sotclinic/reports/deidentified.py). Made at the clinic's first export and never shown, so
    pseudonyms stay the same from one export of the clinic to the next and cannot be traced back without it."""

    clinic = models.OneToOneField(
        "clinic.Clinic", on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    secret = models.CharField(max_length=64, editable=False, help_text="32 random bytes, hex")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Research key of {self.clinic_id}"  # never the secret
