from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class VisitStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


class Recheck(models.TextChoices):
    CLEARED = "cleared", "Cleared"
    NOT_CLEARED = "not_cleared", "Not cleared"


class Visit(models.Model):
    """One SOT visit note. A signed visit is locked: the database itself refuses to change it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.PROTECT, related_name="visits")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="visits")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits"
    )
    date = models.DateField()
    status = models.CharField(max_length=10, choices=VisitStatus.choices, default=VisitStatus.DRAFT)
    revision = models.PositiveIntegerField(
        default=0, help_text="Bumped on every save; guards against lost updates"
    )

    # Subjective
    complaint = models.CharField(max_length=300, blank=True)
    pain = models.PositiveSmallIntegerField(null=True, blank=True)
    subjective = models.TextField(blank=True, max_length=5000)

    # Examination: the findings in the JSON form of the SOT reference; the assessment the classifier gave.
    findings = models.JSONField(default=list, blank=True)
    assessment = models.JSONField(default=dict, blank=True)
    knowledge_version = models.CharField(max_length=80, blank=True)
    suggested_category = models.CharField(max_length=10, blank=True)

    # The practitioner's decision: "" = not yet decided, "none" = no category / no blocking, or a category code.
    category = models.CharField(max_length=10, blank=True)
    override_reason = models.CharField(max_length=500, blank=True)
    variant = models.CharField(max_length=20, default="standard")
    pregnancy_week = models.PositiveSmallIntegerField(null=True, blank=True)
    protocol = models.JSONField(default=dict, blank=True)

    # What was done and what the re-check showed
    blocking = models.JSONField(default=dict, blank=True)
    recheck = models.JSONField(default=dict, blank=True)
    plan = models.TextField(blank=True, max_length=5000)

    # Safety at this visit: screening re-confirmed (or updated), and the answer to "any reaction to last time?"
    screening_confirmed_at = models.DateTimeField(null=True, blank=True)
    reaction_to_last = models.CharField(
        max_length=10, blank=True, help_text="'' not asked, 'none', or 'reported'"
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    content_hash = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the note as signed")

    class Meta:
        ordering = ["-date", "-created_at"]
        indexes = [models.Index(fields=["patient", "-date"]), models.Index(fields=["clinic", "-date"])]

    def __str__(self) -> str:
        return f"Visit {self.date:%Y-%m-%d}"

    @property
    def is_signed(self) -> bool:
        return self.status == VisitStatus.SIGNED

    @property
    def category_label(self) -> str:
        return {
            "cat1": "Category I",
            "cat2": "Category II",
            "cat3": "Category III",
            "none": "No category",
        }.get(self.category, "—")


class Amendment(models.Model):
    """A dated, signed correction to a signed note. Amendments are only ever added."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="amendments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300)
    text = models.TextField(max_length=5000)
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["signed_at"]

    def __str__(self) -> str:
        return f"Amendment {self.signed_at:%Y-%m-%d %H:%M}"


class Severity(models.TextChoices):
    """Carnes 2010 consensus (Man Ther 15:355). `major` is shown to staff as "severe (major)"."""

    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    MAJOR = "major", "Severe (major)"


SEVERITY_DEFINITIONS = {
    Severity.MILD: "Short-term and mild; function intact; passes without any change to treatment.",
    Severity.MODERATE: "Medium to long term, of moderate severity; may need a change to treatment.",
    Severity.MAJOR: "Medium to long term, moderate to severe, unacceptable; usually needs further treatment.",
}


class Causality(models.TextChoices):
    UNRELATED = "unrelated", "Unrelated"
    POSSIBLE = "possible", "Possibly related"
    PROBABLE = "probable", "Probably related"


class AdverseEvent(models.Model):
    """A reaction or harm after a visit, reported by staff or by the patient, followed up when severe."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.PROTECT, related_name="adverse_events")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="adverse_events")
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="adverse_events", null=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    reported_via = models.CharField(max_length=20, default="clinic")
    description = models.TextField(max_length=2000)
    began_at = models.DateTimeField()
    severity = models.CharField(max_length=10, choices=Severity.choices)
    duration = models.CharField(max_length=100, blank=True)
    action_taken = models.TextField(max_length=2000, blank=True)
    causality = models.CharField(max_length=10, choices=Causality.choices, default=Causality.POSSIBLE)
    created_at = models.DateTimeField(auto_now_add=True)
    follow_up_due = models.DateField(null=True, blank=True)
    followed_up_at = models.DateTimeField(null=True, blank=True)
    follow_up_notes = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["-began_at"]
        indexes = [models.Index(fields=["clinic", "severity", "-began_at"])]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} adverse event {self.began_at:%Y-%m-%d}"

    @property
    def needs_follow_up(self) -> bool:
        return self.severity == Severity.MAJOR and self.followed_up_at is None
