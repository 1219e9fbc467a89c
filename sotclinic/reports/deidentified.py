"""The researcher's de-identified dataset: a ZIP of CSV files and a README.txt data dictionary.

`write_dataset(out, sources=..., key=...)` reads one clinic's rows through `sotclinic.clinic.access.ResearchSources`
(signed visits only) and writes the ZIP to a binary file; it returns the number of data rows of each CSV file. It
streams: every table is read with `.iterator()`, and what stays in memory is one small record per patient (their
pseudonym, first visit day, visit count, category at presentation).

The de-identification rules (README_RULES below is the text the researcher gets):

* Only codes and numbers leave: no names, dates of birth, addresses, phone numbers, e-mail addresses, no free
  text of any kind (complaint descriptions, subjective, plan, override reasons, amendments, blocking notes, the
  CMRT organ a practitioner typed, questionnaire notes, adverse-event descriptions), no staff, no row ids.
* No calendar dates: every time is `day`, the number of days since the patient's first signed visit (day 0).
* A patient is a pseudonym: the first 16 hex digits of HMAC-SHA256(clinic research key, patient UUID bytes).
  The key (sotclinic.reports.models.ResearchKey) is random per clinic, made at the first export and never shown.
* Age is a 5-year band at the first signed visit; 90 and over is one band ("90+"), as HIPAA Safe Harbor requires.
* Small cells: a patient whose (sex, age band, category at presentation) cell holds fewer than K_MIN patients of
  the export has sex and age band written as "suppressed" (their visits and outcomes stay).
* Drafts are not data yet: only signed visits, and only patients with at least one signed visit.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import hmac
import io
import re
import shutil
import tempfile
import uuid
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from django.utils import timezone

from sotclinic.measures import default_instruments, instrument
from sotclinic.measures.instruments import UnknownInstrumentError
from sotclinic.measures.scoring import format_value
from sotclinic.sot import default_kb

if TYPE_CHECKING:
    from sotclinic.clinic.access import ResearchSources

K_MIN = 5
SUPPRESSED = "suppressed"
PSEUDONYM_HEX = 16
CHUNK = 2000

PATIENT_COLUMNS = (
    "pid",
    "sex",
    "age_band",
    "complaints",
    "category_at_presentation",
    "signed_visits",
    "pregnant_any_visit",
)
VISIT_COLUMNS = (
    "pid",
    "visit",
    "day",
    "kb_version",
    "pain",
    "suggested_category",
    "category",
    "decision",
    "variant",
    "pregnant",
    "protocol",
    "protocol_short_side",
    "blocking_performed",
    "blocking_position",
    "blocks",
    "blocking_seconds",
    "recheck_cleared",
    "recheck_not_cleared",
    "reaction_to_last",
    "signed",
)
FINDING_COLUMNS = ("pid", "visit", "indicator", "result", "side", "value", "level", "line", "area")
OUTCOME_COLUMNS = (
    "pid",
    "instrument",
    "instrument_version",
    "timepoint",
    "source",
    "day",
    "total",
    "percent",
    "subscales",
    "risk",
    "band",
    "responder",
    "answered",
    "items",
)
ADVERSE_COLUMNS = ("pid", "day", "severity", "causality", "reported_via", "followed_up")

FILES: dict[str, tuple[str, ...]] = {
    "patients.csv": PATIENT_COLUMNS,
    "visits.csv": VISIT_COLUMNS,
    "findings.csv": FINDING_COLUMNS,
    "outcomes.csv": OUTCOME_COLUMNS,
    "adverse_events.csv": ADVERSE_COLUMNS,
}


def pseudonym(key: bytes, patient_id: uuid.UUID | str) -> str:
    """The patient's pseudonym in this clinic's exports: stable for one key, not reversible without it."""
    raw = patient_id.bytes if isinstance(patient_id, uuid.UUID) else uuid.UUID(str(patient_id)).bytes
    return hmac.new(key, raw, hashlib.sha256).hexdigest()[:PSEUDONYM_HEX]


def age_band(date_of_birth: datetime.date, on: datetime.date) -> str:
    """The 5-year band of the age on a day ("0-4", ..., "85-89"); 90 and over is "90+" (HIPAA Safe Harbor)."""
    age = on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
    if age >= 90:
        return "90+"
    low = max(age, 0) // 5 * 5
    return f"{low}-{low + 4}"


def _yn(value: bool | None) -> str:
    return "" if value is None else ("y" if value else "n")


def _number(value: Any, decimal: bool | None = None) -> str:
    """A number as text: whole numbers without a decimal point; a score (decimal=True) half-even to 2 places as
    `sotclinic score` writes it; anything else (a measurement) as recorded."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    if float(value).is_integer():
        return str(int(value))
    return format_value(float(value), True) if decimal else repr(float(value))


_CODE = re.compile(r"[A-Za-z0-9_-]{1,40}")
_VERSION = re.compile(r"[A-Za-z0-9_.+-]{1,80}")


def _code(value: Any) -> str:
    """A stored code, or nothing: a value that is not a short plain token is not a code and is left out."""
    return value if isinstance(value, str) and _CODE.fullmatch(value) else ""


def _version(value: Any) -> str:
    return value if isinstance(value, str) and _VERSION.fullmatch(value) else ""


def kb_version(value: Any) -> str:
    """A knowledge-base version without the name of a clinic's override file ("2026.1+smith-weights.1a2b3c4d" ->
    "2026.1+override.1a2b3c4d"): the name is whatever the clinic called its file, and the hash tells versions
    apart."""
    version = _version(value)
    if "+" not in version:
        return version
    base, override = version.split("+", 1)
    return f"{base}+override.{override.rsplit('.', 1)[-1]}"


@dataclass
class _Patient:
    pid: str
    first_day: datetime.date
    visits: int = 0
    category: str = ""
    pregnant: bool = False


class _Csv:
    """A CSV writer that counts its data rows."""

    def __init__(self, stream: IO[str], columns: tuple[str, ...]) -> None:
        self.writer = csv.writer(stream, lineterminator="\n")
        self.writer.writerow(columns)
        self.rows = 0

    def row(self, values: Iterable[Any]) -> None:
        self.writer.writerow(values)
        self.rows += 1


@contextmanager
def _member(archive: zipfile.ZipFile, name: str) -> Iterator[IO[str]]:
    """A CSV member of the ZIP, written as UTF-8 text as it comes (no member is ever held whole in memory)."""
    with archive.open(name, "w", force_zip64=True) as raw:
        text = io.TextIOWrapper(raw, "utf-8", newline="")
        yield text
        text.flush()
        text.detach()  # the ZIP closes the member itself


def _decision(category: str, suggested: str) -> str:
    if not category:
        return "undecided"
    return "confirmed" if category == (suggested or "none") else "overridden"


def _protocol_code(protocol: Mapping[str, Any]) -> tuple[str, str]:
    if not protocol or not protocol.get("category"):
        return "", ""
    parts = [_code(protocol.get("category")), _code(protocol.get("variant")), _code(protocol.get("position"))]
    return ".".join(p for p in parts if p), _code(protocol.get("short_side"))


def _visit_row(p: _Patient, number: int, row: tuple[Any, ...]) -> list[Any]:
    (_, day, version, pain, suggested, category, variant, week, protocol, blocking, recheck, reaction) = row[
        :12
    ]
    blocking = blocking if isinstance(blocking, dict) else {}
    recheck = recheck if isinstance(recheck, dict) else {}
    protocol_code, short_side = _protocol_code(protocol if isinstance(protocol, dict) else {})
    performed = bool(blocking.get("performed"))
    blocks = blocking.get("blocks") if performed else None
    return [
        p.pid,
        number,
        (day - p.first_day).days,
        kb_version(version),
        _number(pain),
        _code(suggested),
        _code(category),
        _decision(category, suggested),
        _code(variant),
        _yn(variant == "pregnancy" or week is not None),
        protocol_code,
        short_side,
        _yn(performed) if blocking else "",
        _code(blocking.get("position")) if performed else "",
        len(blocks) if isinstance(blocks, list) else "",
        _number(blocking.get("duration_s")) if performed else "",
        sum(1 for v in recheck.values() if v == "cleared"),
        sum(1 for v in recheck.values() if v == "not_cleared"),
        _code(reaction),
        "y",
    ]


def _finding_rows(pid: str, number: int, findings: Any) -> Iterator[list[Any]]:
    for finding in findings if isinstance(findings, list) else []:
        if not isinstance(finding, dict):
            continue
        yield [
            pid,
            number,
            _code(finding.get("indicator")),
            _code(finding.get("result")),
            _code(finding.get("side")),
            _number(finding.get("value")),
            _code(finding.get("level")),
            _number(finding.get("line")),
            _number(finding.get("area")),
        ]  # never "organ": typed by the practitioner, it is free text


def _write_visits(
    archive: zipfile.ZipFile, sources: ResearchSources, key: bytes
) -> tuple[dict[uuid.UUID, _Patient], int, int]:
    """visits.csv and findings.csv, in one pass over the signed visits; the per-patient summary they give."""
    patients: dict[uuid.UUID, _Patient] = {}
    visits = sources.visits.order_by("patient_id", "date", "signed_at", "id").values_list(
        "patient_id",
        "date",
        "knowledge_version",
        "pain",
        "suggested_category",
        "category",
        "variant",
        "pregnancy_week",
        "protocol",
        "blocking",
        "recheck",
        "reaction_to_last",
        "findings",
    )
    # Only one member of a ZIP can be written at a time: the findings wait in a temporary file.
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as pending:
        findings = _Csv(pending, FINDING_COLUMNS)
        with _member(archive, "visits.csv") as text:
            out = _Csv(text, VISIT_COLUMNS)
            for row in visits.iterator(chunk_size=CHUNK):
                patient_id, day = row[0], row[1]
                p = patients.get(patient_id)
                if p is None:
                    p = patients[patient_id] = _Patient(pid=pseudonym(key, patient_id), first_day=day)
                    p.category = _code(row[5])
                p.visits += 1
                line = _visit_row(p, p.visits, row)
                p.pregnant = p.pregnant or line[9] == "y"
                out.row(line)
                for finding in _finding_rows(p.pid, p.visits, row[12]):
                    findings.row(finding)
        pending.seek(0)
        with _member(archive, "findings.csv") as text:
            shutil.copyfileobj(pending, text, 1 << 20)
    return patients, out.rows, findings.rows


def _write_patients(
    stream: IO[str], sources: ResearchSources, patients: dict[uuid.UUID, _Patient], k: int
) -> int:
    complaints: dict[uuid.UUID, set[str]] = {}
    for patient_id, code in sources.complaints.values_list("patient_id", "code").iterator(chunk_size=CHUNK):
        if patient_id in patients and _code(code):
            complaints.setdefault(patient_id, set()).add(code)
    rows: list[tuple[uuid.UUID, str, str]] = []
    demographics = (
        sources.patients.filter(pk__in=list(patients)) if len(patients) < 1000 else sources.patients
    )
    for patient_id, sex, dob in demographics.values_list("id", "sex", "date_of_birth").iterator(
        chunk_size=CHUNK
    ):
        p = patients.get(patient_id)
        if p is not None:
            rows.append((patient_id, _code(sex), age_band(dob, p.first_day)))
    cells = Counter((sex, band, patients[pid].category) for pid, sex, band in rows)
    out = _Csv(stream, PATIENT_COLUMNS)
    for patient_id, sex, band in sorted(rows, key=lambda r: patients[r[0]].pid):
        p = patients[patient_id]
        small = cells[(sex, band, p.category)] < k
        out.row(
            [
                p.pid,
                SUPPRESSED if small else sex,
                SUPPRESSED if small else band,
                ";".join(sorted(complaints.get(patient_id, ()))),
                p.category,
                p.visits,
                _yn(p.pregnant),
            ]
        )
    return out.rows


def _score_columns(code: str, score: Mapping[str, Any], source: str) -> list[Any]:
    """total, percent, subscales, risk, band, responder, answered, items, as sotclinic.measures scored them. A
    total from the clinic's own licensed form has only its main score; its band and responder come from the same
    instrument data the scoring engine uses."""
    try:
        inst = instrument(code)
    except UnknownInstrumentError:
        return ["", "", "", "", "", "", "", ""]
    decimal: dict[str, bool | None] = {c: d.decimal for c, d in inst.scores.items()}
    subscales = ";".join(
        f"{c}={_number(score.get(c), decimal[c])}" for c in inst.subscales if score.get(c) is not None
    )
    band = _code(score.get("band"))
    responder = score.get("responder")
    if source == "total_only":
        if inst.bands is not None and isinstance(score.get(inst.bands.score), int | float):
            band = inst.bands.band_of(score[inst.bands.score]).code
        threshold = inst.responder
        if threshold is not None and isinstance(score.get(threshold.score), int | float):
            responder = score[threshold.score] <= threshold.at_most
    return [
        _number(score.get("total"), decimal.get("total", True)),
        _number(score.get("percent"), decimal.get("percent", True)),
        subscales,
        _code(score.get("risk")),
        band,
        _yn(responder if isinstance(responder, bool) else None),
        _number(score.get("answered")),
        _number(score.get("items")),
    ]


def _write_outcomes(stream: IO[str], sources: ResearchSources, patients: dict[uuid.UUID, _Patient]) -> int:
    out = _Csv(stream, OUTCOME_COLUMNS)
    responses = sources.responses.order_by("patient_id", "answered_at", "instrument").values_list(
        "patient_id", "instrument", "instrument_version", "timepoint", "source", "answered_at", "score"
    )
    for patient_id, code, version, timepoint, source, answered_at, score in responses.iterator(
        chunk_size=CHUNK
    ):
        p = patients.get(patient_id)
        if p is None:
            continue
        day = (timezone.localtime(answered_at).date() - p.first_day).days
        head = [p.pid, _code(code), _version(version), _code(timepoint), _code(source), day]
        out.row(head + _score_columns(code, score if isinstance(score, dict) else {}, source))
    return out.rows


def _write_adverse(stream: IO[str], sources: ResearchSources, patients: dict[uuid.UUID, _Patient]) -> int:
    out = _Csv(stream, ADVERSE_COLUMNS)
    events = sources.adverse_events.order_by("patient_id", "began_at").values_list(
        "patient_id", "began_at", "severity", "causality", "reported_via", "followed_up_at"
    )
    for patient_id, began_at, severity, causality, via, followed_up_at in events.iterator(chunk_size=CHUNK):
        p = patients.get(patient_id)
        if p is None:
            continue
        day = (timezone.localtime(began_at).date() - p.first_day).days
        out.row([p.pid, day, _code(severity), _code(causality), _code(via), _yn(followed_up_at is not None)])
    return out.rows


def write_dataset(
    out: IO[bytes],
    *,
    sources: ResearchSources,
    key: bytes,
    k: int = K_MIN,
    now: datetime.datetime | None = None,
) -> dict[str, int]:
    """Write the de-identified ZIP of one clinic to `out`; the number of data rows of each CSV file."""
    counts: dict[str, int] = {}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        patients, counts["visits.csv"], counts["findings.csv"] = _write_visits(archive, sources, key)
        for name, write in (
            ("patients.csv", lambda s: _write_patients(s, sources, patients, k)),
            ("outcomes.csv", lambda s: _write_outcomes(s, sources, patients)),
            ("adverse_events.csv", lambda s: _write_adverse(s, sources, patients)),
        ):
            with _member(archive, name) as text:
                counts[name] = write(text)
        ordered = {name: counts[name] for name in FILES}
        archive.writestr("README.txt", readme(counts=ordered, k=k, now=now or timezone.now()))
    return ordered


# --- README.txt ---------------------------------------------------------------------------------------------------

README_RULES = f"""\
DE-IDENTIFICATION RULES
- Only codes and numbers are exported. Never exported: names, dates of birth, addresses, phone numbers, e-mail
  addresses, free text of any kind (complaint descriptions, subjective notes, plans, reasons for overriding a
  category, amendments, blocking notes, the organ typed for a CMRT finding, questionnaire notes, adverse-event
  descriptions and follow-up notes), staff identities, the ids of the clinic's records, IP addresses, and calendar
  dates.
- Time is "day": the number of days since the patient's first signed visit (that visit is day 0; a
  questionnaire answered before it has a negative day).
- pid is a pseudonym: the first {PSEUDONYM_HEX} hex digits of HMAC-SHA256(research key, patient id). The research
  key is a random secret of the clinic, made at its first export and never shown: the same patient has the same
  pid in every export of this clinic, a different one in another clinic's, and a pid cannot be traced back to a
  patient without the key.
- Age: 5-year band at the first signed visit (0-4, 5-9, ... 85-89); 90 and over are one band, 90+ (as HIPAA
  Safe Harbor requires).
- Small cells: when fewer than k patients of this export share a patient's sex, age band and category at
  presentation, that patient's sex and age band are written as "{SUPPRESSED}" (their visits and outcomes stay).
  This protects the demographic columns only; it is not a guarantee of k-anonymity over every column (complaint
  codes, visit counts and day patterns are not generalised). Use the data under your data-use agreement and never
  try to re-identify anyone.
- Drafts are not data yet: only signed visits are exported, and only patients with at least one signed visit
  (their outcomes and adverse events included).
"""

_DICTIONARY = """\
patients.csv - one row per patient with at least one signed visit
  pid                       pseudonym (see the rules)
  sex                       female | male | other | unknown | suppressed
  age_band                  age at the first signed visit: 0-4 ... 85-89 | 90+ | suppressed
  complaints                presenting complaint codes, ";"-separated: {complaints}
  category_at_presentation  category decided at the first signed visit: cat1 | cat2 | cat3 | none (no category)
                            | empty (not decided)
  signed_visits             number of signed visits
  pregnant_any_visit        y | n: the pregnancy protocol variant (or a pregnancy week) at any signed visit

visits.csv - one row per signed visit
  pid, visit                the patient, and the visit's number (1 = first signed visit, in date order)
  day                       days since the patient's first signed visit
  kb_version                version of the SOT knowledge base that classified the findings (a clinic's own
                            changes show as +override.<hash>)
  pain                      0-10 as the patient rated it, empty if not asked
  suggested_category        what the classifier suggested from the findings: cat1 | cat2 | cat3 | empty (none)
  category                  what the practitioner decided: cat1 | cat2 | cat3 | none | empty (not decided)
  decision                  confirmed (the suggestion) | overridden (another category, with a reason not
                            exported) | undecided
  variant                   protocol variant: standard | pregnancy
  pregnant                  y | n
  protocol                  the blocking protocol shown: category.variant.position (e.g. cat1.standard.prone),
                            empty when no category was decided
  protocol_short_side       left | right: the short-leg side the blocks were placed by; empty if not known
  blocking_performed        y | n | empty (not recorded)
  blocking_position         prone | supine (when performed)
  blocks                    number of blocks placed (when performed)
  blocking_seconds          how long the blocks stayed (when performed)
  recheck_cleared           indicators re-checked and cleared
  recheck_not_cleared       indicators re-checked and not cleared
  reaction_to_last          answer to "any reaction to the last visit?": none | reported | empty (not asked)
  signed                    always y: only signed visits are exported

findings.csv - one row per indicator finding of a signed visit (the SOT reference's findings form)
  pid, visit                the visit (as in visits.csv)
  indicator                 indicator code of the knowledge base (e.g. arm_fossa, leg_length_supine)
  result                    positive | negative | empty (not decided)
  side                      left | right | bilateral | even (leg checks: the short side) | empty
  value                     measurement (mm, cm or degrees as the indicator defines) | empty
  level, line, area         vertebral level; occipital fibre line and area | empty

outcomes.csv - one row per completed questionnaire
  pid, day                  the patient, and days since their first signed visit
  instrument                instrument code (versions below)
  instrument_version        version of the instrument file that scored it
  timepoint                 baseline | follow_up | discharge
  source                    kiosk (tablet in clinic) | link (at home) | total_only (total from the clinic's own
                            licensed form)
  total, percent            the scores as sotclinic.measures computes them (decimals half-even to 2 places)
  subscales                 code=value pairs, ";"-separated
  risk                      risk group (startback: low | medium | high)
  band                      band code of the instrument's banded score
  responder                 PGIC: y (much or very much improved) | n
  answered, items           items answered, of how many

adverse_events.csv - one row per adverse event reported
  pid, day                  the patient, and the day the event began
  severity                  mild | moderate | major (Carnes 2010 consensus)
  causality                 unrelated | possible | probable
  reported_via              clinic | next_visit (asked at the next visit) | patient_link (the patient, on their
                            questionnaire link)
  followed_up               y | n
"""


def readme(*, counts: Mapping[str, int], k: int, now: datetime.datetime) -> str:
    from sotclinic.patients.models import ComplaintCode

    kb = default_kb()
    instruments = "\n".join(
        f"  {inst.code:<16} version {inst.version}, scoring rules {inst.rules_version}"
        for inst in default_instruments().values()
    )
    rows = "\n".join(f"  {name:<20} {n} rows" for name, n in counts.items())
    return (
        "sotclinic de-identified research export\n"
        f"Exported at {now.astimezone(datetime.UTC):%Y-%m-%d %H:%M} UTC.\n\n"
        f"FILES (rows, header not counted)\n{rows}\n  README.txt           this file\n\n"
        f"{README_RULES.replace('fewer than k patients', f'fewer than k={k} patients')}\n"
        "COLUMNS AND CODES\nEvery file is UTF-8 CSV with a header row; an empty cell means not recorded.\n\n"
        + _DICTIONARY.format(complaints=" | ".join(ComplaintCode.values))
        + f"\nVERSIONS\n  SOT knowledge base {kb_version(kb.version)} (each visit's own version is in visits.csv)\n"
        f"  Questionnaires (the version each response was scored with is in outcomes.csv):\n{instruments}\n"
    )
