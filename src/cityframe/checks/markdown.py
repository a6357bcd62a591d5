"""Markdown that renders otherwise than its writer meant, or that a reader cannot use: warnings at the line.

- A sub-list indented less than the text of the numbered item above it is not part of that item: it ends the
  numbered list, and the next item starts a new list (it prints as "1." again in many readers).
- Link text such as "click here" or "more" says nothing about where the link goes, out of context, as screen
  reader users list links (WCAG 2.1 success criterion 2.4.4, Link Purpose).
- A ``mailto:`` link carries its address and at most a subject; ``cc``, ``bcc`` or ``body`` are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..data.load import City
from ..data.sources import PathKey, format_path, split_lines
from ..errors import Finding
from .fonts import text_values

if TYPE_CHECKING:
    from markdown_it.token import Token

VAGUE_LINK_TEXTS = frozenset({
    "here", "click here", "click", "this link", "link", "more", "read more", "learn more", "this", "this page",
    "go", "details", "more info", "more information", "info", "website", "page", "see here", "click this link",
})
"""Link texts that name no destination (after lowercasing and dropping punctuation at either end)."""
_ITEM = re.compile(r"^(?P<indent> *)(?P<marker>\d{1,9}[.)]|[-*+])(?P<gap> +|$)")
_MARKDOWN_HINT = re.compile(r"\n *(?:\d{1,9}[.)]|[-*+]) |\]\(|mailto:|\{ *lang", re.IGNORECASE)
_LANGUAGE_MARK_LIKE = re.compile(r"^\s*\{\s*lang\s*[=:].*\}\s*$", re.IGNORECASE)
"""A line meant as ``{lang=es}``: if it is still in the text after parsing, it is printed as written."""


def _split_lists(text: str, tokens: list[Token]) -> Iterator[tuple[int, str]]:
    """(line in ``text``, message) for each list that starts indented right after a list at the top level."""
    lines = text.split("\n")
    previous_item: int | None = None  # the first line of the last item of the list that just closed
    last_item_of: list[int] = []
    for token in tokens:
        if token.type == "list_item_open" and token.level == 1 and token.map:
            last_item_of.append(token.map[0])
        if token.type in ("bullet_list_close", "ordered_list_close") and token.level == 0:
            previous_item = last_item_of[-1] if last_item_of else None
            last_item_of = []
            continue
        if token.type in ("bullet_list_open", "ordered_list_open") and token.level == 0 and token.map:
            start = token.map[0]
            line = lines[start]
            indent = len(line) - len(line.lstrip(" "))
            if previous_item is not None and indent > 0 and previous_item < start:
                above = _ITEM.match(lines[previous_item])
                if above:
                    needed = len(above["indent"]) + len(above["marker"]) + max(1, len(above["gap"]))
                    if indent < needed:
                        yield start, (
                            f"the list item '{line.strip()[:40]}' is indented {indent} space(s), too few to belong to "
                            f"item '{above['marker']}' above it: it ends that list, and the items after it start "
                            f"a new one; indent it by {needed} spaces")
            previous_item = None
        elif token.level == 0 and token.type.endswith("_open"):  # a paragraph between: the lists are apart
            previous_item = None


def _links(tokens: list[Token]) -> Iterator[tuple[int | None, str, str]]:
    """(line in the text, visible text, href) of each link written as ``[text](address)``."""
    from ..data.markdown import written_links

    for block, link, words in written_links(tokens):
        yield (block.map[0] if block.map else None), words, str(link.attrGet("href") or "")



def _line_in_file(city: City, file: str, path: PathKey, offset: int | None, needle: str) -> tuple[int, int]:
    """Where ``needle``, on line ``offset`` of a multi-line value, is in the file (else the value's own place)."""
    line, col = city.sources[file].locate(path)
    if offset is None or not needle:
        return line, col
    try:
        lines = split_lines((city.folder / file).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        return line, col
    # A value's text lines follow its first line in the file (a block scalar's start one line later), so the
    # search starts there and cannot land on an earlier line of the same value.
    for number in range(line - 1 + offset, len(lines)):
        if needle in lines[number]:
            return number + 1, lines[number].index(needle) + 1
    return line, col


def markdown_findings(city: City) -> Iterator[Finding]:
    """Warnings for Markdown that would render otherwise than written, or links a reader cannot use."""
    md = None  # markdown-it is imported only for a city whose texts have lists, links or mailto:
    for file, source in city.sources.items():
        for path, text in text_values(source.data):
            if not _MARKDOWN_HINT.search(text):
                continue
            if md is None:
                from ..data.markdown import mailto_parts, parser

                md = parser(linkify=False)  # bare addresses make no list and no written link
            tokens = md.parse(text)
            lines = text.split("\n")
            found: list[tuple[int | None, str, str, str]] = [
                (offset, lines[offset].strip(), message,
                 "indent the sub-list as far as the text of the item it belongs to")
                for offset, message in _split_lists(text, tokens)]
            for offset, words, href in _links(tokens):
                needle = "[" + words.split("\n")[0]
                if offset is not None:  # the paragraph's first line: move on to the line with the link
                    offset = next((n for n in range(offset, len(lines)) if needle in lines[n]), offset)
                shown = words.strip().strip(".,:;!?()").lower()
                if shown in VAGUE_LINK_TEXTS:
                    found.append((offset, needle, f"the link text '{words.strip()}' does not say where the link goes "
                                  "(WCAG 2.4.4)", "name what the reader finds there, e.g. "
                                  "[the 2024 hate crime report](https://...)"))
                mailto = mailto_parts(href)
                if mailto and mailto[2]:
                    dropped = ", ".join(mailto[2])
                    found.append((offset, needle, f"the mailto: link to {mailto[0]} carries {dropped}: only the "
                                  "address and a subject are kept", "remove them from the link"))
            for token in tokens:
                if token.type != "inline":
                    continue
                for line_text in token.content.split("\n"):
                    if _LANGUAGE_MARK_LIKE.match(line_text):
                        offset = next((n for n, line in enumerate(lines) if line.strip() == line_text.strip()), None)
                        found.append((offset, line_text.strip(), f"'{line_text.strip()}' is not read as a language "
                                      "mark, so the documents print it as text",
                                      "write {lang=es} (a lowercase language code, no spaces or quotes) alone on a "
                                      "line, after an empty line and just before the paragraph or list it marks"))
            for offset, needle, message, hint in found:
                line, col = _line_in_file(city, file, path, offset, needle)
                yield Finding(city.display(file), line, col, format_path(path), message, severity="warning",
                              hint=hint)
