"""Reads that cross tables or need care to stay fast."""

from __future__ import annotations

import datetime
import re
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Q

from sotclinic.clinic.access import patients_for
from sotclinic.patients.models import name_key

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from sotclinic.clinic.models import User
    from sotclinic.patients.models import Patient

_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$"), ("d", "m", "y")),
)


def parse_search_date(text: str) -> datetime.date | None:
    """A date of birth typed as 1980-03-07 or 07/03/1980 (day first, as on a UK or EU form)."""
    for pattern, order in _DATE_PATTERNS:
        match = pattern.match(text.strip())
        if match:
            parts = dict(zip(order, (int(g) for g in match.groups()), strict=True))
            try:
                return datetime.date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                return None
    return None


def patient_search(*, user: User, query: str, limit: int = 50) -> QuerySet[Patient]:
    """Patients whose date of birth equals the query, or whose names start with each word typed.

    Prefix matches on indexed, case-folded name keys keep this fast on many thousands of patients.
    """
    patients = patients_for(user)
    query = query.strip()
    if not query:
        return patients.order_by("family_key", "given_key")[:limit]
    day = parse_search_date(query)
    if day is not None:
        return patients.filter(date_of_birth=day).order_by("family_key", "given_key")[:limit]
    words = name_key(query.replace(",", " ")).split()
    each_word = Q()
    for word in words[:4]:
        each_word &= _starts_with("family_key", word) | _starts_with("given_key", word)
    # a name of several words typed whole ("van der Berg", "Mary Ann") also begins a key as it stands
    whole = " ".join(words)
    return patients.filter(
        each_word | _starts_with("family_key", whole) | _starts_with("given_key", whole)
    ).order_by("family_key", "given_key")[:limit]


def _starts_with(field: str, prefix: str) -> Q:
    """A prefix match that each database answers from its index.

    PostgreSQL: LIKE 'prefix%' on a varchar_pattern_ops index. SQLite: Django's LIKE carries an ESCAPE clause,
    which stops SQLite using an index, so ask for the key range [prefix, prefix + U+10FFFF) instead; the keys are
    case-folded and SQLite compares them byte by byte, so the range is exact.
    """
    if connection.vendor == "sqlite":
        return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + "\U0010ffff"})
    return Q(**{f"{field}__startswith": prefix})
