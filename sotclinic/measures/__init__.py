"""Outcome measures as data plus pure functions (no Django import anywhere in here).

* ``instrument(code)`` / ``default_instruments()``: the validated instrument files in ``sotclinic/data/measures``.
* ``score(code, answers)``: a Score (total, percent, subscales, risk, band, answered, versions); ScoringError
  with a clear message when the answers cannot be scored by the instrument's own rules.
* ``change(code, baseline, latest)``: the change against the MCID and as a percentage (IMMPACT 2008).
* ``load_item_text(code, path)``: a clinic's licensed item text, validated against the structure.
* ``sotclinic score INSTRUMENT FILE.csv``: see ``sotclinic.measures.cli``.
"""

from sotclinic.measures.change import PERCENT_SOURCE, Change, change
from sotclinic.measures.instruments import (
    Band,
    Bands,
    Instrument,
    Item,
    Licence,
    Mcid,
    MeasuresDataError,
    MissingRule,
    Option,
    ResponseSet,
    Risk,
    RiskRule,
    ScoreDef,
    Threshold,
    UnknownInstrumentError,
    default_instruments,
    instrument,
    load_instrument,
    load_instruments,
)
from sotclinic.measures.itemtext import ItemText, ItemTextEntry, ItemTextError, load_item_text
from sotclinic.measures.scoring import Score, ScoringError, format_value, score

__all__ = [
    "PERCENT_SOURCE",
    "Band",
    "Bands",
    "Change",
    "Instrument",
    "Item",
    "ItemText",
    "ItemTextEntry",
    "ItemTextError",
    "Licence",
    "Mcid",
    "MeasuresDataError",
    "MissingRule",
    "Option",
    "ResponseSet",
    "Risk",
    "RiskRule",
    "Score",
    "ScoreDef",
    "ScoringError",
    "Threshold",
    "UnknownInstrumentError",
    "change",
    "default_instruments",
    "format_value",
    "instrument",
    "load_instrument",
    "load_item_text",
    "load_instruments",
    "score",
]
