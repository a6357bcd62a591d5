"""``cityframe diff``: what changed in a city's framework between two git revisions, in the plan's own terms.

A line diff says "line 42 changed"; a steering group asks "which interventions were dropped, whose seat changed,
which threats were re-rated?". Each side (a commit, or the working tree) is read into a scratch project with git
itself (:mod:`cityframe.data.history`), then compared by id: stakeholders and their seats, interventions (status,
milestones, budget), threats (likelihood, impact), objectives (target, due date), resources and national
includes, the plan's version and status, and which required sections became complete or incomplete. An id that
changes is one removal and one addition. A side whose data does not validate is compared as far as its files
read as YAML, with its errors listed.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .checks.report import CityReport, assess
from .data.history import WORKING_TREE, Repository, default_base, export, repository, resolve, short
from .data.models import FILE_MODELS
from .data.project import Project
from .data.sources import YamlError, read_yaml
from .errors import Finding, UsageError

Action = Literal["added", "removed", "changed"]
DIFF_FORMAT_VERSION = 1


@dataclass(frozen=True)
class Change:
    """One change, in plain words: ``intervention 'upstander-training': status planned -> active``."""

    kind: str
    """What changed: plan, stakeholder, intervention, milestone, budget, threat, objective, resource, include,
    section."""
    id: str
    action: Action
    field: str | None = None
    old: str | None = None
    new: str | None = None
    name: str | None = None
    """The entry's title or name, for people who do not know the ids."""

    def __str__(self) -> str:
        label = f"{self.kind} '{self.id}'" + (f" ({self.name})" if self.name else "")
        if self.action != "changed":
            return f"{label} {self.action}"
        if self.old is None:
            return f"{label}: {self.field} set to {self.new}"
        if self.new is None:
            return f"{label}: {self.field} {self.old} removed"
        return f"{label}: {self.field} {self.old} -> {self.new}"

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of a change."""
        return {"kind": self.kind, "id": self.id, "action": self.action, "field": self.field, "old": self.old,
                "new": self.new, "name": self.name, "text": str(self)}


@dataclass
class Side:
    """One of the two things compared: a commit or the working tree, as far as its data loads."""

    label: str
    """As the user named it (``HEAD~1``, ``v1.0``, ``working tree``)."""
    commit: str | None
    """The abbreviated commit; None for the working tree."""
    why: str | None = None
    """Why this revision was chosen when the user named none."""
    present: bool = True
    data: dict[str, Any] = field(default_factory=dict)
    """Each city file's data as read (YAML), even when it does not validate."""
    report: CityReport | None = None

    @property
    def errors(self) -> list[Finding]:
        """The side's errors (a file that does not read, a value that does not validate)."""
        return self.report.errors if self.report else []

    def describe(self) -> str:
        """``HEAD~1 (3f2c1ab)``, ``working tree``, ``v1.0 (3f2c1ab, the last tag)``."""
        details = [d for d in (self.commit if self.commit and self.commit != self.label else None, self.why) if d]
        return f"{self.label} ({', '.join(details)})" if details else self.label

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of a side."""
        return {"revision": self.label, "commit": self.commit, "chosen_because": self.why, "exists": self.present,
                "valid": self.present and not self.errors, "errors": [f.as_dict() for f in self.errors]}


@dataclass
class CityDiff:
    """Everything that changed in one city between two sides."""

    slug: str
    name: str
    old: Side
    new: Side
    changes: list[Change] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of a city's diff."""
        return {"slug": self.slug, "name": self.name, "from": self.old.as_dict(), "to": self.new.as_dict(),
                "changes": [c.as_dict() for c in self.changes]}


# --- reading the two sides -----------------------------------------------------------------------------------


def _read_side(project: Project, slug: str, side: Side) -> Side:
    """Fill ``side`` with the city's data read from ``project`` (a scratch copy of a commit, or the real one)."""
    folder = project.cities_dir / slug
    if not (folder / "city.yaml").is_file():
        side.present = False
        return side
    for file in FILE_MODELS:
        try:
            side.data[file] = read_yaml(folder / file, project.relative(folder / file)).data
        except YamlError:
            side.data[file] = {}
    side.report = assess(project, slug)
    return side


def _side_at(repo: Repository, project: Project, slug: str, label: str, commit: str | None,
             why: str | None, scratch: Path) -> Side:
    """One side of the comparison: the working tree when ``commit`` is None, else the city's files at it."""
    if commit is None:
        return _read_side(project, slug, Side(label, None, why))
    root = scratch / commit
    city_path = repo.path_of(f"cities/{slug}")
    (root / "cities").mkdir(parents=True, exist_ok=True)
    if not (root / "cities" / slug).exists():
        export(repo, commit, city_path, root / "cities" / slug)
    return _read_side(Project(root), slug, Side(label, short(repo, commit), why))


# --- comparing ---------------------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A value as the file wrote it, for old -> new (dates as YYYY-MM-DD, mappings compactly)."""
    if value is None:
        return None
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_text(v)}" for k, v in value.items() if v is not None)
    if isinstance(value, list):
        return ", ".join(str(_text(v)) for v in value)
    return str(value)


def _get(data: Any, *path: str | int) -> Any:
    for key in path:
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and key < len(data):
            data = data[key]
        else:
            return None
    return data


def _by_id(entries: Any) -> dict[str, dict[str, Any]]:
    """A list of mappings by their ``id`` (entries without one cannot be followed and are left out)."""
    if not isinstance(entries, list):
        return {}
    return {str(e["id"]): e for e in entries if isinstance(e, dict) and isinstance(e.get("id"), str | int)}


def _entries(kind: str, old: Any, new: Any, name_key: str, fields: Iterable[str]) -> Iterator[Change]:
    """Added and removed entries by id, then the named fields of the entries on both sides."""
    before, after = _by_id(old), _by_id(new)
    for entry_id, entry in after.items():
        if entry_id not in before:
            yield Change(kind, entry_id, "added", name=_text(entry.get(name_key)))
    for entry_id, entry in before.items():
        if entry_id not in after:
            yield Change(kind, entry_id, "removed", name=_text(entry.get(name_key)))
    for entry_id, entry in after.items():
        if entry_id in before:
            for name in fields:
                was, now = _text(before[entry_id].get(name)), _text(entry.get(name))
                if was != now:
                    yield Change(kind, entry_id, "changed", name, was, now, name=_text(entry.get(name_key)))


def _milestones(old: Any, new: Any) -> Iterator[Change]:
    """Milestones of interventions on both sides, matched by description: moved, added or removed."""
    before, after = _by_id(old), _by_id(new)
    for entry_id, entry in after.items():
        if entry_id not in before:
            continue
        was = {str(m.get("description")): m.get("date") for m in before[entry_id].get("milestones") or []
               if isinstance(m, dict)}
        now = {str(m.get("description")): m.get("date") for m in entry.get("milestones") or [] if isinstance(m, dict)}
        for description, date in now.items():
            if description not in was:
                yield Change("milestone", entry_id, "changed", "milestone added", None, f"{_text(date)}: {description}")
            elif _text(was[description]) != _text(date):
                yield Change("milestone", entry_id, "changed", f"milestone '{description}' moved",
                             _text(was[description]), _text(date))
        for description, date in was.items():
            if description not in now:
                yield Change("milestone", entry_id, "changed", "milestone removed", f"{_text(date)}: {description}",
                             None)


def _objectives(city: Any) -> list[dict[str, Any]]:
    goals = _get(city, "plan", "goals")
    if not isinstance(goals, list):
        return []
    return [o for g in goals if isinstance(g, dict) for o in (g.get("objectives") or [])]


def _sections(old: CityReport | None, new: CityReport | None) -> Iterator[Change]:
    """Required sections that became complete or incomplete (measured only when both sides load)."""
    if not (old and new and old.documents and new.documents):
        return
    before = {(d.document.title, s.section.id): s for d in old.documents for s in d.sections}
    for doc in new.documents:
        for status in doc.sections:
            was = before.get((doc.document.title, status.section.id))
            if was is None or was.status == status.status:
                continue
            became = "complete" if status.status == "filled" else "incomplete"
            yield Change("section", status.section.id, "changed", doc.document.title,
                         "complete" if was.status == "filled" else "incomplete", became, name=status.section.title)


def compare(old: Side, new: Side) -> list[Change]:
    """Every change from ``old`` to ``new``, in the order a reader of the plan meets them."""
    a, b = old.data, new.data
    changes: list[Change] = []
    for name in ("version", "status", "next_review"):
        was, now = _text(_get(a, "city.yaml", "plan", name)), _text(_get(b, "city.yaml", "plan", name))
        if was != now:
            changes.append(Change("plan", "plan", "changed", name, was, now))
    changes += _entries("stakeholder", _get(a, "stakeholders.yaml", "stakeholders"),
                        _get(b, "stakeholders.yaml", "stakeholders"), "name", ("seat", "kind"))
    changes += _entries("threat", _get(a, "risk-landscape.yaml", "threats"), _get(b, "risk-landscape.yaml", "threats"),
                        "name", ("likelihood", "impact"))
    changes += _entries("objective", _objectives(a.get("city.yaml")), _objectives(b.get("city.yaml")),
                        "statement", ("target", "due"))
    old_interventions = _get(a, "interventions.yaml", "interventions")
    new_interventions = _get(b, "interventions.yaml", "interventions")
    changes += _entries("intervention", old_interventions, new_interventions, "title",
                        ("status", "lead", "tier", "start", "end"))
    changes += _milestones(old_interventions, new_interventions)
    changes += _entries("budget", [{"id": k, "budget": v.get("budget")} for k, v in _by_id(old_interventions).items()
                                   if k in _by_id(new_interventions)],
                        [{"id": k, "budget": v.get("budget")} for k, v in _by_id(new_interventions).items()
                         if k in _by_id(old_interventions)], "id", ("budget",))
    changes = [c if c.kind != "budget" else Change("intervention", c.id, "changed", "budget", c.old, c.new)
               for c in changes]
    changes += _entries("resource", _get(a, "resources.yaml", "resources"), _get(b, "resources.yaml", "resources"),
                        "name", ())
    was_included = [str(i) for i in _get(a, "resources.yaml", "include") or [] if isinstance(i, str | int)]
    now_included = [str(i) for i in _get(b, "resources.yaml", "include") or [] if isinstance(i, str | int)]
    changes += [Change("national resource", i, "added") for i in now_included if i not in was_included]
    changes += [Change("national resource", i, "removed") for i in was_included if i not in now_included]
    changes += _sections(old.report, new.report)
    return _without_renamed_references(changes)


def _without_renamed_references(changes: list[Change]) -> list[Change]:
    """A renamed stakeholder is said once (removed, added), not again in every intervention it leads."""
    removed = {c.id for c in changes if c.kind == "stakeholder" and c.action == "removed"}
    added = {c.id for c in changes if c.kind == "stakeholder" and c.action == "added"}
    return [c for c in changes if not (c.kind == "intervention" and c.field == "lead" and c.old in removed
                                       and c.new in added)]


# --- the command -------------------------------------------------------------------------------------------


def split_arguments(project: Project, words: list[str]) -> tuple[list[str], list[str]]:
    """``[REV_A [REV_B]] [SLUG ...]``: words naming a city of the project are cities, the others revisions."""
    known = set(project.city_slugs())
    revisions = [w for w in words if w not in known]
    slugs = [w for w in words if w in known]
    if len(revisions) > 2:
        raise UsageError(f"at most two revisions can be compared, got {', '.join(revisions)}",
                         hint=f"cities here: {', '.join(sorted(known)) or 'none'}; "
                              "example: cityframe diff v1.0 HEAD athens")
    return revisions, slugs


def diff_cities(project: Project, revisions: list[str], slugs: list[str]) -> list[CityDiff]:
    """Compare each city between two revisions (see the module's docstring for the defaults)."""
    repo = repository(project)
    commits = [resolve(repo, r) for r in revisions]
    if not slugs:
        slugs = project.city_slugs()
        if not slugs:
            raise UsageError(f"there are no cities in {project.cities_dir}",
                             hint="name one: cityframe diff HEAD~1 SLUG")
    results = []
    with tempfile.TemporaryDirectory(prefix="cityframe-diff-") as scratch:
        for slug in slugs:
            project.city_dir(slug, must_exist=False)  # refuses a slug that is not a slug
            if commits:
                old_label, old_commit, why = revisions[0], commits[0], None
            else:
                base, why = default_base(repo, repo.path_of(f"cities/{slug}"))
                old_commit = resolve(repo, base)
                old_label = base if why.startswith("the last tag") else short(repo, old_commit)
            new_label, new_commit = (revisions[1], commits[1]) if len(commits) == 2 else (WORKING_TREE, None)
            old = _side_at(repo, project, slug, old_label, old_commit, why, Path(scratch))
            new = _side_at(repo, project, slug, new_label, new_commit, None, Path(scratch))
            if not old.present and not new.present:
                raise UsageError(f"there is no city '{slug}' at {old.describe()} or at {new.describe()}")
            name = next((r.name for r in (new.report, old.report) if r and r.name != slug), slug)
            results.append(CityDiff(slug, name, old, new, compare(old, new)))
    return results


# --- output ------------------------------------------------------------------------------------------------

_ERRORS_SHOWN = 20


def _side_notes(city: CityDiff) -> Iterator[str]:
    for side in (city.old, city.new):
        if not side.present:
            yield f"  {city.slug} does not exist at {side.describe()}"
        elif side.errors:
            yield (f"  {side.describe()} does not validate ({len(side.errors)} error(s)); it is compared as far as "
                   "its files read:")
            yield from (f"    {f}" for f in side.errors[:_ERRORS_SHOWN])
            if len(side.errors) > _ERRORS_SHOWN:
                yield f"    ... and {len(side.errors) - _ERRORS_SHOWN} more ('cityframe check {city.slug}' lists them)"


def as_text(diffs: list[CityDiff]) -> str:
    """The diff for a terminal: a heading per city, one line per change."""
    out: list[str] = []
    for city in diffs:
        out.append(f"{city.name} ({city.slug}): {city.old.describe()} -> {city.new.describe()}")
        out += list(_side_notes(city))
        out += [f"  {c}" for c in city.changes] or ["  no changes to the framework"]
        out.append("")
    return "\n".join(out)


def _md(text: str | None) -> str:
    """Text in a Markdown table cell or list item: pipes, backticks and line breaks cannot break the layout."""
    return "" if text is None else text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`").replace(
        "\n", " ")


_HEADINGS = {"plan": "Plan", "stakeholder": "Stakeholders", "threat": "Threats", "objective": "Objectives",
             "intervention": "Interventions", "milestone": "Milestones", "resource": "Local resources",
             "national resource": "National resources", "section": "Required sections"}


def as_markdown(diffs: list[CityDiff]) -> str:
    """The diff for a pull-request comment or the plan's change log: a table of changes per city."""
    out: list[str] = []
    for city in diffs:
        out += [f"### {_md(city.name)}: changes from {_md(city.old.describe())} to {_md(city.new.describe())}", ""]
        notes = list(_side_notes(city))
        if notes:
            out += [f"> - {_md(n.strip())}" if n.startswith("    ") else f"> {_md(n.strip())}" for n in notes]
            out.append("")
        if not city.changes:
            out += ["No changes to the framework.", ""]
            continue
        out += ["| Area | Id | Change | Before | After |", "|---|---|---|---|---|"]
        for change in city.changes:
            what = change.action if change.action != "changed" else (change.field or "changed")
            label = f"`{change.id}`" + (f" {_md(change.name)}" if change.name else "")
            out.append(f"| {_HEADINGS.get(change.kind, change.kind)} | {label} | {_md(what)} | {_md(change.old)} | "
                       f"{_md(change.new)} |")
        out.append("")
    return "\n".join(out)


def as_json(diffs: list[CityDiff]) -> str:
    """The diff for programs (``format_version`` 1; keys may be added)."""
    return json.dumps({"format_version": DIFF_FORMAT_VERSION, "cities": [d.as_dict() for d in diffs]}, indent=2,
                      default=str) + "\n"
