"""The words cityframe itself writes into documents, in each language it ships: gettext catalogs and Babel.

The templates' strings and the document-facing words of the render code (tier labels, chart titles, status
words...) are English msgids; ``src/cityframe/locale/<lang>/LC_MESSAGES/cityframe.mo`` holds the other
languages, compiled from the ``.po`` files next to them (``scripts/i18n`` extracts, updates, compiles and checks
them; see CONTRIBUTING.md). English needs no catalog: its msgids are the English text. Dates are written with
Babel's CLDR data (``April 26, 2028``, ``26 de abril de 2028``).

A city's data is never translated here: this module only covers the words of cityframe's own templates and code.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Babel is imported when a page is rendered, not by every command that imports this module
    from babel.support import NullTranslations

LANGUAGES: tuple[str, ...] = ("en", "es")
"""The languages cityframe's own text (templates, labels, charts) ships in; English is the msgids themselves."""
DOMAIN = "cityframe"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
"""``src/cityframe/locale``: ``cityframe.pot`` and ``<lang>/LC_MESSAGES/cityframe.po`` / ``.mo``."""


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it (module-level labels, translated where used)."""
    return message


def text_language(lang: str | None) -> str:
    """The language of cityframe's own words for a BCP 47 ``lang`` (``es-US`` -> ``es``); English when it has none.

    ``<html lang>`` follows the city's data (any language); the template words can only be in :data:`LANGUAGES`.
    """
    primary = (lang or "en").split("-")[0].lower()
    return primary if primary in LANGUAGES else "en"


@functools.cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalog of ``lang`` (one of :data:`LANGUAGES`); cached per process.

    English gives :class:`babel.support.NullTranslations` (every msgid is its own English text). Raises
    :class:`ValueError` for a language cityframe does not ship, and :class:`FileNotFoundError` when a shipped
    language's ``.mo`` file is missing (a broken install: ``scripts/i18n compile`` makes it).
    """
    if lang not in LANGUAGES:
        raise ValueError(f"cityframe's own text is not available in {lang!r}; the languages are "
                         f"{', '.join(LANGUAGES)}")
    from babel.support import NullTranslations, Translations

    if lang == "en":
        return NullTranslations()
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    with path.open("rb") as handle:
        return Translations(handle, domain=DOMAIN)


def gettext(lang: str, message: str) -> str:
    """``message`` (an English msgid) in ``lang``; the msgid itself when the catalog lacks it."""
    return translations(lang).gettext(message)


def ngettext(lang: str, singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message in ``lang``, chosen for ``n`` by the language's plural rule."""
    return translations(lang).ngettext(singular, plural, n)


def format_date(value: dt.date | None, lang: str = "en", format: str = "long") -> str:
    """A date as residents read it in ``lang``, from Babel's CLDR data; no clock or system locale is read.

    ``format``: ``long`` (``April 26, 2028``; ``26 de abril de 2028``), ``month`` (``April 2028``;
    ``abril de 2028``), ``iso`` (``2028-04-26``) or any Babel date pattern/format name. ``None`` gives ``""``.
    """
    from babel.dates import format_date as _babel_format_date
    from babel.dates import format_skeleton

    if value is None:
        return ""
    if format == "iso":
        return value.isoformat()
    if format == "month":
        return format_skeleton("yMMMM", value, locale=lang)
    return _babel_format_date(value, format=format, locale=lang)


_PLACEHOLDER = re.compile(r"\{(page|pages)\}")


def css_string(text: str) -> str:
    """``text`` as a CSS string literal (quotes and backslashes escaped, no line breaks, no ``<``)."""
    escaped = "".join(ch if ch.isalnum() or ch in " .,:;-–()·" else f"\\{ord(ch):x} " for ch in text)
    return f'"{escaped}"'


def page_counter_css(lang: str) -> str:
    """The CSS ``content`` value of the PDF's "Page 3 of 12" in ``lang``: literal parts and page counters."""
    text = gettext(lang, N_("Page {page} of {pages}"))
    parts = []
    for piece in _PLACEHOLDER.split(text):
        if piece in ("page", "pages"):
            parts.append(f"counter({piece})")
        elif piece:
            parts.append(css_string(piece))
    return " ".join(parts)


# --- the language of the document being rendered -------------------------------------------------------------

_CURRENT: ContextVar[str] = ContextVar("cityframe_text_language", default="en")
"""The language :func:`_` translates into: English unless a render runs inside :func:`using`."""


@contextlib.contextmanager
def using(lang: str | None) -> Iterator[str]:
    """Translate the render code's words (``_()``) into ``lang`` (see :func:`text_language`) within the block.

    build_context and the progress report set it for the document they build, so the labels, status words and
    chart text deep in the render code follow the page without a language argument on every helper; outside,
    and in ``check``, everything stays English. A context variable: threads and async tasks do not mix.
    """
    token = _CURRENT.set(text_language(lang))
    try:
        yield _CURRENT.get()
    finally:
        _CURRENT.reset(token)


def current_language() -> str:
    """The language of the document being rendered (``en`` outside :func:`using`)."""
    return _CURRENT.get()


def _(message: str) -> str:
    """``message`` (an English msgid) in the language of the document being rendered."""
    return gettext(_CURRENT.get(), message)


class TranslatedLabels(dict):  # type: ignore[type-arg]
    """Id -> English label (a msgid marked with :func:`N_`); reading a label gives it in the current language.

    ``TIER_LABELS["primary"]`` is "Primary prevention" in ``check`` and in English pages, "Prevención primaria"
    in a page rendered within ``using("es")``. Iterating keys is unchanged; ``items()`` and ``values()`` translate.
    """

    def __getitem__(self, key: object) -> str:
        return _(super().__getitem__(key))

    def get(self, key: object, default: object = None) -> object:  # type: ignore[override]
        """The translated label of ``key``, or ``default``."""
        return _(dict.__getitem__(self, key)) if key in self else default

    def items(self) -> list[tuple[object, str]]:  # type: ignore[override]
        """(id, translated label) pairs in order."""
        return [(key, self[key]) for key in self]

    def values(self) -> list[str]:  # type: ignore[override]
        """The translated labels in order."""
        return [self[key] for key in self]


def n_(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n`` in the language being rendered (extracted as ``n_:1,2``)."""
    return ngettext(_CURRENT.get(), singular, plural, n)


SECTIONS_TEXT_KEYS = ("title", "label")


def extract_yaml_texts(fileobj: Any, keywords: Any, comment_tags: Any, options: Any) -> Iterator[tuple[int, None, str,
                                                                                                      list[str]]]:
    """A Babel extractor for the sections manifest: every ``title:`` and ``label:`` value, with its line.

    The documents' and sections' titles and the plain-words labels of missing items reach the documents (the
    contents, headings and "Still to be provided" boxes), so they are msgids too; babel.cfg names this function.
    """
    import yaml

    def walk(node: yaml.Node) -> Iterator[tuple[int, None, str, list[str]]]:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(value, yaml.ScalarNode) and key.value in SECTIONS_TEXT_KEYS and value.value:
                    yield value.start_mark.line + 1, None, value.value, []
                else:
                    yield from walk(value)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                yield from walk(item)

    root = yaml.compose(fileobj.read().decode("utf-8"), Loader=yaml.SafeLoader)
    if root is not None:
        yield from walk(root)
