from __future__ import annotations

from django.conf import settings
from django.db import models


class Action(models.TextChoices):
    PATIENT_SEARCH = "patient.search", "Searched patients"
    PATIENT_CREATE = "patient.create", "Registered patient"
    PATIENT_UPDATE = "patient.update", "Edited demographics"
    PATIENT_VIEW = "patient.view", "Opened demographics"
    CHART_VIEW = "chart.view", "Opened chart"
    COMPLAINT_CREATE = "complaint.create", "Recorded presenting complaint"
    VISIT_CREATE = "visit.create", "Started visit"
    VISIT_VIEW = "visit.view", "Opened visit"
    VISIT_SAVE = "visit.save", "Saved visit draft"
    VISIT_CARRY_FORWARD = "visit.carry_forward", "Carried findings forward"
    VISIT_SIGN = "visit.sign", "Signed visit note"
    VISIT_AMEND = "visit.amend", "Amended signed note"
    VISIT_SCREENING = "visit.screening", "Confirmed screening at visit"
    INTAKE_RECORD = "intake.record", "Recorded screening answers"
    FLAG_DECIDE = "flag.decide", "Recorded red-flag decision"
    REFERRAL_VIEW = "referral.view", "Printed referral letter"
    CONSENT_SIGN = "consent.sign", "Recorded consent"
    ADVERSE_REPORT = "adverse.report", "Reported adverse event"
    ADVERSE_FOLLOW_UP = "adverse.follow_up", "Followed up adverse event"
    REGISTER_VIEW = "adverse.register", "Opened adverse-event register"


class AuditEvent(models.Model):
    """One read or write of patient data. Rows are only ever added."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    actor_role = models.CharField(max_length=20)
    action = models.CharField(max_length=40, choices=Action.choices)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+", null=True)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    address = models.CharField(max_length=64, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["patient", "-at"]), models.Index(fields=["clinic", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_role} {self.action}"
