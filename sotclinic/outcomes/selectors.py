"""Progress per measure for a chart, and the clinic's honest responder table."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sotclinic.measures import Change, Score, change, instrument
from sotclinic.outcomes.models import Response

if TYPE_CHECKING:
    from sotclinic.patients.models import Patient

STATUS_LABELS = {
    "improved": "Improved beyond the MCID",
    "no_reliable_change": "No reliable change",
    "worse": "Worse",
}


def stored_score(response: Response) -> Score:
    """The Score a stored response stands for (its scores were computed once, when it was answered)."""
    inst = instrument(response.instrument)
    data = response.score
    subscales = {code: data.get(code) for code in inst.scores if code not in ("total", "percent")}
    return Score(
        instrument=inst.code,
        total=data.get("total"),
        percent=data.get("percent"),
        subscales=subscales,
        risk=data.get("risk"),
        band=data.get("band"),
        band_label=None,
        responder=data.get("responder"),
        answered=data.get("answered", 0),
        items=data.get("items", 0),
        instrument_version=response.instrument_version,
        rules_version=response.rules_version,
        columns=tuple(c for c in inst.columns if c == "risk" or data.get(c) is not None),
    )


@dataclass(frozen=True)
class Progress:
    code: str
    name: str
    responses: list[Response]
    change: Change | None
    status_label: str
    chart: str


def _change(code: str, responses: list[Response]) -> Change | None:
    if len(responses) < 2 or code == "pgic":
        return None
    try:
        return change(code, stored_score(responses[0]), stored_score(responses[-1]))
    except ValueError:
        return None


def progress_for(patient: Patient) -> list[Progress]:
    from sotclinic.outcomes.charts import chart_for

    by_code: dict[str, list[Response]] = defaultdict(list)
    for response in patient.responses.order_by("answered_at"):
        by_code[response.instrument].append(response)
    out = []
    for code, responses in by_code.items():
        inst = instrument(code)
        delta = _change(code, responses)
        if code == "pgic":
            latest = responses[-1].score
            label = "Responder (much or very much improved)" if latest.get("responder") else "Not a responder"
        else:
            label = STATUS_LABELS.get(delta.status, "") if delta else "Only a baseline so far"
        out.append(Progress(code, inst.name, responses, delta, label, chart_for(inst, responses, delta)))
    return out


def responder_table(*, clinic_id: Any) -> list[dict[str, Any]]:
    """Episodes by category and complaint: with a baseline, followed up, improved beyond the MCID, no reliable
    change, worse, and lost to follow-up (a baseline but no later answer) — nobody is dropped."""
    from sotclinic.patients.models import Complaint, Patient
    from sotclinic.visits.models import Visit, VisitStatus

    rows: dict[tuple[str, str], dict[str, Any]] = {}
    patients = Patient.objects.filter(clinic_id=clinic_id).prefetch_related("responses")
    categories = {
        v["patient_id"]: v["category"]
        # the category at presentation: the first signed visit's (later rows of the same patient come first)
        for v in Visit.objects.filter(clinic_id=clinic_id, status=VisitStatus.SIGNED)
        .order_by("patient_id", "-date")
        .values("patient_id", "category")
    }
    complaints = {
        c["patient_id"]: c["code"]
        for c in Complaint.objects.filter(patient__clinic_id=clinic_id, active=True)
        .order_by("created_at")
        .values("patient_id", "code")
    }
    from sotclinic.outcomes.services import defaults

    primary = defaults()["complaints"]
    for patient in patients:
        complaint = complaints.get(patient.pk, "other")
        codes = [entry.split("|")[-1] for entry in primary.get(complaint, [])] or ["nprs"]
        responses = [r for r in patient.responses.all() if r.instrument == codes[0]]
        if not responses:
            continue
        responses.sort(key=lambda r: r.answered_at)
        key = (categories.get(patient.pk) or "—", complaint)
        row = rows.setdefault(
            key,
            {
                "category": key[0],
                "complaint": complaint,
                "measure": codes[0],
                "episodes": 0,
                "followed_up": 0,
                "improved": 0,
                "no_reliable_change": 0,
                "worse": 0,
                "lost": 0,
            },
        )
        row["episodes"] += 1
        delta = _change(codes[0], responses)
        if delta is None:
            row["lost"] += 1
            continue
        row["followed_up"] += 1
        row[delta.status] += 1
    from sotclinic.patients.models import ComplaintCode
    from sotclinic.visits.display import category_label

    for row in rows.values():
        row["category_label"] = category_label(row["category"]) if row["category"] != "—" else "—"
        row["complaint_label"] = ComplaintCode(row["complaint"]).label
        row["measure_name"] = instrument(row["measure"]).name
        row["responder_share"] = round(100 * row["improved"] / row["episodes"]) if row["episodes"] else 0
    return sorted(rows.values(), key=lambda r: (r["category"], r["complaint"]))


def outcomes_summary(*, patient: Patient, clinical: bool) -> dict[str, Any]:
    """The chart's questionnaire section: what is assigned and due; progress only for clinical roles."""
    from sotclinic.measures import default_instruments
    from sotclinic.outcomes.services import due_for, offerable

    assignments = list(patient.assignments.filter(active=True))
    assigned = {a.instrument for a in assignments}
    summary: dict[str, Any] = {
        "assignments": [
            {
                "assignment": a,
                "name": instrument(a.instrument).name,
                "offerable": offerable(a.instrument, patient.clinic),
            }
            for a in assignments
        ],
        "due": due_for(patient),
        "has_email": bool(patient.email),
    }
    if clinical:
        summary["progress"] = progress_for(patient)
        summary["choices"] = [
            (code, inst.name) for code, inst in default_instruments().items() if code not in assigned
        ]
    return summary
