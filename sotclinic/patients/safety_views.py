"""Pages for screening, red-flag decisions, consent and adverse events."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from sotclinic.audit.models import Action
from sotclinic.audit.services import audit_record
from sotclinic.clinic.access import (
    adverse_events_for,
    can_read_clinical,
    get_adverse_event,
    get_patient,
    get_red_flag,
    get_visit,
    require_clinical,
)
from sotclinic.clinic.http import ClinicRequest
from sotclinic.patients.consent import (
    DEFAULT_CONSENT_TEXT,
    consent_sign,
    consent_text_publish,
    current_consent_text,
)
from sotclinic.patients.flags import flag_decide, intake_record, latest_intake
from sotclinic.patients.forms_safety import (
    AdverseEventForm,
    ConsentForm,
    ConsentTextForm,
    FlagDecisionForm,
    FollowUpForm,
)
from sotclinic.patients.models import IntakeSource
from sotclinic.safety import default_rules, questions_for
from sotclinic.visits.adverse import adverse_event_follow_up, adverse_event_report, adverse_register
from sotclinic.visits.models import SEVERITY_DEFINITIONS, Severity, VisitStatus
from sotclinic.visits.services import VisitLocked, visit_confirm_screening


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for ms in exc.message_dict.values() for m in ms]
    return list(exc.messages)


# --- screening -------------------------------------------------------------------------------------------------


def _parse_answers(post: Any, who: str) -> tuple[dict[str, Any], list[str]]:
    answers: dict[str, Any] = {}
    errors: list[str] = []
    for question in questions_for(who):
        if question.filled_from:
            continue
        raw = post.get(f"q.{question.code}", "").strip()
        if raw == "":
            continue
        if question.answer == "yes_no":
            if raw not in ("yes", "no"):
                errors.append(f"{question.text} Answer yes or no.")
                continue
            answers[question.code] = raw == "yes"
            continue
        try:
            number = float(raw.replace(",", "."))
        except ValueError:
            errors.append(f"{question.text} Give a number, not {raw!r}.")
            continue
        if question.integer and number != int(number):
            errors.append(f"{question.text} Give a whole number.")
            continue
        answers[question.code] = int(number) if question.integer else number
    return answers, errors


def _question_rows(who: str, previous: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"q": q, "value": previous.get(q.code)} for q in questions_for(who) if not q.filled_from]


@login_required
@require_http_methods(["GET", "POST"])
def intake(request: ClinicRequest, patient_id: str) -> HttpResponse:
    """The screening questions, asked in plain language (in clinic, or at a visit to update them)."""
    patient = get_patient(request.user, patient_id)
    visit = None
    if request.GET.get("visit") or request.POST.get("visit"):
        visit = get_visit(request.user, request.GET.get("visit") or request.POST.get("visit"))
        if visit.patient_id != patient.pk or visit.status != VisitStatus.DRAFT:
            visit = None
    errors: list[str] = []
    clinical = can_read_clinical(request.user)
    last = latest_intake(patient)
    previous: dict[str, Any] = {
        **(last.answers if last else {}),
        **(last.findings if last and clinical else {}),
    }
    if request.method == "POST":
        answers, errors = _parse_answers(request.POST, "patient")
        if not answers and not errors:
            errors = ["Answer the questions before saving: none was answered."]
        findings: dict[str, Any] = {}
        if clinical:
            findings, finding_errors = _parse_answers(request.POST, "clinician")
            errors += finding_errors
        if not errors:
            try:
                _, screening, raised = intake_record(
                    patient=patient,
                    by=request.user,
                    answers=answers,
                    findings=findings,
                    source=IntakeSource.VISIT if visit else IntakeSource.CLINIC,
                    visit=visit,
                )
            except ValidationError as exc:
                errors = _messages_of(exc)
            else:
                if raised:
                    messages.warning(
                        request, f"{len(raised)} new safety flag(s) raised: a practitioner reviews them."
                    )
                else:
                    messages.success(request, "Screening answers saved.")
                if visit is not None:
                    return redirect(reverse("visits:detail", kwargs={"visit_id": visit.pk}) + "#safety")
                return redirect("patients:chart", patient_id=patient.pk)
        previous = {k[2:]: v for k, v in request.POST.items() if k.startswith("q.")}
    context = {
        "patient": patient,
        "visit": visit,
        "questions": _question_rows("patient", previous),
        "clinician_questions": _question_rows("clinician", previous) if clinical else [],
        "errors": errors,
        "rules_version": default_rules().version,
    }
    return render(request, "patients/intake.html", context, status=400 if errors else 200)


@login_required
@require_POST
def visit_screening(request: ClinicRequest, visit_id: str) -> HttpResponse:
    visit = get_visit(request.user, visit_id)
    try:
        visit_confirm_screening(visit=visit, by=request.user, reaction=request.POST.get("reaction", "none"))
    except VisitLocked as exc:
        return HttpResponse(str(exc), status=409)
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
    return redirect(reverse("visits:detail", kwargs={"visit_id": visit.pk}) + "#exam")


# --- red flags -------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def flag_decision(request: ClinicRequest, patient_id: str, flag_id: str) -> HttpResponse:
    patient = get_patient(request.user, patient_id)
    flag = get_red_flag(request.user, patient, flag_id)
    form = FlagDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            flag_decide(
                flag=flag,
                by=request.user,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                referred_to=form.cleaned_data["referred_to"],
                referral_date=form.cleaned_data["referral_date"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Decision on “{flag.name}” recorded.")
            back = request.POST.get("next", "")
            if back.startswith("/visits/"):
                return redirect(back)
            return redirect("patients:chart", patient_id=patient.pk)
    status = 400 if request.method == "POST" else 200
    context = {"patient": patient, "flag": flag, "form": form, "next": request.GET.get("next", "")}
    return render(request, "patients/flag.html", context, status=status)


@login_required
@require_safe  # a page that only shows: any other method is 405
def referral_letter(request: ClinicRequest, patient_id: str, flag_id: str) -> HttpResponse:
    patient = get_patient(request.user, patient_id)
    flag = get_red_flag(request.user, patient, flag_id)
    with transaction.atomic():
        audit_record(actor=request.user, action=Action.REFERRAL_VIEW, patient=patient, obj=flag)
    context = {"patient": patient, "flag": flag, "today": timezone.localdate(), "clinic": request.user.clinic}
    return render(request, "patients/referral_letter.html", context)


# --- consent ---------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def consent(request: ClinicRequest, patient_id: str) -> HttpResponse:
    """A kiosk page: the consent text and a signature, and nothing else of the chart."""
    patient = get_patient(request.user, patient_id)
    text = current_consent_text(patient.clinic)
    form = ConsentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            consent_sign(patient=patient, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Consent recorded. Please hand the tablet back to the front desk.")
            return redirect("patients:chart", patient_id=patient.pk)
    minor = patient.age_on(timezone.localdate()) < 18
    context = {"patient": patient, "text": text, "form": form, "minor": minor}
    return render(request, "patients/consent.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def consent_text(request: ClinicRequest) -> HttpResponse:
    require_clinical(request.user)
    current = current_consent_text(request.user.clinic)  # type: ignore[arg-type]
    initial = {"title": current.title, "body": current.body} if current else {"body": DEFAULT_CONSENT_TEXT}
    form = ConsentTextForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            text = consent_text_publish(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Consent text version {text.version} published.")
            return redirect("consent_text")
    return render(
        request,
        "patients/consent_text.html",
        {"form": form, "current": current},
        status=400 if form.errors else 200,
    )


# --- adverse events --------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def adverse_new(request: ClinicRequest, patient_id: str) -> HttpResponse:
    patient = get_patient(request.user, patient_id)
    require_clinical(request.user)
    visits = list(patient.visits.filter(status=VisitStatus.SIGNED).order_by("-date")[:10])
    choices = [(str(v.pk), f"{v.date:%d %b %Y}") for v in visits]
    initial = {
        "visit": request.GET.get("visit", ""),
        "began_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    }
    form = AdverseEventForm(
        request.POST if request.method == "POST" else None, visits=choices, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        chosen = data.pop("visit")
        visit = next((v for v in visits if str(v.pk) == chosen), None)
        try:
            event = adverse_event_report(patient=patient, visit=visit, by=request.user, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if event.needs_follow_up:
                messages.warning(
                    request, f"Severe event recorded: follow up by {event.follow_up_due:%d %b %Y}."
                )
            else:
                messages.success(request, "Adverse event recorded.")
            return redirect("patients:chart", patient_id=patient.pk)
    context = {"patient": patient, "form": form, "definitions": SEVERITY_DEFINITIONS}
    return render(request, "patients/adverse_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def adverse_follow_up(request: ClinicRequest, event_id: str) -> HttpResponse:
    event = get_adverse_event(request.user, event_id)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            adverse_event_follow_up(event=event, by=request.user, notes=form.cleaned_data["notes"])
        except ValidationError as exc:
            for message in _messages_of(exc):
                messages.error(request, message)
        else:
            messages.success(request, "Follow-up recorded.")
    else:
        for problem in form.errors.get("notes", []):
            messages.error(request, f"Follow-up: {problem}")
    return redirect("patients:chart", patient_id=event.patient_id)


@login_required
@require_safe  # a page that only shows: any other method is 405
def adverse_events(request: ClinicRequest) -> HttpResponse:
    require_clinical(request.user)
    severity = request.GET.get("severity", "")
    if severity not in Severity.values:
        severity = ""
    register = adverse_register(events=adverse_events_for(request.user), severity=severity or None)
    with transaction.atomic():
        audit_record(actor=request.user, action=Action.REGISTER_VIEW, detail={"severity": severity})
    context = {**register, "severity": severity, "definitions": SEVERITY_DEFINITIONS}
    return render(request, "patients/adverse_register.html", context)
