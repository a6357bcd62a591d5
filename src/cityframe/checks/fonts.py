"""Characters that no font cityframe prints with can show: found in the data, so ``check`` names file and line.

A character no font covers prints as an empty box (".notdef"), which a council member or a resident notices
at once. WeasyPrint would only say so at build time, once per character and without saying where it came from.
This module answers from ``font_coverage.json``, a table that ``scripts/gen-font-coverage`` generates from the
fonts' cmaps (the fonts in ``templates/fonts`` and the Debian font packages the README installs), so ``check``
never loads a font, fontTools or WeasyPrint.
"""

from __future__ import annotations

import bisect
import functools
import json
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..data.load import City
from ..data.sources import PathKey
from ..errors import Finding

COVERAGE_FILE = Path(__file__).with_name("font_coverage.json")
NO_FONT = "no font"
"""The words every finding of this module carries (``build --strict`` refuses a city with such a finding)."""
SHOWN_CHARACTERS = 5

# Scripts by code-point range, for the message ("8 characters (Chinese) have no font"). Python's unicodedata has
# no script property; these ranges (from the Unicode blocks, https://www.unicode.org/Public/UCD/latest/ucd/
# Blocks.txt) name the scripts that cities' languages are written in, and anything else is "other".
_SCRIPTS: list[tuple[int, int, str]] = sorted([
    (0x0000, 0x024F, "Latin"), (0x1E00, 0x1EFF, "Latin"), (0x0370, 0x03FF, "Greek"), (0x0400, 0x052F, "Cyrillic"),
    (0x0530, 0x058F, "Armenian"), (0x0590, 0x05FF, "Hebrew"), (0x0600, 0x06FF, "Arabic"), (0x0750, 0x077F, "Arabic"),
    (0x0870, 0x08FF, "Arabic"), (0xFB50, 0xFDFF, "Arabic"), (0xFE70, 0xFEFF, "Arabic"), (0x0700, 0x074F, "Syriac"),
    (0x0780, 0x07BF, "Thaana"), (0x0900, 0x097F, "Devanagari"), (0x0980, 0x09FF, "Bengali"),
    (0x0A00, 0x0A7F, "Gurmukhi"), (0x0A80, 0x0AFF, "Gujarati"), (0x0B00, 0x0B7F, "Oriya"), (0x0B80, 0x0BFF, "Tamil"),
    (0x0C00, 0x0C7F, "Telugu"), (0x0C80, 0x0CFF, "Kannada"), (0x0D00, 0x0D7F, "Malayalam"),
    (0x0D80, 0x0DFF, "Sinhala"), (0x0E00, 0x0E7F, "Thai"), (0x0E80, 0x0EFF, "Lao"), (0x0F00, 0x0FFF, "Tibetan"),
    (0x1000, 0x109F, "Myanmar"), (0x10A0, 0x10FF, "Georgian"), (0x1100, 0x11FF, "Korean"),
    (0x1200, 0x139F, "Ethiopic"), (0x13A0, 0x13FF, "Cherokee"), (0x1400, 0x167F, "Canadian Syllabics"),
    (0x1780, 0x17FF, "Khmer"), (0x1800, 0x18AF, "Mongolian"), (0x2E80, 0x2FDF, "Chinese"),
    (0x3000, 0x303F, "Chinese"), (0x3040, 0x30FF, "Japanese"), (0x3100, 0x312F, "Chinese"),
    (0x3130, 0x318F, "Korean"), (0x3400, 0x4DBF, "Chinese"), (0x4E00, 0x9FFF, "Chinese"), (0xA000, 0xA4CF, "Yi"),
    (0xA960, 0xA97F, "Korean"), (0xAC00, 0xD7FF, "Korean"), (0xF900, 0xFAFF, "Chinese"),
    (0x16F00, 0x16F9F, "Miao"), (0x1E900, 0x1E95F, "Adlam"), (0x20000, 0x3134F, "Chinese"),
    (0x1F000, 0x1FAFF, "emoji"), (0x2600, 0x27BF, "symbols"),
])
_SCRIPT_STARTS = [start for start, _, _ in _SCRIPTS]


@functools.cache
def _coverage() -> tuple[list[int], list[int]]:
    table = json.loads(COVERAGE_FILE.read_text(encoding="utf-8"))
    ranges = table["ranges"]
    return [start for start, _ in ranges], [end for _, end in ranges]


def covered(char: str) -> bool:
    """Whether a font in every font stack of the templates maps ``char`` (one code point) to a glyph."""
    starts, ends = _coverage()
    point = ord(char)
    i = bisect.bisect_right(starts, point) - 1
    return i >= 0 and point <= ends[i]


def _invisible(char: str) -> bool:
    """Characters that never need a glyph: line breaks, controls, joiners, direction marks, variation selectors."""
    category = unicodedata.category(char)
    point = ord(char)
    return (category in ("Cc", "Cf", "Zl", "Zp") or 0xFE00 <= point <= 0xFE0F or 0xE0100 <= point <= 0xE01EF)


def script(char: str) -> str:
    """The script's name as people say it ("Chinese", "Arabic", "emoji"), or "other"."""
    point = ord(char)
    i = bisect.bisect_right(_SCRIPT_STARTS, point) - 1
    if i >= 0 and point <= _SCRIPTS[i][1]:
        return _SCRIPTS[i][2]
    return "other"


def uncovered(text: str) -> list[str]:
    """The characters of ``text`` that would print as boxes, in order, each once."""
    missing: dict[str, None] = {}
    for char in text:
        if char.isascii() or char in missing or _invisible(char) or covered(char):
            continue
        missing[char] = None
    return list(missing)


def text_values(value: Any, path: PathKey = ()) -> Iterator[tuple[PathKey, str]]:
    """Every string in a file's data, with its path: ``(("stakeholders", 2, "name"), "Athens City Council")``."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from text_values(item, (*path, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from text_values(item, (*path, n))


def font_findings(city: City) -> Iterator[Finding]:
    """A warning for each text in the city's files with characters that no configured font covers."""
    for file, source in city.sources.items():
        for path, text in text_values(source.data):
            missing = uncovered(text)
            if not missing:
                continue
            count = sum(1 for char in text if char in missing)
            scripts = ", ".join(dict.fromkeys(script(char) for char in missing))
            shown = ", ".join(f"{char} U+{ord(char):04X}" for char in missing[:SHOWN_CHARACTERS])
            shown += ", ..." if len(missing) > SHOWN_CHARACTERS else ""
            words = ("characters", "have", "they would print as boxes") if count != 1 else (
                "character", "has", "it would print as a box")
            yield city.finding(
                file, path, f"{count} {words[0]} ({scripts}) {words[1]} {NO_FONT}: {words[2]} "
                f"({shown})", severity="warning",
                hint="the documents' fonts cover Latin (with Vietnamese), Greek, Cyrillic, Arabic, Chinese, Japanese, "
                     "Korean and emoji up to Unicode 9; docs/fonts.md says how to add one")


def is_font_finding(finding: Finding) -> bool:
    """Whether ``finding`` is one of this module's warnings."""
    return finding.severity == "warning" and any(f") {verb} {NO_FONT}: " in finding.message for verb in ("has", "have"))
