"""What a build already made: content hashes of its inputs and outputs, kept beside the outputs.

A build keeps a record per city in ``build/.cityframe-build/<slug>.json`` (beside the city's folder, never in
it, so the folder that is published holds only the documents). For every output file it records the SHA-256 of
the file as written, the digest of everything the page was made from (``inputs``: the city's files, the
templates and overrides, the catalog, cityframe's own code, WeasyPrint's version, the options, what ``check``
found) and, for a PDF, the digest of the HTML it was rendered from (``key``). The next build renders nothing
when every output it would write is recorded with the same inputs and is still on disk as written; otherwise it
renders the HTML and re-renders only the PDFs whose HTML changed. The PDFs are byte-reproducible, so reusing one
is the same as rendering it again. A missing, unreadable or foreign record means "rebuild everything": never a
wrong skip.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

STATE_FOLDER = ".cityframe-build"
_FORMAT = 1
_PACKAGE = Path(__file__).resolve().parent


@dataclass
class BuildState:
    """The record of one output folder: ``outputs`` by file name, and the hash cache of input files by path."""

    outputs: dict[str, dict[str, object]] = field(default_factory=dict)
    files: dict[str, list] = field(default_factory=dict)  # path -> [size, mtime_ns, sha256]

    @classmethod
    def load(cls, root: Path, slug: str) -> BuildState:
        """The record of ``root/<slug>``, or an empty one when there is none or it cannot be trusted."""
        try:
            data = json.loads((root / STATE_FOLDER / f"{slug}.json").read_text(encoding="utf-8"))
            if data.get("format") != _FORMAT:
                return cls()
            outputs = {str(k): {"sha256": str(v["sha256"]), "inputs": str(v["inputs"]), "key": str(v["key"]),
                                "warnings": [str(w) for w in v.get("warnings", [])]}
                       for k, v in data["outputs"].items()}
            files = {str(k): list(v) for k, v in data.get("files", {}).items() if isinstance(v, list) and len(v) == 3}
            return cls(outputs, files)
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return cls()

    def dumps(self) -> bytes:
        """The record as written to disk (sorted, so that equal records are equal bytes)."""
        data = {"format": _FORMAT, "outputs": self.outputs, "files": self.files}
        return (json.dumps(data, sort_keys=True, indent=1) + "\n").encode("utf-8")

    def is_current(self, folder: Path, name: str, *, inputs: str | None = None, key: str | None = None) -> bool:
        """Whether ``name`` was made from the same ``inputs`` (or the same ``key``) and is on disk as written."""
        record = self.outputs.get(name)
        if record is None:
            return False
        if inputs is not None and record.get("inputs") != inputs:
            return False
        if key is not None and record.get("key") != key:
            return False
        return sha256_file(folder / name) == record.get("sha256")

    def record(self, name: str, content: bytes, *, inputs: str, key: str = "", warnings: Iterable[str] = ()) -> None:
        """Remember that ``name`` now holds ``content``, made from ``inputs`` (and, for a PDF, HTML ``key``).

        ``warnings`` are what rendering it said (a PDF's missing glyphs): a build that reuses it says them again.
        """
        self.outputs[name] = {"sha256": sha256(content), "inputs": inputs, "key": key, "warnings": list(warnings)}

    def warnings(self, name: str) -> list[str]:
        """What rendering ``name`` said when it was made (see :meth:`record`)."""
        return list(self.outputs.get(name, {}).get("warnings", []))  # type: ignore[call-overload]

    def digest_files(self, paths: Mapping[str, Path]) -> str:
        """One digest of files by label (a path relative to the project or package, never this machine's).

        An input whose size and modification time are as recorded is not read again.
        """
        seen: dict[str, list] = {}
        outer = hashlib.sha256()
        for name, path in sorted(paths.items()):
            try:
                stat = path.stat()
            except OSError:
                outer.update(f"{name}\0missing\0".encode())
                continue
            cached = self.files.get(name)
            if cached and cached[0] == stat.st_size and cached[1] == stat.st_mtime_ns:
                digest = str(cached[2])
            else:
                digest = sha256_file(path) or "unreadable"
            seen[name] = [stat.st_size, stat.st_mtime_ns, digest]
            outer.update(f"{name}\0{digest}\0".encode())
        self.files.update(seen)
        return outer.hexdigest()


def sha256(content: bytes) -> str:
    """The hex SHA-256 of ``content``."""
    return hashlib.sha256(content).hexdigest()


def sha256_file(path: Path) -> str | None:
    """The hex SHA-256 of a regular file's content, or None when it is missing or unreadable."""
    try:
        with path.open("rb") as stream:
            return hashlib.file_digest(stream, "sha256").hexdigest()
    except OSError:
        return None


def files_under(label: str, folder: Path) -> dict[str, Path]:
    """Every file below ``folder`` (if it exists), by ``label`` + its path inside it: ``{"city:city.yaml": path}``."""
    found: dict[str, Path] = {}
    if folder.is_dir():
        for parent, dirs, names in os.walk(folder):
            dirs.sort()
            for name in names:
                path = Path(parent, name)
                found[f"{label}:{path.relative_to(folder).as_posix()}"] = path
    return found


def code_files() -> dict[str, Path]:
    """The code and data of cityframe itself: a change to it (editable install, upgrade) makes every output stale."""
    return {label: path for label, path in files_under("cityframe", _PACKAGE).items()
            if path.suffix in (".py", ".yaml", ".json", ".mo") and "__pycache__" not in path.parts}


def digest(*parts: object) -> str:
    """A digest of values that have a stable ``repr`` (strings, numbers, tuples and lists of them)."""
    return sha256(repr(parts).encode("utf-8"))


def weasyprint_version() -> str:
    """WeasyPrint's installed version, without importing it (0.4 s)."""
    from importlib.metadata import PackageNotFoundError, version

    with contextlib.suppress(PackageNotFoundError):
        return version("weasyprint")
    return "not installed"


def up_to_date(state: BuildState, folder: Path, names: Iterable[str], inputs: str) -> bool:
    """Whether ``names`` and the files made with them (the pages' fonts) in ``folder`` are untouched and current.

    Current: made from ``inputs``; untouched: on disk with the recorded content.
    """
    names = list(names)
    names += [name for name, record in state.outputs.items() if record.get("inputs") == inputs and name not in names]
    return bool(names) and all(state.is_current(folder, name, inputs=inputs) for name in names)


def changed(folder: Path, files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The files whose content differs from what ``folder`` holds (so an unchanged file keeps its mtime)."""
    return {name: content for name, content in files.items() if sha256_file(folder / name) != sha256(content)}
