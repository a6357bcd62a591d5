"""Read a YAML file safely and remember the file:line:column of every key and value.

The file is read from libyaml's event stream rather than with ``yaml.safe_load`` because the events let us
(1) keep the position of every value, (2) refuse duplicate keys, which PyYAML would silently let the second
one win, (3) refuse tags, (4) stop deep nesting and alias bombs before they cost stack or memory: libyaml's own
composer crashes the interpreter on about 100,000 nested brackets.

Every way a file can fail to be read ends in a :class:`YamlError` whose finding names the file, the 1-based line
and column, and says in plain words what is wrong and how to fix it: the people who edit these files are city
staff, often in a web editor or on a phone, not programmers.
"""

from __future__ import annotations

import calendar
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import Finding

MAX_BYTES = 2_000_000
"""A city file is a few dozen KB; anything this large is a mistake, not a plan."""
MAX_DEPTH = 40
MAX_VALUES = 20_000
"""Counted with aliases expanded, so that a "billion laughs" file stops here; the largest pilot city file holds
about 400 values and the national catalog about 700."""
SHOWN = 60
"""At most this many characters of a value are quoted back in a message."""

PathKey = tuple[str | int, ...]

_CORE = "tag:yaml.org,2002:"
_STR = _CORE + "str"
_ALLOWED_TAGS = {_CORE + kind for kind in ("str", "int", "float", "bool", "null", "timestamp")}
_PLAIN_TAGS = {None, "!", _CORE + "map", _CORE + "seq"}

# What YAML 1.1 (libyaml) counts as a line break, so that our line numbers agree with the parser's.
_LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")
# The characters YAML refuses in a file (the reader's own test), and control characters written as escapes ("\0").
_UNPRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")
# Spaces and marks that look like nothing, or like an ordinary space, but are not one to YAML: pasted from a web
# page or a word processor, a non-breaking space at the start of a line breaks the indentation invisibly.
_INVISIBLE = "\u00a0\u1680\u180e\u2000-\u200f\u202a-\u202f\u205f-\u2064\u3000\ufeff"
_INVISIBLE_CHAR = re.compile(f"[{_INVISIBLE}]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
"""Unicode's bidirectional embedding, override and isolate controls ("Trojan Source", CVE-2021-42574)."""
_INVISIBLE_SPACING = re.compile(f"^[ \t]*(?:- )?[ \t]*(?P<lead>[{_INVISIBLE}])|:(?P<after>[{_INVISIBLE}])")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TextLoader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)  # every scalar a string: a third faster


@dataclass
class YamlSource:
    """A file's data and where each value came from."""

    file: str
    data: Any
    values: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    raw: dict[PathKey, str] = field(default_factory=dict)
    """The text of every scalar as written, so a message can quote ``yes`` rather than the ``True`` YAML read."""
    warnings: list[Finding] = field(default_factory=list)
    """Warnings about single values (a web address with a look-alike letter) that ``check`` reports."""
    findings: list[Finding] = field(default_factory=list)
    """Problems with single values (an impossible date) that do not stop the rest of the file being checked."""
    untranslated: list[Finding] = field(default_factory=list)
    """Warnings at the prose a language edition lacks (``check --lang``): listed in full, never capped."""
    bare_keys: dict[PathKey, PathKey | None] = field(default_factory=dict)
    """Keys written without a colon inside ``{ }``, by the key before them: the sign of a comma in a text, as in
    ``{date: 2025-01-31, description: Protocol, consent forms signed}``."""

    def locate(self, path: PathKey, *, prefer_key: bool = False) -> tuple[int, int]:
        """The 1-based line and column of ``path``, or of its nearest ancestor that the file contains."""
        path = tuple(path)
        while True:
            table = (self.keys, self.values) if prefer_key else (self.values, self.keys)
            for positions in table:
                if path in positions:
                    return positions[path]
            if not path:
                return (1, 1)
            path = path[:-1]


class YamlError(Exception):
    """The file could not be read as YAML; carries one located finding."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(str(finding))
        self.finding = finding


def format_path(path: PathKey) -> str:
    """``('interventions', 3, 'lead')`` -> ``interventions[3].lead``, as city staff see it in the file."""
    out = ""
    for part in path:
        name = shown(part, limit=200) if isinstance(part, str) else part
        out += f"[{part}]" if isinstance(part, int) else (f".{name}" if out else str(name))
    return out


def shown(text: str, limit: int = SHOWN) -> str:
    """``text`` made safe to quote in a message: invisible characters spelled out, long text cut short."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))
    text = _INVISIBLE_CHAR.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    text = _BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    text = _LINE_BREAK.sub("\\\\n", text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` as the YAML parser numbers them: CR, LF, CRLF, NEL, LS and PS each end a line."""
    return _LINE_BREAK.split(text)


def position(text: str, index: int) -> tuple[int, int]:
    """The 1-based line and column of the character at ``index``."""
    before = text[:index]
    lines = split_lines(before)
    return len(lines), len(lines[-1]) + 1


def _tag_as_written(tag: str) -> str:
    return "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag


def _character(char: str) -> str:
    name = unicodedata.name(char, "").lower()
    return f"{name} (U+{ord(char):04X})" if name else f"U+{ord(char):04X}"


# --- syntax errors in plain words -----------------------------------------------------------------------


@dataclass
class _Explained:
    line: int  # 0-based, as libyaml marks are
    column: int
    message: str
    hint: str | None = None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content(line: str) -> str:
    """A line without its comment and trailing blanks (a rough cut: good enough to explain an error)."""
    stripped = line.strip()
    if stripped.startswith("#"):
        return ""
    return re.split(r"\s#", line, maxsplit=1)[0].rstrip()


def _previous_content_line(lines: list[str], number: int) -> int | None:
    for n in range(number - 1, -1, -1):
        if _content(lines[n]).strip():
            return n
    return None


def _quoted(text: str) -> str:
    """``text`` as a YAML quoted scalar, for a hint that shows the fix."""
    if '"' not in text:
        return f'"{text}"'
    return "'" + text.replace("'", "''") + "'"


def _quote_example(line: str, limit: int = 70) -> str:
    """The line with its value put in quotes, e.g. ``name: "Mayor's office: staff"``, or '' if not a key line."""
    match = re.match(r"^(\s*(?:- )?)([^:#'\"\s][^:#]*?):\s+(.+?)\s*$", line)
    if not match:
        return ""
    example = f"{match.group(2)}: {_quoted(match.group(3))}"
    return f", for example: {example}" if len(example) <= limit else ""


def _flow_example(line: str, column: int, limit: int = 70) -> str:
    """For ``{description: Phase 1: done}``, the example ``description: "Phase 1: done"``."""
    begin = max(line.rfind(sep, 0, column) for sep in ",{[") + 1
    ends = [i for i in (line.find(sep, column) for sep in ",}]") if i >= 0]
    key, _, value = line[begin : min(ends) if ends else len(line)].partition(": ")
    example = f"{key.strip()}: {_quoted(value.strip())}"
    return f", for example: {example}" if value.strip() and len(example) <= limit else ""


def _explain(exc: yaml.MarkedYAMLError, lines: list[str], last: Any = None) -> _Explained:
    """Turn libyaml's report into a location, a message and a fix city staff can act on.

    ``last`` is the last event read before the error: a quoted text that ran over several lines just before it
    is the sign of a quote left open, which libyaml only notices at the next quote.
    """
    context, problem = exc.context or "", exc.problem or ""
    problem_mark, context_mark = exc.problem_mark, exc.context_mark
    mark = problem_mark or context_mark
    at = (mark.line, mark.column) if mark is not None else (0, 0)
    start = (context_mark.line, context_mark.column) if context_mark is not None else at

    def line_text(number: int) -> str:
        return lines[number] if 0 <= number < len(lines) else ""

    def char(where: tuple[int, int]) -> str:
        return line_text(where[0])[where[1] : where[1] + 1]

    here = char(at)

    if isinstance(last, yaml.ScalarEvent) and last.style in ("'", '"') and last.end_mark.line > last.start_mark.line \
            and ("expected key" in problem or "expected ',' or" in problem or "expected '-'" in problem) \
            and at[0] == last.end_mark.line:
        quote = last.style
        return _Explained(last.start_mark.line, last.start_mark.column,
                          f"the quote {quote} that starts here is not closed on its line",
                          f"add the closing {quote} at the end of the text; without it, YAML reads on to the next "
                          f"{quote}, on line {last.end_mark.line + 1}")

    for number in (at[0], _previous_content_line(lines, at[0])):
        spacing = _INVISIBLE_SPACING.search(line_text(number)) if number is not None else None
        if spacing and number is not None:
            where = "at the start of the line" if spacing["lead"] else "after the colon"
            column = spacing.start("lead") if spacing["lead"] else spacing.start("after")
            return _Explained(number, column, f"an invisible {_character(spacing['lead'] or spacing['after'])} "
                              f"{where}, where YAML needs an ordinary space",
                              "delete the spaces here and type them again; this happens when text is pasted from "
                              "a web page or a word processor")

    if here == "\t" or "tab character" in problem:
        return _Explained(*at, "a tab character; YAML indents with spaces only", "replace the tab with spaces")

    if "quoted scalar" in context and ("end of stream" in problem or "document indicator" in problem):
        quote = char(start) or '"'
        return _Explained(*start, f"the quote {quote} that starts here is never closed",
                          f"add the closing {quote} at the end of the text")
    if "unknown escape" in problem:
        escape = line_text(at[0])[at[1] : at[1] + 2]
        return _Explained(*at, f"'{shown(escape)}' is not a valid escape inside double quotes",
                          "write \\\\ for a backslash, or use single quotes around the text")
    if "hexdecimal number" in problem or "Unicode character escape" in problem:
        return _Explained(*start, "a '\\x', '\\u' or '\\U' escape inside double quotes with an invalid character code",
                          "write the character itself, or use single quotes around the text")

    if "flow sequence" in context or "flow mapping" in context:
        opening, closing, kind = ("[", "]", "list") if "sequence" in context else ("{", "}", "mapping")
        current = line_text(at[0])
        if at[0] == start[0] and closing in current[at[1] :]:
            # The brackets are closed on this line: the trouble is a character inside them.
            if here == ":":
                return _Explained(*at, f"a colon inside '{opening} {closing}' where YAML does not expect one",
                                  "put quotes around text that contains ': '" + _flow_example(current, at[1]))
            return _Explained(*at, f"unexpected text inside '{opening} {closing}'",
                              f"put quotes around text that contains ',', ':', '{opening}' or '{closing}', and "
                              "nothing after a closing quote")
        return _Explained(*start, f"the {kind} that opens with '{opening}' here is not closed with '{closing}'",
                          f"add '{closing}' at its end; put quotes around items that contain ',', ':', "
                          f"'{opening}' or '{closing}'")
    if "flow node" in context:
        return _Explained(*start, "a list or mapping in brackets that is not closed",
                          "close each '[' with ']' and each '{' with '}'")

    if "an alias" in context or "an anchor" in context:
        sign = char(start) or "*"
        return _Explained(*start, f"a value that starts with '{sign}' must be in quotes",
                          "YAML reads '*' and '&' at the start of a value as a reference"
                          + _quote_example(line_text(start[0])))
    if "directive" in context or "directive" in problem:
        return _Explained(*start, "a line that starts with '%'",
                          "remove the line; '%' lines are YAML directives, which city files do not need")
    if "a tag" in context or "tag handle" in problem:
        return _Explained(*start, "a value that starts with '!' must be in quotes",
                          "YAML reads '!' at the start of a value as a tag" + _quote_example(line_text(start[0])))
    if "block scalar" in context:
        return _Explained(*at, "the text after '|' or '>' must start on the next line",
                          "move the text to the lines below, indented more than the key")

    if "cannot start any token" in problem:
        return _Explained(*at, f"a value cannot start with '{shown(here)}'",
                          "put the value in quotes" + _quote_example(line_text(at[0])))
    if "expected node content" in problem:
        return _Explained(*at, f"a value cannot start with '{shown(here)}'" if here.strip()
                          else "a value is missing here", "put the value in quotes, or remove the stray character")
    if "block sequence entries are not allowed" in problem:
        return _Explained(*at, "a list item '- ' where a value was expected",
                          "start the list on the next line, indented under its key, or put the text in quotes")

    if "could not find expected ':'" in problem:
        return _Explained(*start, "a line that is neither 'key: value' nor a list item",
                          "add ': ' after the key, or indent the line if it continues the text above")

    if "mapping values are not allowed" in problem:
        current = line_text(at[0])
        previous = _previous_content_line(lines, at[0])
        before = _content(line_text(previous)) if previous is not None else ""
        if ": " in current[: at[1]] or current[: at[1]].rstrip().endswith(":"):
            return _Explained(*at, "a colon where YAML does not expect one",
                              "put quotes around text that contains ': '" + _quote_example(current))
        if previous is not None and _indent(current) > _indent(before) and not before.endswith(":") \
                and not before.lstrip().startswith("- "):
            return _Explained(at[0], _indent(current), "a colon where YAML does not expect one: this line is "
                              "indented more than the line above it", "align it with the line above")
        if previous is not None and _indent(current) == _indent(before) and ":" not in before \
                and not before.lstrip().startswith(("-", "#")):
            return _Explained(previous, _indent(before), "a line that is neither 'key: value' nor a list item",
                              "add ': ' after the key, or join the line to the one above")
        return _Explained(*at, "a colon where YAML does not expect one",
                          "put quotes around text that contains ': ', or check the indentation of this line")

    if "expected '-' indicator" in problem:
        if re.match(r"^\s*[^\s:-][^:]*:(\s|$)", line_text(at[0])):
            return _Explained(*at, "a 'key: value' line in the middle of a list",
                              "start it with '- ' to make it an item, or indent it under the item above")
        return _Explained(*at, "a list item indented differently from the others", "align every '- ' of a list")
    if "expected key" in problem:
        if here == "-":
            return _Explained(*at, "a list item '- ' among 'key: value' lines",
                              "indent the list under its key, or remove the '- '")
        if at[1] > _indent(line_text(at[0])):
            return _Explained(*at, "unexpected text after the value",
                              "put the whole value in quotes, or remove the text after the closing quote")
        return _Explained(*at, "a line indented differently from the lines around it",
                          "align this key with the other keys of the same block")

    if "document" in problem or "document" in context:
        return _Explained(*at, "more than one YAML document ('---' or '...') in the file",
                          "keep one document per file: remove the '---' or '...' line")

    if "nesting depth" in problem:  # libyaml's own limit, for block nesting deeper than ours could see
        return _Explained(*at, f"the data is nested more than {MAX_DEPTH} levels deep",
                          "city files need only a few levels; check the indentation and brackets")

    return _Explained(*at, "this line is not valid YAML",
                      f"check the quotes, colons and indentation on this line (the YAML reader says: {problem})")


# --- the reader -------------------------------------------------------------------------------------------


class _Builder:
    """Turns libyaml events into plain Python values, recording positions and enforcing the limits."""

    def __init__(self, text: str, file: str) -> None:
        self.loader = _Loader(text)
        self.text = text
        self.file = file
        self.source = YamlSource(file=file, data=None)
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.count = 0
        self._lines: list[str] | None = None
        self.last: Any = None

    def fail(self, mark: Any, path: PathKey, message: str, hint: str | None = None) -> YamlError:
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        return YamlError(Finding(self.file, line, col, format_path(path), message, hint=hint))

    def soft(self, mark: Any, path: PathKey, message: str, hint: str | None = None) -> None:
        """A problem with one value: report it, and keep reading the file for the others."""
        self.source.findings.append(Finding(self.file, mark.line + 1, mark.column + 1, format_path(path),
                                            message, hint=hint))

    def grow(self, amount: int, mark: Any, path: PathKey) -> None:
        self.count += amount
        if self.count > MAX_VALUES:
            if self.anchors:
                raise self.fail(mark, path, f"the file expands to more than {MAX_VALUES:,} values",
                                "aliases ('*name') that repeat each other multiply the values: write them out")
            raise self.fail(mark, path, f"the file holds more than {MAX_VALUES:,} values",
                            "a city file holds a few hundred; check that this is the right file")

    def check_tag(self, event: Any, path: PathKey) -> None:
        tag = getattr(event, "tag", None)
        if isinstance(event, yaml.ScalarEvent):
            if tag in (None, "!") or tag in _ALLOWED_TAGS:
                return
        elif tag in _PLAIN_TAGS:
            return
        written = _tag_as_written(str(tag))
        raise self.fail(event.start_mark, path, f"the tag '{shown(written)}' is not allowed",
                        f"cityframe reads plain YAML: remove '{shown(written)}', or put the whole value in quotes "
                        "if the text starts with '!'")

    def scalar(self, event: Any, path: PathKey) -> Any:
        bidi = _BIDI.search(event.value)
        if bidi:
            # Located at the character itself (or, when YAML wrote it from an escape, at the value).
            index = self.text.find(bidi.group(), event.start_mark.index, event.end_mark.index)
            line, col = position(self.text, index) if index >= 0 else (event.start_mark.line + 1,
                                                                      event.start_mark.column + 1)
            self.source.findings.append(Finding(
                self.file, line, col, format_path(path), f"the text holds an invisible bidirectional control "
                f"character ({_character(bidi.group())}): it makes text show in another order than it is written",
                hint="delete it; right-to-left text (Arabic, Hebrew) needs no control characters"))
            return event.value
        if _CONTROL.search(event.value):
            char = _CONTROL.search(event.value).group()  # type: ignore[union-attr]
            self.soft(event.start_mark, path, f"the text holds an invisible control character ({_character(char)})",
                      "remove it; escapes such as \\0, \\a or \\e inside double quotes write such characters")
            return event.value
        tag = event.tag if event.tag not in (None, "!") else None
        if tag is None:
            tag = _STR if event.tag == "!" else self.loader.resolve(
                yaml.ScalarNode, event.value, event.implicit)
        if tag == _STR:  # most values: the text as written, without building a node to construct it from
            return event.value
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError, TypeError, yaml.constructor.ConstructorError) as exc:
            if tag.endswith(":timestamp"):
                why = why_not_a_date(event.value)
                self.soft(event.start_mark, path, f"'{shown(event.value)}' is not a real date{why}",
                          "write a date that exists as YYYY-MM-DD, for example 2025-03-31; put it in quotes if it "
                          "is text")
                return event.value
            if "digits" in str(exc):
                raise self.fail(event.start_mark, path, f"the number '{shown(event.value, 20)}' is too long",
                                "write a shorter number, or put it in quotes if it is text") from None
            kind = _tag_as_written(tag)
            raise self.fail(event.start_mark, path, f"'{shown(event.value)}' cannot be read as {kind}",
                            f"remove '{kind}' or correct the value") from None

    def build(self) -> YamlSource:
        """Read the whole stream and return the data with its positions."""
        loader = self.loader
        stack: list[dict[str, Any]] = []
        root: Any = None
        documents = 0
        try:
            while True:
                event = self.last = loader.get_event()
                if isinstance(event, yaml.StreamEndEvent):
                    break
                if isinstance(event, yaml.DocumentStartEvent):
                    documents += 1
                    if documents > 1:
                        raise self.fail(event.start_mark, (), "more than one YAML document ('---') in the file",
                                        "keep one document per file: remove the '---' line and merge the keys")
                    continue
                if isinstance(event, (yaml.StreamStartEvent, yaml.DocumentEndEvent)):
                    continue
                if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                    frame = stack.pop()
                    if frame["anchor"]:
                        self.anchors[frame["anchor"]] = (frame["value"], self.count - frame["count"])
                    continue
                # A value, or a key of the innermost mapping.
                parent = stack[-1] if stack else None
                if parent is not None and parent["kind"] == "map" and parent["key"] is None:
                    self.key(event, parent)
                    continue
                path = self.child_path(parent)
                if parent is not None and parent["kind"] == "map":
                    self.note_bare_key(event, path, parent)
                value = self.value(event, path, stack)
                if parent is None:
                    root = value
                elif parent["kind"] == "map":
                    parent["value"][parent["key"]] = value
                    parent["key"] = None
                else:
                    parent["value"].append(value)
        except yaml.MarkedYAMLError as exc:
            explained = _explain(exc, self.lines(), self.last)
            raise YamlError(Finding(self.file, explained.line + 1, explained.column + 1, "", explained.message,
                                    hint=explained.hint)) from None
        except yaml.YAMLError as exc:  # not expected: unprintable characters are refused before parsing
            raise YamlError(Finding(self.file, 1, 1, "", "this is not valid YAML text",
                                    hint=f"the YAML reader says: {shown(str(exc), 200)}")) from None
        self.source.data = root
        return self.source

    def child_path(self, parent: dict[str, Any] | None) -> PathKey:
        if parent is None:
            return ()
        if parent["kind"] == "map":
            return (*parent["path"], parent["key"])
        return (*parent["path"], len(parent["value"]))

    def key(self, event: Any, parent: dict[str, Any]) -> None:
        path = parent["path"]
        if not isinstance(event, yaml.ScalarEvent):
            what = "a reference ('*')" if isinstance(event, yaml.AliasEvent) else "a list or a mapping"
            raise self.fail(event.start_mark, path, f"a key must be plain text, not {what}",
                            "check the indentation, or put the key in quotes")
        self.check_tag(event, path)
        key = event.value
        if _CONTROL.search(key):
            raise self.fail(event.start_mark, path, f"the key '{shown(key)}' holds an invisible control character",
                            "retype the key")
        invisible = _INVISIBLE_CHAR.search(key) or _BIDI.search(key)
        if invisible and (not event.style or _BIDI.search(key)):  # in quotes, the character is there on purpose
            char = _character(invisible.group())
            if invisible.start() == 0 and self.lines()[event.start_mark.line][: event.start_mark.column].strip() == "":
                raise self.fail(event.start_mark, path, f"an invisible {char} at the start of the line, where YAML "
                                "needs an ordinary space", "delete the spaces here and type them again; this "
                                "happens when text is pasted from a web page or a word processor")
            raise self.fail(event.start_mark, path, f"the key '{shown(_INVISIBLE_CHAR.sub('', key))}' has an "
                            f"invisible {char} in it", "delete the key and type it again")
        if key == "<<":
            raise self.fail(event.start_mark, path, "merge keys ('<<') are not supported", "write the keys out")
        key_path = (*path, key)
        if key in parent["value"] or key in parent["pending"]:
            line, _ = self.source.keys[key_path]
            raise self.fail(event.start_mark, key_path, f"the key '{shown(key)}' appears twice in this block "
                            f"(first at line {line}); the second value would silently replace the first",
                            "remove or rename one of them")
        parent["pending"].add(key)
        parent["previous"], parent["key"] = parent["key_path"], key
        parent["key_path"], parent["key_end"] = key_path, event.end_mark
        self.source.keys[key_path] = (event.start_mark.line + 1, event.start_mark.column + 1)

    def note_bare_key(self, event: Any, path: PathKey, parent: dict[str, Any]) -> None:
        """Remember a key of a flow mapping that has no colon after it (``{a: b, c}``)."""
        if not (parent["flow"] and isinstance(event, yaml.ScalarEvent) and event.value == "" and event.implicit[0]):
            return
        end = parent["key_end"]
        lines = self.lines()
        rest = lines[end.line][end.column :] if end.line < len(lines) else ""
        if not rest.lstrip().startswith(":"):
            self.source.bare_keys[path] = parent["previous"]

    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = split_lines(self.text)
        return self._lines

    def value(self, event: Any, path: PathKey, stack: list[dict[str, Any]]) -> Any:
        self.source.values[path] = (event.start_mark.line + 1, event.start_mark.column + 1)
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in self.anchors:
                raise self.fail(event.start_mark, path, "a value that starts with '*' must be in quotes",
                                f"YAML reads '*{shown(event.anchor)}' as a reference to an '&{shown(event.anchor)}' "
                                "that is not in the file")
            value, size = self.anchors[event.anchor]
            self.grow(size, event.start_mark, path)
            return value
        self.check_tag(event, path)
        self.grow(1, event.start_mark, path)
        if isinstance(event, yaml.ScalarEvent):
            self.source.raw[path] = event.value
            value = self.scalar(event, path)
            if event.anchor:
                self.anchors[event.anchor] = (value, 1)
            return value
        if len(stack) >= MAX_DEPTH:
            raise self.fail(event.start_mark, path[:3], f"the data is nested more than {MAX_DEPTH} levels deep",
                            "city files need only a few levels; check the indentation and brackets")
        kind = "map" if isinstance(event, yaml.MappingStartEvent) else "seq"
        container: Any = {} if kind == "map" else []
        stack.append({"kind": kind, "value": container, "path": path, "key": None, "pending": set(),
                      "anchor": event.anchor, "count": self.count, "flow": bool(event.flow_style),
                      "key_path": None, "key_end": None, "previous": None})
        return container


def why_not_a_date(value: str) -> str:
    """``': February 2025 has 28 days'`` for a YYYY-MM-DD that does not exist, else ''."""
    match = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})", value)
    if not match:
        return ""
    year, month, day = (int(g) for g in match.groups())
    if not 1 <= month <= 12:
        return f": there is no month {month}"
    if year < 1:
        return ": there is no year 0"
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f": {calendar.month_name[month]} {year} has {days} days"
    return ""


def _file_error(display: str, message: str, hint: str | None = None, line: int = 1) -> YamlError:
    return YamlError(Finding(display, line, 1 if line else 0, "", message, hint=hint))


def _read_bytes(path: Path, display: str) -> bytes:
    """The file's bytes, refusing what is not a regular file and reading no more than the size limit allows."""
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise _file_error(display, f"the file is a link to {os.readlink(path)}, which does not exist",
                              "replace the link with the file itself", line=0) from None
        yml = path.with_suffix(".yml")
        if yml.exists():
            raise _file_error(display, f"the file is missing, but there is a {yml.name} beside it",
                              f"rename {yml.name} to {path.name}: cityframe reads only .yaml files", line=0) from None
        raise _file_error(display, "the file is missing",
                          "create it; 'cityframe new' run in a scratch folder writes a template of it",
                          line=0) from None
    except OSError as exc:
        raise _file_error(display, f"the file cannot be opened ({exc.strerror or exc})",
                          "check that it is a file you may read", line=0) from None
    if stat.S_ISDIR(info.st_mode):
        raise _file_error(display, "this is a folder, not a file", "a city folder holds six .yaml files", line=0)
    if not stat.S_ISREG(info.st_mode):
        raise _file_error(display, "this is not an ordinary file (it is a device, a pipe or a socket)",
                          "replace it with the YAML file", line=0)
    too_big = YamlError(Finding(display, 1, 1, "", f"the file is larger than {MAX_BYTES / 1e6:.0f} MB, the most "
                                "cityframe reads", hint="a city file is usually a few dozen KB; check that this "
                                "is the right file"))
    if info.st_size > MAX_BYTES:
        raise too_big
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise _file_error(display, f"the file cannot be read ({exc.strerror or exc})",
                          "check that it is a file you may read", line=0) from None
    if len(raw) > MAX_BYTES:  # it grew since stat(), or stat() does not know its size
        raise too_big
    return raw


def _decode(raw: bytes, display: str) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _file_error(display, "the file is saved as UTF-16, not UTF-8", "save it again as UTF-8")
    if raw.startswith(b"\xef\xbb\xbf"):
        # A byte-order mark is harmless (Windows editors add one) and invisible: accept it.
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = raw.rfind(b"\n", 0, exc.start) + 1
        line = raw.count(b"\n", 0, exc.start) + 1
        col = len(raw[start : exc.start].decode("utf-8", errors="replace")) + 1
        raise YamlError(Finding(display, line, col, "", f"the file is not UTF-8 text (it has the byte "
                                f"0x{raw[exc.start]:02X} here)", hint="save it again as UTF-8; this often "
                                "happens when text is pasted from a word processor")) from None


_RUNAWAY = 500
"""Flow brackets nested this deep stop the reader before libyaml sees them: libyaml looks ahead through every
open bracket before it gives the first one back (quadratic: 100,000 take minutes, and crash the interpreter in
some builds), long before our depth check sees the 41st level. The guard never parses part of a file as if it
were the whole: it either lets the whole text through or stops with a located error."""

_BLOCK_INDICATOR = re.compile(r"^[0-9+-]*[ \t]*(?:#.*)?$")
_NODE_COLUMN = re.compile(r"^[ \t]*(?:-[ \t]+)*")


def _runaway_bracket(text: str) -> int | None:
    """The index of the first ``[`` or ``{`` that opens at depth ``_RUNAWAY``, as YAML reads the text, or None.

    A light reading of YAML's rules, enough to count flow brackets: brackets inside comments, quoted texts and
    block texts (``|``, ``>``) are text, and so is a bracket inside a plain text of block context (``note: a [b``);
    an apostrophe inside a word (``Lee's``) opens no quote. It may count a bracket YAML would read as text (then
    :func:`read_yaml` stops with a located error), never the other way round in the files people write.
    """
    if text.count("[") + text.count("{") < _RUNAWAY:  # the usual case, at C speed
        return None
    depth, quote, block_column, at_start = 0, "", -1, True
    offset = 0
    for line in text.splitlines(keepends=True):
        start, offset = offset, offset + len(line)
        body = line.rstrip("\r\n")
        if block_column >= 0:
            if not body.strip() or _indent(body) > block_column:
                continue  # a line of a block text
            block_column = -1
        if depth == 0:
            at_start = True  # in block context, a new node may begin after the indentation
        i, n = 0, len(body)
        while i < n:
            char = body[i]
            if quote:
                if quote == '"' and char == "\\":
                    i += 2
                    continue
                if char == quote:
                    if quote == "'" and body[i + 1 : i + 2] == "'":
                        i += 2
                        continue
                    quote, at_start = "", False
                i += 1
                continue
            if char in " \t":
                i += 1
                continue
            if char == "#" and (i == 0 or body[i - 1] in " \t"):
                break  # a comment
            following = body[i + 1 : i + 2]
            if at_start and char in "\"'":
                quote = char
            elif char in "[{" and (depth > 0 or at_start):
                depth += 1
                if depth >= _RUNAWAY:
                    return start + i
                at_start = True
            elif char in "]}" and depth > 0:
                depth -= 1
                at_start = False
            elif (char == "," and depth > 0) or (char in "-?:" and following in ("", " ", "\t")):
                at_start = True
            elif depth == 0 and at_start and char in "|>" and _BLOCK_INDICATOR.match(body[i + 1 :]):
                node = len(_NODE_COLUMN.match(body).group())  # type: ignore[union-attr]
                # '- |': the text belongs to the list item (indented past its '-'); 'key: |': to the key.
                block_column = body.rfind("-", 0, i) if i == node and node else node
                break
            else:
                at_start = False
            i += 1
    return None


def _refuse_runaway(text: str, index: int, display: str) -> YamlError:
    """The error for brackets open ``_RUNAWAY`` deep at ``index``: the reader's own, when the text before says so.

    The text before ``index`` is read only to find out whether YAML reads these brackets as nesting (then the
    reader's 'nested more than 40 levels' error, at its place, is the message); nothing of it is kept.
    """
    try:
        _Builder(text[:index], display).build()
    except YamlError as exc:
        if exc.finding.message.startswith("the data is nested more than"):
            return exc
    line, col = position(text, index)
    return YamlError(Finding(display, line, col, "", f"more than {_RUNAWAY} brackets '[' or '{{' are open here; "
                             "cityframe stops here rather than read only part of the file",
                             hint="close each '[' with ']' and each '{' with '}'; put a text that holds brackets in "
                                  "quotes, or write it as a block text after '|'"))


def read_yaml(path: Path, display: str) -> YamlSource:
    """Read one YAML file; raise :class:`YamlError` with a located, plain-words finding when it cannot be read."""
    text = _decode(_read_bytes(path, display), display)
    if "\x00" in text:
        line, col = position(text, text.index("\x00"))
        raise YamlError(Finding(display, line, col, "", "the file contains NUL bytes; it is not a text file",
                                hint="save it again as UTF-8 text"))
    bad = _UNPRINTABLE.search(text)
    if bad:
        line, col = position(text, bad.start())
        raise YamlError(Finding(display, line, col, "", f"the text holds an invisible control character "
                                f"({_character(bad.group())})",
                                hint="delete it; it often comes from copying text out of another program"))
    if not text.strip() or all(not line.strip() or line.lstrip().startswith("#") for line in split_lines(text)):
        raise YamlError(Finding(display, 1, 1, "", "the file is empty",
                                hint="fill it in, or run 'cityframe new' in a scratch folder to see a template"))
    runaway = _runaway_bracket(text)
    if runaway is not None:
        raise _refuse_runaway(text, runaway, display)
    source = _Builder(text, display).build()
    if source.data is None:
        line, col = source.locate(())
        raise YamlError(Finding(display, line, col, "", "the file has no data, only an empty value",
                                hint="write the file's 'key: value' lines"))
    if not isinstance(source.data, dict):
        kind, hint = ("a list", "remove the leading '- ' and write 'key: value' lines") if isinstance(
            source.data, list) else ("a single value", "write 'key: value' lines, as in the template 'cityframe new' "
                                     "writes")
        line, col = source.locate(())
        raise YamlError(Finding(display, line, col, "", f"the file holds {kind}; it must hold 'key: value' lines "
                                "at the top level", hint=hint))
    return source


def read_trusted_yaml(path: Path, *, text_only: bool = False) -> Any:
    """Read a file quickly, without positions, or return None when it is not plain, small, well-formed YAML.

    For files cityframe only glances at (the shipped catalog, other cities' narratives): libyaml composes at C
    speed, aliases stay shared objects (no expansion), and the size and bracket guards keep the composer clear
    of the inputs that would crash it. Anything unusual falls back to :func:`read_yaml` or is skipped.
    ``text_only`` leaves every scalar a string (no dates or numbers), for a reader that only wants the words.
    """
    try:
        if not path.is_file() or path.stat().st_size > MAX_BYTES:
            return None
        text = path.read_text(encoding="utf-8-sig")
        if _runaway_bracket(text) is not None:
            return None
        return yaml.load(text, Loader=_TextLoader if text_only else _Loader)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError):
        return None

