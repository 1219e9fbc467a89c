"""Property tests of the classification rule (Hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sotclinic.sot import Assessment, classify, load_kb, mirror_findings, parse_findings, protocol
from sotclinic.sot.findings import effective_result, mirror_side
from sotclinic.sot.kb import AREAS, LEVELS, LINES

KB = load_kb()
SINGLE = [code for code, ind in KB.indicators.items() if not ind.multiple]
MULTIPLE = [code for code, ind in KB.indicators.items() if ind.multiple]
PROPS = settings(max_examples=200, deadline=None)

Raw = dict[str, Any]


def _none_or(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def finding(code: str) -> st.SearchStrategy[Raw]:
    """Any valid finding for ``code``, with any subset of its fields."""
    ind = KB.indicators[code]
    fields: dict[str, st.SearchStrategy[Any]] = {}
    if ind.has_result:
        fields["result"] = _none_or(st.sampled_from(["positive", "negative"]))
    if ind.sides:
        fields["side"] = _none_or(st.sampled_from(ind.sides))
    if ind.value is not None:
        spec = ind.value
        threshold = [spec.threshold] if spec.threshold is not None else []
        fields["value"] = _none_or(
            st.one_of(
                st.sampled_from([spec.min, spec.max, *threshold]),
                st.floats(spec.min, spec.max, allow_nan=False, allow_infinity=False),
                st.integers(int(spec.min), int(spec.max)),
            )
        )
    if ind.has_level:
        fields["level"] = _none_or(st.sampled_from(LEVELS))
    if ind.has_line:
        fields["line"] = _none_or(st.sampled_from(LINES))
    if ind.has_area:
        fields["area"] = _none_or(st.sampled_from(AREAS))
    if ind.has_organ:
        fields["organ"] = _none_or(st.sampled_from(["liver", "stomach", "gall bladder"]))

    def tidy(raw: Raw) -> Raw:
        out = {"indicator": code, **{k: v for k, v in raw.items() if v is not None}}
        if out.get("side") == "even" and "value" in out:
            out["value"] = 0
        return out

    return st.fixed_dictionaries(fields).map(tidy)


FINDING = {code: finding(code) for code in KB.indicators}


@st.composite
def findings(draw: st.DrawFn) -> list[Raw]:
    """A valid, partial set of findings: each ordinary indicator at most once, fibres/CMRT any number."""
    singles = draw(st.lists(st.sampled_from(SINGLE), unique=True))
    multiples = draw(st.lists(st.sampled_from(MULTIPLE), max_size=3))
    return [draw(FINDING[code]) for code in singles + multiples]


def mirror_raw(raw: list[Raw]) -> list[Raw]:
    return [{**f, "side": mirror_side(f["side"])} if "side" in f else f for f in raw]


def mirrored_sides(a: Assessment) -> dict[str, str | None]:
    return {key: mirror_side(side) for key, side in a.sides.items()}


@PROPS
@given(findings())
def test_never_raises_and_scores_are_sums_of_weights(raw: list[Raw]) -> None:
    a = classify(raw)
    expected = {cat: 0 for cat in KB.categories}
    for f in parse_findings(raw):
        ind = KB.indicators[f.indicator]
        if effective_result(f, ind) == "positive":
            for cat, weight in ind.weights.items():
                expected[cat] += weight
    assert a.scores == expected
    # the rule's outcome is consistent with the scores
    assert a.reason in (None, "insufficient", "conflicting")
    if a.category is not None:
        assert a.reason is None and a.category in a.supported
        assert a.scores[a.category] >= KB.thresholds["support_score"]
        assert any(KB.indicators[c].is_primary(a.category) for c in a.evidence[a.category].for_)
        others = [a.scores[c] for c in a.supported if c != a.category]
        assert all(a.scores[a.category] - s >= KB.thresholds["lead"] for s in others)
    elif a.reason == "insufficient":
        assert a.supported == () and a.conflicting == ()
    else:
        assert len(a.conflicting) >= 2 and set(a.conflicting) <= set(a.supported)
    # evidence adds up to the score
    for cat, ev in a.evidence.items():
        assert sum(KB.indicators[c].weights[cat] for c in ev.for_ + ev.against) == a.scores[cat]
    plan = protocol(a)
    assert (plan is None) == (a.category is None)
    assert a.to_dict()["knowledge_version"] == "2026.1"


@PROPS
@given(findings(), st.data())
def test_order_of_findings_never_changes_the_result(raw: list[Raw], data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(raw))
    first, second = classify(raw), classify(shuffled)
    assert first == second
    assert first.to_dict() == second.to_dict()
    assert protocol(first) == protocol(second)


@PROPS
@given(findings())
def test_mirroring_mirrors_every_side(raw: list[Raw]) -> None:
    a = classify(raw)
    m = classify(mirror_raw(raw))
    assert m == classify(mirror_findings(parse_findings(raw)))
    assert (m.category, m.reason, m.conflicting, m.supported) == (
        a.category,
        a.reason,
        a.conflicting,
        a.supported,
    )
    assert m.scores == a.scores
    assert m.evidence == a.evidence
    assert m.sides == mirrored_sides(a)
    assert m.leg_checks == {k: mirror_side(v) for k, v in a.leg_checks.items()}
    for variant in ("standard", "pregnancy"):
        plan, mplan = protocol(a, variant=variant), protocol(m, variant=variant)
        if plan is None:
            assert mplan is None
            continue
        assert mplan is not None
        assert mplan.missing == plan.missing
        assert mplan.short_side == mirror_side(plan.short_side)
        assert [(b.landmark, mirror_side(b.side), b.angle_deg, b.order) for b in plan.blocks] == [
            (b.landmark, b.side, b.angle_deg, b.order) for b in mplan.blocks
        ]
    for category in KB.categories:
        plan = protocol(category, sides=a.sides)
        mplan = protocol(category, sides=m.sides)
        assert plan is not None and mplan is not None
        assert [mirror_side(b.side) for b in plan.blocks] == [b.side for b in mplan.blocks]


@PROPS
@given(findings(), st.sampled_from(sorted(KB.categories)))
def test_no_positive_evidence_never_yields_the_category(raw: list[Raw], category: str) -> None:
    cleaned: list[Raw] = []
    for f in raw:
        ind = KB.indicators[f["indicator"]]
        if ind.weights.get(category, 0) > 0:
            f = {**f, "result": "negative"}
        cleaned.append(f)
    a = classify(cleaned)
    assert a.category != category
    assert category not in a.supported
    assert a.evidence[category].for_ == ()
    assert a.scores[category] <= 0


@PROPS
@given(findings())
def test_sub_lists_never_raise(raw: list[Raw]) -> None:
    for end in range(len(raw) + 1):
        classify(raw[:end])
