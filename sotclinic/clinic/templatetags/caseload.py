"""The caseload pieces other pages show: the "Practitioners for this patient" card on the chart, and a
practitioner's own open break-the-glass accesses on their patient list."""

from __future__ import annotations

from typing import Any

from django import template

from sotclinic.clinic.access import break_glass_in_use, caseloads_apply
from sotclinic.clinic.caseloads import active_grants_of, caseload_of, clinic_practitioners
from sotclinic.clinic.models import Clinic

register = template.Library()


@register.inclusion_tag("clinic/_caseload_card.html", takes_context=True)
def caseload_card(context: template.Context, patient: Any) -> dict[str, Any]:
    user = context["user"]
    members = list(caseload_of(patient))
    looking_after = {m.practitioner_id for m in members}
    return {
        "patient": patient,
        "members": members,
        "others": [p for p in clinic_practitioners(patient.clinic_id) if p.pk not in looking_after],
        "enabled": Clinic.objects.filter(pk=patient.clinic_id, caseloads_enabled=True).exists(),
        "grant": break_glass_in_use(user, patient.pk),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("clinic/_break_glass_grants.html", takes_context=True)
def my_break_glass(context: template.Context) -> dict[str, Any]:
    user = context["user"]
    grants = list(active_grants_of(user)) if caseloads_apply(user) else []
    return {"grants": grants}
