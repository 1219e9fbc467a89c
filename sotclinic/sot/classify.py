"""The SOT category classifier: the rule of the reference, with its evidence.

1. score(category) = sum of the weights of the positive findings for it.
2. A category is *supported* when its score >= ``thresholds["support_score"]`` and one of its primary
   indicators is positive.
3. Exactly one supported -> suggest it.  None -> ``category None``, reason ``insufficient`` (and
   ``missing_primary`` lists the primary indicators not yet examined).  Two or more, and the best leads the
   next by >= ``thresholds["lead"]`` -> the best; otherwise ``None``, reason ``conflicting``, and
   ``conflicting`` names every supported category the best does not lead by that margin (category order).
4. Evidence per category: positive findings that added (``for``), that subtracted (``against``), and its
   primary and supporting indicators not examined (``missing``), each in catalogue order.
5. Sides: ``short_leg`` = the left/right short side of ``leg_length_prone``, else of ``leg_length_supine``
   (``even`` gives no side), else None.  ``involved_side`` = the side of the first *positive* of arm_fossa,
   first_rib_tender, inguinal_tender that has one.  ``pain_side`` = likewise for leg_pain, then slr.
6. Order-independent (repeated indicators aside: there the later one wins) and mirror-symmetric.

An indicator counts as *examined* when its finding has a result (given or derived from a threshold).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sotclinic.sot.findings import Finding, dedupe_findings, effective_result, parse_finding
from sotclinic.sot.kb import KnowledgeBase, default_kb

__all__ = ["LEG_CHECKS", "Assessment", "CategoryEvidence", "classify"]

LEG_CHECKS: tuple[str, ...] = ("leg_length_prone", "leg_length_supine")
_INVOLVED_FROM: tuple[str, ...] = ("arm_fossa", "first_rib_tender", "inguinal_tender")
_PAIN_FROM: tuple[str, ...] = ("leg_pain", "slr")


@dataclass(frozen=True)
class CategoryEvidence:
    for_: tuple[str, ...] = ()
    against: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, list[str]]:
        return {"for": list(self.for_), "against": list(self.against), "missing": list(self.missing)}


@dataclass(frozen=True)
class Assessment:
    category: str | None
    #: None, "insufficient" or "conflicting"
    reason: str | None
    conflicting: tuple[str, ...]
    scores: Mapping[str, int]
    #: short_leg, involved_side, pain_side
    sides: Mapping[str, str | None]
    evidence: Mapping[str, CategoryEvidence]
    #: primary indicators not yet examined (filled when the reason is "insufficient")
    missing_primary: tuple[str, ...]
    discrepancies: tuple[str, ...]
    knowledge_version: str
    #: categories whose score and primary indicator support them
    supported: tuple[str, ...] = ()
    #: leg check code -> recorded side ("left", "right", "even") or None when not examined
    leg_checks: Mapping[str, str | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "reason": self.reason,
            "conflicting": list(self.conflicting),
            "supported": list(self.supported),
            "scores": dict(self.scores),
            "sides": dict(self.sides),
            "evidence": {cat: ev.to_dict() for cat, ev in self.evidence.items()},
            "missing_primary": list(self.missing_primary),
            "discrepancies": list(self.discrepancies),
            "leg_checks": dict(self.leg_checks),
            "knowledge_version": self.knowledge_version,
        }


def _findings(items: Iterable[Finding | Mapping[str, Any]], kb: KnowledgeBase) -> tuple[Finding, ...]:
    out: list[Finding] = []
    for index, item in enumerate(items, 1):
        out.append(item if isinstance(item, Finding) else parse_finding(item, kb, index))
    return dedupe_findings(out, kb)


def classify(
    findings: Iterable[Finding] | Iterable[Mapping[str, Any]],
    kb: KnowledgeBase | None = None,
) -> Assessment:
    """Apply the classification rule to ``findings`` (Finding objects or reference-JSON mappings).

    Never raises for a partial (or empty) set of findings; mappings are validated (ValueError when invalid).
    Findings whose indicator the knowledge base does not know are ignored.
    """
    kb = kb or default_kb()
    fs = _findings(findings, kb)
    known = [(f, kb.indicators[f.indicator]) for f in fs if f.indicator in kb.indicators]
    results = {f.indicator: effective_result(f, ind) for f, ind in known if not ind.multiple}
    positive = {code for code, res in results.items() if res == "positive"}
    examined = {code for code, res in results.items() if res is not None}

    scores = {cat: 0 for cat in kb.categories}
    for code in positive:
        for cat, weight in kb.indicators[code].weights.items():
            scores[cat] += weight

    support, lead = kb.thresholds["support_score"], kb.thresholds["lead"]
    supported = tuple(
        cat
        for cat in kb.categories
        if scores[cat] >= support and any(kb.indicators[c].is_primary(cat) for c in positive)
    )
    category: str | None = None
    reason: str | None = None
    conflicting: tuple[str, ...] = ()
    missing_primary: tuple[str, ...] = ()
    if len(supported) == 1:
        category = supported[0]
    elif not supported:
        reason = "insufficient"
        missing_primary = tuple(
            code
            for code, ind in kb.indicators.items()
            if code not in examined and any(ind.is_primary(cat) for cat in kb.categories)
        )
    else:
        ranked = sorted(supported, key=lambda cat: -scores[cat])  # stable: ties keep category order
        best = ranked[0]
        if scores[best] - scores[ranked[1]] >= lead:
            category = best
        else:
            reason = "conflicting"
            conflicting = tuple(cat for cat in supported if scores[best] - scores[cat] < lead)

    evidence: dict[str, CategoryEvidence] = {}
    for cat in kb.categories:
        for_, against, missing = [], [], []
        for code, ind in kb.indicators.items():
            weight = ind.weights.get(cat, 0)
            if code in positive and weight > 0:
                for_.append(code)
            elif code in positive and weight < 0:
                against.append(code)
            if weight > 0 and code not in examined:
                missing.append(code)
        evidence[cat] = CategoryEvidence(tuple(for_), tuple(against), tuple(missing))

    by_code = {f.indicator: f for f, ind in known if not ind.multiple}
    leg_checks = {
        code: by_code[code].side if code in by_code else None for code in LEG_CHECKS if code in kb.indicators
    }
    short_leg = next((side for side in leg_checks.values() if side in ("left", "right")), None)

    def first_side(codes: tuple[str, ...]) -> tuple[str | None, str | None]:
        for code in codes:
            f = by_code.get(code)
            if f is not None and code in positive and f.side is not None:
                return f.side, code
        return None, None

    involved_side, involved_from = first_side(_INVOLVED_FROM)
    pain_side, _ = first_side(_PAIN_FROM)
    sides = {"short_leg": short_leg, "involved_side": involved_side, "pain_side": pain_side}

    discrepancies: list[str] = []
    if (
        "cat2" in supported
        and involved_side in ("left", "right")
        and short_leg in ("left", "right")
        and involved_side != short_leg
    ):
        name = kb.indicators[involved_from].name if involved_from else "involved"
        discrepancies.append(
            f"Category II: the involved side ({involved_side}, from the {name.lower()}) differs from the "
            f"short-leg side ({short_leg}); the protocol keeps the short-leg rule."
        )
    for code, ind in kb.indicators.items():
        f = by_code.get(code)
        spec = ind.value
        if f is None:
            continue
        if f.result is not None and f.value is not None and spec is not None and spec.threshold is not None:
            above = f.value > spec.threshold
            if above != (f.result == "positive"):
                relation = "above" if above else "not above"
                discrepancies.append(
                    f"{ind.name}: recorded {f.result}, but {f.value:g} {spec.unit} is {relation} the "
                    f"{spec.threshold:g} {spec.unit} threshold; the recorded result is used."
                )

    return Assessment(
        category=category,
        reason=reason,
        conflicting=conflicting,
        scores=scores,
        sides=sides,
        evidence=evidence,
        missing_primary=missing_primary,
        discrepancies=tuple(discrepancies),
        knowledge_version=kb.version,
        supported=supported,
        leg_checks=leg_checks,
    )
