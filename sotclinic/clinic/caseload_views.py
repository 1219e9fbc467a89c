"""Caseloads and break the glass, as pages.

The practitioner's side: the break-the-glass page (what a patient page answers, 403, when the patient is outside
the practitioner's caseload: sotclinic/config/urls.py's handler403 sends OutsideCaseload here), the form that
breaks the glass, and the "Practitioners for this patient" card on the chart (front desk and practitioners who can
reach the patient add and remove them). The administrator's side: the accesses to review.

Who may do what is decided in sotclinic/clinic/access.py; the writes are in sotclinic/clinic/caseloads.py.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from sotclinic.clinic.access import (
    OutsideCaseload,
    break_glass_grants_for,
    get_break_glass_grant,
    get_patient,
    patient_to_break_glass,
    require_caseload,
)
from sotclinic.clinic.caseloads import (
    NOTE_MAX,
    REASON_MAX,
    REASON_MIN,
    break_glass_open,
    break_glass_review,
    caseload_add,
    caseload_of,
    caseload_remove,
)
from sotclinic.clinic.http import ClinicRequest
from sotclinic.clinic.models import Clinic
from sotclinic.patients.models import Patient

REVIEW_PAGE_SIZE = 200


def _chart(patient_id: Any) -> str:
    return reverse("patients:chart", kwargs={"patient_id": patient_id})


def _next(request: HttpRequest, patient_id: Any) -> str:
    """Where to go once the glass is broken: the page the practitioner was opening (a path of this site), or the
    chart."""
    target = request.POST.get("next", "")
    if (
        target.startswith("/")
        and not target.startswith("//")
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        return target
    return _chart(patient_id)


def break_glass_page(
    request: HttpRequest,
    patient: Patient,
    *,
    next_url: str,
    reason: str = "",
    errors: list[str] | None = None,
    status: int = 403,
) -> HttpResponse:
    """The break-the-glass page. It shows the patient's name (the practitioner finds name and date of birth in the
    patient search anyway, and must see whose record they are about to open) and nothing else of the record: who
    looks after the patient, how long access will last, and the form for the reason."""
    clinic = Clinic.objects.get(pk=patient.clinic_id)
    context = {
        "patient_name": patient.full_name,
        "patient_id": patient.pk,
        "practitioners": [m.practitioner.display_name for m in caseload_of(patient)],
        "minutes": clinic.break_glass_minutes,
        "next": next_url,
        "reason": reason,
        "errors": errors or [],
        "reason_min": REASON_MIN,
        "reason_max": REASON_MAX,
    }
    return render(request, "clinic/break_glass.html", context, status=status)


def outside_caseload(request: HttpRequest, exception: OutsideCaseload) -> HttpResponse:
    """What a patient page answers when the patient is outside the practitioner's caseload (403)."""
    patient = patient_to_break_glass(request.user, exception.patient_id)  # type: ignore[arg-type]
    next_url = request.get_full_path() if request.method in ("GET", "HEAD") else _chart(patient.pk)
    return break_glass_page(request, patient, next_url=next_url)


@login_required
@require_POST
def break_glass(request: ClinicRequest, patient_id: str) -> HttpResponse:
    """Break the glass: a practitioner opens a patient outside their caseload, with a reason, for the clinic's
    break-the-glass time. Bad reasons show the page again (400) with what to fix; nothing is saved."""
    patient = patient_to_break_glass(request.user, patient_id)
    target = _next(request, patient.pk)
    try:
        require_caseload(request.user, patient.pk)
    except OutsideCaseload:
        pass
    else:
        messages.info(request, "You can already open this record; there is no glass to break.")
        return redirect(target)
    reason = request.POST.get("reason", "")
    try:
        grant = break_glass_open(patient=patient, by=request.user, reason=reason)
    except ValidationError as exc:
        return break_glass_page(
            request,
            patient,
            next_url=target,
            reason=reason[: REASON_MAX * 2].replace("\x00", ""),  # shown again to be corrected
            errors=exc.messages,
            status=400,
        )
    until = timezone.localtime(grant.expires_at)
    messages.warning(
        request,
        f"You broke the glass: you can open this record until {until:%H:%M} ({until:%d %b %Y}). "
        "Your reason is recorded and the administrator reviews it.",
    )
    return redirect(target)


@login_required
@require_POST
def caseload_change(request: ClinicRequest, patient_id: str) -> HttpResponse:
    """Add or remove a practitioner for a patient (front desk, and practitioners who can open the patient)."""
    patient = get_patient(request.user, patient_id)
    action = request.POST.get("action", "")
    chosen = request.POST.get("practitioner", "")
    if action not in ("add", "remove"):
        messages.error(request, "Choose a practitioner to add, or one to remove.")
        return redirect(_chart(patient.pk))
    try:
        if action == "add":
            who, changed = caseload_add(patient=patient, practitioner_id=chosen, by=request.user)
            messages.success(
                request,
                f"{who.display_name} now looks after this patient."
                if changed
                else f"{who.display_name} already looks after this patient.",
            )
        else:
            who, changed = caseload_remove(patient=patient, practitioner_id=chosen, by=request.user)
            messages.success(
                request,
                f"{who.display_name} no longer looks after this patient."
                if changed
                else f"{who.display_name} was not looking after this patient.",
            )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    try:
        require_caseload(request.user, patient.pk)
    except OutsideCaseload:  # they took themselves off: the chart is now behind the glass
        return redirect("patients:list")
    return redirect(_chart(patient.pk))


@login_required
@require_safe  # a page that only shows: any other method is 405
def break_glass_list(request: ClinicRequest) -> HttpResponse:
    """The administrator's list of break-the-glass accesses, those not reviewed yet first. Patients are shown by
    their id (its first 8 characters, the whole id on hover), never by name."""
    grants = break_glass_grants_for(request.user).select_related("user", "reviewed_by")
    rows = list(grants.order_by(F("reviewed_at").desc(nulls_first=True), "-created_at")[:REVIEW_PAGE_SIZE])
    context = {
        "rows": rows,
        "to_review": grants.filter(reviewed_at__isnull=True).count(),
        "total": grants.count(),
        "now": timezone.now(),
        "note_max": NOTE_MAX,
    }
    return render(request, "clinic/break_glass_review.html", context)


@login_required
@require_POST
def break_glass_mark_reviewed(request: ClinicRequest, grant_id: str) -> HttpResponse:
    grant = get_break_glass_grant(request.user, grant_id)
    try:
        break_glass_review(grant=grant, by=request.user, note=request.POST.get("note", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"Access by {grant.user.display_name} marked reviewed.")
    return redirect("clinic:break_glass")
