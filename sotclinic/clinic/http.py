from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from sotclinic.clinic.models import User


class ClinicRequest(HttpRequest):
    """A request from a signed-in member of staff (views behind login_required)."""

    user: User  # type: ignore[assignment]
    htmx: HtmxDetails
