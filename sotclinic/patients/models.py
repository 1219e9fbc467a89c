from __future__ import annotations

import datetime
import uuid

from django.db import models


def name_key(text: str) -> str:
    """The form of a name that search compares: case-folded, single-spaced."""
    return " ".join(text.casefold().split())


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Not recorded"


class Patient(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.PROTECT, related_name="patients")
    family_name = models.CharField(max_length=100)
    given_names = models.CharField(max_length=150)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True, max_length=500)
    family_key = models.CharField(max_length=100, editable=False)
    given_key = models.CharField(max_length=150, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["family_key", "given_key"]
        indexes = [
            # Pattern opclasses let PostgreSQL answer LIKE 'prefix%' from the index (ignored on SQLite).
            models.Index(
                fields=["clinic", "family_key"],
                name="patient_family_idx",
                opclasses=["uuid_ops", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["clinic", "given_key"],
                name="patient_given_idx",
                opclasses=["uuid_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["clinic", "date_of_birth"], name="patient_dob_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name}"

    def age_on(self, day: datetime.date) -> int:
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))

    def set_keys(self) -> None:
        self.family_key = name_key(self.family_name)
        self.given_key = name_key(self.given_names)


class ComplaintCode(models.TextChoices):
    LOW_BACK = "low_back", "Low back pain"
    PELVIC = "pelvic", "Pelvic pain"
    PREGNANCY = "pregnancy_pelvic", "Pregnancy-related pelvic pain"
    NECK = "neck", "Neck pain"
    HEADACHE = "headache", "Headache"
    TMJ = "tmj", "Jaw (TMJ)"
    DIGESTIVE = "digestive", "Digestive complaint"
    STRESS = "stress", "Stress"
    OTHER = "other", "Other"


class Complaint(models.Model):
    """A presenting complaint: why the patient came."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="complaints")
    code = models.CharField(max_length=30, choices=ComplaintCode.choices)
    description = models.CharField(max_length=300, blank=True)
    onset = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-active", "-created_at"]

    def __str__(self) -> str:
        return self.get_code_display()


class IntakeSource(models.TextChoices):
    CLINIC = "clinic", "In clinic"
    VISIT = "visit", "Updated at a visit"
    LINK = "link", "Patient's secure link"


class Intake(models.Model):
    """One set of answers to the screening questions, kept with its date. A new answer set is a new row."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="intakes")
    answers = models.JSONField(default=dict, help_text="patient question code -> answer")
    findings = models.JSONField(default=dict, help_text="clinician question code -> answer")
    answered_at = models.DateTimeField()
    source = models.CharField(max_length=10, choices=IntakeSource.choices, default=IntakeSource.CLINIC)
    recorded_by = models.ForeignKey("clinic.User", on_delete=models.PROTECT, related_name="+", null=True)
    visit = models.ForeignKey(
        "visits.Visit", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    rules_version = models.CharField(max_length=40)

    class Meta:
        ordering = ["-answered_at"]

    def __str__(self) -> str:
        return f"Intake {self.answered_at:%Y-%m-%d}"


class Urgency(models.TextChoices):
    EMERGENCY = "emergency", "Emergency — same-day referral"
    URGENT = "urgent", "Urgent — referral before further treatment"
    CAUTION = "caution", "Caution — proceed with a recorded modification"


class FlagStatus(models.TextChoices):
    OPEN = "open", "Open"
    REFERRED = "referred", "Referred"
    PROCEED = "proceed", "Proceed with reason"


class RedFlag(models.Model):
    """A red flag raised by screening, open until the practitioner records a decision."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="red_flags")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    why = models.TextField(blank=True)
    action = models.TextField(blank=True)
    modification = models.TextField(blank=True)
    contraindicates = models.JSONField(default=list)
    because = models.JSONField(default=dict)
    source = models.CharField(max_length=300, blank=True)
    raised_at = models.DateTimeField()
    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="flags", null=True)
    rules_version = models.CharField(max_length=40)

    status = models.CharField(max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    decided_by = models.ForeignKey("clinic.User", on_delete=models.PROTECT, related_name="+", null=True)
    decided_at = models.DateTimeField(null=True)
    decision_reason = models.TextField(blank=True, max_length=2000)
    referred_to = models.CharField(max_length=200, blank=True)
    referral_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["status", "raised_at"]
        indexes = [models.Index(fields=["patient", "status"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.urgency}, {self.status})"

    @property
    def stops_blocking(self) -> bool:
        return self.status == FlagStatus.OPEN and self.urgency in (Urgency.EMERGENCY, Urgency.URGENT)


class ConsentText(models.Model):
    """The clinic's own consent wording for SOT care. Each change is a new version; old versions are kept."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.PROTECT, related_name="consent_texts")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200, default="Consent to care")
    body = models.TextField(max_length=20000)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey("clinic.User", on_delete=models.PROTECT, related_name="+", null=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "version"], name="consent_text_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class Consent(models.Model):
    """A signature (checkbox and typed name) on one version of the clinic's consent text."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="+")
    signed_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField()
    by_guardian = models.BooleanField(default=False)
    guardian_relationship = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=10, choices=IntakeSource.choices, default=IntakeSource.CLINIC)
    recorded_by = models.ForeignKey("clinic.User", on_delete=models.PROTECT, related_name="+", null=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return f"Consent v{self.text.version} signed {self.signed_at:%Y-%m-%d}"
