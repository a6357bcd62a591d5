"""The small Markdown subset that text fields may use, rendered to HTML that is safe to put in a page.

Two layers, so that neither has to be perfect: markdown-it-py with raw HTML disabled and only the rules we
document (``cityframe.data.markdown``: paragraphs, lists, emphasis, code, links, bare addresses, line breaks),
then nh3 (ammonia) keeping only the matching tags, ``href`` values with an ``http``, ``https`` or ``mailto``
scheme, a numeric ``start`` on ``<ol>`` (a list written from 3 prints from 3), and ``data-print-url``, which the
print stylesheet shows after a link whose text is not its address. Anything else a resident might type,
``<script>`` included, comes out as visible text.
"""

from __future__ import annotations

import re

import nh3
from markdown_it.token import Token
from markupsafe import Markup, escape

from ..data.languages import Passage, is_language_code
from ..data.markdown import SAFE_SCHEMES, parser, readable_url, safe_url, same_address, written_links

__all__ = ["passage", "print_url", "readable_url", "render_inline", "render_markdown", "safe_url"]

BLOCK_TAGS = frozenset({"p", "ul", "ol", "li", "em", "strong", "a", "br", "code"})
INLINE_TAGS = frozenset({"em", "strong", "a", "br", "code"})
PRINT_URL = "data-print-url"
_OL_START = re.compile(r'<ol start="(\d{1,9})">')
MAX_START = 10**9
"""markdown-it reads at most nine digits as a list number; anything longer is not a list's start."""


def print_url(text: str, url: str) -> str | None:
    """The address to print after a link (``example.org/report``), or None when its text already is the address."""
    href = safe_url(url)
    if href is None or same_address(text, href):
        return None
    return readable_url(href)


def _mark_links(tokens: list[Token]) -> list[Token]:
    """Give each link whose visible text is not its address the address to print after it."""
    for _, link, text in written_links(tokens):
        address = print_url(text, str(link.attrGet("href") or ""))
        if address:
            link.attrSet(PRINT_URL, address)
    return tokens


def _keep_safe_attribute(element: str, attribute: str, value: str) -> str | None:
    if attribute == "lang":
        return value if is_language_code(value) else None
    if element == "a" and attribute == "href":
        return safe_url(value)
    if element == "ol" and attribute == "start":
        return value if value.isascii() and value.isdigit() and int(value) < MAX_START else None
    return value


def _clean(html: str, tags: frozenset[str]) -> str:
    return nh3.clean(html, tags=set(tags), attributes={"a": {"href", PRINT_URL}, "ol": {"start", "lang"},
                                                       "p": {"lang"}, "ul": {"lang"}, "*": set()},
                     attribute_filter=_keep_safe_attribute, url_schemes=set(SAFE_SCHEMES), link_rel=None,
                     strip_comments=True).strip()


def _counter_from_start(html: str) -> str:
    """``<ol start="3">`` also resets its counter: WeasyPrint ignores ``start`` (browsers agree with both)."""
    return _OL_START.sub(lambda m: f'<ol start="{m[1]}" style="counter-reset: list-item {int(m[1]) - 1}">', html)


def render_markdown(text: str | None) -> Markup:
    """A multi-paragraph text field as sanitised HTML (paragraphs, lists, emphasis, code, links)."""
    if not text:
        return Markup("")
    md = parser()
    tokens = _mark_links(md.parse(str(text)))
    html = _counter_from_start(_clean(md.renderer.render(tokens, md.options, {}), BLOCK_TAGS))
    return _in_language(text, Markup(html), "div")


def render_inline(text: str | None) -> Markup:
    """A one-line text field as sanitised inline HTML (emphasis, code, links; no paragraphs)."""
    if not text:
        return Markup("")
    md = parser()
    tokens = _mark_links(md.parseInline(str(text)))
    return _in_language(text, Markup(_clean(md.renderer.render(tokens, md.options, {}), INLINE_TAGS)), "span")


def _in_language(text: object, html: Markup, element: str) -> Markup:
    """``html`` inside an element that names its language, when ``text`` is a :class:`Passage` (WCAG 3.1.2)."""
    lang = getattr(text, "lang", None) if isinstance(text, Passage) else None
    if lang is None or not is_language_code(lang):
        return html
    return Markup(f'<{element} lang="{lang}">') + html + Markup(f"</{element}>")


def passage(text: object) -> Markup:
    """Plain text (no Markdown) as HTML; inside ``<span lang>`` when it is a :class:`Passage` in another language."""
    return _in_language(text, escape(text), "span")


# Before a run of separators, never at the start: "stamfordct|.gov|/hate|-crimes|/report".
_URL_BREAK = re.compile(r"(?<=[^/.\-_?#%~,=&])(?=[/.\-_?#%~,=&])")


def url_breaks(text: str) -> Markup:
    """A web address as text that may wrap before a slash, a dot or a hyphen (``<wbr>``), never inside a word.

    A printed line is too narrow for ``example.org/a/long/path`` in a table cell; without break opportunities it
    wrapped mid-word ("stamfordct.g / ov"). ``<wbr>`` adds no character: copying, searching and screen readers
    see the address exactly as written (Chicago Manual of Style, 17th ed., 7.42: break before a single slash, a
    dot, a hyphen or another mark, so that the new line visibly continues the address).
    """
    return Markup("<wbr>").join(escape(part) for part in _URL_BREAK.split(str(text)))

