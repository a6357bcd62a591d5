"""A validated city -> the render context: the only thing templates see.

Everything a template may show is copied here out of the pydantic models into plain, read-only views, and
this is the one place where the edition is applied: in the public edition every contact and note whose
``visibility`` is ``internal``, and every note for the data's editors (``editor_notes``), is dropped while
copying, so no template, built-in or a city's override, can reach an internal value. Placeholders (empty text,
``TODO``, ``TBD``) become ``None`` so that templates test one thing. Nothing here reads the clock or iterates a
set: the same data gives the same context.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote, urlsplit

from markupsafe import Markup
from pydantic import BaseModel

from .. import __version__
from ..checks.rules import EDITOR_NOTE, editor_notes
from ..checks.sections import Document, SectionStatus, document_status, documents, is_filled
from ..data.contacts import STATES, parse_phone
from ..data.languages import is_language_code, language_autonym, language_name
from ..data.models import Contact, Note, Phone
from . import charts, i18n
from .i18n import N_, TranslatedLabels, _, using
from .templates import with_article

if TYPE_CHECKING:
    from ..checks.report import CityReport
    from ..data.load import City

Edition = Literal["public", "internal"]
EDITIONS: tuple[Edition, ...] = ("public", "internal")

TEMPLATE_FOLDERS = {"prevention-plan": "plan", "governance-charter": "charter", "resource-directory": "directory"}
"""Where each document's per-section templates live: ``plan/<section slug>.html`` and so on."""

DEFAULT_ACCENT = "#1f4e79"
PAGE_BACKGROUNDS = ("#ffffff", "#f3f4f6", "#fdf5e2")
"""Where accent-coloured text (links, headings) can sit: the page, striped table rows, notes (cityframe.css)."""
DEFAULT_UNDERCOUNT_CAVEAT = N_(
    "Hate crimes and bias incidents are widely under-reported, and reporting to official statistics is "
    "voluntary: counts understate the problem.")

STATE_NAMES = STATES

LANGUAGE_CODES = {
    "english": "en", "spanish": "es", "español": "es", "espanol": "es", "french": "fr", "français": "fr",
    "chinese": "zh", "vietnamese": "vi", "arabic": "ar", "korean": "ko", "tagalog": "tl", "russian": "ru",
    "portuguese": "pt", "german": "de", "haitian creole": "ht", "somali": "so", "navajo": "nv",
}

KIND_LABELS = TranslatedLabels({
    "local-government": N_("Local government"), "state-government": N_("State government"),
    "law-enforcement": N_("Law enforcement"), "education": N_("Education"),
    "health": N_("Health"), "faith": N_("Faith"), "civil-society": N_("Civil society"), "youth": N_("Youth"),
    "business": N_("Business"), "media": N_("Media"), "academic": N_("Academic"), "other": N_("Other"),
})
"""Id -> label: every label table here is English msgids, read in the language of the page being rendered."""
SEAT_LABELS = TranslatedLabels({"chair": N_("Chair"), "vice-chair": N_("Vice-chair"), "member": N_("Member"),
                                "advisor": N_("Advisor"), "none": N_("Not seated")})
SEAT_ORDER = ("chair", "vice-chair", "member", "advisor", "none")
TIER_LABELS = TranslatedLabels({"primary": N_("Primary prevention"), "secondary": N_("Secondary prevention"),
                                "tertiary": N_("Tertiary prevention")})
TIER_WORDS = TranslatedLabels({"primary": N_("primary"), "secondary": N_("secondary"), "tertiary": N_("tertiary")})
"""The tiers as words in a phrase ("Primary and secondary")."""
TIER_DESCRIPTIONS = TranslatedLabels({
    "primary": N_("Population-wide measures that build resilience and awareness before harm occurs."),
    "secondary": N_("Early help for people and places showing signs of risk."),
    "tertiary": N_("Support that reduces harm and risk where it already exists, including after incidents."),
})
STATUS_LABELS = TranslatedLabels({"planned": N_("Planned"), "active": N_("Active"), "done": N_("Done"),
                                  "paused": N_("Paused"), "dropped": N_("Dropped")})
EVIDENCE_LABELS = TranslatedLabels({
    "model-plus": N_("Model Plus (Blueprints)"), "model": N_("Model (Blueprints)"), "promising": N_("Promising"),
    "evidence-informed": N_("Evidence-informed"), "innovative": N_("Innovative"), "unrated": N_("Not rated"),
})
TREND_LABELS = TranslatedLabels({"rising": N_("Rising"), "stable": N_("Stable"), "falling": N_("Falling"),
                                 "unknown": N_("Unknown")})
THREAT_CATEGORY_LABELS = TranslatedLabels({
    "antisemitism": N_("Antisemitism"), "islamophobia": N_("Islamophobia"), "anti-lgbtq": N_("Anti-LGBTQ+ hate"),
    "racism": N_("Racism"), "anti-immigrant": N_("Anti-immigrant hate"),
    "anti-government": N_("Anti-government violence"), "hate-speech": N_("Hate speech"),
    "polarization": N_("Polarization"), "online-radicalization": N_("Online radicalization"),
    "violent-extremism": N_("Violent extremism"), "other": N_("Other"),
})
FUNDING_STATUS_LABELS = TranslatedLabels({"secured": N_("Secured"), "pending": N_("Pending"), "ended": N_("Ended"),
                                          "proposed": N_("Proposed")})
RESOURCE_STATUS_LABELS = TranslatedLabels({"active": N_("Active"), "inactive": N_("Inactive"),
                                           "defunct": N_("No longer operating"),
                                           "temporarily-closed": N_("Temporarily closed")})
LEVEL_LABELS = TranslatedLabels({"city": N_("City"), "county": N_("County"), "state": N_("State"),
                                 "federal": N_("Federal"), "national-nonprofit": N_("National non-profit")})
GOVERNMENT_FORMS = {
    "council-manager": TranslatedLabels({"label": N_("Council-manager"), "legislature": N_("City Council"),
                                         "executive": N_("City Manager")}),
    "mayor-council": TranslatedLabels({"label": N_("Mayor-council"), "legislature": N_("City Council"),
                                       "executive": N_("Mayor")}),
    "commission": TranslatedLabels({"label": N_("Commission"), "legislature": N_("City Commission"),
                                    "executive": N_("City Commission")}),
}
"""Who adopts (the legislature) and who leads the administration, by form of government."""
SCOPE_LABELS = TranslatedLabels({"national": N_("National"), "state": N_("State"), "county": N_("County"),
                                 "city": N_("Local")})
PHONE_TYPE_LABELS = TranslatedLabels({"voice": N_("Call"), "text": N_("Text"), "fax": N_("Fax"), "cell": N_("Mobile"),
                                      "video": N_("Video call"), "pager": N_("Pager"), "textphone": N_("TTY")})
"""The word before a number: "Call (740) 555-0123", "Text HOME to 741741", "TTY (800) 487-4889"."""
CATEGORY_SECTIONS = {
    "report-an-incident": "report-an-incident", "get-support": "get-support", "crisis-line": "crisis-lines",
    "training-and-education": "training-and-education", "community-program": "community-programs",
    "funding": "funding",
}
"""Resource category (models.py) -> the directory section slug (sections.yaml) that lists it."""

LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


# --- read-only views -------------------------------------------------------------------------------------


class View:
    """A read-only record for templates: attributes only, and a missing one is an error under StrictUndefined."""

    __slots__ = ("_fields",)

    def __init__(self, **fields: Any) -> None:
        object.__setattr__(self, "_fields", fields)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._fields[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("views are read-only")

    def __repr__(self) -> str:
        return f"View({', '.join(self._fields)})"

    def replace(self, **fields: Any) -> View:
        """A copy with some fields added or replaced."""
        return View(**{**self._fields, **fields})

    def field_names(self) -> list[str]:
        """The field names, in model order."""
        return list(self._fields)


class Labels(dict):  # type: ignore[type-arg]
    """Id -> display name; an id that is not known shows as itself (``check`` reports it)."""

    def __missing__(self, key: str) -> str:
        return str(key)


def visible(item: Contact | Note, edition: Edition) -> bool:
    """Whether a contact or note may appear in an edition: internal ones only in the internal edition."""
    return edition == "internal" or item.visibility == "public"


def to_view(value: Any, edition: Edition) -> Any:
    """A model value as template data: models become :class:`View`, lists tuples, placeholders ``None``.

    Contacts and notes that the edition may not show are dropped here, wherever they sit in the data; notes for
    the data's editors (``editor_notes``) reach the internal edition only.
    """
    if isinstance(value, (Contact, Note)) and not visible(value, edition):
        return None
    if isinstance(value, BaseModel):
        fields = {name: () if name == "editor_notes" and edition != "internal"
                  else to_view(getattr(value, name), edition) for name in type(value).model_fields}
        if isinstance(value, Phone):
            fields.update(_dial(value))
        elif isinstance(value, Contact):
            dial = parse_phone(value.phone) if value.phone else None
            fields.update(phone_display=dial.display if dial else None, phone_href=dial.href if dial else None)
        return View(**fields)
    if isinstance(value, (list, tuple)):
        items = (to_view(v, edition) for v in value)
        return tuple(v for v in items if v is not None)
    if isinstance(value, str):
        return value if is_filled(value) else None
    return value


# --- colours ---------------------------------------------------------------------------------------------


def _channel(c: float) -> float:
    c /= 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(color: str) -> float:
    """WCAG relative luminance of a ``#rrggbb`` colour."""
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    a, b = sorted((luminance(first), luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def mix(color: str, other: str, share: float) -> str:
    """``color`` moved ``share`` (0-1) of the way towards ``other``."""
    one = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    two = [int(other[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(a + (b - a) * share):02x}" for a, b in zip(one, two, strict=True))


def accessible_accent(color: str | None, backgrounds: Sequence[str] = ("#ffffff",), minimum: float = 4.5) -> str:
    """The city's accent colour, darkened until text in it (or white text on it) reaches ``minimum`` contrast."""
    if not color or not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
        color = DEFAULT_ACCENT
    color = color.lower()
    for step in range(0, 101):
        candidate = mix(color, "#000000", step / 100)
        if all(contrast_ratio(candidate, bg) >= minimum for bg in backgrounds):
            return candidate
    return "#000000"


@dataclass(frozen=True)
class Theme:
    """The colours a page uses, derived from the city's accent colour and checked for contrast."""

    accent: str
    accent_source: str | None
    accent_adjusted: bool
    tint: str
    rule: str

    @property
    def css(self) -> Markup:
        """CSS custom properties; every value is a computed ``#rrggbb``, never a string from the data."""
        return Markup(f":root{{--accent:{self.accent};--accent-tint:{self.tint};--accent-rule:{self.rule};}}")


def make_theme(accent_color: str | None) -> Theme:
    """A theme whose accent passes 4.5:1 against every page background and against its own light tint."""
    base = accessible_accent(accent_color, PAGE_BACKGROUNDS)
    accent = base
    for _step in range(40):
        tint = mix(accent, "#ffffff", 0.92)
        if contrast_ratio(accent, tint) >= 4.5:
            break
        accent = mix(accent, "#000000", 0.05)
    tint = mix(accent, "#ffffff", 0.92)
    source = accent_color.lower() if accent_color else None
    return Theme(accent=accent, accent_source=source, accent_adjusted=bool(source and source != accent),
                 tint=tint, rule=mix(accent, "#ffffff", 0.55))


# --- helpers ---------------------------------------------------------------------------------------------


def language_code(name: str | None) -> str:
    """A BCP 47 code for ``<html lang>`` from a language name or code in the data; ``en`` by default."""
    if not name:
        return "en"
    text = name.strip()
    if is_language_code(text):
        return text
    return LANGUAGE_CODES.get(text.lower(), "en")


def _logo(city: City) -> View | None:
    """The city's logo as a data: URI of the file's bytes, so that each HTML page stands alone."""
    logo = city.profile.city.logo
    if not logo:
        return None
    folder = city.folder.resolve()
    path = (city.folder / logo).resolve()
    mime = LOGO_TYPES.get(path.suffix.lower())
    if mime is None or not path.is_relative_to(folder) or not path.is_file():
        return None
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return View(uri=f"data:{mime};base64,{data}", alt=_("Logo of {city}").format(city=city.profile.city.name))


# --- the documents and their status ----------------------------------------------------------------------


def output_name(name: str, edition: str) -> str:
    """The file name of a page in an edition: ``prevention-plan.pdf``, or ``prevention-plan-internal.pdf``."""
    if edition == "public":
        return name
    stem, _, suffix = name.rpartition(".")
    return f"{stem}-{edition}.{suffix}"


def page_name(document_id: str, edition: Edition, suffix: str = "html") -> str:
    """The file a page (or its PDF) is written to by the build (``prevention-plan-internal.html`` ...): links use it."""
    return output_name(f"{document_id}.{suffix}", edition)


def _statuses(city: City, report: CityReport) -> dict[str, list[SectionStatus]]:
    by_document = {d.document.id: d.sections for d in report.documents}
    return {doc.id: by_document.get(doc.id) or document_status(city, doc) for doc in documents()}


def _document_view(doc: Document, statuses: list[SectionStatus], edition: Edition, pdf: bool) -> View:
    missing = {s.section.id: tuple(s.missing) for s in statuses}
    folder = TEMPLATE_FOLDERS[doc.id]
    sections = tuple(
        View(id=s.id, slug=s.slug, title=_(s.title), number=n, template=f"{folder}/{s.slug}.html",
             missing=tuple(_(label) for label in missing.get(s.id, ())), filled=not missing.get(s.id))
        for n, s in enumerate(doc.sections, 1))
    filled = sum(1 for s in sections if s.filled)
    return View(id=doc.id, title=_(doc.title), href=page_name(doc.id, edition),
                pdf_href=page_name(doc.id, edition, "pdf") if pdf else None, folder=folder, sections=sections,
                filled=filled, total=len(sections), complete=filled == len(sections),
                completeness=round(100 * filled / len(sections)) if sections else 100)


def adopting_body(city: City, document_id: str | None = None) -> str | None:
    """Who adopts a document: the charter's body for the charter, the plan's for the rest.

    Without one, the legislature of the city's form of government. One answer, so the banner and C16 agree.
    """
    charter = city.governance.steering_group.adoption.body
    plan = city.profile.plan.adoption.body
    body = charter if document_id == "governance-charter" and is_filled(charter) else plan
    if is_filled(body):
        return body
    form = city.profile.city.government
    return GOVERNMENT_FORMS[form]["legislature"] if form else None


def _status(city: City, report: CityReport, docs: Sequence[View], document_id: str | None = None) -> View:
    """Whether, and why, the documents are a draft: incomplete data and a plan not adopted are told apart."""
    plan = city.profile.plan
    incomplete = not report.complete
    not_adopted = plan.status != "adopted"
    missing_sections = sum(d.total - d.filled for d in docs)
    total_sections = sum(d.total for d in docs)
    body = adopting_body(city, document_id)
    reasons = []
    if not_adopted:
        reasons.append(_("Draft: not yet adopted by {body}.").format(body=with_article(body)) if body
                       else _("Draft: not yet adopted."))
    if incomplete:
        # No count here: the cover's "Completeness" line gives the one count that fits the page it is on (this
        # document's sections on a document, all 40 on the index page); a second, framework-wide count beside it
        # read as a contradiction ("0 of 16 filled in" above "40 of 40 not yet filled in").
        reasons.append(_("Incomplete: not every required section is filled in yet; do not rely on this text as "
                         "final."))
    if not_adopted and incomplete:
        marking = _("Draft – not adopted, incomplete")
    elif incomplete:
        marking = _("Draft – incomplete data")
    elif not_adopted:
        marking = _("Draft – not adopted")
    else:
        marking = _("Adopted")
    return View(draft=incomplete or not_adopted, incomplete=incomplete, not_adopted=not_adopted,
                plan_status=_("Adopted") if plan.status == "adopted" else _("Draft"), marking=marking,
                reasons=tuple(reasons), missing_sections=missing_sections, total_sections=total_sections,
                completeness=round(100 * (total_sections - missing_sections) / total_sections)
                if total_sections else 100)


def _edition(edition: Edition) -> View:
    if edition == "internal":
        return View(id="internal", internal=True, label=_("Internal edition"),
                    notice=_("Internal – not for distribution"),
                    explanation=_("This edition includes internal contacts and notes. Share it only within the "
                                  "steering group and its partners."))
    return View(id="public", internal=False, label=_("Public edition"), notice=None,
                explanation=_("This edition shows only public contacts and notes."))


# --- the parts of the context ----------------------------------------------------------------------------


def illustrative(value: bool | tuple[str, ...]) -> dict[str, Any]:
    """``illustrative`` (the whole record is an example) and ``proposed`` (its parts that are), for templates."""
    if isinstance(value, tuple):
        return {"illustrative": False, "proposed": value}
    return {"illustrative": bool(value), "proposed": ()}


def _stakeholders(city: City, edition: Edition) -> tuple[View, ...]:
    views = []
    for stakeholder in city.stakeholders.stakeholders:
        view = to_view(stakeholder, edition)
        level = LEVEL_LABELS[stakeholder.level] if stakeholder.level else None
        views.append(view.replace(kind_label=KIND_LABELS[stakeholder.kind], seat_label=SEAT_LABELS[stakeholder.seat],
                                  level_label=level, seated=stakeholder.seat in ("chair", "vice-chair", "member",
                                                                                  "advisor"),
                                  **illustrative(stakeholder.illustrative)))
    return tuple(views)


def _objectives(city: City, edition: Edition, labels: Labels) -> tuple[View, ...]:
    goals = []
    for g, goal in enumerate(city.profile.plan.goals, 1):
        objectives = []
        for o, objective in enumerate(goal.objectives, 1):
            view = to_view(objective, edition)
            objectives.append(view.replace(number=f"{g}.{o}", owner_name=labels[objective.owner]
                                           if objective.owner else None))
        goals.append(to_view(goal, edition).replace(number=g, objectives=tuple(objectives)))
    return tuple(goals)


def _threats(city: City, edition: Edition) -> tuple[View, ...]:
    views = []
    for n, threat in enumerate(city.risk.threats, 1):
        rated = threat.likelihood is not None and threat.impact is not None
        score = threat.likelihood * threat.impact if rated else None  # type: ignore[operator]
        evidence = tuple(
            to_view(e, edition).replace(caveat=e.caveat if is_filled(e.caveat) else _(DEFAULT_UNDERCOUNT_CAVEAT),
                                        default_caveat=not is_filled(e.caveat))
            for e in threat.evidence)
        views.append(to_view(threat, edition).replace(
            number=f"T{n}", score=score, rated=rated, level=charts.risk_level(score) if score else None,
            evidence=evidence, category_label=THREAT_CATEGORY_LABELS[threat.category],
            trend_label=TREND_LABELS[threat.trend], **illustrative(threat.illustrative)))
    return tuple(views)


def _interventions(city: City, edition: Edition, labels: Mapping[str, Labels]) -> tuple[View, ...]:
    views = []
    for n, intervention in enumerate(city.interventions.interventions, 1):
        view = to_view(intervention, edition)
        milestones = tuple(sorted(view.milestones, key=lambda m: m.date))
        views.append(view.replace(
            number=f"A{n}", milestones=milestones, **illustrative(intervention.illustrative),
            tier_label=TIER_LABELS[intervention.tier], status_label=STATUS_LABELS[intervention.status],
            evidence_label=EVIDENCE_LABELS[intervention.evidence_level],
            lead_name=labels["stakeholder"][intervention.lead] if intervention.lead else None,
            partner_names=tuple(labels["stakeholder"][p] for p in intervention.partners),
            objective_labels=tuple(labels["objective"][o] for o in intervention.objectives),
            threat_names=tuple(labels["threat"][t] for t in intervention.addresses),
            factor_names=tuple(labels["factor"][f] for f in intervention.factors),
            resource_names=tuple(labels["resource"][r] for r in intervention.resources)))
    return tuple(views)


def _dial(phone: Phone) -> dict[str, str]:
    """How a document writes and links a phone, and the words before it.

    ``display`` is "(740) 555-0123, ext. 9" and ``href`` "tel:+17405550123;ext=9" (``sms:741741?body=HOME`` for a
    text line, so that a phone opens a message rather than a call).
    """
    dial = parse_phone(phone.number, phone.extension)
    label = PHONE_TYPE_LABELS[phone.type]
    if phone.type == "text":
        href = "sms:" + dial.digits + (f"?body={quote(phone.keyword)}" if phone.keyword else "")
    else:
        href = dial.href
    return {"display": dial.display, "href": href, "type_label": label,
            "type_word": label if label.isupper() else label.lower()}


def _host(url: str | None) -> str:
    host = (urlsplit(url).hostname or "") if url else ""
    return host.removeprefix("www.")


def _verified_words(resource: Any) -> str | None:
    """The words before a resource's ``last_verified`` date, saying how it was verified and no more than that."""
    if resource.last_verified is None:
        return None
    if resource.verification == "confirmed-with-provider":
        return _("Confirmed with the provider on")
    if resource.verification == "checked-against-source":
        source_url = resource.source.url if resource.source else None
        if source_url and resource.url and _host(source_url) == _host(resource.url):
            return _("Details checked against the provider's website on")
        return _("Details checked against the published source on")
    return _("Details last checked on")


def _resource(resource: Any, edition: Edition, local: bool) -> View:
    view = to_view(resource, edition)
    return view.replace(local=local, verified_words=_verified_words(resource),
                        scope_label=SCOPE_LABELS[resource.geographic_scope],
                        level_label=LEVEL_LABELS[resource.level] if resource.level else None,
                        status_label=RESOURCE_STATUS_LABELS[resource.status],
                        tier_labels=tuple(TIER_LABELS[t] for t in resource.prevention_tier),
                        tier_text=_tier_text(resource.prevention_tier))


def _tier_text(tiers: Sequence[str]) -> str | None:
    """``Primary and secondary``: the tiers a resource serves, in the tiers' own order."""
    words = [TIER_WORDS[t] for t in TIER_LABELS if t in tiers]
    if not words:
        return None
    text = words[0] if len(words) == 1 else _("{first} and {last}").format(first=", ".join(words[:-1]),
                                                                            last=words[-1])
    return text[0].upper() + text[1:]


RESOURCE_ID_IN_TEXT = re.compile(r"(?<![\w/#.@-])[a-z0-9]+(?:-[a-z0-9]+)+(?![\w/@-]|\.\w)")
"""A hyphenated id standing alone in text ("see fbi-tips"), not part of a web address, path or email address."""
RESOURCE_TEXT_FIELDS = ("description", "status_note", "eligibility")


def _markdown_text(text: str) -> str:
    return re.sub(r"([\\`*_\[\]()<>])", r"\\\1", text)


def _name_resource_ids(entry: View, names: Mapping[str, str]) -> View:
    """Resource ids written in a directory entry's text ("see fbi-tips") read as that resource's name, in quotes.

    Residents do not know the data's ids. Every other word is left exactly as written.
    """
    def name(match: re.Match[str]) -> str:
        ident = match.group(0)
        return f"\u201c{_markdown_text(names[ident])}\u201d" if ident in names else ident

    fields = {f: RESOURCE_ID_IN_TEXT.sub(name, getattr(entry, f)) for f in RESOURCE_TEXT_FIELDS if getattr(entry, f)}
    return entry.replace(**fields) if fields else entry


def _directory(city: City, edition: Edition) -> View:
    local_ids = {r.id for r in city.resources.resources}
    entries = [_resource(r, edition, r.id in local_ids) for r in city.all_resources() if r.status != "defunct"]
    names = {r.id: r.name for r in city.all_resources()}
    entries = [_name_resource_ids(e, names) for e in entries]
    defunct = sum(1 for r in city.all_resources() if r.status == "defunct")
    by_section: dict[str, tuple[View, ...]] = {}
    for category, slug in CATEGORY_SECTIONS.items():
        listed = [e for e in entries if e.category == category]
        # Crisis lines and 24/7 services first, then local before national, then the data's order.
        listed.sort(key=lambda e: (not e.is_crisis_line, not e.local))
        by_section[slug] = tuple(listed)
    return View(by_section=by_section, local_count=sum(1 for e in entries if e.local),
                national_count=sum(1 for e in entries if not e.local), total=len(entries), defunct=defunct,
                crisis_lines=tuple(e for e in entries if e.is_crisis_line))


def _labels(city: City, goals: Sequence[View]) -> dict[str, Labels]:
    labels: dict[str, Labels] = {kind: Labels() for kind in (
        "stakeholder", "threat", "factor", "objective", "goal", "resource", "intervention", "working_group")}
    labels["stakeholder"].update((s.id, s.name) for s in city.stakeholders.stakeholders)
    labels["threat"].update((t.id, t.name) for t in city.risk.threats)
    for group in ("risk_factors", "protective_factors", "service_gaps", "community_assets"):
        labels["factor"].update((f.id, f.name) for f in getattr(city.risk, group))
    for goal in goals:
        labels["goal"][goal.id] = _("Goal {number}: {title}").format(number=goal.number, title=goal.title)
    for g, goal in enumerate(city.profile.plan.goals, 1):
        for o, objective in enumerate(goal.objectives, 1):
            text = objective.statement if is_filled(objective.statement) else objective.indicator
            labels["objective"][objective.id] = f"{g}.{o} {text}" if is_filled(text) else f"{g}.{o}"
    labels["resource"].update((r.id, r.name) for r in city.all_resources())
    labels["intervention"].update((i.id, i.title) for i in city.interventions.interventions)
    labels["working_group"].update((w.id, w.name) for w in city.governance.steering_group.working_groups)
    return labels


def map_rows(stakeholders: Sequence[View]) -> dict[str, str]:
    """The stakeholder map's rows, key -> label: each kind, split by the levels its stakeholders give.

    "Local government (city)", "Local government (county)": in the data format's order of kinds and levels.
    """
    rows: dict[str, str] = {}
    for kind, label in KIND_LABELS.items():
        for level in (None, *LEVEL_LABELS):
            if any(s.kind == kind and s.level == level for s in stakeholders):
                named = level and LEVEL_LABELS[level].lower() not in label.lower()  # not "State government (state)"
                rows[row_key(kind, level)] = _("{kind} ({level})").format(
                    kind=label, level=LEVEL_LABELS[level].lower()) if named else label
    return rows


def row_key(kind: str, level: str | None) -> str:
    """The stakeholder map row of a kind at a level."""
    return f"{kind}/{level}" if level else kind


def _stakeholder_grid(stakeholders: Sequence[View]) -> tuple[View, ...]:
    """Kind and level (rows, in the data format's order) x seat (columns): the names, for the map's table."""
    rows = []
    for key, label in map_rows(stakeholders).items():
        members = [s for s in stakeholders if row_key(s.kind, s.level) == key]
        cells = tuple(View(seat=seat, names=tuple(s.name for s in members if s.seat == seat)) for seat in SEAT_ORDER)
        rows.append(View(kind=key, label=label, cells=cells))
    return tuple(rows)


def _milestones(interventions: Sequence[View]) -> tuple[View, ...]:
    rows = [View(date=m.date, description=m.description, intervention=i) for i in interventions for m in i.milestones]
    return tuple(sorted(rows, key=lambda r: r.date))


def build_context(city: City, report: CityReport, edition: Edition = "public", *, pdf: bool = True,
                  revision: str | None = None, lang: str | None = None,
                  editions: Sequence[str] | None = None) -> dict[str, Any]:
    """Everything the templates of one city may show, for one edition (the same for all its pages).

    ``lang``: the pages' language (BCP 47, ``context["lang"]``, the ``<html lang>``); None is the language the
    city was loaded for (``city.lang``: an edition's, or the authoritative one of city.yaml's ``languages:``;
    without that block, ``plan.language_access.authoritative_language``). cityframe's own words (labels,
    chart text) are in that language when it is one of :data:`cityframe.render.i18n.LANGUAGES`, else English.
    ``editions``: the language editions built beside this one, which the index links (None: every edition
    city.yaml names); a translated edition's pages also say which language is authoritative and link to it.

    ``pdf``: whether the documents are also built as PDF; each document's ``pdf_href`` is ``None`` when not.
    ``revision``: the git revision the documents are built from, or None (no revision line).
    """
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}; expected one of {', '.join(EDITIONS)}")
    if lang is None:
        lang = city.lang if "languages" in city.profile.model_fields_set else \
            language_code(city.profile.plan.language_access.authoritative_language)
    elif not is_language_code(lang):
        raise ValueError(f"{lang!r} is not a language code; expected a BCP 47 code such as 'en' or 'es'")
    with using(lang):
        context = _context(city, report, edition, pdf=pdf, revision=revision, lang=lang)
        context.update(_language_editions(city, lang, edition, editions))
        return context


def _language_editions(city: City, lang: str, edition: Edition, built: Sequence[str] | None) -> dict[str, Any]:
    """``editions`` (every language edition, for the index's links) and ``translation`` (on a translated page).

    The authoritative edition lives in ``<slug>/``, each other one in ``<slug>/<lang>/``: links are relative.
    """
    languages = city.languages.all()
    authoritative = languages[0]
    # A city without a languages: block, or a page language it does not name, has no other edition to point to.
    authoritative_here = lang not in languages or lang == authoritative
    up = "" if authoritative_here else "../"
    available = [code for code in languages if built is None or code in built or code == lang]
    folders = {code: f"{up}{'' if code == authoritative else code + '/'}" for code in available}
    editions = tuple(View(lang=code, name=language_autonym(code), current=code == lang,
                          authoritative=code == authoritative, prefix=folders[code],
                          href=f"{folders[code]}{page_name('index', edition)}")
                     for code in available) if len(available) > 1 else ()
    translation = None if authoritative_here else View(
        lang=authoritative, language=language_name(authoritative, i18n.text_language(lang)),
        name=language_autonym(authoritative), prefix=up, linked=authoritative in available)
    return {"editions": editions, "translation": translation}


def _context(city: City, report: CityReport, edition: Edition, *, pdf: bool, revision: str | None,
             lang: str) -> dict[str, Any]:
    """:func:`build_context`'s work, in the page's language (within :func:`cityframe.render.i18n.using`)."""
    profile = city.profile
    statuses = _statuses(city, report)
    docs = tuple(_document_view(doc, statuses[doc.id], edition, pdf) for doc in documents())
    docs = tuple(d.replace(status=_status(city, report, docs, d.id)) for d in docs)
    plan = to_view(profile.plan, edition)
    goals_for_labels = tuple(View(id=g.id, number=n, title=g.title) for n, g in enumerate(profile.plan.goals, 1))
    labels = _labels(city, goals_for_labels)
    goals = _objectives(city, edition, labels["stakeholder"])
    stakeholders = _stakeholders(city, edition)
    seated = tuple(sorted((s for s in stakeholders if s.seated), key=lambda s: SEAT_ORDER.index(s.seat)))
    threats = _threats(city, edition)
    interventions = _interventions(city, edition, labels)
    group = to_view(city.governance.steering_group, edition)
    working_groups = tuple(
        w.replace(lead_name=labels["stakeholder"][w.lead] if w.lead else None,
                  member_names=tuple(labels["stakeholder"][m] for m in w.members))
        for w in group.working_groups)
    chair = next((s for s in stakeholders if s.seat == "chair"), None)
    state_name = STATE_NAMES.get(profile.city.state, profile.city.state)
    theme = make_theme(profile.city.accent_color)
    by_tier = tuple(View(id=tier, label=TIER_LABELS[tier], description=TIER_DESCRIPTIONS[tier],
                         interventions=tuple(i for i in interventions if i.tier == tier))
                    for tier in TIER_LABELS)
    objectives = tuple(o for g in goals for o in g.objectives)
    return {
        "generator": f"cityframe {__version__}",
        "revision": revision,
        "lang": lang,
        "theme": theme,
        # What the stylesheet says in English only: the PDF's "Page 3 of 12", and hyphenation of table cells,
        # whose narrow columns are measured for English words ("Probabilidad" would break mid-word unhyphenated).
        "page_css": Markup("") if i18n.current_language() == "en" else Markup(
            "th, td { hyphens: auto; } @media print { @page { @bottom-right { content: %s; } } "
            "@page toc { @bottom-right { content: %s; } } }" % ((i18n.page_counter_css(i18n.current_language()),) * 2)),
        "edition": _edition(edition),
        "status": _status(city, report, docs),
        "government": View(id=profile.city.government, adopted_by=adopting_body(city),
                           source=to_view(profile.city.government_source, edition),
                           **dict(GOVERNMENT_FORMS[profile.city.government].items()))
        if profile.city.government else None,
        "documents": docs,
        "pages": View(index=page_name("index", edition), **{d.id.replace("-", "_"): d.href for d in docs}),
        "illustrative": profile.illustrative if is_filled(profile.illustrative) else None,
        "authoritative_version": _("{language} (in case of differences between versions)").format(
            language=profile.plan.language_access.authoritative_language)
        if is_filled(profile.plan.language_access.authoritative_language) else None,
        "funding_status_labels": dict(FUNDING_STATUS_LABELS.items()),
        "city": to_view(profile.city, edition).replace(
            slug=city.slug, state_name=state_name, display_name=f"{profile.city.name}, {state_name}",
            logo=_logo(city)),
        "plan": plan.replace(goals=goals, objectives=objectives),
        "charter": group.replace(working_groups=working_groups),
        "stakeholders": stakeholders,
        "seated": seated,
        "stakeholder_grid": _stakeholder_grid(stakeholders),
        "seat_labels": tuple(View(id=seat, label=SEAT_LABELS[seat]) for seat in SEAT_ORDER),
        "chair": chair,
        "risk": to_view(city.risk, edition).replace(threats=threats, rated=tuple(t for t in threats if t.rated),
                                                    unrated=tuple(t for t in threats if not t.rated)),
        "interventions": interventions,
        "interventions_by_tier": by_tier,
        "tiers_covered": tuple(t.id for t in by_tier if any(i.status != "dropped" for i in t.interventions)),
        "milestones": _milestones(interventions),
        "directory": _directory(city, edition),
        "labels": labels,
        "editor_notes": tuple(View(where=f"{f.file}:{f.line}", field=f.path,
                                   text=f.message.removeprefix(f"{EDITOR_NOTE}: "))
                              for f in editor_notes(city)) if edition == "internal" else (),
        "charts": View(
            risk_matrix=charts.risk_matrix(tuple(t for t in threats if t.rated)),
            stakeholder_map=charts.stakeholder_map(
                tuple(s.replace(kind=row_key(s.kind, s.level)) for s in stakeholders), map_rows(stakeholders),
                SEAT_LABELS, SEAT_ORDER),
            # Two drawings of the timeline; the stylesheet shows the narrow one on phones, the wide one elsewhere.
            timeline=charts.intervention_timeline(by_tier)
            + charts.intervention_timeline(by_tier, "timeline-narrow", narrow=True)),
    }
