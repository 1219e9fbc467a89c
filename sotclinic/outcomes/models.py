from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Timepoint(models.TextChoices):
    BASELINE = "baseline", "Baseline"
    FOLLOW_UP = "follow_up", "Follow-up"
    DISCHARGE = "discharge", "Discharge"


class Source(models.TextChoices):
    KIOSK = "kiosk", "Tablet in clinic"
    LINK = "link", "Link at home"
    TOTAL_ONLY = "total_only", "Total from the clinic's licensed form"


class Assignment(models.Model):
    """An instrument a patient is asked to complete during their episode of care."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="assignments")
    instrument = models.CharField(max_length=20)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField()
    reason = models.CharField(max_length=100, blank=True)
    active = models.BooleanField(default=True)
    discharge_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assigned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "instrument"],
                condition=models.Q(active=True),
                name="one_active_assignment",
            )
        ]

    def __str__(self) -> str:
        return self.instrument


class PortalLink(models.Model):
    """A single-use, expiring link to the questionnaires due. Only the hash of the token is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="portal_links")
    token_hash = models.CharField(max_length=64, unique=True)
    instruments = models.JSONField(default=list)
    timepoint = models.CharField(max_length=10, choices=Timepoint.choices, default=Timepoint.FOLLOW_UP)
    purpose = models.CharField(
        max_length=10, default="link", help_text="link (e-mailed) or kiosk (in clinic)"
    )
    partial = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.EmailField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Link {self.created_at:%Y-%m-%d}"


class Response(models.Model):
    """One completed questionnaire, scored by sotclinic.measures exactly as published."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="responses")
    instrument = models.CharField(max_length=20)
    answers = models.JSONField(default=dict, blank=True)
    notes = models.JSONField(
        default=dict, blank=True, help_text="e.g. the activities a patient names on the PSFS"
    )
    score = models.JSONField(default=dict)
    total = models.FloatField(null=True)
    answered_at = models.DateTimeField()
    timepoint = models.CharField(max_length=10, choices=Timepoint.choices)
    source = models.CharField(max_length=10, choices=Source.choices)
    instrument_version = models.CharField(max_length=40)
    rules_version = models.CharField(max_length=40)
    link = models.ForeignKey(
        PortalLink, on_delete=models.PROTECT, related_name="responses", null=True, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["answered_at"]
        indexes = [models.Index(fields=["patient", "instrument", "answered_at"])]

    def __str__(self) -> str:
        return f"{self.instrument} {self.answered_at:%Y-%m-%d}"
