from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


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
    RESEARCH_EXPORT = "export.research", "Downloaded the de-identified research export"
    OUTCOME_ASSIGN = "outcome.assign", "Changed questionnaires assigned"
    OUTCOME_LINK = "outcome.link", "Created questionnaire link"
    OUTCOME_RECORD = "outcome.record", "Recorded questionnaire total"
    PORTAL_VIEW = "portal.view", "Patient opened questionnaire link"
    PORTAL_SUBMIT = "portal.submit", "Patient sent questionnaire answers"
    STAFF_ROLE = "staff.role", "Changed a staff member's role"
    STAFF_DEACTIVATE = "staff.deactivate", "Deactivated a staff member"
    STAFF_UNLOCK = "staff.unlock", "Lifted a login lockout"
    STAFF_MFA_RESET = "staff.mfa_reset", "Reset a staff member's two-factor login"
    STAFF_CREATE = "staff.create", "Added a staff member"
    STAFF_SETUP_LINK = "staff.setup_link", "Made a new set-up link for a staff member"
    STAFF_REACTIVATE = "staff.reactivate", "Reactivated a staff member"
    CLINIC_SETTINGS = "clinic.settings", "Changed clinic settings"
    MFA_ENROL = "account.mfa_enrol", "Set up two-factor login"
    RECOVERY_CODES = "account.recovery_codes", "Made new recovery codes"
    ACCOUNT_PASSWORD_SET = "account.password_set", "Set a first password from a set-up link"
    # Caseloads and break the glass (sotclinic/clinic/caseloads.py).
    CASELOAD_ADD = "caseload.add", "Added a practitioner for a patient"
    CASELOAD_REMOVE = "caseload.remove", "Removed a practitioner for a patient"
    BREAK_GLASS = "access.break_glass", "Broke the glass: opened a record outside the caseload"
    BREAK_GLASS_REVIEW = "access.break_glass_review", "Reviewed a break-the-glass access"
    # Sign-in events (sotclinic/clinic/signin_audit.py): no patient; the object is the account concerned.
    AUTH_LOGIN = "auth.login", "Logged in (password)"
    AUTH_LOGIN_FAILED = "auth.login_failed", "Failed login"
    AUTH_LOCKOUT = "auth.lockout", "Login refused: locked after repeated failures"
    AUTH_MFA = "auth.mfa", "Passed the two-factor check"
    AUTH_MFA_FAILED = "auth.mfa_failed", "Failed the two-factor check"
    AUTH_REAUTH = "auth.reauth", "Confirmed identity before a sensitive action"
    AUTH_REAUTH_FAILED = "auth.reauth_failed", "Failed to confirm identity"
    AUTH_LOGOUT = "auth.logout", "Logged out"


class AuditEvent(models.Model):
    """One read or write of patient data. Rows are only ever added (the database refuses changes, see guards.py)
    and each clinic's rows form a hash chain (see chain.py): `seq` numbers them 1, 2, 3...; `prev_hash` is the
    `row_hash` of the row before; `row_hash` covers this row's content and `prev_hash`."""

    # Set by audit_record before the insert (not auto_now_add), because the time is part of the row's hash.
    at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    actor_role = models.CharField(max_length=20)
    # A stable code from Action. Not the column's declared choices, so that a new kind of action needs no
    # migration; get_action_display reads its label from Action.
    action = models.CharField(max_length=40)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+", null=True)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    address = models.CharField(max_length=64, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    seq = models.PositiveBigIntegerField(editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    row_hash = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["patient", "-at"]), models.Index(fields=["clinic", "-at"])]
        constraints = [
            # Two appends can never take the same place in a clinic's chain, even if the head lock were bypassed.
            models.UniqueConstraint(fields=["clinic", "seq"], name="audit_event_clinic_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_role} {self.action}"

    def get_action_display(self) -> str:
        try:
            return str(Action(self.action).label)
        except ValueError:
            return self.action


class AuditChainHead(models.Model):
    """The end of one clinic's chain: the last row's seq and hash. `audit_record` locks this row (SELECT ... FOR
    UPDATE) for the rest of the caller's transaction, so appends to one clinic's chain happen one at a time; and
    `verify` compares it with the last row, which shows rows removed from, or added to, the end of the chain."""

    clinic = models.OneToOneField(
        "clinic.Clinic", on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    seq = models.PositiveBigIntegerField(default=0)
    row_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.clinic_id} at seq {self.seq}"
