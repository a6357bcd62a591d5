"""Values as the city wrote them: text fields get the characters typed, number fields refuse surprising numbers.

YAML reads some unquoted text as numbers: ``version: 1.10`` is the float 1.1, ``reference: 0417`` the octal 271,
``baseline: 1:30`` the base-60 number 90, ``0x1F`` 31 and ``.inf`` infinity. The reader (:mod:`.sources`) keeps
the text of every scalar as written; this module walks the data beside the model that will validate it and

- in a field that holds text, puts back the characters the city wrote (``"1.10"``, ``"0417"``, ``"+1"``);
- in an id or a reference, refuses a value YAML read as a number in a way the text does not say (``010`` is 8,
  ``12:30`` is 750): other YAML tools would see a different id;
- in a field that holds a number, refuses a value YAML (or another YAML reader) would read in an unexpected way:
  a leading zero, base 60, hexadecimal or binary, an exponent, infinity, not-a-number, or true/false.

Nothing is converted silently: a value is either the text as written or a located problem that says how YAML read
it and how to write it.
"""

from __future__ import annotations

import math
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from .contacts import ContactError, check_url
from .languages import DEFAULT_LANGUAGE, Choice, is_language_code
from .sources import PathKey, shown


class IdMarker:
    """Annotated metadata that marks a field as an id or a reference to one (ignored by pydantic)."""


class UrlMarker:
    """Annotated metadata that marks a web address, so that a deceptive one gets a warning."""


class TextMarker:
    """Annotated metadata that marks free text, which a city may write per language (``{en: ..., es: ...}``).

    ``prose`` text (narrative fields and titles) is expected in every edition: an edition in another language
    lists the ones without a translation (``check --lang``); other text (names, short labels) may be translated.
    """

    def __init__(self, prose: bool) -> None:
        self.prose = prose


ID = IdMarker()
URL = UrlMarker()
LOCAL = TextMarker(prose=False)
PROSE = TextMarker(prose=True)


@dataclass(frozen=True)
class Problem:
    """A value that cannot be taken as written, with what YAML made of it and how to write it."""

    path: PathKey
    message: str
    hint: str
    severity: str = "error"


_PLAIN_DECIMAL = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$")


def _number(value: float) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def how_yaml_read(raw: str, value: Any) -> str | None:
    """``'is read by YAML as the octal (base 8) number 271'``, when YAML's number is not what ``raw`` says, else None.

    ``raw`` is the scalar as written and ``value`` what YAML 1.1 (PyYAML) made of it: an int, a float or text.
    Text is checked too, since a YAML 1.2 reader (or pydantic) would still read ``1e3`` or ``08`` as a number.
    """
    text = raw.strip()
    bare = text.lstrip("+-")
    if (isinstance(value, float) and math.isinf(value)) or (isinstance(value, str) and re.fullmatch(
            r"[-+]?\.?(?:inf|infinity)", text, re.IGNORECASE)):
        return "is read by YAML as infinity"
    if (isinstance(value, float) and math.isnan(value)) or (isinstance(value, str) and re.fullmatch(
            r"\.?nan", text, re.IGNORECASE)):
        return "is read by YAML as not-a-number (NaN)"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if ":" in bare:
            parts = bare.split(":")
            sum_words = " × 60 + ".join(parts)
            return f"is read by YAML as the base-60 number {_number(value)} ({sum_words})" if len(parts) == 2 \
                else f"is read by YAML as the base-60 number {_number(value)}"
        if bare[:2].lower() == "0x":
            return f"is read by YAML as the hexadecimal number {_number(value)}"
        if bare[:2].lower() == "0b":
            return f"is read by YAML as the binary number {_number(value)}"
        if isinstance(value, int) and re.match(r"0[0-9_]", bare):
            return f"is read by YAML as the octal (base 8) number {value}"
        if "_" in bare:
            return f"is read by YAML as the number {_number(value)} (YAML drops the '_')"
        return None
    if isinstance(value, str) and not _PLAIN_DECIMAL.match(text):
        if re.fullmatch(r"[-+]?0[0-9]+", text):
            return f"starts with a zero: YAML reads such a number as octal (base 8) when it can, others as {int(text)}"
        if re.fullmatch(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][-+]?[0-9]+", text):
            return f"is read as text by some YAML readers and as the number {_number(float(text))} by others"
        if re.fullmatch(r"[-+]?0[oO][0-7]+", text):
            return f"is read as text by some YAML readers and as the octal number {int(bare, 8)} by others"
    return None


def _how_to_write(raw: str, value: Any) -> str:
    text = raw.strip()
    if (isinstance(value, float) and (math.isinf(value) or math.isnan(value))) or re.fullmatch(
            r"[-+]?\.?(?:inf|infinity|nan)", text, re.IGNORECASE):
        return "write a number in digits, such as 2500"
    if ":" in text:
        return "write one number in digits, without ':'; a time or a ratio belongs in a text field"
    try:
        number = value if isinstance(value, (int, float)) else (int(text, 0) if re.fullmatch(
            r"[-+]?0[oO][0-7]+", text) else float(text))
    except ValueError:
        return "write the number in ordinary digits"
    if re.match(r"[-+]?0[0-9]", text):
        return f"write it without the leading zero: {text.lstrip('+').lstrip('0') or '0'}"
    return f"write it in ordinary digits: {_number(number)}"


# --- the walk ----------------------------------------------------------------------------------------------

_Kind = str  # "text", "id", "number", "model", "list", "other"


def _classify(annotation: Any) -> tuple[_Kind, Any]:
    """What a field holds: ("text", None), ("id", None), ("number", None), ("model", cls), ("list", item)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *metadata = typing.get_args(annotation)
        kind, inner = _classify(base)
        if kind == "text" and any(isinstance(m, IdMarker) for m in metadata):
            return "id", None
        if kind == "text" and any(isinstance(m, UrlMarker) for m in metadata):
            return "url", None
        marker = next((m for m in metadata if isinstance(m, TextMarker)), None)
        if kind == "text" and marker is not None:
            return "local", marker.prose
        return kind, inner
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(options) == 1:
            return _classify(options[0])
        return "other", None
    if origin is list:
        (item,) = typing.get_args(annotation)
        return "list", item
    if annotation is str:
        return "text", None
    if annotation in (int, float):
        return "number", None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "model", annotation
    return "other", None


_FIELDS: dict[type[BaseModel], dict[str, tuple[_Kind, Any]]] = {}


def _fields(model: type[BaseModel]) -> dict[str, tuple[_Kind, Any]]:
    if model not in _FIELDS:
        _FIELDS[model] = {name: _classify(info.rebuild_annotation()) for name, info in model.model_fields.items()}
    return _FIELDS[model]


def as_written(model: type[BaseModel], data: Any, raw: Callable[[PathKey], str | None],
               choice: Choice | None = None) -> tuple[Any, list[Problem]]:
    """``data`` with text fields as written, and the problems of ids and number fields; ``data`` is not changed.

    ``raw(path)`` is the scalar at ``path`` as the file wrote it (None when not known or quoted). A text field
    written per language (``{en: ..., es: ...}``) becomes the text ``choice`` picks for its edition (the
    authoritative English one when ``choice`` is None), a :class:`~.languages.Passage` when that text is in
    another language; the paths of prose fields without a translation are added to ``choice.untranslated``.
    """
    problems: list[Problem] = []
    choice = choice or Choice(DEFAULT_LANGUAGE)

    def local(value: Any, path: PathKey, prose: bool) -> Any:
        if isinstance(value, dict) and value:
            wrong = [key for key in value if not isinstance(key, str) or not is_language_code(key)]
            for key in wrong:
                problems.append(Problem((*path, key), f"'{shown(str(key))}' is not a language code",
                                        "write the text once per language under a language code, such as en: "
                                        "and es: (lowercase, as in HTML's lang)"))
            texts = {key: walk("text", None, item, (*path, key)) for key, item in value.items() if key not in wrong}
            # An empty translation (es: or es: "") is one still to write: the edition shows the authoritative text.
            written = {key: text for key, text in texts.items() if not (text is None or (isinstance(text, str)
                                                                       and not text.strip()))}
            if not written:
                return next(iter(texts.values()), value) if texts else value
            language, text = choice.pick(written)
            if prose and choice.translated_edition and choice.edition not in written:
                choice.untranslated.append(path)
            return choice.mark(text, language)
        text = walk("text", None, value, path)
        if isinstance(text, str) and text.strip() and prose and choice.translated_edition:
            choice.untranslated.append(path)
        return choice.mark(text, choice.authoritative)

    def walk(kind: _Kind, inner: Any, value: Any, path: PathKey) -> Any:
        if kind == "local":
            return local(value, path, inner)
        if kind == "model" and isinstance(value, dict):
            fields = _fields(inner)
            return {key: walk(*fields[key], item, (*path, key)) if key in fields else item
                    for key, item in value.items()}
        if kind == "list" and isinstance(value, list):
            item_kind, item_inner = _classify(inner)
            return [walk(item_kind, item_inner, item, (*path, n)) for n, item in enumerate(value)]
        if kind == "url" and isinstance(value, str):
            try:
                warnings = check_url(value)
            except ContactError:
                warnings = []  # an error, reported by the model's own validator
            problems.extend(Problem(path, w, "check that the address is the one the provider publishes",
                                    "warning") for w in warnings)
            return value
        if kind in ("text", "id", "url") and isinstance(value, (int, float)) and not isinstance(value, bool):
            written = raw(path)
            if written is None:
                return value
            read = how_yaml_read(written, value)
            if kind == "id" and read:
                as_id = "-".join(re.split(r"[^a-z0-9]+", written.lower())).strip("-") or "my-id"
                fix = f'put it in quotes: "{as_id}"' if as_id == written else f"write it with letters, digits and " \
                    f"hyphens, in quotes: \"{as_id}\""
                problems.append(Problem(path, f"'{shown(written)}' {read}, not as an id", fix))
            return written
        if kind == "number":
            written = raw(path)
            if isinstance(value, bool):
                shown_as = shown(written) if written is not None else str(value).lower()
                problems.append(Problem(path, f"'{shown_as}' is read by YAML as true/false, not as a number",
                                        "write the number in digits, such as 3"))
            elif written is not None and isinstance(value, (int, float, str)):
                read = how_yaml_read(written, value)
                if read:
                    problems.append(Problem(path, f"'{shown(written)}' {read}",
                                            _how_to_write(written, value)))
        return value

    return walk("model", model, data, ()), problems
