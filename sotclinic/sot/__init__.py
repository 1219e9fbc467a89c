"""Sacro-Occipital Technique knowledge as data plus pure functions (no Django import anywhere in here).

* ``default_kb()``: the validated knowledge files (+ ``$SOTCLINIC_KB_OVERRIDE``), cached.
* ``parse_findings([...], kb)``: Finding objects; ValueError naming the finding and field when invalid.
* ``classify(findings, kb)``: an Assessment (category, reason, scores, sides, evidence, ...).
* ``protocol(assessment, kb=kb)``: the default blocking protocol, or None without a category.
"""

from sotclinic.sot.classify import Assessment, CategoryEvidence, classify
from sotclinic.sot.findings import Finding, mirror_findings, parse_findings
from sotclinic.sot.kb import (
    BASE_VERSION,
    Category,
    CmrtReflex,
    FibreLink,
    Indicator,
    KnowledgeBase,
    KnowledgeBaseError,
    ProtocolTemplate,
    ProtocolVariant,
    ValueSpec,
    default_kb,
    load_kb,
)
from sotclinic.sot.protocol import BlockPlacement, Protocol, protocol

__all__ = [
    "BASE_VERSION",
    "Assessment",
    "BlockPlacement",
    "Category",
    "CategoryEvidence",
    "CmrtReflex",
    "FibreLink",
    "Finding",
    "Indicator",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "Protocol",
    "ProtocolTemplate",
    "ProtocolVariant",
    "ValueSpec",
    "classify",
    "default_kb",
    "load_kb",
    "mirror_findings",
    "parse_findings",
    "protocol",
]
