"""Cross-reference and consistency rules over a validated city: pure functions that return findings."""

from __future__ import annotations

import datetime as dt
import re
import stat
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pydantic import BaseModel

from ..data.load import City
from ..data.models import Source
from ..data.sources import PathKey
from ..errors import Finding, did_you_mean, typo_of
from .fonts import font_findings
from .markdown import markdown_findings

STALE_AFTER_DAYS = 365

KIND_WORDS = {
    "stakeholder": ("a stakeholder id", "stakeholders.yaml"),
    "threat": ("a threat id", "risk-landscape.yaml"),
    "objective": ("an objective id", "city.yaml, under plan.goals"),
    "factor": ("a risk or protective factor id", "risk-landscape.yaml"),
    "resource": ("a resource id", "resources.yaml or the national catalog"),
    "intervention": ("an intervention id", "interventions.yaml"),
    "goal": ("a goal id", "city.yaml"),
    "working-group": ("a working group id", "governance.yaml"),
}
KIND_NOUNS = {"stakeholder": "stakeholder", "threat": "threat", "objective": "objective", "factor": "factor",
              "resource": "resource", "intervention": "intervention", "goal": "goal",
              "working-group": "working group"}
MAX_FINDINGS = 100
"""A city with more problems than this has one systematic mistake; the rest would only bury it."""


@dataclass(frozen=True)
class Declared:
    """Where an id is declared."""

    kind: str
    file: str
    path: PathKey


def _declarations(city: City) -> Iterator[tuple[str, Declared]]:
    for i, s in enumerate(city.stakeholders.stakeholders):
        yield s.id, Declared("stakeholder", "stakeholders.yaml", ("stakeholders", i, "id"))
    for i, t in enumerate(city.risk.threats):
        yield t.id, Declared("threat", "risk-landscape.yaml", ("threats", i, "id"))
    for group in ("risk_factors", "protective_factors", "service_gaps", "community_assets"):
        for i, f in enumerate(getattr(city.risk, group)):
            yield f.id, Declared("factor", "risk-landscape.yaml", (group, i, "id"))
    for g, goal in enumerate(city.profile.plan.goals):
        yield goal.id, Declared("goal", "city.yaml", ("plan", "goals", g, "id"))
        for o, objective in enumerate(goal.objectives):
            yield objective.id, Declared("objective", "city.yaml", ("plan", "goals", g, "objectives", o, "id"))
    for i, intervention in enumerate(city.interventions.interventions):
        yield intervention.id, Declared("intervention", "interventions.yaml", ("interventions", i, "id"))
    for i, r in enumerate(city.resources.resources):
        yield r.id, Declared("resource", "resources.yaml", ("resources", i, "id"))
    for i, w in enumerate(city.governance.steering_group.working_groups):
        yield w.id, Declared("working-group", "governance.yaml", ("steering_group", "working_groups", i, "id"))


class _Index:
    """Every declared id, so that a reference can be resolved, or explained when it is of the wrong kind."""

    def __init__(self, city: City) -> None:
        self.city = city
        self.findings: list[Finding] = []
        self.by_id: dict[str, list[Declared]] = {}
        first: dict[tuple[str, str], Declared] = {}
        for ident, where in _declarations(city):
            self.by_id.setdefault(ident, []).append(where)
            # Factors share one namespace across their four lists; each other kind has its own.
            key = (where.kind, ident)
            if key in first:
                earlier = first[key]
                line, _ = city.sources[earlier.file].locate(earlier.path)
                self.findings.append(city.finding(
                    where.file, where.path, f"the id '{ident}' is used twice (first at "
                    f"{city.display(earlier.file)}:{line})", hint="give each one its own id"))
            else:
                first[key] = where
        for ident in city.catalog:
            self.by_id.setdefault(ident, []).append(Declared("catalog", "", ()))
        self.used: set[tuple[str, str]] = set()
        self.unresolved: dict[tuple[str, str], list[tuple[str, PathKey]]] = {}

    def ids(self, kind: str) -> list[str]:
        kinds = {kind, "catalog"} if kind == "resource" else {kind}
        return [i for i, places in self.by_id.items() if any(p.kind in kinds for p in places)]

    def resolve(self, file: str, path: PathKey, ident: str | None, kind: str) -> None:
        """Note a reference; the ones that resolve to nothing are reported by :meth:`report_unresolved`."""
        if not ident:
            return
        kinds = {kind, "catalog"} if kind == "resource" else {kind}
        places = self.by_id.get(ident, [])
        if any(p.kind in kinds for p in places):
            self.used.add((kind, ident))
            return
        self.unresolved.setdefault((kind, ident), []).append((file, path))

    def report_unresolved(self) -> None:
        """One finding per reference to nothing, or one at the definition when an id was renamed by mistake.

        When an id is declared but referenced nowhere while a close spelling of it is referenced several times,
        the declaration is the likely typo: one finding there says so, instead of one per reference.
        """
        for (kind, ident), references in self.unresolved.items():
            unused = [i for i, places in self.by_id.items()
                      if (kind, i) not in self.used and any(p.kind == kind for p in places)]
            renamed = typo_of(ident, unused) if len(references) > 1 else None
            if renamed is not None:
                where = next(p for p in self.by_id[renamed] if p.kind == kind)
                line, _ = self.city.sources[where.file].locate(where.path)
                self.findings.append(self.city.finding(
                    where.file, where.path, f"'{renamed}' (line {line}) is used nowhere, while {len(references)} "
                    f"references name '{ident}'", hint=f"if they mean the same {KIND_NOUNS[kind]}, "
                    f"correct the id here to '{ident}'"))
                continue
            message, hint = self._not_found(ident, kind)
            for file, path in references:
                self.findings.append(self.city.finding(file, path, message, hint=hint))

    def _not_found(self, ident: str, kind: str) -> tuple[str, str | None]:
        places = self.by_id.get(ident, [])
        other = next((p.kind for p in places if p.kind != "catalog"), None)
        message = f"'{ident}' is not {KIND_WORDS[kind][0]}"
        if other:
            message += f"; it is {KIND_WORDS[other][0]}"
        guess = did_you_mean(ident, self.ids(kind))
        if guess:
            return message + guess, None
        if other:
            return message, f"use {KIND_WORDS[kind][0]} from {KIND_WORDS[kind][1]}"
        if kind == "resource":
            return message, (f"add a resource with id: {ident} to resources.yaml, or run 'cityframe catalog' to "
                             "find a national one and list its id under include:")
        return message, (f"add a {KIND_NOUNS[kind]} with id: {ident} to {KIND_WORDS[kind][1]}, or use an id that "
                         "is there")

    def resolve_all(self, file: str, path: PathKey, idents: Iterable[str], kind: str) -> None:
        for n, ident in enumerate(idents):
            self.resolve(file, (*path, n), ident, kind)


def _references(city: City, index: _Index) -> None:
    plan = city.profile.plan
    for g, goal in enumerate(plan.goals):
        for o, objective in enumerate(goal.objectives):
            index.resolve("city.yaml", ("plan", "goals", g, "objectives", o, "owner"), objective.owner, "stakeholder")
    index.resolve("city.yaml", ("plan", "referral_pathway", "triage_owner"), plan.referral_pathway.triage_owner,
                  "stakeholder")
    index.resolve("city.yaml", ("plan", "post_incident_response", "lead"), plan.post_incident_response.lead,
                  "stakeholder")
    for i, intervention in enumerate(city.interventions.interventions):
        at: PathKey = ("interventions", i)
        index.resolve_all("interventions.yaml", (*at, "objectives"), intervention.objectives, "objective")
        index.resolve_all("interventions.yaml", (*at, "addresses"), intervention.addresses, "threat")
        index.resolve_all("interventions.yaml", (*at, "factors"), intervention.factors, "factor")
        index.resolve("interventions.yaml", (*at, "lead"), intervention.lead, "stakeholder")
        index.resolve_all("interventions.yaml", (*at, "partners"), intervention.partners, "stakeholder")
        index.resolve_all("interventions.yaml", (*at, "resources"), intervention.resources, "resource")
    for i, group in enumerate(city.governance.steering_group.working_groups):
        at = ("steering_group", "working_groups", i)
        index.resolve("governance.yaml", (*at, "lead"), group.lead, "stakeholder")
        index.resolve_all("governance.yaml", (*at, "members"), group.members, "stakeholder")
    for i, resource in enumerate(city.resources.resources):
        index.resolve("resources.yaml", ("resources", i, "provider_id"), resource.provider_id, "stakeholder")
    for i, ident in enumerate(city.resources.include):
        if ident not in city.catalog:
            guess = did_you_mean(ident, city.catalog)
            hint = None if guess else "run 'cityframe catalog' to list the national catalog's ids"
            index.findings.append(city.finding(
                "resources.yaml", ("include", i), f"'{ident}' is not in the national catalog{guess}", hint=hint))
        elif ident in city.resources.include[:i]:
            first = city.sources["resources.yaml"].locate(("include", city.resources.include.index(ident)))[0]
            index.findings.append(city.finding(
                "resources.yaml", ("include", i), f"'{ident}' is included twice (first at line {first}); the "
                "directory would show it twice, with the same HTML ids (WCAG 4.1.1 needs them unique)",
                hint="remove one of them"))
        elif any(r.id == ident for r in city.resources.resources):
            index.findings.append(city.finding(
                "resources.yaml", ("include", i), f"'{ident}' is both a local resource and included from the "
                "national catalog", hint="rename the local one, or remove it from include:"))


def _chair(city: City) -> Iterator[Finding]:
    chairs = [(i, s) for i, s in enumerate(city.stakeholders.stakeholders) if s.seat == "chair"]
    for i, stakeholder in chairs:
        if stakeholder.kind != "local-government":
            yield city.finding("stakeholders.yaml", ("stakeholders", i, "seat"),
                               f"the chair must be local government, but '{stakeholder.id}' is {stakeholder.kind}",
                               hint="give the chair seat to a local-government stakeholder")
    for i, _ in chairs[1:]:
        yield city.finding("stakeholders.yaml", ("stakeholders", i, "seat"),
                           f"there can be only one chair; '{chairs[0][1].id}' already holds it",
                           hint="make this one vice-chair or member")


def _dates(city: City) -> Iterator[Finding]:
    plan = city.profile.plan

    def ordered(file: str, path: PathKey, first: dt.date | None, then: dt.date | None, what: str) -> Iterator[Finding]:
        if first and then and then < first:
            yield city.finding(file, path, f"{what} ({then}) comes before {first}", hint="check the dates")

    yield from ordered("city.yaml", ("plan", "period", "end"), plan.period.start, plan.period.end,
                       "the plan period ends")
    yield from ordered("city.yaml", ("plan", "next_review"), plan.adoption.date, plan.next_review,
                       "the next review")
    assessment = city.risk.assessment
    yield from ordered("risk-landscape.yaml", ("assessment", "period", "end"), assessment.period.start,
                       assessment.period.end, "the assessment ends")
    for i, survey in enumerate(assessment.surveys):
        yield from ordered("risk-landscape.yaml", ("assessment", "surveys", i, "period", "end"),
                           survey.period.start, survey.period.end, "the survey ends")
    for i, intervention in enumerate(city.interventions.interventions):
        yield from ordered("interventions.yaml", ("interventions", i, "end"), intervention.start, intervention.end,
                           "the intervention ends")
        for m, milestone in enumerate(intervention.milestones):
            where = ("interventions", i, "milestones", m, "date")
            yield from ordered("interventions.yaml", where, intervention.start, milestone.date, "this milestone")
            yield from ordered("interventions.yaml", where, milestone.date, intervention.end,
                               "the intervention's end")


KIND_VALUES = {
    "count": "a whole number of 0 or more",
    "percent": "a number from 0 to 100",
    "number": "a number",
    "yes-no": "true or false",
}


def value_fits(kind: str, value: object) -> bool:
    """Whether a measured value is of an indicator's kind (``count``, ``percent``, ``number``, ``yes-no``)."""
    if kind == "yes-no":
        return isinstance(value, bool)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if kind == "count":
        return isinstance(value, int) and value >= 0
    if kind == "percent":
        return 0 <= value <= 100
    return True


def progress_today(city: City, today: dt.date) -> dt.date:
    """The day progress is reported as of: today, or an illustrative city's ``illustrative_as_of``."""
    profile = city.profile
    return profile.illustrative_as_of if profile.illustrative and profile.illustrative_as_of else today


def _progress(city: City, today: dt.date) -> Iterator[Finding]:
    """Progress data: updates and measurements in date order, none in the future, values of the indicator's kind."""
    if city.profile.illustrative_as_of and not city.profile.illustrative:
        yield city.finding("city.yaml", ("illustrative_as_of",), "illustrative_as_of is only for an illustrative "
                           "city, and this one has no illustrative: note", hint="remove illustrative_as_of: "
                           "a real city's progress is checked against today's date")
    today = progress_today(city, today)

    def dated(file: str, at: PathKey, dates: list[dt.date], what: str) -> Iterator[Finding]:
        for n, when in enumerate(dates):
            if when > today:
                yield city.finding(file, (*at, n, "date"), f"this {what} is dated {when}, in the future (today is "
                                   f"{today})", hint=f"record a {what} once it has happened; plans go in milestones")
            elif n and when < dates[n - 1]:
                yield city.finding(file, (*at, n, "date"), f"this {what} ({when}) comes before the one above it "
                                   f"({dates[n - 1]})", hint=f"list each {what} in date order, oldest first")

    for i, intervention in enumerate(city.interventions.interventions):
        yield from dated("interventions.yaml", ("interventions", i, "progress"),
                         [u.date for u in intervention.progress], "progress update")
        for m, milestone in enumerate(intervention.milestones):
            if milestone.met and milestone.met > today:
                yield city.finding("interventions.yaml", ("interventions", i, "milestones", m, "met"),
                                   f"this milestone is marked met on {milestone.met}, in the future",
                                   hint="set met: once the milestone has been reached")
    for g, goal in enumerate(city.profile.plan.goals):
        for o, objective in enumerate(goal.objectives):
            at: PathKey = ("plan", "goals", g, "objectives", o)
            yield from dated("city.yaml", (*at, "measurements"), [v.date for v in objective.measurements],
                             "measurement")
            kind = objective.indicator_kind
            values = [((*at, "measurements", n, "value"), v.value) for n, v in enumerate(objective.measurements)]
            values += [((*at, name), getattr(objective, name)) for name in ("baseline_value", "target_value")
                       if getattr(objective, name) is not None]
            if kind is None:
                if values:
                    yield city.finding("city.yaml", values[0][0], f"the objective '{objective.id}' has measured "
                                       "values but no indicator_kind", hint="add indicator_kind: count, percent, "
                                       "number or yes-no beside its indicator")
                continue
            for path, value in values:
                if not value_fits(kind, value):
                    shown_value = str(value).lower() if isinstance(value, bool) else value
                    yield city.finding("city.yaml", path, f"{shown_value} is not {KIND_VALUES[kind]}, as the "
                                       f"indicator_kind '{kind}' asks", hint=f"write {KIND_VALUES[kind]}")


def _coverage(city: City) -> Iterator[Finding]:
    addressed = {t for i in city.interventions.interventions if i.status != "dropped" for t in i.addresses}
    for i, threat in enumerate(city.risk.threats):
        if threat.id not in addressed:
            yield city.finding("risk-landscape.yaml", ("threats", i, "id"),
                               f"no intervention addresses the threat '{threat.id}'", severity="warning",
                               hint="list it under 'addresses:' of an intervention in interventions.yaml")


def _resources(city: City, today: dt.date) -> Iterator[Finding]:
    for i, resource in enumerate(city.resources.resources):
        if not resource.phones and not resource.url:
            yield city.finding("resources.yaml", ("resources", i, "id"),
                               f"'{resource.id}' has neither a phone nor a web address",
                               hint="residents need a way to reach it: add phones: or url:")
        if resource.last_verified is None:
            yield city.finding("resources.yaml", ("resources", i, "id"),
                               f"'{resource.id}' has no last_verified date", severity="warning",
                               hint="check its contact details and set last_verified: YYYY-MM-DD")
        elif resource.last_verified > today:
            yield city.finding("resources.yaml", ("resources", i, "last_verified"),
                               f"'{resource.id}' says it was verified on {resource.last_verified}, which is in the "
                               f"future (today is {today})",
                               hint="write the day the details were actually checked, today or earlier")
        elif resource.verification is None:
            yield city.finding("resources.yaml", ("resources", i, "last_verified"),
                               f"'{resource.id}' does not say how it was verified on {resource.last_verified}",
                               severity="warning", hint="add verification: checked-against-source (read against "
                               "its published source) or confirmed-with-provider (you called or wrote to them)")
        if resource.last_verified is not None and (today - resource.last_verified).days > STALE_AFTER_DAYS:
            yield city.finding("resources.yaml", ("resources", i, "last_verified"),
                               f"'{resource.id}' was last verified on {resource.last_verified}, more than 12 months "
                               "ago", severity="warning", hint="check its contact details and update last_verified")
    for resource in city.included_resources():
        i = city.resources.include.index(resource.id)
        verified = resource.last_verified
        if verified is None or (today - verified).days > STALE_AFTER_DAYS:
            when = f"on {verified}, more than 12 months ago" if verified else "never"
            yield city.finding("resources.yaml", ("include", i),
                               f"the national entry '{resource.id}' was last verified {when}", severity="warning",
                               hint="upgrade cityframe, or check the entry and tell its maintainers")
        if resource.status != "active":
            yield city.finding("resources.yaml", ("include", i),
                               f"the national entry '{resource.id}' is {resource.status}: {resource.status_note or ''}"
                               .rstrip(": "), severity="warning", hint="consider removing it from include:")


EDITOR_NOTE = "note for editors"
"""The words that start every finding about an open editor note: ``check`` counts them by it."""

CITY_FILES = ("city.yaml", "governance.yaml", "stakeholders.yaml", "risk-landscape.yaml", "interventions.yaml",
              "resources.yaml")
OWN_FILES = re.compile(r"\bcityframe\b|\bdomain brief\b", re.IGNORECASE)
"""How a source that is this project's own file gives itself away: no reader can look it up."""


def _file_models(city: City) -> Iterator[tuple[str, BaseModel]]:
    yield from zip(CITY_FILES, (city.profile, city.governance, city.stakeholders, city.risk, city.interventions,
                                city.resources), strict=True)


def _walk(value: object, path: PathKey) -> Iterator[tuple[PathKey, object]]:
    """(path, value) for every model and string inside ``value``, depth first, in the data's order."""
    yield path, value
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name), (*path, name))
    elif isinstance(value, (list, tuple)):
        for n, item in enumerate(value):
            yield from _walk(item, (*path, n))


def editor_notes(city: City) -> list[Finding]:
    """A warning for every open note to the data's editors, the city's own and those of included catalog entries.

    Notes never reach a public document; they are listed here so that someone resolves them before publishing.
    """
    findings = []
    for file, model in _file_models(city):
        for path, value in _walk(model, ()):
            if len(path) >= 2 and path[-2] == "editor_notes" and isinstance(value, str):
                findings.append(city.finding(file, path, f"{EDITOR_NOTE}: {value}", severity="warning",
                                             hint="resolve it, then delete the note"))
    for resource in city.included_resources():
        i = city.resources.include.index(resource.id)
        for note in resource.editor_notes:
            findings.append(city.finding(
                "resources.yaml", ("include", i), f"the national entry '{resource.id}' has a {EDITOR_NOTE}: {note}",
                severity="warning", hint="check the entry yourself before publishing the directory"))
    return findings


def _sources(city: City) -> Iterator[Finding]:
    """A source is a public document a reader can look up, never this project's own files."""
    for file, model in _file_models(city):
        for path, value in _walk(model, ()):
            if not isinstance(value, Source):
                continue
            words = " ".join(filter(None, (value.title, value.publisher, value.url, value.note)))
            if OWN_FILES.search(words):
                yield city.finding(file, path, "a source must be a public document a reader can look up, not "
                                   "cityframe's own files", hint="cite the public document the fact comes from "
                                   "(title, publisher, url), and put remarks for editors under editor_notes:")


def _ratings(city: City) -> Iterator[Finding]:
    """A threat is rated (likelihood and impact) or not yet rated (neither): half a rating places it nowhere."""
    for i, threat in enumerate(city.risk.threats):
        if (threat.likelihood is None) != (threat.impact is None):
            given, missing = ("likelihood", "impact") if threat.impact is None else ("impact", "likelihood")
            yield city.finding("risk-landscape.yaml", ("threats", i, given),
                               f"the threat '{threat.id}' has a {given} but no {missing}",
                               hint=f"add {missing}: (1-5), or leave out both while the threat is not yet rated")


def _accessibility_contact(city: City) -> Iterator[Finding]:
    """People asking for an accessible format need a way to ask: a web page alone is not one for everyone."""
    contact = city.profile.plan.language_access.contact
    if contact is not None and not contact.phone and not contact.email:
        yield city.finding("city.yaml", ("plan", "language_access", "contact"),
                           "the accessibility contact has no phone or email: people asking for another language or "
                           "an accessible format need a way to ask", hint="add phone: or email: to the contact")


LOGO_TYPES = (".svg", ".png", ".jpg", ".jpeg")


MAX_LOGO_BYTES = 2_000_000
"""A logo is copied into every page (a data: URI) and every PDF: a few hundred KB at most is usual."""
MAX_LOGO_SIDE = 10_000
MAX_LOGO_PIXELS = 25_000_000
"""Larger pictures are decompression bombs, or photographs: the PDF renderer would decode every pixel."""


def _logo(city: City) -> Iterator[Finding]:
    """A logo is a picture file inside the city's own folder, of a sane size, that the PDF renderer accepts."""
    logo = city.profile.city.logo
    if not logo:
        return
    where = ("city", "logo")
    folder = city.folder.resolve()
    target = (city.folder / logo).resolve()
    if logo.startswith(("/", "\\")) or ":" in logo or not target.is_relative_to(folder):
        yield city.finding("city.yaml", where, f"the logo '{logo}' is outside the city's folder",
                           hint=f"copy the file into {city.display('')} and give its name, e.g. logo.svg")
        return
    if target.suffix.lower() not in LOGO_TYPES:
        yield city.finding("city.yaml", where, f"the logo '{logo}' is not an SVG, PNG or JPEG file")
        return
    try:
        info = target.stat()
    except OSError:
        yield city.finding("city.yaml", where, f"the logo file '{logo}' does not exist",
                           hint=f"put it in {city.display('')}")
        return
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a pipe or a device"
        yield city.finding("city.yaml", where, f"the logo '{logo}' is {kind}, not a picture file",
                           hint="replace it with the SVG, PNG or JPEG file")
        return
    if info.st_size > MAX_LOGO_BYTES:
        yield city.finding("city.yaml", where, f"the logo '{logo}' is {info.st_size / 1e6:.1f} MB; a logo may be "
                           f"at most {MAX_LOGO_BYTES / 1e6:g} MB (it is copied into every page)",
                           hint="export it smaller: a logo needs a few hundred pixels across, or an SVG")
        return
    try:
        with open(target, "rb") as handle:
            data = handle.read(MAX_LOGO_BYTES + 1)
    except OSError as exc:
        yield city.finding("city.yaml", where, f"the logo '{logo}' cannot be read ({exc.strerror or exc})")
        return
    problem = logo_problem(target.suffix.lower(), data)
    if problem:
        yield city.finding("city.yaml", where, f"the logo '{logo}' {problem}",
                           hint="export the logo again as a plain SVG, PNG or JPEG file")


def logo_problem(suffix: str, data: bytes) -> str | None:
    """Why the PDF renderer would refuse (or choke on) a logo's bytes, in words after 'the logo ...', or None.

    Checks the first bytes against the type the name gives, the pixel size a PNG or JPEG declares (before any
    decoding: decompression bombs), and that an SVG declares no DOCTYPE or entities (external entities read
    files; entity expansion explodes) and refers to no other file.
    """
    if suffix == ".png":
        if not data.startswith(b"\x89PNG\r\n\x1a\n") or data[12:16] != b"IHDR":
            return "is not a PNG file (its first bytes differ)"
        width, height = struct.unpack(">II", data[16:24])
        return _pixels(width, height)
    if suffix in (".jpg", ".jpeg"):
        if not data.startswith(b"\xff\xd8\xff"):
            return "is not a JPEG file (its first bytes differ)"
        size = _jpeg_size(data)
        return _pixels(*size) if size else "is a damaged JPEG file (no picture size in it)"
    text = data.decode("utf-8", errors="replace")
    lowered = text.lower()
    if "<!doctype" in lowered or "<!entity" in lowered:
        return "declares a DOCTYPE or entities, which the PDF renderer refuses (they can read files or explode)"
    if "<svg" not in lowered:
        return "is not an SVG file (there is no <svg> element in it)"
    for match in re.finditer(r"""\b(?:xlink:)?href\s*=\s*["']\s*([^"'#\s][^"']*)""", text, re.IGNORECASE):
        if not match.group(1).lower().startswith("data:"):
            return f"refers to another file ({match.group(1)[:60]}); a logo must hold its whole picture"
    for name in ("width", "height"):
        match = re.search(rf"""<svg\b[^>]*\s{name}\s*=\s*["']\s*([0-9.]+)""", text, re.IGNORECASE)
        if match and float(match.group(1)) > MAX_LOGO_SIDE:
            return f"says it is {float(match.group(1)):,.0f} pixels {'wide' if name == 'width' else 'high'}"
    return None


def _pixels(width: int, height: int) -> str | None:
    if width > MAX_LOGO_SIDE or height > MAX_LOGO_SIDE or width * height > MAX_LOGO_PIXELS:
        return (f"is {width:,} by {height:,} pixels; a logo may be at most {MAX_LOGO_SIDE:,} pixels on a side "
                "(a larger picture takes the PDF renderer gigabytes of memory)")
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """A JPEG's (width, height) from its first start-of-frame segment, or None."""
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            index += 2
            continue
        length = int.from_bytes(data[index + 2 : index + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return width, height
        index += 2 + length
    return None


MAX_EMPHASIS_MARKERS = 200
"""Emphasis markers (``*``, ``_``) in one text; a real text has a handful. Thousands of them nest emphasis
thousands deep, which makes the PDF layout take minutes and gigabytes."""
_EMPHASIS = re.compile(r"(?<!\\)\*|(?<![A-Za-z0-9\\])_|(?<!\\)_(?![A-Za-z0-9])")


def _emphasis(city: City) -> Iterator[Finding]:
    """Texts whose Markdown emphasis markers would make the layout explode, at each one's place."""
    for file, source in city.sources.items():
        for path, raw in source.raw.items():
            if raw.count("*") + raw.count("_") <= MAX_EMPHASIS_MARKERS:
                continue
            markers = len(_EMPHASIS.findall(raw))
            if markers > MAX_EMPHASIS_MARKERS:
                yield city.finding(file, path, f"the text has {markers:,} emphasis markers ('*' or '_'); at most "
                                   f"{MAX_EMPHASIS_MARKERS} are allowed in one text, as more make the documents' "
                                   "layout explode", hint="remove the stars and underscores that are not emphasis, "
                                   "or write a literal one as \\*")


def check_city(city: City, today: dt.date | None = None) -> list[Finding]:
    """Every cross-reference and consistency finding for a validated city, errors and warnings."""
    index = _Index(city)
    _references(city, index)
    index.report_unresolved()
    loaded = [w for source in city.sources.values() for w in source.warnings]
    findings = [*index.findings, *loaded, *_chair(city), *_dates(city), *_coverage(city),
                *_resources(city, today or dt.date.today()), *_logo(city), *_sources(city),
                *_ratings(city), *_accessibility_contact(city),
                *editor_notes(city), *font_findings(city), *markdown_findings(city), *_emphasis(city),
                *_progress(city, today or dt.date.today())]
    findings.sort(key=lambda f: (f.severity != "error", f.file, f.line, f.col))
    if len(findings) > MAX_FINDINGS:
        more = len(findings) - MAX_FINDINGS
        findings = [*findings[:MAX_FINDINGS], city.finding(
            findings[MAX_FINDINGS].file.rsplit("/", 1)[-1], (), f"... and {more} more problems not listed",
            severity=findings[MAX_FINDINGS].severity, hint="fix the ones above first: they often share a cause")]
    # What a language edition lacks is a translator's to-do list, not one mistake repeated: listed in full.
    untranslated = sorted((f for source in city.sources.values() for f in source.untranslated),
                          key=lambda f: (f.file, f.line, f.col))
    return [*findings, *untranslated]
