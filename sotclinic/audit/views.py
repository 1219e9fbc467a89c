"""The audit trail for the clinic's staff who may read it: search (by patient, actor, action, dates) and CSV
export (after a recent re-authentication). Practitioners and administrators (`require_audit_reader` in
sotclinic/clinic/access.py decides): the page shows patient ids, never names, so an administrator without patient
access can still review who did what."""

from __future__ import annotations

import csv
import datetime
import uuid
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from sotclinic.audit.integrity import trail_rows
from sotclinic.audit.models import Action, AuditEvent
from sotclinic.clinic.access import require_audit_reader
from sotclinic.clinic.authn import require_recent_auth
from sotclinic.clinic.http import ClinicRequest
from sotclinic.clinic.models import User

PAGE_SIZE = 50


class TrailFilter(forms.Form):
    patient = forms.UUIDField(required=False, label="Patient id")
    actor = forms.CharField(required=False, max_length=150, label="Staff username")
    action = forms.ChoiceField(required=False, choices=[("", "Any action"), *Action.choices])
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return data


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def filtered_events(clinic_id: uuid.UUID, data: dict[str, Any]) -> QuerySet[AuditEvent]:
    """The clinic's rows that match the (cleaned) filters."""
    events = AuditEvent.objects.filter(clinic_id=clinic_id)
    if data.get("patient"):
        events = events.filter(patient_id=data["patient"])
    if data.get("actor"):
        events = events.filter(actor__username=data["actor"])
    if data.get("action"):
        events = events.filter(action=data["action"])
    if data.get("since"):
        events = events.filter(at__gte=_day_start(data["since"]))
    if data.get("until"):
        events = events.filter(at__lt=_day_start(data["until"] + datetime.timedelta(days=1)))
    return events


def _search(request: ClinicRequest) -> tuple[TrailFilter, QuerySet[AuditEvent]]:
    clinic_id = require_audit_reader(request.user)
    form = TrailFilter(request.GET)  # every filter is optional: no parameters is the whole trail
    if not form.is_valid():
        return form, AuditEvent.objects.none()
    return form, filtered_events(clinic_id, form.cleaned_data)


@login_required
@require_GET
def trail(request: ClinicRequest) -> HttpResponse:
    form, events = _search(request)
    page = Paginator(events.select_related("actor").order_by("-seq", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    # Rows about a member of staff (sign-in events, staff changes) name them by username, as the "Who" column does.
    staff_ids = {e.object_id for e in page if e.object_type == "user"}
    usernames = dict(
        User.objects.filter(clinic_id=require_audit_reader(request.user), pk__in=staff_ids).values_list(
            "pk", "username"
        )
    )
    for event in page:
        name = usernames.get(uuid.UUID(event.object_id)) if event.object_type == "user" else None
        setattr(event, "staff_username", name)  # noqa: B010 - a display attribute for the template only
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "audit/trail.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_recent_auth(minutes=5)
@require_GET
def trail_export(request: ClinicRequest) -> HttpResponse:
    form, events = _search(request)
    if not form.is_valid():
        return render(request, "audit/trail.html", {"form": form, "page": None, "query": ""}, status=400)
    writer = csv.writer(_Echo(), lineterminator="\n")

    def lines() -> Iterator[str]:
        for row in trail_rows(queryset=events):
            yield writer.writerow(row)

    day = timezone.localdate().isoformat()
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{day}.csv"'
    return response  # type: ignore[return-value]  # streamed: the decorators pass it through untouched
