"""Questionnaire administration: assignments, what is due, single-use links, scoring and storing responses."""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sotclinic.audit.models import Action
from sotclinic.audit.services import audit_record
from sotclinic.measures import (
    Instrument,
    ItemText,
    ScoringError,
    default_instruments,
    instrument,
    load_item_text,
    score,
)
from sotclinic.outcomes.models import Assignment, PortalLink, Response, Source, Timepoint

if TYPE_CHECKING:
    from sotclinic.clinic.models import Clinic, User
    from sotclinic.patients.models import Patient

DEFAULTS_FILE = Path(__file__).resolve().parent.parent / "data" / "outcomes" / "defaults.toml"
TOKEN_SALT = "sotclinic.outcomes.portal"  # noqa: S105 - a signing namespace, not a secret
KIOSK_MINUTES = 120
OVERDUE_AFTER_DAYS = 7
#: a clinic's slug names its folder of licensed item-text files; anything else is never made into a path
CLINIC_FOLDER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\Z")


@lru_cache(maxsize=1)
def defaults() -> dict[str, Any]:
    with DEFAULTS_FILE.open("rb") as handle:
        data = tomllib.load(handle)
    known = default_instruments()
    listed = [*data["everyone"], *data["follow_up_only"], *sum(data["complaints"].values(), [])]
    for code in (part for entry in listed for part in entry.split("|")):
        if code not in known:
            raise ValueError(f"{DEFAULTS_FILE.name}: unknown instrument {code!r}")
    return data


def default_codes_for(patient: Patient) -> list[str]:
    data = defaults()
    codes: list[str] = []
    for complaint in patient.complaints.filter(active=True):
        for entry in data["complaints"].get(complaint.code, []):
            choices = entry.split("|")
            codes.append(next((c for c in choices if offerable(c, patient.clinic)), choices[-1]))
    codes += data["everyone"] + data["follow_up_only"]
    return list(dict.fromkeys(codes))


def licensed_text(inst: Instrument, clinic: Clinic | None = None) -> ItemText | None:
    """The licensed item-text file that ``clinic`` loaded for ``inst``, validated; None when there is none.

    ``SOTCLINIC_ITEM_TEXT_DIR/<clinic slug>/<code>.toml`` is the clinic's own file; ``<dir>/<code>.toml``, directly
    in the folder, holds for every clinic of the installation. A file that does not fit its instrument is never
    used silently: ItemTextError names what does not fit.
    """
    folder = getattr(settings, "SOTCLINIC_ITEM_TEXT_DIR", None)
    if not folder:
        return None
    places = [Path(folder) / f"{inst.code}.toml"]
    if clinic is not None and CLINIC_FOLDER.match(clinic.slug):
        places.insert(0, Path(folder) / clinic.slug / f"{inst.code}.toml")
    for path in places:
        if path.exists():
            return load_item_text(inst, path)
    return None


@dataclass(frozen=True)
class ItemWording:
    """What the patient sees of one item: its text and the wording of its answers. Display only: the values
    recorded and scored are the instrument's."""

    text: str
    #: (value, wording) for each listed answer, in value order; () for a numeric scale
    options: tuple[tuple[int, str], ...]
    min_label: str
    max_label: str


def patient_wording(inst: Instrument, clinic: Clinic | None = None) -> dict[str, ItemWording] | None:
    """Item code -> the wording patients see: ours where the terms allow it, else the clinic's licensed file
    (item text and answer wording); None when there is neither, and the clinic records the total instead."""
    if inst.ship_text:
        return {
            code: ItemWording(
                text=item.text or item.label,
                options=tuple((o.value, o.label) for o in item.responses.options),
                min_label=item.responses.min_label,
                max_label=item.responses.max_label,
            )
            for code, item in inst.items.items()
        }
    loaded = licensed_text(inst, clinic)
    if loaded is None:
        return None
    out: dict[str, ItemWording] = {}
    for code, item in inst.items.items():
        entry, responses = loaded.items[code], item.responses
        low, high = entry.anchors or (responses.min_label, responses.max_label)
        out[code] = ItemWording(
            text=entry.text,
            options=tuple(zip(responses.values, entry.options, strict=True)) if responses.options else (),
            min_label=low,
            max_label=high,
        )
    return out


def offerable(code: str, clinic: Clinic | None = None) -> bool:
    """Can patients of ``clinic`` fill this in themselves? Only when the app may show its item text."""
    return patient_wording(instrument(code), clinic) is not None


# --- assignments ------------------------------------------------------------------------------------------------


def assign(*, patient: Patient, by: User, codes: list[str], reason: str = "") -> list[Assignment]:
    known = default_instruments()
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationError({"instrument": [f"Unknown questionnaire {', '.join(unknown)}."]})
    created = []
    with transaction.atomic():
        active = set(patient.assignments.filter(active=True).values_list("instrument", flat=True))
        for code in codes:
            if code in active:
                continue
            created.append(
                Assignment.objects.create(
                    patient=patient,
                    instrument=code,
                    assigned_by=by,
                    assigned_at=timezone.now(),
                    reason=reason,
                )
            )
        if created:
            audit_record(
                actor=by,
                action=Action.OUTCOME_ASSIGN,
                patient=patient,
                detail={"instruments": [a.instrument for a in created]},
            )
    return created


def unassign(*, assignment: Assignment, by: User) -> None:
    with transaction.atomic():
        Assignment.objects.filter(pk=assignment.pk).update(active=False)
        audit_record(
            actor=by,
            action=Action.OUTCOME_ASSIGN,
            patient=assignment.patient,
            detail={"stopped": assignment.instrument},
        )


# --- what is due ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    instrument: str
    name: str
    timepoint: str
    since: datetime.date
    overdue: bool
    offerable: bool

    @property
    def timepoint_label(self) -> str:
        return str(Timepoint(self.timepoint).label)


def due_for(patient: Patient, today: datetime.date | None = None) -> list[Due]:
    """Questionnaires due now: a baseline never answered; a follow-up once N visits or D days have passed since
    the last answer (the clinic's setting); everything once more when discharge is requested."""
    today = today or timezone.localdate()
    clinic = patient.clinic
    data = defaults()
    out: list[Due] = []
    assignments = list(patient.assignments.filter(active=True))
    latest: dict[str, Response] = {}
    for response in patient.responses.order_by("answered_at"):
        latest[response.instrument] = response
    any_baseline = any(r.timepoint == Timepoint.BASELINE for r in latest.values()) or bool(latest)
    for assignment in assignments:
        inst = instrument(assignment.instrument)
        last = latest.get(assignment.instrument)
        timepoint, since = None, None
        if assignment.discharge_requested_at and (
            last is None or last.answered_at < assignment.discharge_requested_at
        ):
            timepoint, since = Timepoint.DISCHARGE, assignment.discharge_requested_at.date()
        elif last is None:
            if assignment.instrument in data["follow_up_only"]:
                if any_baseline:
                    first = min(r.answered_at for r in latest.values()).date()
                    timepoint, since = Timepoint.FOLLOW_UP, _follow_up_due(patient, first, clinic)
            else:
                timepoint, since = Timepoint.BASELINE, assignment.assigned_at.date()
        else:
            timepoint, since = Timepoint.FOLLOW_UP, _follow_up_due(patient, last.answered_at.date(), clinic)
        if timepoint is None or since is None or since > today:
            continue
        out.append(
            Due(
                instrument=inst.code,
                name=inst.name,
                timepoint=timepoint,
                since=since,
                overdue=(today - since).days > OVERDUE_AFTER_DAYS,
                offerable=offerable(inst.code, clinic),
            )
        )
    return out


def _follow_up_due(patient: Patient, last: datetime.date, clinic: Any) -> datetime.date:
    """The day a follow-up falls due: D days after the last answer, or the day of the Nth visit since, if sooner."""
    from sotclinic.visits.models import Visit, VisitStatus

    by_days = last + datetime.timedelta(days=clinic.outcome_every_days)
    visits = list(
        Visit.objects.filter(patient=patient, status=VisitStatus.SIGNED, date__gt=last)
        .order_by("date")
        .values_list("date", flat=True)[: clinic.outcome_every_visits]
    )
    if len(visits) >= clinic.outcome_every_visits:
        return min(by_days, visits[-1])
    return by_days


# --- links ------------------------------------------------------------------------------------------------------


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def link_create(
    *, patient: Patient, by: User, purpose: str = "link", email: str = ""
) -> tuple[PortalLink, str]:
    """A single-use link to the questionnaires due that the patient can fill in. Returns (link, token)."""
    due = [d for d in due_for(patient) if d.offerable]
    if not due:
        raise ValidationError({"instruments": ["Nothing is due that the patient can fill in themselves."]})
    if purpose == "link" and not (email or patient.email):
        raise ValidationError({"email": ["The patient has no e-mail address: add one, or use the tablet."]})
    secret = secrets.token_urlsafe(32)
    token = signing.TimestampSigner(salt=TOKEN_SALT).sign(secret)
    now = timezone.now()
    lifetime = (
        datetime.timedelta(minutes=KIOSK_MINUTES)
        if purpose == "kiosk"
        else datetime.timedelta(days=patient.clinic.outcome_link_days)
    )
    timepoints = {d.timepoint for d in due}
    timepoint = (
        Timepoint.DISCHARGE
        if Timepoint.DISCHARGE in timepoints
        else Timepoint.BASELINE
        if timepoints == {Timepoint.BASELINE}
        else Timepoint.FOLLOW_UP
    )
    with transaction.atomic():
        link = PortalLink.objects.create(
            patient=patient,
            token_hash=_hash(secret),
            instruments=[d.instrument for d in due],
            timepoint=timepoint,
            purpose=purpose,
            created_by=by,
            created_at=now,
            expires_at=now + lifetime,
            sent_to=(email or patient.email) if purpose == "link" else "",
        )
        audit_record(
            actor=by, action=Action.OUTCOME_LINK, patient=patient, obj=link, detail={"purpose": purpose}
        )
    return link, token


class LinkRefused(Exception):
    """The link cannot be used; the message is safe to show (it reveals nothing about the patient)."""


def link_open(token: str, *, now: datetime.datetime | None = None) -> PortalLink:
    now = now or timezone.now()
    try:
        secret = signing.TimestampSigner(salt=TOKEN_SALT).unsign(token)
    except signing.BadSignature:
        raise LinkRefused("This link is not valid. Please ask the clinic for a new one.") from None
    link = PortalLink.objects.select_related("patient").filter(token_hash=_hash(secret)).first()
    if link is None:
        raise LinkRefused("This link is not valid. Please ask the clinic for a new one.")
    if link.used_at is not None:
        raise LinkRefused("This link has already been used. Thank you — your answers reached the clinic.")
    if link.expires_at <= now:
        raise LinkRefused("This link has expired. Please ask the clinic for a new one.")
    return link


def _clean_answers(code: str, raw: dict[str, Any]) -> dict[str, int | float | None]:
    inst = instrument(code)
    answers: dict[str, int | float | None] = {}
    for item in inst.items:
        value = raw.get(item)
        if value in (None, ""):
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValidationError({code: [f"{inst.name}: {item} must be a number."]}) from None
        answers[item] = int(number) if number == int(number) else number
    return answers


def link_save_partial(*, link: PortalLink, code: str, raw: dict[str, Any]) -> PortalLink:
    """Keep what the patient has answered so far, so leaving and coming back loses nothing."""
    if code not in link.instruments:
        raise ValidationError({code: ["This questionnaire is not part of this link."]})
    answers = _clean_answers(code, raw)
    with transaction.atomic():
        current = PortalLink.objects.select_for_update().get(pk=link.pk)
        if current.used_at is not None:
            raise LinkRefused("This link has already been used.")
        current.partial = {**current.partial, code: {k: v for k, v in answers.items() if v is not None}}
        current.save(update_fields=["partial"])
    return current


def link_submit(
    *, link: PortalLink, raw: dict[str, dict[str, Any]], notes: dict[str, Any] | None = None
) -> list[Response]:
    """Score every questionnaire of the link and store them together, then close the link. All or nothing."""
    errors: dict[str, list[str]] = {}
    scored = []
    for code in link.instruments:
        try:
            answers = _clean_answers(code, raw.get(code, {}))
            result = score(code, answers)
        except ValidationError as exc:
            errors.update(exc.message_dict)
            continue
        except ScoringError as exc:
            errors[code] = [f"{instrument(code).name}: {exc}"]
            continue
        scored.append((code, answers, result))
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        current = PortalLink.objects.select_for_update().get(pk=link.pk)
        if current.used_at is not None:
            raise LinkRefused("This link has already been used.")
        responses = [
            Response.objects.create(
                patient=current.patient,
                instrument=code,
                answers=answers,
                notes=(notes or {}).get(code, {}),
                score=result.to_dict(),
                total=result.value(instrument(code).primary),
                answered_at=now,
                timepoint=_timepoint_for(current, code),
                source=Source.KIOSK if current.purpose == "kiosk" else Source.LINK,
                instrument_version=result.instrument_version,
                rules_version=result.rules_version,
                link=current,
            )
            for code, answers, result in scored
        ]
        current.used_at = now
        current.partial = {}
        current.save(update_fields=["used_at", "partial"])
    return responses


def _timepoint_for(link: PortalLink, code: str) -> str:
    if link.timepoint == Timepoint.DISCHARGE:
        return Timepoint.DISCHARGE
    has_earlier = Response.objects.filter(patient=link.patient, instrument=code).exists()
    return Timepoint.FOLLOW_UP if has_earlier else Timepoint.BASELINE


def record_total(
    *, patient: Patient, by: User, code: str, total: float, answered_at: datetime.datetime | None = None
) -> Response:
    """The total from the clinic's own licensed paper form, for instruments whose text sotclinic does not ship."""
    inst = instrument(code)
    main = inst.scores[inst.primary]
    if not main.min <= total <= main.max:
        raise ValidationError(
            {"total": [f"{inst.name}: the total must be between {main.min:g} and {main.max:g}."]}
        )
    with transaction.atomic():
        has_earlier = Response.objects.filter(patient=patient, instrument=code).exists()
        response = Response.objects.create(
            patient=patient,
            instrument=code,
            score={main.code: total},
            total=total,
            answered_at=answered_at or timezone.now(),
            timepoint=Timepoint.FOLLOW_UP if has_earlier else Timepoint.BASELINE,
            source=Source.TOTAL_ONLY,
            instrument_version=inst.version,
            rules_version=inst.rules_version,
            recorded_by=by,
        )
        audit_record(
            actor=by, action=Action.OUTCOME_RECORD, patient=patient, obj=response, detail={"instrument": code}
        )
    return response
