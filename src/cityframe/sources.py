"""Read a YAML file safely and remember the file:line:column of every key and value.

The file is read from libyaml's event stream rather than with ``yaml.safe_load`` because the events let us
(1) keep the position of every value, (2) refuse duplicate keys, which PyYAML would silently let the second
one win, (3) refuse tags, (4) stop deep nesting and alias bombs before they cost stack or memory: libyaml's own
composer crashes the interpreter on about 100,000 nested brackets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Finding

MAX_BYTES = 2_000_000
"""A city file is a few dozen KB; anything this large is a mistake, not a plan."""
MAX_DEPTH = 40
MAX_VALUES = 200_000
"""Counted with aliases expanded, so that a "billion laughs" file stops here."""

PathKey = tuple[str | int, ...]

_ALLOWED_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_PLAIN_TAGS = {None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class YamlSource:
    """A file's data and where each value came from."""

    file: str
    data: Any
    values: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

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
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_SCANNER_WORDS = [
    (re.compile(r"mapping values are not allowed"), "a colon where YAML does not expect one",
     "put quotes around text that contains ': ', or check the indentation of this line"),
    (re.compile(r"could not find expected ':'"), "a line that is neither 'key: value' nor a list item",
     "check for a missing colon or a stray line"),
    (re.compile(r"did not find expected key"), "a line indented differently from the lines around it",
     "align this key with the other keys of the same block"),
    (re.compile(r"did not find expected '-' indicator"), "a list item indented differently from the others",
     "align every '- ' of a list"),
    (re.compile(r"found unexpected end of stream|found unexpected end"), "the file ends inside a quote or bracket",
     "close the quote or bracket that starts here"),
    (re.compile(r"found undefined alias|found unknown escape"), "an alias or escape YAML does not know",
     "remove the '*' or '\\' or quote the text"),
    (re.compile(r"expected a single document|but found another document|expected '<document start>'"),
     "more than one YAML document ('---') in the file", "keep one document per file"),
]


def _plain_yaml_message(exc: yaml.MarkedYAMLError) -> tuple[str, str | None]:
    raw = f"{exc.context or ''} {exc.problem or ''}".strip()
    for pattern, words, hint in _SCANNER_WORDS:
        if pattern.search(raw):
            return words, hint
    return f"this is not valid YAML ({raw})", "check the quotes, colons and indentation on this line"


class _Builder:
    """Turns libyaml events into plain Python values, recording positions and enforcing the limits."""

    def __init__(self, text: str, file: str) -> None:
        self.loader = _Loader(text)
        self.text = text
        self.file = file
        self.source = YamlSource(file=file, data=None)
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.count = 0

    def fail(self, mark: Any, path: PathKey, message: str, hint: str | None = None) -> YamlError:
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        return YamlError(Finding(self.file, line, col, format_path(path), message, hint=hint))

    def grow(self, amount: int, mark: Any, path: PathKey) -> None:
        self.count += amount
        if self.count > MAX_VALUES:
            raise self.fail(mark, path, f"the file expands to more than {MAX_VALUES:,} values",
                            "this usually means aliases ('*name') that repeat each other; write the values out")

    def check_tag(self, event: Any, path: PathKey) -> None:
        tag = getattr(event, "tag", None)
        if isinstance(event, yaml.ScalarEvent):
            if tag in (None, "!") or tag in _ALLOWED_TAGS:
                return
        elif tag in _PLAIN_TAGS:
            return
        raise self.fail(event.start_mark, path, f"the tag '{tag}' is not allowed",
                        "cityframe reads plain YAML: remove the '!' tag before this value")

    def scalar(self, event: Any, path: PathKey) -> Any:
        tag = event.tag if event.tag not in (None, "!") else None
        if tag is None:
            tag = "tag:yaml.org,2002:str" if event.tag == "!" else self.loader.resolve(
                yaml.ScalarNode, event.value, event.implicit)
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, yaml.constructor.ConstructorError) as exc:
            if tag.endswith(":timestamp"):
                raise self.fail(event.start_mark, path, f"'{event.value}' is not a real date",
                                "write dates as YYYY-MM-DD, for example 2025-03-31") from None
            raise self.fail(event.start_mark, path, f"'{event.value}' cannot be read ({exc})") from None

    def build(self) -> YamlSource:
        """Read the whole stream and return the data with its positions."""
        loader = self.loader
        stack: list[dict[str, Any]] = []
        root: Any = None
        documents = 0
        try:
            while True:
                event = loader.get_event()
                if isinstance(event, yaml.StreamEndEvent):
                    break
                if isinstance(event, yaml.DocumentStartEvent):
                    documents += 1
                    if documents > 1:
                        raise self.fail(event.start_mark, (), "more than one YAML document ('---') in the file",
                                        "keep one document per file")
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
                value = self.value(event, path, stack)
                if parent is None:
                    root = value
                elif parent["kind"] == "map":
                    parent["value"][parent["key"]] = value
                    parent["key"] = None
                else:
                    parent["value"].append(value)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            words, hint = _plain_yaml_message(exc)
            if mark is not None and self.char_at(mark.line, mark.column) == "\t":
                words, hint = "a tab character; YAML indents with spaces only", "replace the tab with spaces"
            raise self.fail(mark, (), words, hint) from None
        except yaml.YAMLError as exc:  # a reader error without a mark: unprintable characters and the like
            raise YamlError(Finding(self.file, 1, 1, "", f"this is not valid YAML text ({exc})")) from None
        self.source.data = root
        return self.source

    def char_at(self, line: int, column: int) -> str:
        lines = self.text.splitlines()
        return lines[line][column : column + 1] if line < len(lines) else ""

    def child_path(self, parent: dict[str, Any] | None) -> PathKey:
        if parent is None:
            return ()
        if parent["kind"] == "map":
            return (*parent["path"], parent["key"])
        return (*parent["path"], len(parent["value"]))

    def key(self, event: Any, parent: dict[str, Any]) -> None:
        path = parent["path"]
        if not isinstance(event, yaml.ScalarEvent):
            raise self.fail(event.start_mark, path, "a key must be plain text",
                            "a key cannot be a list or a mapping; check the indentation")
        self.check_tag(event, path)
        key = event.value
        if key == "<<":
            raise self.fail(event.start_mark, path, "merge keys ('<<') are not supported", "write the keys out")
        key_path = (*path, key)
        if key in parent["value"] or key in parent["pending"]:
            line, col = self.source.keys[key_path]
            raise self.fail(event.start_mark, key_path, f"the key '{key}' appears twice in this block "
                            f"(first at line {line}); the second value would silently replace the first",
                            "remove or rename one of them")
        parent["pending"].add(key)
        parent["key"] = key
        self.source.keys[key_path] = (event.start_mark.line + 1, event.start_mark.column + 1)

    def value(self, event: Any, path: PathKey, stack: list[dict[str, Any]]) -> Any:
        self.source.values[path] = (event.start_mark.line + 1, event.start_mark.column + 1)
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in self.anchors:
                raise self.fail(event.start_mark, path, f"the alias '*{event.anchor}' refers to nothing")
            value, size = self.anchors[event.anchor]
            self.grow(size, event.start_mark, path)
            return value
        self.check_tag(event, path)
        self.grow(1, event.start_mark, path)
        if isinstance(event, yaml.ScalarEvent):
            value = self.scalar(event, path)
            if event.anchor:
                self.anchors[event.anchor] = (value, 1)
            return value
        if len(stack) >= MAX_DEPTH:
            raise self.fail(event.start_mark, path, f"the data is nested more than {MAX_DEPTH} levels deep",
                            "city files need only a few levels; check the indentation and brackets")
        kind = "map" if isinstance(event, yaml.MappingStartEvent) else "seq"
        container: Any = {} if kind == "map" else []
        stack.append({"kind": kind, "value": container, "path": path, "key": None, "pending": set(),
                      "anchor": event.anchor, "count": self.count})
        return container


def read_yaml(path: Path, display: str) -> YamlSource:
    """Read one YAML file; raise :class:`YamlError` with a located, plain-words finding when it cannot be read."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise YamlError(Finding(display, 0, 0, "", "the file is missing",
                                hint="create it, or run 'cityframe new' to scaffold a city")) from None
    if path.is_dir():
        raise YamlError(Finding(display, 0, 0, "", "this is a folder, not a file"))
    if size > MAX_BYTES:
        raise YamlError(Finding(display, 1, 1, "", f"the file is {size / 1e6:.1f} MB; cityframe reads files of "
                                f"up to {MAX_BYTES / 1e6:.0f} MB", hint="a city file is usually a few dozen KB"))
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise YamlError(Finding(display, 1, 1, "", "the file is saved as UTF-16, not UTF-8",
                                hint="save it again as UTF-8 (without BOM)"))
    if raw.startswith(b"\xef\xbb\xbf"):
        raise YamlError(Finding(display, 1, 1, "", "the file starts with a byte-order mark (BOM)",
                                hint="save it again as UTF-8 without BOM"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlError(Finding(display, line, col, "", f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02X})",
                                hint="save it again as UTF-8")) from None
    if "\x00" in text:
        raise YamlError(Finding(display, 1, 1, "", "the file contains NUL bytes; it is not a text file"))
    if not text.strip() or all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
        raise YamlError(Finding(display, 1, 1, "", "the file is empty",
                                hint="fill it in, or run 'cityframe new' in a scratch folder to see a template"))
    source = _Builder(text, display).build()
    if not isinstance(source.data, dict):
        kind = "a list" if isinstance(source.data, list) else "a single value"
        raise YamlError(Finding(display, 1, 1, "", f"the file holds {kind}; it must hold a mapping of 'key: value' "
                                "lines at the top level", hint="remove the leading '- ' or add the top-level keys"))
    return source
