from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
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

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    FRONT_DESK = "front_desk", "Front desk"


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
    def display_name(self) -> str:
        name = self.get_full_name() or self.username
        return f"{self.title} {name}".strip()

    def __str__(self) -> str:
        return self.display_name
