"""The public edition's rule for exports, in one place: what never leaves cityframe in an export.

A contact or note whose ``visibility`` is ``internal`` (notes are internal unless they say otherwise) and any
field meant for the data's editors (``EDITOR_FIELDS``) is left out of every export, wherever it sits.
"""

from __future__ import annotations

from typing import Any

from ..errors import CityframeError, DataError

EDITOR_FIELDS = frozenset({"editor_notes"})
"""Fields written for the people who maintain the data, never for readers (the editor-notes field)."""


def is_public(record: object) -> bool:
    """False for a contact or note marked ``visibility: internal``; True for anything else."""
    return getattr(record, "visibility", "public") != "internal"


def public_data(value: Any) -> Any:
    """``value`` (JSON-like: dicts, lists, scalars) without internal records and editor fields.

    A dict with ``visibility: internal`` is dropped from a list, and becomes ``None`` as a field's value.
    """
    if isinstance(value, dict):
        return {key: (None if _internal(item) else public_data(item)) for key, item in value.items()
                if key not in EDITOR_FIELDS}
    if isinstance(value, list):
        return [public_data(item) for item in value if not _internal(item)]
    return value


def _internal(value: Any) -> bool:
    return isinstance(value, dict) and value.get("visibility") == "internal"


def load_valid_city(project: Any, slug: str) -> Any:
    """The city's validated data, or ``DataError`` with every error ``check`` reports (warnings do not stop it).

    Raises ``UsageError`` for an unknown city, like every command.
    """
    from ..checks.report import assess

    report = assess(project, slug)
    if report.errors or report.city is None:
        raise DataError(report.errors)
    return report


class ExportError(CityframeError):
    """The data cannot be written in the export's format as it is (the message says what to change)."""
