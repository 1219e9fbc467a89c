from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


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


class User(AbstractUser):
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
