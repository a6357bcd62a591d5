"""Spot narrative text copied word for word from another city or an example: the usual slip of a copied folder."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..data.project import PACKAGE_DIR, Project, cache_dir
from ..data.sources import YamlSource, read_trusted_yaml
from ..errors import Finding
from .report import CityReport

NARRATIVES: dict[str, tuple[str, ...]] = {
    "city.yaml": (("plan", "vision"), ("plan", "statement_of_need"), ("plan", "foreword")),
    "governance.yaml": (("steering_group", "purpose"),),
}
SHINGLE = 8
"""Runs of this many words; a shared run of eight words is no coincidence in a city's own narrative."""
THRESHOLD = 0.5
_DIRECT_UP_TO = 8
"""Up to this many cities checked at once, each narrative is compared with every other directly."""


@dataclass(frozen=True)
class Narrative:
    """One narrative field of one city: its words as shingles (stable 64-bit hashes of eight-word runs)."""

    owner: str
    file: str
    path: tuple[str, ...]
    shingles: frozenset[int]


_CACHE_VERSION = f"1 {SHINGLE} {sorted(NARRATIVES.items())}"
"""Part of every fingerprint's cache key: a change to how shingles are made never reuses old ones."""


def _shingles(text: str) -> frozenset[int]:
    words = re.findall(r"[a-z0-9']+", text.lower())
    runs = (" ".join(words[i : i + SHINGLE]) for i in range(max(0, len(words) - SHINGLE + 1)))
    return frozenset(int.from_bytes(hashlib.blake2b(run.encode(), digest_size=8).digest(), "big") for run in runs)


def _fields(file: str, data: object) -> Iterator[tuple[tuple[str, ...], frozenset[int]]]:
    for path in NARRATIVES[file]:
        value = data
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str):
            shingles = _shingles(value)
            if len(shingles) >= 2:
                yield path, shingles


def _cached_fields(path: Path, file: str) -> list[tuple[tuple[str, ...], frozenset[int]]]:
    """Another city's narratives in one file, from a fingerprint cache keyed by the file's content.

    Checking one city compares it with every other city of the project; parsing their YAML each time made a
    single check three times slower in a 220-city project. A cache entry is named by the SHA-256 of the file's
    bytes and of how fingerprints are made, so it can only ever describe that exact text; an entry that cannot
    be read is made again.
    """
    try:
        content = path.read_bytes()
    except OSError:
        return []
    key = hashlib.sha256(_CACHE_VERSION.encode() + b"\0" + file.encode() + b"\0" + content).hexdigest()
    folder = cache_dir("narratives")
    entry = folder / key[:2] / f"{key}.json" if folder is not None else None
    if entry is not None:
        with contextlib.suppress(OSError, ValueError, TypeError):
            stored = json.loads(entry.read_text(encoding="utf-8"))
            return [(tuple(p), frozenset(int(s) for s in shingles)) for p, shingles in stored]
    data = read_trusted_yaml(path, text_only=True)  # only its words matter, not positions
    fields = list(_fields(file, data)) if isinstance(data, dict) else []
    if entry is not None:
        with contextlib.suppress(OSError):
            entry.parent.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-")
            with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
                json.dump([[list(p), sorted(s)] for p, s in fields], stream)
            os.replace(temporary, entry)
    return fields


def _narratives_of(owner: str, folder: Path, loaded: dict[str, YamlSource] | None = None) -> Iterator[Narrative]:
    for file in NARRATIVES:
        if loaded and file in loaded:
            fields = list(_fields(file, loaded[file].data))
        else:  # another city's file
            fields = _cached_fields(folder / file, file)
        for path, shingles in fields:
            yield Narrative(owner, file, path, shingles)


def example_dirs() -> list[tuple[str, Path]]:
    """The example cities shipped with cityframe (inside the package when installed, in the repository otherwise)."""
    roots = [PACKAGE_DIR / "examples", PACKAGE_DIR.parent.parent / "examples"]
    found: dict[str, Path] = {}
    for root in roots:
        for city_yaml in sorted(root.glob("*/cities/*/city.yaml")):
            found.setdefault(f"the example '{city_yaml.parent.parent.parent.name}'", city_yaml.parent)
    return list(found.items())


def copied_narratives(project: Project, reports: list[CityReport]) -> Iterator[tuple[CityReport, Finding]]:
    """Warnings for each checked city's narrative that shares most of its wording with another city or example.

    Linear in the project's size: an index from each shingle to the narratives that hold it finds, for every
    narrative, the others it shares a run with, without comparing it with all of them.
    """
    checked = [r for r in reports if r.city is not None]
    if not checked:
        return
    others: list[Narrative] = []
    inside = project.cities_dir.resolve()
    loaded = {r.slug: r.city.sources for r in checked if r.city is not None}
    for slug in project.city_slugs():
        if (project.cities_dir / slug).resolve().is_relative_to(inside):  # never read through a link out
            others.extend(_narratives_of(f"cities/{slug}", project.cities_dir / slug, loaded.get(slug)))
    for label, folder in example_dirs():
        if folder.resolve().parent != project.cities_dir.resolve():
            others.extend(_narratives_of(label, folder))
    # A few cities (one 'check'): compare sets directly, at C speed. Many ('check --all'): an index from each
    # shingle to the narratives that hold it, so the work grows with the project, not with its square.
    index: dict[int, list[int]] | None = None
    if len(checked) > _DIRECT_UP_TO:
        index = {}
        for number, other in enumerate(others):
            for shingle in other.shingles:
                index.setdefault(shingle, []).append(number)
    for report in checked:
        assert report.city is not None
        mine = f"cities/{report.slug}"
        for narrative in _narratives_of(mine, report.city.folder, report.city.sources):
            if index is None:
                shared = {n: len(narrative.shingles & o.shingles) for n, o in enumerate(others)}
            else:
                shared = {}
                for shingle in narrative.shingles:
                    for number in index.get(shingle, ()):
                        shared[number] = shared.get(number, 0) + 1
            for number in sorted(shared):  # in the order the others were gathered
                other = others[number]
                if other.owner == mine or not shared[number]:
                    continue
                if shared[number] / min(len(narrative.shingles), len(other.shingles)) >= THRESHOLD:
                    yield report, report.city.finding(
                        narrative.file, narrative.path,
                        f"this text is copied word for word from {other.owner} ({'.'.join(other.path)})",
                        severity="warning", hint="write it for this city: residents notice borrowed words")
                    break
