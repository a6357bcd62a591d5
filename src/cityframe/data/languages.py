"""The languages of a city's text: which one is authoritative, which editions exist, and text in another language.

A text field holds either a plain string, written in the city's authoritative language, or a mapping by language
code (BCP 47, as in HTML's ``lang``):

.. code-block:: yaml

    vision:
      en: A city where everyone belongs.
      es: Una ciudad donde todos pertenecen.

Loading a city for one edition (:func:`cityframe.data.load.load_city` with ``lang``) picks, for every such field,
the edition's language, else the authoritative one, else the first the city wrote. Text that ends up in a
language other than the edition's is a :class:`Passage`, which carries its ``lang`` so that the documents mark the
element (WCAG 2.1 success criterion 3.1.2, Language of Parts) and screen readers switch voice. A mapping with only
another language (``foreword: {es: ...}`` in an English plan) is how a city writes a passage in another language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
"""A BCP 47 language tag as cities write them: ``en``, ``es``, ``es-MX``, ``zh-Hans`` (test with
:func:`is_language_code`: ``match`` would let a trailing line break through ``$``)."""


def is_language_code(text: str) -> bool:
    """Whether ``text`` is a whole language tag (:data:`LANGUAGE_CODE`), nothing before or after it."""
    return LANGUAGE_CODE.fullmatch(text) is not None
DEFAULT_LANGUAGE = "en"


class Passage(str):
    """Text in a language other than the edition's: ``lang`` is its BCP 47 code, for the element that shows it.

    A ``str`` in every other respect, so that checks and templates treat it as the text it is; the Markdown
    filters and :func:`cityframe.render.markup.passage` put ``lang`` on its element.
    """

    lang: str

    def __new__(cls, text: str, lang: str) -> Passage:  # noqa: D102 (the class says it)
        passage = super().__new__(cls, text)
        passage.lang = lang
        return passage

    def __reduce__(self) -> tuple[Any, ...]:
        return (Passage, (str(self), self.lang))


def keep_language(value: Any, handler: Any) -> Any:
    """Pydantic wrap validator: validate a text as ever, and keep the language a :class:`Passage` carries."""
    result = handler(value)
    if isinstance(value, Passage) and isinstance(result, str):
        return Passage(result, value.lang)
    return result


@dataclass(frozen=True)
class Choice:
    """For which edition a city's text is picked, and which language is authoritative."""

    edition: str
    authoritative: str = DEFAULT_LANGUAGE
    untranslated: list[tuple[Any, ...]] = field(default_factory=list, compare=False)
    """Paths of the text fields that expect a translation and have none in ``edition`` (filled while loading)."""

    @property
    def translated_edition(self) -> bool:
        """Whether this is an edition in a language other than the authoritative one."""
        return self.edition != self.authoritative

    def pick(self, value: dict[str, Any]) -> tuple[str, Any]:
        """The language and the text to use from a mapping by language code (keys already checked)."""
        for code in (self.edition, self.authoritative):
            if code in value:
                return code, value[code]
        code = next(iter(value))
        return code, value[code]

    def mark(self, text: Any, language: str) -> Any:
        """``text`` as a :class:`Passage` when it is not in the edition's language."""
        return Passage(text, language) if isinstance(text, str) and language != self.edition else text


def language_name(code: str, in_language: str = DEFAULT_LANGUAGE) -> str:
    """A language's name in another language, from CLDR (Babel); the code itself when CLDR does not know it.

    ``Spanish`` for ``es``; ``inglés`` for ``en`` in Spanish.
    """
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(code.replace("-", "_")).get_display_name(in_language.replace("-", "_")) or code
    except (ValueError, UnknownLocaleError):
        return code


def language_autonym(code: str) -> str:
    """A language's name in itself, as language menus show it (``Español``, ``English``), from CLDR (Babel)."""
    name = language_name(code, code)
    return name[:1].upper() + name[1:]
