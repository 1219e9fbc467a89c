"""`sotclinic research-export --clinic SLUG --out FILE.zip`: the same dataset from the server's command line,
audited in the clinic's chain with no actor and the role "system"."""

from __future__ import annotations

import datetime
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from sotclinic.audit.integrity import verify_trail
from sotclinic.audit.models import Action, AuditEvent
from sotclinic.clinic.models import User
from sotclinic.patients.models import Patient
from sotclinic.reports.deidentified import pseudonym
from sotclinic.reports.services import research_key
from tests.conftest import make_signed_visit

pytestmark = pytest.mark.django_db


def test_the_command_writes_the_zip_and_one_system_audit_row(
    tmp_path: Path, practitioner: User, patient: Patient, outsider: User
) -> None:
    make_signed_visit(patient, practitioner, day=datetime.date(2026, 2, 2))
    target = tmp_path / "export.zip"
    out = StringIO()
    call_command("research-export", clinic="home", out=str(target), stdout=out)
    assert out.getvalue().strip() == (
        f"Wrote {target} (patients.csv 1, visits.csv 1, findings.csv 4, outcomes.csv 0, adverse_events.csv 0)."
    )
    assert target.stat().st_mode & 0o777 == 0o600
    with zipfile.ZipFile(target) as archive:
        visits = archive.read("visits.csv").decode()
        assert sorted(archive.namelist())[0] == "README.txt"
    assert pseudonym(research_key(patient.clinic_id), patient.pk) in visits
    assert [p.name for p in tmp_path.iterdir()] == ["export.zip"]  # no partial file left beside it
    (event,) = AuditEvent.objects.filter(action=Action.RESEARCH_EXPORT)
    assert (event.actor_id, event.actor_role, event.patient_id) == (None, "system", None)
    assert event.clinic_id == patient.clinic_id
    assert event.detail["rows"]["visits.csv"] == 1
    assert verify_trail().ok


def test_an_unknown_clinic_or_folder_is_a_clear_error(tmp_path: Path, patient: Patient) -> None:
    with pytest.raises(CommandError, match="No clinic with the slug 'nowhere'."):
        call_command("research-export", clinic="nowhere", out=str(tmp_path / "x.zip"))
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("research-export", clinic="home", out=str(tmp_path / "missing" / "x.zip"))
    assert not AuditEvent.objects.filter(action=Action.RESEARCH_EXPORT).exists()
