"""The required sections of each document (declared in ``sections.yaml``) and the test of whether each is filled.

The manifest is data so that one declaration drives ``check`` and the documents' tables of contents; the few
rules a path cannot express (dates in order, the chair's kind ...) are named there and defined here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel

if TYPE_CHECKING:
    from ..data.load import City

MANIFEST = Path(__file__).resolve().parent / "sections.yaml"
_PLACEHOLDER = re.compile(r"^\s*(TODO|TBD)\b", re.IGNORECASE)

FILE_ATTRIBUTES = {
    "city.yaml": "profile",
    "governance.yaml": "governance",
    "stakeholders.yaml": "stakeholders",
    "risk-landscape.yaml": "risk",
    "interventions.yaml": "interventions",
    "resources.yaml": "resources",
}


@dataclass(frozen=True)
class Requirement:
    """One thing a section needs, with the plain-words label shown when it is missing."""

    label: str
    file: str | None = None
    path: str | None = None
    min: int = 1
    each: str | None = None
    fields: tuple[str, ...] = ()
    rule: str | None = None


@dataclass(frozen=True)
class Section:
    """A required section of a document: its id (P1, C5 ...), its anchor slug and title, and its requirements."""

    id: str
    slug: str
    title: str
    requirements: tuple[Requirement, ...]

    @property
    def files(self) -> list[str]:
        """The files a city edits to fill this section in."""
        files = [r.file for r in self.requirements if r.file]
        files += [f for r in self.requirements if r.rule for f in RULE_FILES.get(r.rule, ())]
        return list(dict.fromkeys(files))


@dataclass(frozen=True)
class Document:
    """One of the three documents and its sections, in order."""

    id: str
    title: str
    sections: tuple[Section, ...]


@dataclass
class SectionStatus:
    """Whether a section is filled in and, if not, what is missing."""

    section: Section
    missing: list[str] = field(default_factory=list)

    @property
    def status(self) -> Literal["filled", "missing"]:
        """``filled`` when nothing is missing."""
        return "missing" if self.missing else "filled"


def _read_documents(raw: list[dict[str, Any]]) -> tuple[Document, ...]:
    return tuple(
        Document(
            id=doc["id"],
            title=doc["title"],
            sections=tuple(
                Section(
                    id=s["id"],
                    slug=s["slug"],
                    title=s["title"],
                    requirements=tuple(
                        Requirement(**{**r, "fields": tuple(r.get("fields", ()))}) for r in s["requirements"]
                    ),
                )
                for s in doc["sections"]
            ),
        )
        for doc in raw
    )


@functools.cache
def _manifest() -> dict[str, Any]:
    return yaml.load(MANIFEST.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@functools.cache
def documents() -> tuple[Document, ...]:
    """The three documents, read once from the manifest."""
    return _read_documents(_manifest()["documents"])


@functools.cache
def reports() -> tuple[Document, ...]:
    """The reports on delivery (the progress report), read once from the manifest's ``reports:``."""
    return _read_documents(_manifest().get("reports", []))


def has_progress(city: City) -> bool:
    """Whether a city has progress data: a dated update on an intervention or a measured indicator value."""
    return any(i.progress for i in city.interventions.interventions) or any(
        o.measurements for g in city.profile.plan.goals for o in g.objectives)


def document(document_id: str) -> Document:
    """One document of the manifest by id."""
    for doc in documents():
        if doc.id == document_id:
            return doc
    raise KeyError(document_id)


# --- "filled" --------------------------------------------------------------------------------------------


def is_filled(value: Any) -> bool:
    """Filled means present and meaningful: not None, not empty, not a ``TODO``/``TBD`` placeholder."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip()) and not _PLACEHOLDER.match(value)
    if isinstance(value, (list, tuple)):
        return any(is_filled(v) for v in value)
    if isinstance(value, BaseModel):
        return any(is_filled(getattr(value, name)) for name in type(value).model_fields
                   if name not in ("visibility", "status", "type", "currency"))
    return True


def walk(root: Any, path: str) -> Iterator[Any]:
    """Every value at a dotted ``path`` with ``[*]`` wildcards, e.g. ``plan.goals[*].objectives[*]``."""
    values = [root]
    for part in path.split("."):
        name, star = (part[:-3], True) if part.endswith("[*]") else (part, False)
        values = [getattr(v, name, None) for v in values]
        if star:
            values = [item for v in values if isinstance(v, (list, tuple)) for item in v]
    yield from values


def _met(city: City, req: Requirement) -> bool:
    if req.rule:
        return RULES[req.rule](city)
    root = getattr(city, FILE_ATTRIBUTES[req.file or ""])
    if req.each:
        items = list(walk(root, req.each))
        return bool(items) and all(is_filled(getattr(item, f, None)) for item in items for f in req.fields)
    (value,) = walk(root, req.path or "")
    if isinstance(value, (list, tuple)):
        return sum(1 for v in value if is_filled(v)) >= req.min
    return is_filled(value)


def section_status(city: City, section: Section) -> SectionStatus:
    """What this city is missing for one section."""
    return SectionStatus(section, [r.label for r in section.requirements if not _met(city, r)])


def document_status(city: City, doc: Document) -> list[SectionStatus]:
    """The status of every section of a document, in order."""
    return [section_status(city, s) for s in doc.sections]


# --- named rules ---------------------------------------------------------------------------------------


def _seated(city: City) -> list[Any]:
    return [s for s in city.stakeholders.stakeholders if s.seat in ("chair", "vice-chair", "member")]


def _review_after_adoption(city: City) -> bool:
    plan = city.profile.plan
    return bool(plan.next_review and plan.adoption.date and plan.next_review > plan.adoption.date)


def _threat_with_source(city: City) -> bool:
    return any(is_filled(e.source.title) for t in city.risk.threats for e in t.evidence)


def _smart_objective(city: City) -> bool:
    objectives = walk(city.profile, "plan.goals[*].objectives[*]")
    return any(all(is_filled(getattr(o, f)) for f in ("indicator", "baseline", "target", "due")) for o in objectives)


def _government_and_community(city: City) -> bool:
    seated = _seated(city)
    return any(s.kind == "local-government" for s in seated) and any(s.kind != "local-government" for s in seated)


def tiers_covered(city: City) -> set[str]:
    """The prevention tiers that at least one (not dropped) intervention covers."""
    return {i.tier for i in city.interventions.interventions if i.status != "dropped"}


def _all_tiers(city: City) -> bool:
    return tiers_covered(city) == {"primary", "secondary", "tertiary"} or is_filled(
        city.profile.plan.tier_justification)


def _one_government_chair(city: City) -> bool:
    chairs = [s for s in city.stakeholders.stakeholders if s.seat == "chair"]
    return len(chairs) == 1 and chairs[0].kind == "local-government"


def _meets_quarterly(city: City) -> bool:
    per_year = city.governance.steering_group.meetings.per_year
    return per_year is not None and per_year >= 4


def _milestone_per_intervention(city: City) -> bool:
    interventions = city.interventions.interventions
    return bool(interventions) and all(i.milestones for i in interventions)


def _sources_resolve(city: City) -> bool:
    references = city.profile.plan.references
    return bool(references) and all(is_filled(r.title) and is_filled(r.url) for r in references)


def _has_category(category: str) -> Callable[[City], bool]:
    return lambda city: any(r.category == category and r.status == "active" for r in city.all_resources())


def _progress_updates(city: City) -> bool:
    return any(i.progress for i in city.interventions.interventions)


def _measured_indicator(city: City) -> bool:
    return any(o.indicator_kind and o.baseline_value is not None and o.target_value is not None and o.measurements
               for o in walk(city.profile, "plan.goals[*].objectives[*]"))


RULES: dict[str, Callable[[City], bool]] = {
    "review_after_adoption": _review_after_adoption,
    "threat_with_source": _threat_with_source,
    "smart_objective": _smart_objective,
    "government_and_community_members": _government_and_community,
    "all_tiers_or_justification": _all_tiers,
    "chair_is_local_government": _one_government_chair,
    "meets_quarterly": _meets_quarterly,
    "milestone_per_intervention": _milestone_per_intervention,
    "sources_resolve": _sources_resolve,
    "progress_updates": _progress_updates,
    "measured_indicator": _measured_indicator,
    **{f"category_{c}": _has_category(c) for c in (
        "report-an-incident", "get-support", "crisis-line", "training-and-education", "community-program",
        "funding")},
}

RULE_FILES: dict[str, tuple[str, ...]] = {
    "review_after_adoption": ("city.yaml",),
    "threat_with_source": ("risk-landscape.yaml",),
    "smart_objective": ("city.yaml",),
    "government_and_community_members": ("stakeholders.yaml",),
    "all_tiers_or_justification": ("interventions.yaml",),
    "chair_is_local_government": ("stakeholders.yaml",),
    "meets_quarterly": ("governance.yaml",),
    "milestone_per_intervention": ("interventions.yaml",),
    "sources_resolve": ("city.yaml",),
    "progress_updates": ("interventions.yaml",),
    "measured_indicator": ("city.yaml",),
    **{name: ("resources.yaml",) for name in RULES if name.startswith("category_")},
}
