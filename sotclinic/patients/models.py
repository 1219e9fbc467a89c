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
