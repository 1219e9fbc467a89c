"""Start-up check of the clinics' licensed item-text files (``SOTCLINIC_ITEM_TEXT_DIR``).

Each file is validated as the portal would use it (``sotclinic.measures.load_item_text``), so a file that does not
fit its instrument stops `sotclinic check` and the start-up (``sotclinic/config/wsgi.py``) with the loader's message
(file, instrument, item, option) instead of failing later on a patient's page. Run ``sotclinic check`` after
adding or changing a file.

Layout: ``<dir>/<clinic slug>/<code>.toml`` for one clinic, ``<dir>/<code>.toml`` for every clinic.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from sotclinic.measures import ItemTextError, default_instruments, load_item_text


@register()
def item_text_files_check(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    from sotclinic.outcomes.services import CLINIC_FOLDER

    folder = getattr(settings, "SOTCLINIC_ITEM_TEXT_DIR", None)
    if not folder:
        return []
    root = Path(folder)
    if not root.is_dir():
        return [
            Error(
                f"SOTCLINIC_ITEM_TEXT_DIR {folder}: not a folder",
                hint="Name the folder that holds the clinics' licensed item-text files, or unset it.",
                id="sotclinic.outcomes.E001",
            )
        ]
    known = default_instruments()
    errors: list[CheckMessage] = []
    for path in sorted([*root.glob("*.toml"), *root.glob("*/*.toml")]):
        if path.parent != root and not CLINIC_FOLDER.match(path.parent.name):
            errors.append(
                Error(
                    f"{path}: {path.parent.name!r} cannot be a clinic's folder (a clinic's slug: letters, digits, "
                    "'-' and '_')",
                    id="sotclinic.outcomes.E002",
                )
            )
            continue
        if path.stem not in known:
            errors.append(
                Error(
                    f"{path}: {path.stem!r} is not an instrument (known: {', '.join(sorted(known))})",
                    hint="Name each file after its instrument: <code>.toml, e.g. odi.toml.",
                    id="sotclinic.outcomes.E003",
                )
            )
            continue
        try:
            load_item_text(known[path.stem], path)
        except ItemTextError as exc:
            errors.append(Error(str(exc), id="sotclinic.outcomes.E004"))
    return errors
