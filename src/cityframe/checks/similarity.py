"""Spot narrative text copied word for word from another city or an example: the usual slip of a copied folder."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..data.project import PACKAGE_DIR, Project
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


@dataclass(frozen=True)
class Narrative:
    """One narrative field of one city."""

    owner: str
    file: str
    path: tuple[str, ...]
    shingles: frozenset[tuple[str, ...]]


def _shingles(text: str) -> frozenset[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9']+", text.lower())
    return frozenset(tuple(words[i : i + SHINGLE]) for i in range(max(0, len(words) - SHINGLE + 1)))


def _narratives_of(owner: str, folder: Path, loaded: dict[str, YamlSource] | None = None) -> Iterator[Narrative]:
    for file, paths in NARRATIVES.items():
        if loaded and file in loaded:
            data = loaded[file].data
        else:  # another city's file: only its text matters, not positions
            data = read_trusted_yaml(folder / file, text_only=True)
            if not isinstance(data, dict):
                continue
        for path in paths:
            value = data
            for key in path:
                value = value.get(key) if isinstance(value, dict) else None
            if isinstance(value, str):
                shingles = _shingles(value)
                if len(shingles) >= 2:
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
    """Warnings for each checked city's narrative that shares most of its wording with another city or example."""
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
    for report in checked:
        assert report.city is not None
        mine = f"cities/{report.slug}"
        for narrative in _narratives_of(mine, report.city.folder, report.city.sources):
            for other in others:
                if other.owner == mine:
                    continue
                shared = len(narrative.shingles & other.shingles) / min(len(narrative.shingles),
                                                                         len(other.shingles))
                if shared >= THRESHOLD:
                    yield report, report.city.finding(
                        narrative.file, narrative.path,
                        f"this text is copied word for word from {other.owner} ({'.'.join(other.path)})",
                        severity="warning", hint="write it for this city: residents notice borrowed words")
                    break
