"""Blocking protocols: the default protocol of a category, with its blocks placed on the patient's sides.

Every default is ``verified: False`` and says so in its notes ("Default — confirm against your SOT training").

Which short side places the blocks
    Each protocol lists the leg checks that may give it (``short_side_from``, data): Category I and III
    (prone) use ``leg_length_prone`` only; Category II (supine) uses the sides rule (prone, else supine).
    The side is taken, in this order, from

    1. the ``sides`` argument: a leg-check code from ``short_side_from`` (``{"leg_length_prone": "left"}``),
       else its ``short_leg``;
    2. the Assessment (its recorded leg checks) when ``source`` is an Assessment.

    When no left/right short side is found the protocol has no blocks and ``missing`` names the leg check to
    record (``needs`` in the data: prone for Category I/III, supine for Category II); it never guesses.  A leg
    check recorded as ``even`` is explained in the notes.

Variants
    ``standard`` and ``pregnancy``.  The pregnancy variant keeps the category's position and blocks, adds
    ``requires = ("pregnancy_week",)`` (record the week before blocking), a first step to record it and,
    for a prone protocol, ``equipment = ("pregnancy pillow",)`` and a note: prone only on a pregnancy
    pillow, else the supine alternative taught in SOT training (its placement is not public, so it is not
    invented here).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sotclinic.sot.classify import Assessment
from sotclinic.sot.findings import mirror_side
from sotclinic.sot.kb import KnowledgeBase, default_kb

__all__ = ["DEFAULT_NOTE", "LANDMARK_NAMES", "BlockPlacement", "Protocol", "protocol"]

DEFAULT_NOTE = "Default — confirm against your SOT training."
LANDMARK_NAMES: dict[str, str] = {
    "trochanter": "greater trochanter",
    "asis": "iliac crest / ASIS",
    "ilium": "posterior ilium",
}
_POSITION_WORDS = {"prone": "prone (face down)", "supine": "supine (face up)"}


@dataclass(frozen=True)
class BlockPlacement:
    #: trochanter | asis | ilium
    landmark: str
    #: left | right
    side: str
    #: turn in the plane of the table seen from above: 0 = straight across, + = medial end towards the head
    angle_deg: int
    orientation: str
    #: placement order, from 1
    order: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "landmark": self.landmark,
            "side": self.side,
            "angle_deg": self.angle_deg,
            "orientation": self.orientation,
            "order": self.order,
        }


@dataclass(frozen=True)
class Protocol:
    category: str
    #: prone | supine
    position: str
    verified: bool
    blocks: tuple[BlockPlacement, ...]
    duration_s: int
    breathing: str
    contacts: tuple[str, ...]
    recheck: tuple[str, ...]
    adjuncts: tuple[str, ...]
    stop_criteria: tuple[str, ...]
    notes: tuple[str, ...]
    #: the finding to record before blocks can be placed (then ``blocks`` is empty)
    missing: str | None
    steps: tuple[str, ...]
    variant: str = "standard"
    #: the short-leg side the blocks were placed by
    short_side: str | None = None
    #: data to record before blocking (e.g. "pregnancy_week")
    requires: tuple[str, ...] = ()
    equipment: tuple[str, ...] = ()
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "position": self.position,
            "verified": self.verified,
            "blocks": [b.to_dict() for b in self.blocks],
            "duration_s": self.duration_s,
            "recheck": list(self.recheck),
            "missing": self.missing,
            "short_side": self.short_side,
            "variant": self.variant,
            "breathing": self.breathing,
            "contacts": list(self.contacts),
            "adjuncts": list(self.adjuncts),
            "stop_criteria": list(self.stop_criteria),
            "requires": list(self.requires),
            "equipment": list(self.equipment),
            "notes": list(self.notes),
            "steps": list(self.steps),
            "source": self.source,
        }


def _lr(side: object) -> str | None:
    return side if isinstance(side, str) and side in ("left", "right") else None


def protocol(
    source: Assessment | str,
    sides: Mapping[str, str | None] | None = None,
    variant: str = "standard",
    kb: KnowledgeBase | None = None,
) -> Protocol | None:
    """The default protocol for an Assessment's category (None when it has none) or for a category code.

    Raises ValueError for an unknown category code or variant.
    """
    kb = kb or default_kb()
    discrepancies: tuple[str, ...] = ()
    recorded: Mapping[str, str | None] = {}
    if isinstance(source, Assessment):
        if source.category is None:
            return None
        category = source.category
        recorded = source.leg_checks
        discrepancies = source.discrepancies
    else:
        category = source
    template = kb.protocols.get(category)
    if template is None:
        raise ValueError(f"unknown category {category!r} (known: {', '.join(kb.protocols)})")
    spec = kb.variants.get(variant)
    if spec is None:
        raise ValueError(f"unknown protocol variant {variant!r} (known: {', '.join(kb.variants)})")

    given = dict(sides or {})
    candidates: list[tuple[str, object]] = [(c, given[c]) for c in template.short_side_from if c in given]
    if "short_leg" in given:
        candidates.append(("short_leg", given["short_leg"]))
    candidates += [(c, recorded[c]) for c in template.short_side_from if c in recorded]
    short_side = next((_lr(side) for _, side in candidates if _lr(side)), None)
    even = [code for code, side in candidates if side == "even"]

    notes: list[str] = [] if template.verified else [DEFAULT_NOTE]
    notes += template.notes
    blocks: tuple[BlockPlacement, ...] = ()
    missing: str | None = None
    if short_side is None:
        missing = template.needs
        if even:
            what = kb.indicators[even[0]].name.lower() if even[0] in kb.indicators else "leg check"
            notes.append(
                f"The {what} is recorded as even: there is no short side to place the blocks by. "
                "Re-check the legs; the default does not guess a side."
            )
    else:
        long_side = mirror_side(short_side)
        assert long_side is not None
        blocks = tuple(
            BlockPlacement(
                landmark=b.landmark,
                side=short_side if b.leg == "short" else long_side,
                angle_deg=b.angle_deg,
                orientation=b.orientation,
                order=b.order,
            )
            for b in template.blocks
        )
    prone = template.position == "prone"
    equipment = spec.prone_equipment if prone else ()
    notes += spec.notes
    if prone:
        notes += spec.prone_notes
    notes += discrepancies

    steps: list[str] = list(spec.steps_before)
    on = f" on a {' and '.join(equipment)}" if equipment else ""
    steps.append(f"Position the patient {_POSITION_WORDS[template.position]}{on}.")
    steps += template.before
    if missing is not None:
        name = kb.indicators[missing].name.lower() if missing in kb.indicators else missing
        steps.append(f"Blocks not placed: record the {name} ({missing}) to find the short side.")
    for block in blocks:
        steps.append(
            f"Block {block.order}, {block.side} side: {block.orientation} (angle {block.angle_deg}°)."
        )
    duration = f"Leave the blocks {template.duration_s} s"
    if template.duration_note:
        duration += f" ({template.duration_note})"
    if template.breathing:
        duration += f"; {template.breathing}"
    steps.append(duration + ".")
    steps += template.during
    steps += [f"Contact: {contact}." for contact in template.contacts]
    if template.adjuncts:
        steps.append("Adjuncts as indicated: " + "; ".join(template.adjuncts) + ".")
    if template.stop_criteria:
        steps.append("Stop and refer (urgent flag) if: " + "; ".join(template.stop_criteria) + ".")
    names = [kb.indicators[c].name if c in kb.indicators else c for c in template.recheck]
    steps.append("Re-check: " + ", ".join(names) + ".")

    return Protocol(
        category=category,
        position=template.position,
        verified=template.verified,
        blocks=blocks,
        duration_s=template.duration_s,
        breathing=template.breathing,
        contacts=template.contacts,
        recheck=template.recheck,
        adjuncts=template.adjuncts,
        stop_criteria=template.stop_criteria,
        notes=tuple(notes),
        missing=missing,
        steps=tuple(steps),
        variant=variant,
        short_side=short_side,
        requires=spec.requires,
        equipment=equipment,
        source=template.source,
    )
