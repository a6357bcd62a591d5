"""The small Markdown subset that text fields may use, rendered to HTML that is safe to put in a page.

Two layers, so that neither has to be perfect: markdown-it-py with raw HTML disabled and only the rules we
document (paragraphs, lists, emphasis, code, links, line breaks), then nh3 (ammonia) keeping only the
matching tags and ``href`` values with an ``http``, ``https`` or ``mailto`` scheme. Anything else a resident
might type, ``<script>`` included, comes out as visible text.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import unquote, urlsplit

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
BLOCK_TAGS = frozenset({"p", "ul", "ol", "li", "em", "strong", "a", "br", "code"})
INLINE_TAGS = frozenset({"em", "strong", "a", "br", "code"})

# markdown-it's "zero" preset has every rule off; turn on exactly the subset the data format documents.
_BLOCK_RULES = ["paragraph", "list"]
_INLINE_RULES = ["emphasis", "link", "backticks", "newline", "escape", "autolink"]


@functools.cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt("zero", {"html": False, "linkify": False, "typographer": False, "breaks": False}).enable(
        [*_BLOCK_RULES, *_INLINE_RULES])
    # A link whose address is refused stays literal text ("[text](javascript:...)"), never an <a> without href.
    parser.validateLink = lambda url: safe_url(url) is not None  # type: ignore[method-assign]
    return parser


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http, https or mailto address; otherwise None (never a live link)."""
    if not url:
        return None
    url = url.strip()
    if any(c in url for c in "\x00\r\n\t\\<>\"'` ") and not url.startswith("mailto:"):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES:
        return None
    if parts.scheme.lower() in ("http", "https") and not parts.netloc:
        return None
    if parts.scheme.lower() == "mailto" and (not parts.path or any(c in parts.path for c in "<>\"' ")):
        return None
    return url


def _keep_safe_href(element: str, attribute: str, value: str) -> str | None:
    if element == "a" and attribute == "href":
        return safe_url(value)
    return value


def _clean(html: str, tags: frozenset[str]) -> str:
    return nh3.clean(html, tags=set(tags), attributes={"a": {"href"}, "*": set()}, attribute_filter=_keep_safe_href,
                     url_schemes=set(SAFE_SCHEMES), link_rel=None, strip_comments=True).strip()


def render_markdown(text: str | None) -> Markup:
    """A multi-paragraph text field as sanitised HTML (paragraphs, lists, emphasis, code, links)."""
    if not text:
        return Markup("")
    return Markup(_clean(_parser().render(str(text)), BLOCK_TAGS))


def render_inline(text: str | None) -> Markup:
    """A one-line text field as sanitised inline HTML (emphasis, code, links; no paragraphs)."""
    if not text:
        return Markup("")
    return Markup(_clean(_parser().renderInline(str(text)), INLINE_TAGS))


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


def readable_url(url: str) -> str:
    """A web address as residents read it aloud: no scheme, no ``www.``, no trailing slash."""
    text = url.strip()
    for prefix in ("https://", "http://", "mailto:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix):]
            break
    if text.lower().startswith("www."):
        text = text[4:]
    return unquote(text.rstrip("/"))
