from __future__ import annotations

import os
import uuid

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.plugins.otp_totp.models import TOTPDevice

from sotclinic.clinic.sealing import seal, unseal


class Clinic(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Outcome questionnaires: repeat every N visits or D days, whichever comes first; home links expire.
    outcome_every_visits = models.PositiveSmallIntegerField(default=6)
    outcome_every_days = models.PositiveSmallIntegerField(default=30)
    outcome_link_days = models.PositiveSmallIntegerField(default=7)
    # A signed-in session without a request for this long ends (sotclinic/clinic/authn_middleware.py).
    session_idle_minutes = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    # Caseloads (sotclinic/clinic/access.py): when on, a practitioner opens only the patients in their caseload, or
    # breaks the glass (a reason, recorded and flagged to the administrator) for this many minutes.
    caseloads_enabled = models.BooleanField(default=False)
    break_glass_minutes = models.PositiveSmallIntegerField(
        default=60, validators=[MinValueValidator(5), MaxValueValidator(24 * 60)]
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    """What a member of staff may do; sotclinic/clinic/access.py turns roles into decisions.

    administrator: the clinic's settings and its staff (roles, deactivation, lockouts, MFA resets); no patient data.
    practitioner: clinical: charts, visits, notes, outcomes.
    front_desk: demographics, consent, questionnaire links; no clinical notes.
    researcher: de-identified exports only; no identifiable patient data anywhere.
    """

    ADMINISTRATOR = "administrator", "Administrator"
    PRACTITIONER = "practitioner", "Practitioner"
    FRONT_DESK = "front_desk", "Front desk"
    RESEARCHER = "researcher", "Researcher"


class User(AbstractUser):  # type: ignore[django-manager-missing]  # SealedTOTPDevice.user (django-otp's Device)
    """A member of staff. Every user belongs to exactly one clinic and has one role."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="staff", null=True, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.FRONT_DESK)
    title = models.CharField(
        max_length=40, blank=True, help_text="Shown before the name on signed notes, e.g. Dr"
    )

    @property
    def is_practitioner(self) -> bool:
        return self.role == Role.PRACTITIONER

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMINISTRATOR

    @property
    def sees_patients(self) -> bool:
        """For menus only; access itself is decided in sotclinic/clinic/access.py."""
        return self.role in (Role.PRACTITIONER, Role.FRONT_DESK)

    @property
    def display_name(self) -> str:
        name = self.get_full_name() or self.username
        return f"{self.title} {name}".strip()

    def __str__(self) -> str:
        return self.display_name


class StaffSession(models.Model):
    """One signed-in session of a member of staff: written at login (sotclinic/clinic/authn.py), so that deactivating
    a user can end every session they have without reading every session in the store."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user_id} since {self.created_at:%Y-%m-%d %H:%M}"


class CaseloadMember(models.Model):
    """A practitioner who looks after a patient. Used by sotclinic/clinic/access.py when the clinic keeps caseloads;
    kept up to date whether or not it does (sotclinic/clinic/caseloads.py writes it)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="caseload")
    practitioner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="caseload")
    added_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "practitioner"], name="caseload_member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.practitioner_id} looks after {self.patient_id}"


class BreakGlassGrant(models.Model):
    """A practitioner's access to a patient outside their caseload: a reason, an end (the clinic's
    break_glass_minutes after it was given), and the administrator's review. Only ever added and reviewed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="break_glass_grants")
    reason = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "patient", "expires_at"], name="break_glass_active_idx"),
            models.Index(fields=["clinic", "reviewed_at"], name="break_glass_review_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} -> {self.patient_id} until {self.expires_at:%Y-%m-%d %H:%M}"

    @property
    def active(self) -> bool:
        return self.expires_at > timezone.now()


class SealedTOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """An authenticator app (TOTP, RFC 6238) whose seed is kept sealed (sotclinic/clinic/sealing.py), never in the
    clear as django-otp's own TOTPDevice keeps it. Checking a code, throttling failures and the otpauth:// URI are
    django-otp's own code (TOTPDevice's methods, which read the seed only through `bin_key`), so the behaviour is
    django-otp's exactly."""

    sealed_key = models.BinaryField()
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    SEED_BYTES = 20  # 160 bits, as RFC 4226 recommends and django-otp makes

    class Meta(Device.Meta):
        verbose_name = "authenticator app"

    @classmethod
    def create_for(
        cls, user: User, *, name: str, confirmed: bool, seed: bytes | None = None
    ) -> SealedTOTPDevice:
        device = cls(user=user, name=name, confirmed=confirmed)
        device.seal_seed(seed if seed is not None else os.urandom(cls.SEED_BYTES))
        device.save()
        return device

    def _context(self) -> bytes:
        return b"totp:" + uuid.UUID(str(self.user_id)).bytes

    def seal_seed(self, seed: bytes) -> None:
        self.sealed_key = seal(seed, context=self._context())

    @property
    def bin_key(self) -> bytes:
        """The seed, opened when a code is checked or the enrol page shows it (raises SealError if it cannot be)."""
        return unseal(self.sealed_key, context=self._context())

    verify_token = TOTPDevice.verify_token
    get_throttle_factor = TOTPDevice.get_throttle_factor
    config_url = TOTPDevice.config_url
    _read_str_from_settings = TOTPDevice._read_str_from_settings
