"""The Markdown subset that text fields may use (docs/data-format.md), parsed the same way by check and render.

markdown-it-py with raw HTML off and only the documented rules on: paragraphs, lists, emphasis, code, links,
line breaks, and bare web and email addresses made links (linkify-it-py, as every editor people use does).
``render.markup`` turns the tokens into sanitised HTML; ``checks.markdown`` reads them for what a reader would
miss (a list split by a sub-list indented too little, link text such as "click here").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})

# markdown-it's "zero" preset has every rule off; turn on exactly the subset the data format documents.
BLOCK_RULES = ["paragraph", "list"]
INLINE_RULES = ["emphasis", "link", "backticks", "newline", "escape", "autolink"]
CORE_RULES = ["linkify"]

_PERCENT_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_MAILTO_ADDRESS = re.compile(r"^[^@\s,;<>\"'()\[\]\\]+@[^@\s,;<>\"'()\[\]\\]+\.[^@\s,;<>\"'()\[\]\\]+$")
MAILTO_FIELDS = frozenset({"subject"})
"""What a ``mailto:`` link may carry besides its one address: a ``cc``, ``bcc`` or ``body`` would write, or send
copies of, a message the reader did not ask for."""


@functools.cache
def parser(linkify: bool = True) -> MarkdownIt:
    """The one parser for text fields: the documented rules only, refused addresses left as literal text.

    ``linkify=False`` gives the same lists and written links without finding bare addresses, for ``check``:
    linkify-it compiles large regular expressions on first use, which ``check`` does not need.
    """
    md = MarkdownIt("zero", {"html": False, "linkify": linkify, "typographer": False, "breaks": False})
    md.enable([*BLOCK_RULES, *INLINE_RULES, *(CORE_RULES if linkify else [])])
    # A link whose address is refused stays literal text ("[text](javascript:...)"), never an <a> without href.
    md.validateLink = lambda url: safe_url(url) is not None  # type: ignore[method-assign]
    # markdown-it decodes %-escapes in an autolink's text; a decoded U+202E would turn the visible text around.
    md.normalizeLinkText = decode_visible  # type: ignore[method-assign]
    md.core.ruler.before("inline", "passage_language", _passage_language)
    return md


PASSAGE_MARK = re.compile(r"\{lang=([a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\}[ \t]*(?:\n|$)")
"""``{lang=es}`` alone on the line before a paragraph or a list: that block is in another language (WCAG 3.1.2)."""


def _passage_language(state: Any) -> None:
    """Put ``lang`` on the block after a ``{lang=xx}`` line, and take the line out of the text.

    Only this one attribute, only on a line of its own: anything else in braces stays text, as written.
    """
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "paragraph_open" or index + 2 >= len(tokens) or tokens[index + 1].type != "inline":
            continue
        inline = tokens[index + 1]
        mark = PASSAGE_MARK.match(inline.content)
        if mark is None:
            continue
        rest = inline.content[mark.end():]
        if rest.strip():
            inline.content = rest
            token.attrSet("lang", mark[1])
            continue
        following = tokens[index + 3] if index + 3 < len(tokens) else None
        if following is not None and following.type in ("paragraph_open", "bullet_list_open", "ordered_list_open") \
                and following.level == token.level:
            following.attrSet("lang", mark[1])
            for hidden in tokens[index:index + 3]:
                hidden.hidden = True
                hidden.content = ""
                hidden.type = "text" if hidden.type == "inline" else hidden.type


def _hidden(char: str) -> bool:
    """Characters that would not show as themselves in link text: controls, format marks, spaces, separators."""
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs") or char in "\x85\ufffd"


def decode_visible(text: str) -> str:
    """``text`` with its %-escapes decoded, except those that stand for a control, format or space character.

    ``https://example.org/%E2%80%AEfdp.exe`` stays as written: decoded, the right-to-left override in it would
    show the rest of the address backwards.
    """

    def decode(match: re.Match[str]) -> str:
        decoded = unquote(match[0], errors="strict") if _valid_utf8(match[0]) else None
        if decoded is None:
            return match[0]
        return "".join(quote(c, safe="") if _hidden(c) or c in "%/?#&=+;:@" else c for c in decoded)

    return _PERCENT_RUN.sub(decode, text)


def _valid_utf8(escaped: str) -> bool:
    try:
        bytes.fromhex(escaped.replace("%", "")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def mailto_parts(url: str) -> tuple[str, dict[str, str], list[str]] | None:
    """A ``mailto:`` address as (address, kept fields, names of dropped fields), or None if not one address."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() != "mailto":
        return None
    address = unquote(parts.path)
    if not _MAILTO_ADDRESS.match(address):
        return None
    kept: dict[str, str] = {}
    dropped: list[str] = []
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name.lower() in MAILTO_FIELDS and name.lower() not in kept:
            kept[name.lower()] = value
        elif name not in dropped:
            dropped.append(name)
    return address, kept, dropped


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http or https address, or a ``mailto:`` to one address; otherwise None.

    A ``mailto:`` keeps its address and at most a subject; other fields (``cc``, ``bcc``, ``body``) are left out
    (``check`` warns about them).
    """
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme == "mailto":
        mailto = mailto_parts(url)
        if mailto is None:
            return None
        address, kept, _ = mailto
        query = "&".join(f"{name}={quote(value, safe='')}" for name, value in kept.items())
        return f"mailto:{quote(address, safe='@+')}" + (f"?{query}" if query else "")
    if any(c in url for c in "\x00\r\n\t\\<>\"'` "):
        return None
    if scheme not in SAFE_SCHEMES or not parts.netloc:
        return None
    return url


def readable_url(url: str) -> str:
    """A web address as residents read it aloud: no scheme, no ``www.``, no trailing slash."""
    text = url.strip()
    mailto = mailto_parts(text)
    if mailto is not None:
        return mailto[0]
    for prefix in ("https://", "http://", "mailto:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix):]
            break
    if text.lower().startswith("www."):
        text = text[4:]
    return decode_visible(text.rstrip("/"))


def same_address(text: str, url: str) -> bool:
    """Whether a link's visible text already is its address (so a printed copy needs no second one)."""
    shown = text.strip().rstrip("/").lower()
    return shown in {url.strip().rstrip("/").lower(), readable_url(url).lower(), decode_visible(url).lower()} or (
        readable_url(shown).lower() == readable_url(url).lower())


def written_links(tokens: list[Token]) -> Iterator[tuple[Token, Token, str]]:
    """Each link written as ``[text](address)`` in parsed inline ``tokens``: (its block, its ``link_open``, its text).

    Addresses the parser linked by itself (bare and ``<...>`` addresses) are not written links: their text is the
    address. One walk for ``check`` (vague link text) and the renderer (the address printed after a link).
    """
    for token in tokens:
        children = token.children or []
        for i, child in enumerate(children):
            if child.type != "link_open" or child.markup in ("linkify", "autolink"):
                continue
            words = []
            for inner in children[i + 1:]:
                if inner.type == "link_close":
                    break
                words.append(inner.content)
            yield token, child, "".join(words)

