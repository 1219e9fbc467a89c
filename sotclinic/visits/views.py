from __future__ import annotations

import hashlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from sotclinic.audit.models import Action
from sotclinic.audit.services import audit_record
from sotclinic.clinic.access import get_patient, get_visit, require_clinical
from sotclinic.clinic.http import ClinicRequest
from sotclinic.patients.models import FlagStatus, RedFlag, Urgency
from sotclinic.sot import default_kb
from sotclinic.sot import protocol as sot_protocol
from sotclinic.sot.diagram import pelvis_svg
from sotclinic.visits.display import (
    LANDMARK_LABELS,
    category_label,
    describe_block,
    finding_rows,
    indicator_name,
)
from sotclinic.visits.forms import MAX_ENTRIES, AmendmentForm, draft_from_post, revision_from_post
from sotclinic.visits.gate import blocking_stops, caution_flags
from sotclinic.visits.models import Visit
from sotclinic.visits.services import (
    VisitLocked,
    previous_signed_visit,
    visit_amend,
    visit_carry_forward,
    visit_save_draft,
    visit_sign,
    visit_start,
)


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [message for messages_ in exc.message_dict.values() for message in messages_]
    return list(exc.messages)


def _exam_rows(visit: Visit) -> list[dict[str, Any]]:
    """The catalogue, grouped as in the reference, with this visit's recorded values. An indicator whose
    knowledge-base entry is `multiple` (fibres, CMRT) gets every recorded entry, in order, or one blank entry."""
    kb = default_kb()
    recorded: dict[str, dict[str, Any]] = {}
    entries: dict[str, list[dict[str, Any]]] = {}
    for finding in visit.findings:
        recorded[finding["indicator"]] = finding
        entries.setdefault(finding["indicator"], []).append(finding)
    groups = []
    for code, title, indicator_codes in kb.groups:
        rows = []
        for indicator_code in indicator_codes:
            indicator = kb.indicators[indicator_code]
            row: dict[str, Any] = {"indicator": indicator, "finding": recorded.get(indicator_code, {})}
            if indicator.multiple:
                found = entries.get(indicator_code) or [{}]
                row["entries"] = [{"n": n, "finding": f} for n, f in enumerate(found, start=1)]
                row["max_entries"] = MAX_ENTRIES
            rows.append(row)
        groups.append({"code": code, "title": title, "rows": rows})
    return groups


def _organ_choices() -> list[str]:
    """Organs the knowledge base's CMRT and fibre maps name: suggestions for the organ field (any text is taken)."""
    kb = default_kb()
    organs = {r.organ for reflexes in kb.cmrt_map.values() for r in reflexes}
    organs |= {link.organ for links in kb.fibre_map.values() for link in links}
    return sorted(organs)


def _preview_protocol(visit: Visit) -> dict[str, Any] | None:
    """The decided category's protocol; before a decision, the suggested category's, as a preview."""
    if visit.protocol:
        return dict(visit.protocol)
    if visit.category == "" and visit.suggested_category:
        result = sot_protocol(
            visit.suggested_category,
            sides=visit.assessment.get("leg_checks", {}),
            variant=visit.variant,
            kb=default_kb(),
        )
        return result.to_dict() if result is not None else None
    return None


def _treatment_key(visit: Visit) -> str:
    recheck = ",".join((visit.protocol or {}).get("recheck", []))
    stops = ",".join(stop.title for stop in blocking_stops(visit))
    parts = (
        visit.category,
        visit.suggested_category,
        visit.variant,
        recheck,
        visit.protocol.get("missing"),
        stops,
    )
    raw = "|".join(str(part) for part in parts)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _panel_context(visit: Visit) -> dict[str, Any]:
    kb = default_kb()
    assessment = visit.assessment or {}
    evidence = []
    for category in ("cat1", "cat2", "cat3"):
        item = (assessment.get("evidence") or {}).get(category, {})
        evidence.append(
            {
                "code": category,
                "label": category_label(category),
                "score": (assessment.get("scores") or {}).get(category, 0),
                "for": [indicator_name(c, kb) for c in item.get("for", [])],
                "against": [indicator_name(c, kb) for c in item.get("against", [])],
                "missing": [indicator_name(c, kb) for c in item.get("missing", [])],
                "suggested": assessment.get("category") == category,
            }
        )
    preview = _preview_protocol(visit)
    return {
        "assessment": assessment,
        "suggested_label": category_label(assessment.get("category")),
        "conflicting": [category_label(c) for c in assessment.get("conflicting", [])],
        "missing_primary": [indicator_name(c, kb) for c in assessment.get("missing_primary", [])],
        "evidence": evidence,
        "preview": preview,
        "preview_is_confirmed": bool(visit.protocol),
        # the "default — confirm" warning is shown once, as a banner, not again among the notes
        "preview_notes": [n for n in (preview or {}).get("notes", []) if not n.startswith("Default")],
        "preview_blocks": [describe_block(b) for b in (preview or {}).get("blocks", [])],
        "preview_recheck": [indicator_name(c, kb) for c in (preview or {}).get("recheck", [])],
        "missing_label": indicator_name((preview or {}).get("missing") or "", kb),
        "kb_version": kb.version,
        # fibres and CMRT (`multiple` indicators) add no weight, so the evidence table never names them: list
        # every entry here, as recorded
        "multiple_findings": [row for row in finding_rows(visit.findings, kb) if row["multiple"]],
        # caution flags travel with the protocol: open ones, and those whose modification is recorded
        "caution_flags": RedFlag.objects.filter(patient_id=visit.patient_id, urgency=Urgency.CAUTION).exclude(
            status=FlagStatus.REFERRED
        ),
        "diagram": mark_safe(pelvis_svg(preview)),  # noqa: S308 - pelvis_svg escapes every text it writes
    }


def _treatment_context(visit: Visit) -> dict[str, Any]:
    kb = default_kb()
    proto = visit.protocol or {}
    blocking = visit.blocking or {}
    blocks = blocking.get("blocks") if blocking.get("performed") else proto.get("blocks", [])
    blocks = list(blocks or [])
    while len(blocks) < 3:
        blocks.append({})
    duration_s = blocking.get("duration_s") if blocking.get("performed") else proto.get("duration_s")
    stops = blocking_stops(visit) if not visit.is_signed else []
    return {
        "stops": stops,
        "open_caution_flags": caution_flags(visit.patient_id),
        "treatment_key": _treatment_key(visit),
        "protocol": proto,
        "blocking": blocking,
        "block_rows": [{"n": n, **b} for n, b in enumerate(blocks[:3], start=1)],
        "blocking_position": blocking.get("position") or proto.get("position", ""),
        "blocking_minutes": f"{duration_s / 60:g}" if duration_s else "",
        "recheck_rows": [
            {"code": code, "name": indicator_name(code, kb), "value": visit.recheck.get(code, "")}
            for code in proto.get("recheck", [])
        ],
        "landmark_choices": list(LANDMARK_LABELS.items()),
        "protocol_missing": (
            f"Record the {indicator_name(proto['missing'], kb).lower()} to place the blocks."
            if proto.get("missing")
            else ""
        ),
        "category_choices": [
            ("cat1", "Category I"),
            ("cat2", "Category II"),
            ("cat3", "Category III"),
            ("none", "No category / no blocking"),
        ],
    }


def _page_context(visit: Visit, errors: list[str] | None = None) -> dict[str, Any]:
    return {
        "visit": visit,
        "patient": visit.patient,
        "groups": _exam_rows(visit),
        "organ_choices": _organ_choices(),
        "can_carry_forward": previous_signed_visit(visit) is not None,
        "previous_visit": previous_signed_visit(visit),
        "errors": errors or [],
        **_panel_context(visit),
        **_treatment_context(visit),
    }


@login_required
@require_POST
def visit_new(request: ClinicRequest, patient_id: str) -> HttpResponse:
    patient = get_patient(request.user, patient_id)
    require_clinical(request.user)
    visit = visit_start(patient=patient, by=request.user)
    return redirect("visits:detail", visit_id=visit.pk)


@login_required
@require_GET
def visit_detail(request: ClinicRequest, visit_id: str) -> HttpResponse:
    visit = get_visit(request.user, visit_id)
    with transaction.atomic():
        audit_record(actor=request.user, action=Action.VISIT_VIEW, patient=visit.patient, obj=visit)
    if visit.is_signed:
        return _render_signed(request, visit, AmendmentForm())
    return render(request, "visits/visit.html", _page_context(visit))


def _render_signed(
    request: ClinicRequest, visit: Visit, form: AmendmentForm, status: int = 200
) -> HttpResponse:
    kb = default_kb()
    context = {
        "visit": visit,
        "patient": visit.patient,
        "findings": finding_rows(visit.findings, kb),
        "amendments": visit.amendments.select_related("author"),
        "form": form,
        "blocks": [describe_block(b) for b in (visit.blocking or {}).get("blocks", [])],
        "recheck": [
            {"name": indicator_name(code, kb), "value": value.replace("_", " ")}
            for code, value in visit.recheck.items()
        ],
        **_panel_context(visit),
    }
    return render(request, "visits/signed.html", context, status=status)


@login_required
@require_POST
def visit_autosave(request: ClinicRequest, visit_id: str) -> HttpResponse:
    visit = get_visit(request.user, visit_id)
    kb = default_kb()
    errors: list[str] = []
    try:
        draft = draft_from_post(request.POST, kb)
        visit = visit_save_draft(
            visit=visit, by=request.user, draft=draft, revision=revision_from_post(request.POST)
        )
    except VisitLocked as exc:
        return HttpResponse(str(exc), status=409)
    except ValidationError as exc:
        errors = _errors(exc)
    context = {**_page_context(visit, errors), "saved": not errors}
    context["send_treatment"] = request.POST.get("treatment_key") != context["treatment_key"]
    return render(request, "visits/_autosave.html", context)


@login_required
@require_POST
def visit_carry(request: ClinicRequest, visit_id: str) -> HttpResponse:
    visit = get_visit(request.user, visit_id)
    try:
        visit_carry_forward(visit=visit, by=request.user)
    except VisitLocked as exc:
        return HttpResponse(str(exc), status=409)
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(
            request, "Findings carried forward from the last signed visit. Change what differs today."
        )
    return redirect(reverse("visits:detail", kwargs={"visit_id": visit.pk}) + "#exam")


@login_required
@require_POST
def visit_sign_view(request: ClinicRequest, visit_id: str) -> HttpResponse:
    visit = get_visit(request.user, visit_id)
    kb = default_kb()
    if visit.is_signed:
        return HttpResponse(str(VisitLocked()), status=409)
    try:
        draft = draft_from_post(request.POST, kb)
        visit = visit_save_draft(visit=visit, by=request.user, draft=draft)
        visit_sign(visit=visit, by=request.user)
    except VisitLocked as exc:
        return HttpResponse(str(exc), status=409)
    except ValidationError as exc:
        visit.refresh_from_db()
        return render(request, "visits/visit.html", _page_context(visit, _errors(exc)), status=400)
    messages.success(request, f"Visit of {visit.date:%d %b %Y} signed.")
    return redirect("patients:chart", patient_id=visit.patient_id)


@login_required
@require_POST
def visit_amend_view(request: ClinicRequest, visit_id: str) -> HttpResponse:
    visit = get_visit(request.user, visit_id)
    form = AmendmentForm(request.POST)
    if form.is_valid():
        try:
            visit_amend(visit=visit, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Amendment signed and added to the note.")
            return redirect("visits:detail", visit_id=visit.pk)
    return _render_signed(request, visit, form, status=400)
