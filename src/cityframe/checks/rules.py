"""Cross-reference and consistency rules over a validated city: pure functions that return findings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..data.load import City
from ..data.sources import PathKey
from ..errors import Finding, did_you_mean

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

    def ids(self, kind: str) -> list[str]:
        kinds = {kind, "catalog"} if kind == "resource" else {kind}
        return [i for i, places in self.by_id.items() if any(p.kind in kinds for p in places)]

    def resolve(self, file: str, path: PathKey, ident: str | None, kind: str) -> None:
        if not ident:
            return
        kinds = {kind, "catalog"} if kind == "resource" else {kind}
        places = self.by_id.get(ident, [])
        if any(p.kind in kinds for p in places):
            return
        other = next((p.kind for p in places if p.kind != "catalog"), None)
        message = f"'{ident}' is not {KIND_WORDS[kind][0]}"
        if other:
            message += f"; it is {KIND_WORDS[other][0]}"
        guess = did_you_mean(ident, self.ids(kind), cutoff=0.5)
        message += guess
        hint = None if guess else f"use {KIND_WORDS[kind][0]} from {KIND_WORDS[kind][1]}"
        self.findings.append(self.city.finding(file, path, message, hint=hint))

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
            guess = did_you_mean(ident, city.catalog, cutoff=0.5)
            hint = None if guess else "run 'cityframe catalog' to list the national catalog's ids"
            index.findings.append(city.finding(
                "resources.yaml", ("include", i), f"'{ident}' is not in the national catalog{guess}", hint=hint))
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
        elif (today - resource.last_verified).days > STALE_AFTER_DAYS:
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


LOGO_TYPES = (".svg", ".png", ".jpg", ".jpeg")


def _logo(city: City) -> Iterator[Finding]:
    """A logo is a picture file inside the city's own folder: the renderer reads nothing else."""
    logo = city.profile.city.logo
    if not logo:
        return
    where = ("city", "logo")
    folder = city.folder.resolve()
    target = (city.folder / logo).resolve()
    if logo.startswith(("/", "\\")) or ":" in logo or not target.is_relative_to(folder):
        yield city.finding("city.yaml", where, f"the logo '{logo}' is outside the city's folder",
                           hint=f"copy the file into {city.display('')} and give its name, e.g. logo.svg")
    elif target.suffix.lower() not in LOGO_TYPES:
        yield city.finding("city.yaml", where, f"the logo '{logo}' is not an SVG, PNG or JPEG file")
    elif not target.is_file():
        yield city.finding("city.yaml", where, f"the logo file '{logo}' does not exist",
                           hint=f"put it in {city.display('')}")


def check_city(city: City, today: dt.date | None = None) -> list[Finding]:
    """Every cross-reference and consistency finding for a validated city, errors and warnings."""
    index = _Index(city)
    _references(city, index)
    findings = [*index.findings, *_chair(city), *_dates(city), *_coverage(city),
                *_resources(city, today or dt.date.today()), *_logo(city),
                *_progress(city, today or dt.date.today())]
    findings.sort(key=lambda f: (f.severity != "error", f.file, f.line, f.col))
    if len(findings) > MAX_FINDINGS:
        more = len(findings) - MAX_FINDINGS
        findings = [*findings[:MAX_FINDINGS], city.finding(
            findings[MAX_FINDINGS].file.rsplit("/", 1)[-1], (), f"... and {more} more problems not listed",
            severity=findings[MAX_FINDINGS].severity, hint="fix the ones above first: they often share a cause")]
    return findings
