from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from sotclinic.audit.models import Action, AuditEvent
from sotclinic.audit.services import audit_record
from sotclinic.clinic.access import (
    can_read_clinical,
    get_patient,
    outside_caseload,
    patients_for,
    require_patient_access,
)
from sotclinic.clinic.http import ClinicRequest
from sotclinic.outcomes.selectors import outcomes_summary
from sotclinic.patients.forms import ComplaintForm, PatientForm, SearchForm
from sotclinic.patients.selectors import patient_search
from sotclinic.patients.services import complaint_add, patient_register, patient_update
from sotclinic.visits.selectors import chart_summary, safety_summary


@login_required
@require_safe  # a page that only shows: any other method is 405
def patient_list(request: ClinicRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    results = list(patient_search(user=request.user, query=query))
    if query:
        with transaction.atomic():
            audit_record(actor=request.user, action=Action.PATIENT_SEARCH, detail={"results": len(results)})
    context = {
        "form": form,
        "query": query,
        "patients": results,
        "total": patients_for(request.user).count(),
        # caseloads: patients the practitioner would break the glass to open show name and date of birth only
        "outside": outside_caseload(request.user, [p.pk for p in results]),
    }
    template = "patients/_results.html" if request.htmx else "patients/list.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def patient_new(request: ClinicRequest) -> HttpResponse:
    require_patient_access(request.user)
    form = PatientForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            patient = patient_register(by=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("patients:chart", patient_id=patient.pk)
    return render(
        request, "patients/form.html", {"form": form, "patient": None}, status=_status(request, form)
    )


@login_required
@require_http_methods(["GET", "POST"])
def patient_edit(request: ClinicRequest, patient_id: str) -> HttpResponse:
    patient = get_patient(request.user, patient_id)
    if request.method == "POST":
        form = PatientForm(request.POST, instance=patient)
        if form.is_valid():
            patient.refresh_from_db()
            try:
                patient_update(patient=patient, by=request.user, data=form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect("patients:chart", patient_id=patient.pk)
        patient.refresh_from_db()
    else:
        with transaction.atomic():
            audit_record(actor=request.user, action=Action.PATIENT_VIEW, patient=patient, obj=patient)
        form = PatientForm(instance=patient)
    return render(
        request, "patients/form.html", {"form": form, "patient": patient}, status=_status(request, form)
    )


@login_required
@require_safe  # a page that only shows: any other method is 405
def patient_chart(request: ClinicRequest, patient_id: str) -> HttpResponse:
    user = request.user
    patient = get_patient(user, patient_id)
    clinical = can_read_clinical(user)
    with transaction.atomic():
        audit_record(actor=user, action=Action.CHART_VIEW, patient=patient, obj=patient)
    context = {
        "patient": patient,
        "clinical": clinical,
        "summary": chart_summary(patient=patient, clinical=clinical),
        "complaint_form": ComplaintForm(),
        **safety_summary(patient=patient, clinical=clinical),
        "outcomes": outcomes_summary(patient=patient, clinical=clinical),
        "opened_by": AuditEvent.objects.filter(
            patient=patient, action__in=[Action.CHART_VIEW, Action.VISIT_VIEW]
        )
        .select_related("actor")
        .order_by("-at", "-id")[:15],
    }
    return render(request, "patients/chart.html", context)


@login_required
@require_POST
def complaint_new(request: ClinicRequest, patient_id: str) -> HttpResponse:
    patient = get_patient(request.user, patient_id)
    form = ComplaintForm(request.POST)
    if form.is_valid():
        complaint_add(patient=patient, by=request.user, **form.cleaned_data)
        return redirect("patients:chart", patient_id=patient.pk)
    context = {
        "patient": patient,
        "clinical": can_read_clinical(request.user),
        "summary": chart_summary(patient=patient, clinical=can_read_clinical(request.user)),
        "complaint_form": form,
        **safety_summary(patient=patient, clinical=can_read_clinical(request.user)),
        "outcomes": outcomes_summary(patient=patient, clinical=can_read_clinical(request.user)),
        "opened_by": [],
    }
    return render(request, "patients/chart.html", context, status=400)


def _status(request: ClinicRequest, form: PatientForm) -> int:
    return 400 if request.method == "POST" and form.errors else 200
