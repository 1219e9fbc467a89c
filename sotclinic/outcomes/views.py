from __future__ import annotations

import contextlib
import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from sotclinic.audit.models import Action
from sotclinic.audit.services import audit_by_patient, audit_record
from sotclinic.clinic.access import clinic_of, get_patient, patients_for, require_clinical
from sotclinic.clinic.http import ClinicRequest
from sotclinic.measures import instrument
from sotclinic.outcomes.models import Assignment
from sotclinic.outcomes.selectors import responder_table
from sotclinic.outcomes.services import (
    LinkRefused,
    assign,
    default_codes_for,
    due_for,
    link_create,
    link_open,
    link_save_partial,
    link_submit,
    patient_wording,
    record_total,
    unassign,
)
from sotclinic.visits.adverse import adverse_event_report


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for ms in exc.message_dict.values() for m in ms]
    return list(exc.messages)


def _back(patient_id: Any) -> HttpResponse:
    return redirect(reverse("patients:chart", kwargs={"patient_id": patient_id}) + "#outcomes")


@login_required
@require_POST
def assign_defaults(request: ClinicRequest, patient_id: str) -> HttpResponse:
    patient = get_patient(request.user, patient_id)
    require_clinical(request.user)
    created = assign(patient=patient, by=request.user, codes=default_codes_for(patient), reason="default")
    messages.success(request, f"{len(created)} questionnaire(s) assigned.")
    return _back(patient.pk)


@login_required
@require_POST
def assign_one(request: ClinicRequest, patient_id: str) -> HttpResponse:
    patient = get_patient(request.user, patient_id)
    require_clinical(request.user)
    try:
        assign(patient=patient, by=request.user, codes=[request.POST.get("instrument", "")], reason="chosen")
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
    return _back(patient.pk)


@login_required
@require_POST
def stop(request: ClinicRequest, patient_id: str, assignment_id: str) -> HttpResponse:
    patient = get_patient(request.user, patient_id)
    require_clinical(request.user)
    assignment = Assignment.objects.filter(pk=assignment_id, patient=patient).first()
    if assignment is None:
        raise Http404
    unassign(assignment=assignment, by=request.user)
    return _back(patient.pk)


@login_required
@require_POST
def discharge(request: ClinicRequest, patient_id: str) -> HttpResponse:
    patient = get_patient(request.user, patient_id)
    require_clinical(request.user)
    with transaction.atomic():
        count = patient.assignments.filter(active=True).update(discharge_requested_at=timezone.now())
        audit_record(
            actor=request.user, action=Action.OUTCOME_ASSIGN, patient=patient, detail={"discharge": count}
        )
    messages.success(request, "Discharge questionnaires are now due.")
    return _back(patient.pk)


@login_required
@require_POST
def send_link(request: ClinicRequest, patient_id: str) -> HttpResponse:
    """Front desk or practitioner: e-mail a single-use link, or open the tablet (kiosk) form now."""
    patient = get_patient(request.user, patient_id)
    purpose = "kiosk" if request.POST.get("purpose") == "kiosk" else "link"
    try:
        link, token = link_create(patient=patient, by=request.user, purpose=purpose)
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
        return _back(patient.pk)
    url = request.build_absolute_uri(reverse("portal", kwargs={"token": token}))
    if purpose == "kiosk":
        return redirect(url)
    send_mail(
        subject=f"Questionnaires from {patient.clinic.name}",
        message=(
            f"Hello {patient.given_names},\n\n{patient.clinic.name} asks you to fill in a few short questionnaires "
            f"about how you are. They take a few minutes. The link works once and until "
            f"{link.expires_at:%d %B %Y}:\n\n{url}\n\nThank you."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[link.sent_to],
    )
    messages.success(
        request, f"Link sent to {link.sent_to}; it works once, until {link.expires_at:%d %b %Y}."
    )
    return _back(patient.pk)


@login_required
@require_POST
def enter_total(request: ClinicRequest, patient_id: str) -> HttpResponse:
    patient = get_patient(request.user, patient_id)
    require_clinical(request.user)
    try:
        total = float(request.POST.get("total", "").replace(",", "."))
    except ValueError:
        messages.error(request, "The total must be a number.")
        return _back(patient.pk)
    try:
        record_total(patient=patient, by=request.user, code=request.POST.get("instrument", ""), total=total)
    except (ValidationError, ValueError) as exc:
        for message in _messages_of(exc) if isinstance(exc, ValidationError) else [str(exc)]:
            messages.error(request, message)
    else:
        messages.success(request, "Total recorded.")
    return _back(patient.pk)


@login_required
@require_safe  # a page that only shows: any other method is 405
def due_list(request: ClinicRequest) -> HttpResponse:
    """For the front desk: who has questionnaires due or overdue."""
    rows: list[dict[str, Any]] = []
    for patient in (
        patients_for(request.user).filter(assignments__active=True).distinct().prefetch_related("complaints")
    ):
        due = due_for(patient)
        if due:
            rows.append({"patient": patient, "due": due, "overdue": any(d.overdue for d in due)})
    rows.sort(key=lambda r: (not r["overdue"], r["patient"].family_key))
    with transaction.atomic():
        audit_record(actor=request.user, action=Action.PATIENT_SEARCH, detail={"outcomes_due": len(rows)})
    return render(request, "outcomes/due.html", {"rows": rows})


@login_required
@require_safe  # a page that only shows: any other method is 405
def report(request: ClinicRequest) -> HttpResponse:
    require_clinical(request.user)
    rows = responder_table(clinic_id=clinic_of(request.user))
    return render(request, "outcomes/report.html", {"rows": rows})


# --- the patient's side: no login, a single-use link ----------------------------------------------------------


def _questionnaires(link: Any) -> list[dict[str, Any]]:
    """What the portal (e-mailed link or tablet) shows: the wording for the patient's clinic, item text and
    answers alike (patient_wording), else our neutral labels. The values posted are the instrument's."""
    out = []
    clinic = link.patient.clinic
    for code in link.instruments:
        inst = instrument(code)
        wording = patient_wording(inst, clinic) or {}
        saved = link.partial.get(code, {})
        items = []
        for item_code, item in inst.items.items():
            responses = item.responses
            shown = wording.get(item_code)
            choices = (
                list(shown.options if shown else ((o.value, o.label) for o in responses.options))
                if responses.options
                else [
                    (v, "")
                    for v in range(int(responses.min), int(responses.max) + 1, int(responses.step or 1))
                ]
                if responses.max - responses.min <= 10
                else []
            )
            items.append(
                {
                    "code": item_code,
                    "text": shown.text if shown else item.label,
                    "choices": choices,
                    "min": responses.min,
                    "max": responses.max,
                    "min_label": shown.min_label if shown else responses.min_label,
                    "max_label": shown.max_label if shown else responses.max_label,
                    "value": saved.get(item_code),
                }
            )
        out.append(
            {
                "code": code,
                "name": inst.name,
                "instructions": inst.instructions,
                "items": items,
                "named_activities": code == "psfs",
            }
        )
    return out


# The patient's own words for the severity scale the clinic records (Carnes 2010: mild, moderate, major).
PATIENT_SEVERITY_WORDS = [
    ("mild", "Mild: it passed on its own and I could do my usual things"),
    ("moderate", "Moderate: it bothered me for a while, or I had to change what I did"),
    ("major", "Severe: it was severe or worrying, or I needed other treatment"),
]


def _last_visit(link: Any) -> Any:
    from sotclinic.visits.models import VisitStatus

    return link.patient.visits.filter(status=VisitStatus.SIGNED).order_by("-date", "-signed_at").first()


def _reaction(post: Any, *, last_visit: Any) -> dict[str, Any] | None:
    """The patient's report of a reaction since the last visit, or None. ValidationError names what is missing."""
    if last_visit is None or post.get("reaction") != "yes":
        return None
    errors: dict[str, list[str]] = {}
    description = post.get("reaction.what", "").strip()
    if not description:
        errors["reaction"] = ["Please tell us what happened after your last visit."]
    severity = post.get("reaction.severity", "")
    if severity not in {code for code, _ in PATIENT_SEVERITY_WORDS}:
        errors.setdefault("reaction", []).append("Please say how much it affected you.")
    try:
        began = datetime.date.fromisoformat(post.get("reaction.began", ""))
    except ValueError:
        errors.setdefault("reaction", []).append("Please give the day it began.")
        began = None
    if errors:
        raise ValidationError(errors)
    assert began is not None
    began_at = timezone.make_aware(datetime.datetime.combine(began, datetime.time(12, 0)))
    return {
        "visit": last_visit,
        "description": description[:2000],
        "began_at": max(began_at, last_visit.signed_at),
        "severity": severity,
        "duration": post.get("reaction.duration", "").strip()[:100],
    }


def _portal_response(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-store"
    # The link must not leak to other sites; same-origin (not no-referrer) keeps the Origin header that Django's
    # CSRF check needs on the form's own POST.
    response["Referrer-Policy"] = "same-origin"
    return response


@require_http_methods(["GET", "POST"])
def portal(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = link_open(token)
    except LinkRefused as exc:
        return _portal_response(request, "outcomes/portal_refused.html", {"message": str(exc)}, status=410)
    errors: list[str] = []
    if request.method == "POST":
        raw = {
            code: {k.split(".", 1)[1]: v for k, v in request.POST.items() if k.startswith(f"{code}.")}
            for code in link.instruments
        }
        notes = {
            "psfs": {
                key: request.POST.get(key, "")[:100]
                for key in request.POST
                if key.startswith("activity.") and request.POST.get(key, "").strip()
            }
        }
        try:
            if request.POST.get("action") == "finish":
                reaction = _reaction(request.POST, last_visit=_last_visit(link))
                with transaction.atomic():
                    responses = link_submit(link=link, raw=raw, notes=notes)
                    audit_by_patient(
                        patient=link.patient,
                        action=Action.PORTAL_SUBMIT,
                        obj=link,
                        detail={"instruments": [r.instrument for r in responses]},
                    )
                    if reaction is not None:
                        adverse_event_report(patient=link.patient, by=None, via="patient_link", **reaction)
                return _portal_response(request, "outcomes/portal_done.html", {})
            for code, answers in raw.items():
                link = link_save_partial(link=link, code=code, raw=answers)
            if request.htmx:  # type: ignore[attr-defined]
                return HttpResponse("Saved", headers={"Cache-Control": "no-store"})
        except ValidationError as exc:
            errors = _messages_of(exc)
            for code, answers in raw.items():  # keep what can be kept, so nothing typed is lost
                with contextlib.suppress(ValidationError):
                    link = link_save_partial(link=link, code=code, raw=answers)
        except LinkRefused as exc:
            return _portal_response(
                request, "outcomes/portal_refused.html", {"message": str(exc)}, status=410
            )
    if request.method == "GET":
        with transaction.atomic():
            audit_by_patient(patient=link.patient, action=Action.PORTAL_VIEW, obj=link)
    context = {
        "link": link,
        "questionnaires": _questionnaires(link),
        "errors": errors,
        "clinic": link.patient.clinic.name,
        "ask_reaction": _last_visit(link) is not None,
        "severities": PATIENT_SEVERITY_WORDS,
        "reaction_answer": request.POST.get("reaction", "") if request.method == "POST" else "",
        "reaction_what": request.POST.get("reaction.what", "") if request.method == "POST" else "",
    }
    return _portal_response(request, "outcomes/portal.html", context, status=400 if errors else 200)
