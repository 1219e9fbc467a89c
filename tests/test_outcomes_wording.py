"""A clinic's licensed item-text file words the answers too, on the portal and the tablet, for that clinic only.

Every wording here is invented ("HomeText option C for HIT-6"): no questionnaire's real text belongs in the
repository. The values posted and scored stay the instrument's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sotclinic.clinic.models import User
from sotclinic.measures import instrument, score
from sotclinic.outcomes.models import PortalLink, Response
from sotclinic.outcomes.services import assign, due_for, link_create, patient_wording
from sotclinic.patients.models import Patient
from tests.conftest import make_patient

LETTERS = "ABCDEF"


def odi_file(who: str) -> str:
    """ODI: each section has its own six statements (per-item options)."""
    parts = [f'instrument = "odi"\nversion = "2.1a"\nlicence = "{who} made-up licence"']
    for i in range(1, 11):
        options = ", ".join(f'"{who} statement {LETTERS[j]} of section {i}"' for j in range(6))
        parts.append(f'[items.q{i}]\ntext = "{who} section {i}"\noptions = [{options}]')
    return "\n\n".join(parts) + "\n"


def hit6_file(who: str, *, q2_option: str | None = None) -> str:
    """HIT-6: one wording for the response set (values 6, 8, 10, 11, 13); item 2 words its own first answer."""
    options = ", ".join(f'"{who} option {LETTERS[j]} for HIT-6"' for j in range(5))
    parts = [
        f'instrument = "hit6"\nversion = "HIT-6"\nlicence = "{who} made-up licence"',
        f"[responses.default]\noptions = [{options}]",
    ]
    for i in range(1, 7):
        parts.append(f'[items.q{i}]\ntext = "{who} item {i} of HIT-6"')
    if q2_option is not None:
        own = [q2_option] + [f"{who} own option {LETTERS[j]} for item 2" for j in range(1, 5)]
        parts[3] += "\noptions = [" + ", ".join(f"'{o}'" for o in own) + "]"
    return "\n\n".join(parts) + "\n"


def jfls8_file(who: str) -> str:
    """JFLS-8: a 0–10 scale: the anchors of its ends, once for the set."""
    parts = [
        f'instrument = "jfls8"\nversion = "8-item"\nlicence = "{who} made-up licence"',
        f'[responses.default]\nanchors = ["{who} low end", "{who} high end"]',
    ]
    parts += [f'[items.q{i}]\ntext = "{who} jaw item {i}"' for i in range(1, 9)]
    return "\n\n".join(parts) + "\n"


@pytest.fixture
def text_dir(settings: Any, tmp_path: Path) -> Path:
    """SOTCLINIC_ITEM_TEXT_DIR with the home clinic's files (ODI, HIT-6, JFLS-8) and the outsider's HIT-6."""
    settings.SOTCLINIC_ITEM_TEXT_DIR = str(tmp_path)
    home, outsider = tmp_path / "home", tmp_path / "outsider"
    home.mkdir()
    outsider.mkdir()
    (home / "odi.toml").write_text(odi_file("HomeText"), encoding="utf-8")
    (home / "hit6.toml").write_text(
        hit6_file("HomeText", q2_option='<b>Bold</b> & "quoted" <script>x()</script>'), encoding="utf-8"
    )
    (home / "jfls8.toml").write_text(jfls8_file("HomeText"), encoding="utf-8")
    (outsider / "hit6.toml").write_text(hit6_file("OutsiderText"), encoding="utf-8")
    return tmp_path


def radio(code: str, item: str, value: int, label: str) -> str:
    return f'<input type="radio" name="{code}.{item}" value="{value}"><span>{label}</span>'


@pytest.mark.django_db
def test_the_portal_shows_the_clinics_answer_wording_and_scores_as_before(
    text_dir: Path, patient: Patient, practitioner: User
) -> None:
    assign(patient=patient, by=practitioner, codes=["odi", "hit6", "jfls8"])
    assert {d.instrument: d.offerable for d in due_for(patient)} == {"odi": True, "hit6": True, "jfls8": True}
    _, token = link_create(patient=patient, by=practitioner, email="jo@example.org")
    client = Client()
    html = client.get(f"/q/{token}/").content.decode()

    # ODI: each section its own statements, in value order 0…5
    assert "HomeText section 3" in html
    for j, value in enumerate(range(6)):
        assert radio("odi", "q3", value, f"HomeText statement {LETTERS[j]} of section 3") in html
    # HIT-6: the response set's wording on its own values (6, 8, 10, 11, 13)
    for j, value in enumerate((6, 8, 10, 11, 13)):
        assert radio("hit6", "q1", value, f"HomeText option {LETTERS[j]} for HIT-6") in html
    assert radio("hit6", "q2", 8, "HomeText own option B for item 2") in html
    # JFLS-8: the numbered scale with the clinic's anchors at its ends
    assert radio("jfls8", "q1", 7, "7") in html
    assert "<span>0 = HomeText low end</span><span>10 = HomeText high end</span>" in html
    # none of our neutral labels where the clinic's wording stands, and nothing of another clinic's
    for neutral in ("first statement", "last statement", "<span>never</span>", "<span>always</span>"):
        assert neutral not in html
    assert "no limitation" not in html and "severe limitation" not in html
    assert "OutsiderText" not in html

    # the wording is text, never markup
    assert "<b>Bold</b>" not in html and "<script>x()" not in html
    assert (
        radio(
            "hit6",
            "q2",
            6,
            "&lt;b&gt;Bold&lt;/b&gt; &amp; &quot;quoted&quot; &lt;script&gt;x()&lt;/script&gt;",
        )
        in html
    )

    # answers are the instrument's values and score exactly as without the file
    odi = [0, 1, 2, 3, 4, 5, 0, 1, 2, 3]
    hit6 = [6, 8, 10, 11, 13, 13]
    answers = {f"odi.q{i}": str(v) for i, v in enumerate(odi, 1)}
    answers |= {f"hit6.q{i}": str(v) for i, v in enumerate(hit6, 1)}
    answers |= {f"jfls8.q{i}": "5" for i in range(1, 9)}
    done = client.post(f"/q/{token}/", {**answers, "action": "finish"})
    assert "Your answers have been sent to the clinic" in done.content.decode()
    stored = {r.instrument: r for r in Response.objects.filter(patient=patient)}
    assert stored["odi"].answers == {f"q{i}": v for i, v in enumerate(odi, 1)}
    assert (stored["odi"].total, stored["hit6"].total, stored["jfls8"].total) == (42, 61, 5)
    for code, response in stored.items():
        assert response.score == score(code, response.answers).to_dict()


@pytest.mark.django_db
def test_another_clinic_sees_its_own_wording_or_our_neutral_labels(
    text_dir: Path, outsider: User, patient: Patient, practitioner: User
) -> None:
    theirs = make_patient(outsider, family="Other", given="Olly")
    assign(patient=theirs, by=outsider, codes=["odi", "hit6", "jfls8"])
    # the home clinic's ODI and JFLS-8 are not theirs: total from their own form
    assert {d.instrument: d.offerable for d in due_for(theirs)} == {
        "odi": False,
        "hit6": True,
        "jfls8": False,
    }
    assert patient_wording(instrument("odi"), theirs.clinic) is None
    link, token = link_create(patient=theirs, by=outsider, email="olly@example.org")
    assert link.instruments == ["hit6"]
    html = Client().get(f"/q/{token}/").content.decode()
    assert radio("hit6", "q1", 13, "OutsiderText option E for HIT-6") in html
    assert "HomeText" not in html

    # a link that lists the ODI anyway (say the file was taken away after the link went out) shows our neutral
    # labels, never another clinic's text
    PortalLink.objects.filter(pk=link.pk).update(instruments=["odi", "jfls8"])
    html = Client().get(f"/q/{token}/").content.decode()
    assert radio("odi", "q1", 0, "0 — first statement") in html
    assert "<span>0 = no limitation</span><span>10 = severe limitation</span>" in html
    assert "HomeText" not in html and "OutsiderText" not in html


@pytest.mark.django_db
def test_the_tablet_shows_the_same_wording(
    text_dir: Path, desk_client: Client, patient: Patient, practitioner: User
) -> None:
    assign(patient=patient, by=practitioner, codes=["hit6"])
    kiosk = desk_client.post(
        reverse("outcomes:link", kwargs={"patient_id": patient.pk}), {"purpose": "kiosk"}
    )
    assert kiosk.status_code == 302
    token = re.search(r"/q/([^/]+)/", kiosk["Location"])
    assert token
    html = Client().get(f"/q/{token.group(1)}/").content.decode()
    assert radio("hit6", "q3", 10, "HomeText option C for HIT-6") in html


@pytest.mark.django_db
def test_without_a_file_nothing_changes(
    settings: Any, tmp_path: Path, patient: Patient, practitioner: User
) -> None:
    settings.SOTCLINIC_ITEM_TEXT_DIR = str(tmp_path)  # a folder, but nothing for this clinic
    (tmp_path / "outsider").mkdir()
    (tmp_path / "outsider" / "odi.toml").write_text(odi_file("OutsiderText"), encoding="utf-8")
    assert patient_wording(instrument("odi"), patient.clinic) is None
    assert patient_wording(instrument("odi")) is None
    # our own wording (NPRS, PGIC) is exactly what it was
    pgic = patient_wording(instrument("pgic"), patient.clinic)
    assert pgic is not None
    assert pgic["q1"].options[0] == (1, "very much improved")


@pytest.mark.django_db
def test_a_file_directly_in_the_folder_holds_for_every_clinic_unless_a_clinic_has_its_own(
    settings: Any, tmp_path: Path, patient: Patient, outsider: User
) -> None:
    settings.SOTCLINIC_ITEM_TEXT_DIR = str(tmp_path)
    (tmp_path / "hit6.toml").write_text(hit6_file("Everyone"), encoding="utf-8")
    (tmp_path / "outsider").mkdir()
    (tmp_path / "outsider" / "hit6.toml").write_text(hit6_file("OutsiderText"), encoding="utf-8")
    hit6 = instrument("hit6")
    home = patient_wording(hit6, patient.clinic)
    theirs = patient_wording(hit6, outsider.clinic)
    assert home is not None and theirs is not None
    assert home["q1"].options[0] == (6, "Everyone option A for HIT-6")
    assert theirs["q1"].options[0] == (6, "OutsiderText option A for HIT-6")


@pytest.mark.django_db
def test_a_clinic_file_that_does_not_fit_is_not_used_silently(
    text_dir: Path, patient: Patient, practitioner: User
) -> None:
    from sotclinic.measures import ItemTextError

    (text_dir / "home" / "hit6.toml").write_text(
        hit6_file("HomeText").replace(', "HomeText option E for HIT-6"]', "]"), encoding="utf-8"
    )
    with pytest.raises(ItemTextError) as exc:
        patient_wording(instrument("hit6"), patient.clinic)
    assert str(exc.value) == (
        f"{text_dir / 'home' / 'hit6.toml'}: hit6 responses 'default': 4 option texts for 5 answers "
        "(6, 8, 10, 11, 13)"
    )


def test_sotclinic_check_names_every_file_that_does_not_fit(settings: Any, tmp_path: Path) -> None:
    """`sotclinic check` and the start-up validate the files, so a bad one is found before a patient opens it."""
    from sotclinic.outcomes.checks import item_text_files_check

    settings.SOTCLINIC_ITEM_TEXT_DIR = str(tmp_path / "missing")
    assert [e.id for e in item_text_files_check()] == ["sotclinic.outcomes.E001"]
    settings.SOTCLINIC_ITEM_TEXT_DIR = str(tmp_path)
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "hit6.toml").write_text(hit6_file("HomeText"), encoding="utf-8")
    (tmp_path / "jfls8.toml").write_text(jfls8_file("Everyone"), encoding="utf-8")
    assert item_text_files_check() == []

    broken = odi_file("HomeText").replace('"HomeText statement F of section 9"', '""')
    (tmp_path / "home" / "odi.toml").write_text(broken, encoding="utf-8")
    (tmp_path / "home" / "oswestry.toml").write_text(odi_file("HomeText"), encoding="utf-8")
    (tmp_path / "not a slug").mkdir()
    (tmp_path / "not a slug" / "odi.toml").write_text(odi_file("HomeText"), encoding="utf-8")
    found = [(e.id, e.msg) for e in item_text_files_check()]
    assert found == [
        (
            "sotclinic.outcomes.E004",
            f"{tmp_path / 'home' / 'odi.toml'}: odi item 'q9' option 6 (value 5): must not be empty",
        ),
        ("sotclinic.outcomes.E003", found[1][1]),
        (
            "sotclinic.outcomes.E002",
            f"{tmp_path / 'not a slug' / 'odi.toml'}: 'not a slug' cannot be a clinic's folder (a clinic's slug: "
            "letters, digits, '-' and '_')",
        ),
    ]
    assert found[1][1].startswith(
        f"{tmp_path / 'home' / 'oswestry.toml'}: 'oswestry' is not an instrument (known: "
    )
