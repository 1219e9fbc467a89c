"""Worked examples from each instrument's published scoring instructions.

Every expected value is worked out by hand in the test (the arithmetic is written out), never by calling the
engine; the source of the rule is named in each test.
"""

from __future__ import annotations

import pytest

from sotclinic.measures import ScoringError, score


def qs(*values: int | None) -> dict[str, int | None]:
    """{"q1": values[0], "q2": values[1], ...}"""
    return {f"q{i}": v for i, v in enumerate(values, 1)}


# ---- NPRS: generic 0–10 scale, the answer is the score -------------------------------------------------


def test_nprs_answer_is_the_score() -> None:
    s = score("nprs", {"q1": 7})
    assert (s.total, s.percent, s.answered, s.items) == (7, None, 1, 1)
    assert isinstance(s.total, int)


# ---- ODI: Fairbank & Pynsent 2000, the ODI 2.1a scoring instructions -----------------------------------


def test_odi_all_sections_answered() -> None:
    # "16 (total scored) / 50 (total possible score) × 100 = 32%"
    answers = qs(3, 2, 2, 1, 2, 2, 1, 1, 1, 1)  # 3+2+2+1+2+2+1+1+1+1 = 16
    s = score("odi", answers)
    assert s.total == 16
    assert s.percent == 32.0
    assert s.band == "moderate"  # 21–40 %
    assert (s.answered, s.instrument_version, s.rules_version) == (10, "2.1a", "2026.1")


def test_odi_one_section_missed() -> None:
    # "if one section is missed ... 16 (total scored) / 45 (total possible score) × 100 = 35.5%"
    answers = qs(3, 2, 2, 1, 2, 2, 1, None, 2, 1)  # 16 over 9 sections
    s = score("odi", answers)
    assert s.total == 16
    assert s.percent == 1600 / 45  # 35.555…: full precision in the Score (the CSV shows 35.56)
    assert s.answered == 9


def test_odi_two_sections_missed() -> None:
    # each missing section removes 5 from the denominator: 16 / 40 × 100 = 40 %, still "moderate" (21–40)
    s = score("odi", qs(3, 2, 2, 1, 2, 2, 1, None, None, 3))
    assert (s.total, s.percent, s.band) == (16, 40.0, "moderate")


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "minimal"), (10, "minimal"), (11, "moderate"), (20, "moderate"), (21, "severe"), (30, "severe")]
    + [(31, "crippled"), (40, "crippled"), (41, "bed_bound"), (50, "bed_bound")],
)
def test_odi_bands(total: int, band: str) -> None:
    # all ten answered: percent = total × 2; bands 0–20 minimal, 21–40 moderate, 41–60 severe, 61–80 crippled,
    # 81–100 bed-bound (Fairbank & Pynsent 2000)
    answers = [5] * (total // 5) + ([total % 5] if total % 5 else [])
    answers += [0] * (10 - len(answers))
    s = score("odi", qs(*answers))
    assert s.percent == total * 2
    assert s.band == band


# ---- RMDQ: Roland & Morris 1983, the count of statements ticked -----------------------------------------


def test_rmdq_count_of_statements_that_apply() -> None:
    answers = qs(*([1] * 7 + [0] * 17))  # 7 ticked
    assert score("rmdq", answers).total == 7


def test_rmdq_missing_counts_zero() -> None:
    answers = qs(*([1] * 7 + [0] * 15 + [None, None]))  # 22 answered, 7 ticked; the 2 blanks count 0
    s = score("rmdq", answers)
    assert (s.total, s.answered) == (7, 22)


# ---- NDI: Vernon & Mior 1991; Vernon's instructions for missing items -----------------------------------


def test_ndi_complete() -> None:
    s = score("ndi", qs(2, 1, 3, 0, 2, 1, 1, 2, 3, 1))  # 2+1+3+0+2+1+1+2+3+1 = 16 of 50
    assert s.total == 16.0
    assert s.percent == 32.0  # total × 2
    assert s.band == "moderate"  # 15–24


def test_ndi_one_missing_item_is_replaced_by_the_mean() -> None:
    # 9 answered summing 18: mean 2 replaces the missing item, total = 18 × 10 / 9 = 20, percent 40
    s = score("ndi", qs(2, 2, 2, 2, None, 2, 2, 2, 2, 2))
    assert (s.total, s.percent, s.answered) == (20.0, 40.0, 9)


def test_ndi_two_missing_items() -> None:
    # 8 answered summing 13: 13 × 10 / 8 = 16.25; percent 32.5
    s = score("ndi", qs(2, 2, 2, 2, None, None, 2, 1, 1, 1))
    assert (s.total, s.percent) == (16.25, 32.5)


@pytest.mark.parametrize(
    ("answers", "band"),
    [
        ((1, 1, 1, 1, 0, 0, 0, 0, 0, 0), "none"),  # 4
        ((1, 1, 1, 1, 1, 0, 0, 0, 0, 0), "mild"),  # 5
        ((5, 5, 4, 0, 0, 0, 0, 0, 0, 0), "mild"),  # 14
        ((5, 5, 5, 0, 0, 0, 0, 0, 0, 0), "moderate"),  # 15
        ((5, 5, 5, 5, 4, 0, 0, 0, 0, 0), "moderate"),  # 24
        ((5, 5, 5, 5, 5, 0, 0, 0, 0, 0), "severe"),  # 25
        ((5, 5, 5, 5, 5, 5, 4, 0, 0, 0), "severe"),  # 34
        ((5, 5, 5, 5, 5, 5, 5, 0, 0, 0), "complete"),  # 35 (> 34)
        ((1, 1, 1, 1, 0, 0, 0, 0, 0, None), "mild"),  # 4 × 10 / 9 = 4.44: above the "none" band's 4
    ],
)
def test_ndi_bands(answers: tuple[int | None, ...], band: str) -> None:
    # Vernon: 0–4 none, 5–14 mild, 15–24 moderate, 25–34 severe, > 34 complete
    assert score("ndi", qs(*answers)).band == band


# ---- Bournemouth Questionnaire: Bolton & Breen 1999, the sum of seven 0–10 scales -----------------------


@pytest.mark.parametrize("code", ["bq_back", "bq_neck"])
def test_bournemouth_sum(code: str) -> None:
    assert score(code, qs(5, 6, 4, 3, 2, 7, 5)).total == 32  # 5+6+4+3+2+7+5
    assert score(code, qs(10, 10, 10, 10, 10, 10, 10)).total == 70


# ---- PSFS: Stratford et al. 1995, the mean of the rated activities --------------------------------------


def test_psfs_mean_of_three_activities() -> None:
    s = score("psfs", qs(3, 5, 6))  # (3 + 5 + 6) / 3 = 4.666…
    assert s.total == 14 / 3
    assert s.answered == 3


def test_psfs_mean_of_five_activities() -> None:
    assert score("psfs", qs(3, 5, 6, 2, 4)).total == 4.0  # 20 / 5


# ---- PGQ: Stuge et al. 2011, percentage of the maximum over the answered items --------------------------


def test_pgq_complete() -> None:
    # activity q1–q20 sum 30 of 60; symptom q21–q25 sum 6 of 15; total 36 of 75
    activity = [3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]  # 15 + 10 + 5 = 30
    symptom = [2, 2, 1, 1, 0]  # 6
    s = score("pgq", qs(*activity, *symptom))
    assert s.total is None  # the PGQ has no raw total column: its main score is a percentage
    assert s.percent == 48.0  # 36 / (3 × 25) × 100
    assert s.subscales == {"activity": 50.0, "symptom": 40.0}  # 30/60, 6/15


def test_pgq_not_applicable_items_are_left_out() -> None:
    # q16–q20 blank (not applicable): activity 30 of 3 × 15 = 45 -> 66.67 %; total 36 of 3 × 20 = 60 -> 60 %
    activity = [3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, None, None, None, None, None]
    s = score("pgq", qs(*activity, 2, 2, 1, 1, 0))
    assert s.percent == 60.0
    assert s.subscales["activity"] == 3000 / 45
    assert s.subscales["symptom"] == 40.0
    assert s.answered == 20


def test_pgq_every_symptom_item_not_applicable() -> None:
    # 20 answered: the questionnaire is scored; the symptom subscale has no answered item, so no value
    s = score("pgq", qs(*([1] * 20), None, None, None, None, None))
    assert s.percent == 2000 / 60  # 20 of 60
    assert s.subscales == {"activity": 2000 / 60, "symptom": None}


# ---- JFLS: Ohrbach, Larsson & List 2008; DC/TMD scoring manual -----------------------------------------


def test_jfls8_mean() -> None:
    assert score("jfls8", qs(2, 4, 0, 6, 3, 1, 5, 3)).total == 3.0  # 24 / 8


def test_jfls8_mean_of_answered() -> None:
    assert score("jfls8", qs(2, 4, 0, 6, 3, 1, None, None)).total == 16 / 6  # 2.666…


def test_jfls20_subscales_and_mean_of_means() -> None:
    mastication = [2, 4, 6, 8, 0, 4]  # 24 / 6 = 4
    mobility = [5, 3, 2, 2]  # 12 / 4 = 3
    communication = [1] * 10  # 10 / 10 = 1
    s = score("jfls20", qs(*mastication, *mobility, *communication))
    assert s.subscales == {"mastication": 4.0, "mobility": 3.0, "communication": 1.0}
    assert s.total == 8 / 3  # (4 + 3 + 1) / 3, the mean of the three subscale means


def test_jfls20_with_the_allowed_missing_items() -> None:
    mastication = [2, 4, 6, 8, 0, None]  # 20 / 5 = 4
    mobility = [5, 3, None, 1]  # 9 / 3 = 3
    communication = [1, 1, 1, 1, 1, 1, 1, 1, None, None]  # 8 / 8 = 1
    s = score("jfls20", qs(*mastication, *mobility, *communication))
    assert s.subscales == {"mastication": 4.0, "mobility": 3.0, "communication": 1.0}
    assert s.total == 8 / 3


def test_jfls20_total_is_not_the_mean_of_items() -> None:
    # mastication all 10 (mean 10), mobility all 0, communication all 0: mean of means 10/3, item mean 60/20 = 3
    s = score("jfls20", qs(*([10] * 6), *([0] * 14)))
    assert s.total == 10 / 3


# ---- HIT-6: Kosinski et al. 2003, the sum of the non-linear response values -----------------------------


def test_hit6_sum_of_values() -> None:
    # never 6, rarely 8, sometimes 10, very often 11, always 13, always 13 -> 61
    s = score("hit6", qs(6, 8, 10, 11, 13, 13))
    assert (s.total, s.band) == (61, "severe")


@pytest.mark.parametrize(
    ("answers", "total", "band"),
    [
        ((6, 6, 6, 6, 6, 6), 36, "little_or_none"),
        ((6, 6, 6, 10, 10, 11), 49, "little_or_none"),
        ((6, 6, 8, 8, 11, 11), 50, "some"),
        ((8, 8, 8, 10, 10, 11), 55, "some"),
        ((8, 8, 8, 10, 11, 11), 56, "substantial"),
        ((8, 8, 10, 11, 11, 11), 59, "substantial"),
        ((8, 10, 10, 10, 11, 11), 60, "severe"),
        ((13, 13, 13, 13, 13, 13), 78, "severe"),
    ],
)
def test_hit6_bands(answers: tuple[int, ...], total: int, band: str) -> None:
    # ≤ 49 little or none, 50–55 some, 56–59 substantial, ≥ 60 severe
    assert sum(answers) == total
    s = score("hit6", qs(*answers))
    assert (s.total, s.band) == (total, band)


def test_hit6_accepts_only_the_published_values() -> None:
    with pytest.raises(ScoringError) as exc:
        score("hit6", qs(6, 8, 10, 11, 13, 3))
    assert str(exc.value) == "q6: 3 is not an allowed answer (allowed: 6, 8, 10, 11, 13)"


# ---- PSS-10: Cohen; reverse the positively worded items 4, 5, 7 and 8 (0=4, 1=3, 2=2, 3=1, 4=0) ---------


def test_pss10_reverse_items() -> None:
    # q4 = 1 -> 3, q5 = 0 -> 4, q7 = 1 -> 3, q8 = 4 -> 0
    answers = qs(3, 2, 3, 1, 0, 2, 1, 4, 3, 2)
    # 3 + 2 + 3 + 3 + 4 + 2 + 3 + 0 + 3 + 2 = 25
    assert score("pss10", answers).total == 25


def test_pss10_all_never() -> None:
    assert score("pss10", qs(*[0] * 10)).total == 16  # only the four reversed items score, 4 each


def test_pss10_all_very_often() -> None:
    assert score("pss10", qs(*[4] * 10)).total == 24  # six items × 4, the reversed four score 0


# ---- PGIC: Farrar et al. 2001 (IMMPACT): responder = much or very much improved (1 or 2) -----------------


@pytest.mark.parametrize(("answer", "responder"), [(1, True), (2, True), (3, False), (4, False), (7, False)])
def test_pgic_responder(answer: int, responder: bool) -> None:
    s = score("pgic", {"q1": answer})
    assert (s.total, s.responder) == (answer, responder)


def test_responder_only_for_pgic() -> None:
    assert score("nprs", {"q1": 1}).responder is None


# ---- STarT Back: Hill et al. 2008, Keele scoring --------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "q9", "total", "psychosocial", "risk"),
    [
        # q1–q8 count 1 each; q9 scores 1 only for "very much" (3) or "extremely" (4)
        ((1, 0, 1, 0, 1, 1, 0, 0), 2, 4, 2, "medium"),  # total 4, psychosocial 1+1+0+0 = 2
        ((0, 0, 0, 0, 1, 1, 1, 0), 4, 4, 4, "high"),  # psychosocial 3 + 1 = 4
        ((1, 1, 1, 0, 0, 0, 0, 0), 3, 4, 1, "medium"),  # total 3 + 1 = 4, psychosocial 0 + 1
        ((1, 1, 0, 0, 0, 0, 0, 0), 3, 3, 1, "low"),  # total 3 ≤ 3
        ((1, 1, 1, 1, 1, 1, 1, 1), 4, 9, 5, "high"),
        ((0, 0, 0, 0, 0, 0, 0, 0), 2, 0, 0, "low"),
        ((0, 0, 0, 0, 1, 1, 1, 0), 2, 3, 3, "low"),  # psychosocial 3 < 4 and total 3 < 4
    ],
)
def test_startback_scoring(items: tuple[int, ...], q9: int, total: int, psychosocial: int, risk: str) -> None:
    s = score("startback", qs(*items, q9))
    assert (s.total, s.subscales["psychosocial"], s.risk) == (total, psychosocial, risk)


# ---- IBS-SSS: Francis, Morris & Whorwell 1997 ------------------------------------------------------------


def test_ibs_sss_sum() -> None:
    # pain severity 60, pain on 4 days of 10 -> 40, distension 50, dissatisfaction 70, interference 80
    s = score("ibs_sss", qs(60, 40, 50, 70, 80))
    assert (s.total, s.band) == (300, "moderate")  # 175–300 moderate, > 300 severe


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "remission"), (74, "remission"), (75, "mild"), (175, "mild"), (176, "moderate"), (300, "moderate")]
    + [(301, "severe"), (500, "severe")],
)
def test_ibs_sss_bands(total: int, band: str) -> None:
    # < 75 remission, 75–175 mild, 175–300 moderate, > 300 severe; 175 itself: the first band that names it
    parts = [min(100, total), 0, 0, 0, 0]
    rest = total - parts[0]
    for i in (2, 3, 4):
        parts[i] = min(100, rest)
        rest -= parts[i]
    if rest:
        parts[1] = rest
    assert sum(parts) == total and parts[1] % 10 == 0
    assert score("ibs_sss", qs(*parts)).band == band


def test_ibs_sss_pain_days_in_steps_of_ten() -> None:
    with pytest.raises(ScoringError) as exc:
        score("ibs_sss", qs(60, 35, 50, 70, 80))
    assert str(exc.value) == "q2: 35 is not an allowed answer (allowed: 0–100 in steps of 10)"


def test_score_as_a_dict_and_its_columns() -> None:
    s = score("startback", qs(0, 0, 0, 0, 1, 1, 1, 0, 4))
    assert s.column_values() == {"total": 4, "psychosocial": 4, "risk": "high"}
    assert s.to_dict() == {
        "instrument": "startback",
        "total": 4,
        "psychosocial": 4,
        "risk": "high",
        "band": None,
        "responder": None,
        "answered": 9,
        "items": 9,
        "instrument_version": "9-item",
        "rules_version": "2026.1",
    }
    with pytest.raises(KeyError, match="startback has no score 'percent_x'"):
        s.value("percent_x")
