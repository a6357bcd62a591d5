"""The pydantic models of a city's six YAML files: the data format, with no I/O.

Most fields are optional so that a fresh scaffold is *valid but incomplete*: types and allowed values are
checked here, while "is this section filled in?" is decided by the required-sections manifest
(``sections.yaml``). Every model forbids unknown keys, so a typo is an error and never silently ignored.
"""


import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    WrapValidator,
    model_validator,
)
from pydantic.types import StrictBool, StrictFloat, StrictInt
from pydantic_core import PydanticCustomError

from . import contacts
from .languages import LANGUAGE_CODE, keep_language
from .written import ID, LOCAL, PROSE, URL


def _date_not_number(value: object) -> object:
    """Refuse numbers for dates: pydantic would read ``date: 0`` as 1970-01-01 without a word."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise PydanticCustomError("date_type", "Input should be a valid date")
    return value


@dataclass(frozen=True)
class _ContactCheck:
    """A validator that runs a :mod:`.contacts` check and keeps the value as written, or reports its words.

    A module-level class, not a closure, so that the models' core schemas pickle (see :mod:`.validators`).
    """

    check: Callable[[str], object]

    def __call__(self, value: str) -> str:
        try:
            self.check(value)
        except contacts.ContactError as exc:
            raise PydanticCustomError("contact", "{message}", {"message": exc.message, "hint": exc.hint}) from None
        return value


def _contact_check(check: Callable[[str], object]) -> AfterValidator:
    return AfterValidator(_ContactCheck(check))


Date = Annotated[dt.date, BeforeValidator(_date_not_number)]
"""A calendar date, ``YYYY-MM-DD``."""

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80), ID]
"""Lowercase letters, digits and single hyphens: stable, URL-safe and easy to type in a reference."""

def _per_language(max_length: int) -> WithJsonSchema:
    """The JSON Schema of a text field: a string, or a mapping of language codes to strings."""
    text = {"type": "string", "maxLength": max_length}
    return WithJsonSchema({"anyOf": [text, {
        "type": "object", "minProperties": 1, "propertyNames": {"pattern": LANGUAGE_CODE.pattern},
        "additionalProperties": text}]})


Text = Annotated[str, StringConstraints(max_length=20_000), PROSE, WrapValidator(keep_language),
                 _per_language(20_000)]
"""Free text; may use a small Markdown subset (paragraphs, lists, emphasis, links) in the documents. Either a
plain string in the city's authoritative language or a mapping by language code (``{en: ..., es: ...}``, see
:mod:`.languages`); editions in another language expect a translation."""

ShortText = Annotated[str, StringConstraints(max_length=500), LOCAL, WrapValidator(keep_language),
                      _per_language(500)]
"""A name or a short label; may be written per language like :data:`Text`, but no translation is expected."""
Title = Annotated[str, StringConstraints(max_length=500), PROSE, WrapValidator(keep_language), _per_language(500)]
"""A title residents read (a goal's, an intervention's): short text that editions in another language expect
translated."""
Url = Annotated[str, StringConstraints(max_length=2_000), _contact_check(contacts.check_url), URL]
"""An absolute ``https://`` (or ``http://``) web address; ``www.example.org`` alone is refused with the fix."""
Email = Annotated[str, StringConstraints(max_length=320), _contact_check(contacts.check_email)]
"""One email address and nothing else (no ``mailto:``, ``?subject=`` or second address), per email-validator."""
StateCode = Annotated[str, _contact_check(contacts.check_state),
                      Field(json_schema_extra={"enum": list(contacts.STATES)})]
"""A USPS code: a state, DC or a territory (``XX`` is refused)."""
PhoneNumber = Annotated[str, StringConstraints(max_length=60), _contact_check(contacts.parse_phone)]
"""A phone number as published: US unless it starts with ``+``; short codes (211, 988, 741741) and vanity
numbers (1-844-924-BIAS) are valid; an extension may follow (``ext. 9``)."""
LanguageCode = Annotated[str, StringConstraints(pattern=LANGUAGE_CODE.pattern)]
Color = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
def _rating(value: int) -> int:
    """A rating outside 1-5 says the allowed range, not only a bound."""
    if not 1 <= value <= 5:
        raise PydanticCustomError(
            "rating_range", "'{value}' is not an allowed rating: the allowed range is 1-5 (1 lowest, 5 highest)",
            {"value": value})
    return value


Score = Annotated[int, AfterValidator(_rating), WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 5})]
"""A likelihood or impact rating, 1 (lowest) to 5 (highest)."""


@dataclass(frozen=True)
class _IllustrativeParts:
    """The check behind :func:`illustrative_parts` (a class, not a closure, so that core schemas pickle)."""

    parts: tuple[str, ...]

    def __call__(self, value: object) -> object:
        parts = self.parts
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list) and value and all(isinstance(v, str) and v in parts for v in value):
            return tuple(dict.fromkeys(value))
        wrong = next((v for v in value if v not in parts), value) if isinstance(value, list) and value else value
        raise PydanticCustomError(
            "illustrative_parts", "'{wrong}' is not a part that can be proposed here: write true (the whole record "
            "is an example), false, or a list of the proposed parts (allowed: {allowed})",
            {"wrong": wrong, "allowed": ", ".join(parts)})


def illustrative_parts(*parts: str) -> Any:
    """``illustrative:``: ``true`` when the whole record is an example, or a list of its parts that are proposed.

    A real police department can hold a proposed seat (``illustrative: [seat]``); a cited threat can carry a
    proposed rating (``illustrative: [rating]``). The badge is then shown on that part only.
    """
    check = _IllustrativeParts(tuple(parts))
    schema = {"anyOf": [{"type": "boolean"}, {"type": "array", "items": {"enum": list(parts)}, "minItems": 1}]}
    return Annotated[bool | tuple[str, ...], BeforeValidator(check), WithJsonSchema(schema)]


OrgLevel = Literal["city", "county", "state", "federal", "national-nonprofit"]
"""The level an organization works at: the stakeholder map keeps a state office apart from a city library."""
GovernmentForm = Literal["council-manager", "mayor-council", "commission"]
"""The city's form of government: who chairs, adopts and signs follows from it."""
Money = Annotated[float, Field(ge=0)]

EditorNotes = Annotated[list[Annotated[str, StringConstraints(max_length=20_000)]], Field(description=(
    "Notes to the people who maintain the data (what to check, confirm or fix): shown by `check` as warnings and "
    "in the internal edition, never in the public one. Delete a note once it is resolved."))]
"""Open notes for the data's editors; what residents should read goes in the record's public fields instead."""

Visibility = Literal["public", "internal"]
StakeholderKind = Literal[
    "local-government",
    "state-government",
    "law-enforcement",
    "education",
    "health",
    "faith",
    "civil-society",
    "youth",
    "business",
    "media",
    "academic",
    "other",
]
Seat = Literal["chair", "vice-chair", "member", "advisor", "none"]
Tier = Literal["primary", "secondary", "tertiary"]
InterventionStatus = Literal["planned", "active", "done", "paused", "dropped"]
EvidenceLevel = Literal["model-plus", "model", "promising", "evidence-informed", "innovative", "unrated"]
Trend = Literal["rising", "stable", "falling", "unknown"]
ThreatCategory = Literal[
    "antisemitism",
    "islamophobia",
    "anti-lgbtq",
    "racism",
    "anti-immigrant",
    "anti-government",
    "hate-speech",
    "polarization",
    "online-radicalization",
    "violent-extremism",
    "other",
]
ResourceCategory = Literal[
    "report-an-incident", "get-support", "crisis-line", "training-and-education", "community-program", "funding"
]
ResourceStatus = Literal["active", "inactive", "defunct", "temporarily-closed"]
GeographicScope = Literal["national", "state", "county", "city"]
PhoneType = Literal["voice", "text", "fax", "cell", "video", "pager", "textphone"]
PlanStatus = Literal["draft", "adopted"]
Verification = Literal["checked-against-source", "confirmed-with-provider"]
"""How an entry's details were verified: read against its published source (often the provider's website), or
confirmed with the provider itself (a call, an email). The directory says which, in plain words."""
ProgressStatus = Literal["not-started", "on-track", "at-risk", "off-track", "done", "paused", "dropped"]
"""How an activity stands at a progress update: the steering group's usual red/amber/green, in words."""
MeasuredValue = StrictBool | StrictInt | StrictFloat
"""A number or true/false exactly as written: a quoted "12" is text, not a number, and is refused."""
IndicatorKind = Literal["count", "percent", "number", "yes-no"]
"""What an indicator's measured values are: whole numbers of 0 or more, 0-100, any number, or true/false."""


class Model(BaseModel):
    """Base of every model: unknown keys are errors, and values are frozen once validated."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True
    )


class Source(Model):
    """Where a fact comes from, so a reader can check it."""

    title: ShortText
    url: Url | None = None
    publisher: ShortText | None = None
    date: Date | None = None
    note: ShortText | None = None
    editor_notes: EditorNotes = []


class Evidence(Model):
    """One data point behind a threat, with the caveat that keeps it honest (hate crimes are undercounted)."""

    source: Source
    year: int | None = Field(default=None, ge=1900, le=2100)
    geography: ShortText | None = None
    metric: ShortText | None = None
    value: ShortText | None = None
    caveat: Text | None = None
    editor_notes: EditorNotes = []


class Contact(Model):
    """A role-based contact: a title, never a person's name. ``internal`` contacts stay out of public editions."""

    title: ShortText
    email: Email | None = None
    phone: PhoneNumber | None = None
    url: Url | None = None
    visibility: Visibility


class Note(Model):
    """A remark on a record; internal notes appear only in the internal edition."""

    text: Text
    visibility: Visibility = "internal"


class Period(Model):
    """A span of dates; the end may be open."""

    start: Date | None = None
    end: Date | None = None


class Term(Model):
    """A glossary entry or definition."""

    term: ShortText
    definition: Text


# --- city.yaml -----------------------------------------------------------------------------------------


class Profile(Model):
    """Who the city is: the facts the plan's community profile starts from."""

    name: ShortText
    state: StateCode
    county: ShortText | None = None
    population: int | None = Field(default=None, ge=0)
    population_year: int | None = Field(default=None, ge=1790, le=2100)
    population_source: Source | None = None
    languages: list[ShortText] = []
    language_source: Source | None = None
    logo: ShortText | None = None
    accent_color: Color | None = None
    website: Url | None = None
    government: GovernmentForm | None = None
    government_source: Source | None = None


class Adoption(Model):
    """How and when the plan (or charter) was adopted."""

    date: Date | None = None
    body: ShortText | None = None
    instrument: ShortText | None = None


class Measurement(Model):
    """One measured value of an objective's indicator: when, what (of the indicator's kind) and where it came from."""

    date: Date
    value: MeasuredValue
    source: ShortText | None = None
    note: ShortText | None = None


class Objective(Model):
    """A measurable objective: what is measured, from where to where, by when and by whom."""

    id: Id
    statement: Text | None = None
    indicator: ShortText | None = None
    baseline: ShortText | None = None
    target: ShortText | None = None
    due: Date | None = None
    owner: Id | None = None
    data_source: ShortText | None = None
    frequency: ShortText | None = None
    illustrative: bool = False
    editor_notes: EditorNotes = []
    indicator_kind: IndicatorKind | None = None
    baseline_value: MeasuredValue | None = None
    target_value: MeasuredValue | None = None
    measurements: list[Measurement] = []


class Goal(Model):
    """A goal of the plan and its measurable objectives."""

    id: Id
    title: Title
    description: Text | None = None
    objectives: list[Objective] = []


class Scope(Model):
    """What the plan covers."""

    hate_forms: list[ShortText] = []
    approach: Text | None = None
    online_and_offline: Text | None = None
    definitions: list[Term] = []


class Principles(Model):
    """The commitments every plan must make in writing (P5)."""

    civil_rights_and_liberties: Text | None = None
    privacy: Text | None = None
    free_speech: Text | None = None
    trauma_informed: Text | None = None
    culturally_responsive: Text | None = None


class ReferralPathway(Model):
    """How a concern about someone moves from a worried resident to the right help (P9)."""

    summary: Text | None = None
    how_to_report: list[Text] = []
    triage_owner: Id | None = None
    law_enforcement_threshold: Text | None = None
    consent: Text | None = None
    data_handling: Text | None = None


class PostIncidentResponse(Model):
    """What happens after a hate incident (P10)."""

    triggers: list[Text] = []
    lead: Id | None = None
    communications: Text | None = None
    community_support: Text | None = None
    escalation_steps: list[Text] = []


class Communication(Model):
    """How the plan reaches residents and how they report bias incidents (P11)."""

    channels: list[Text] = []
    languages: list[ShortText] = []
    reporting_options: list[Text] = []


class FundingSource(Model):
    """A source of money or in-kind support, and whether it is still there."""

    name: ShortText
    amount: Money | None = None
    status: Literal["secured", "pending", "ended", "proposed"] = "proposed"
    note: Text | None = None
    source: Source | None = None
    editor_notes: EditorNotes = []


class Sustainability(Model):
    """Money and continuity (P12)."""

    budget_summary: Text | None = None
    funding_sources: list[FundingSource] = []
    in_kind: Text | None = None
    plan: Text | None = None


class Monitoring(Model):
    """How the group learns whether the plan works (P13)."""

    reporting_cadence: ShortText | None = None
    approach: Text | None = None


class LanguageAccess(Model):
    """How residents who need another language or format get the documents (P15)."""

    languages: list[ShortText] = []
    alternate_formats: list[ShortText] = []
    authoritative_language: ShortText | None = None
    contact: Contact | None = None
    statement: Text | None = None


class Plan(Model):
    """The prevention plan itself."""

    title: ShortText | None = None
    version: ShortText | None = None
    status: PlanStatus = "draft"
    adoption: Adoption = Field(default_factory=Adoption)
    period: Period = Field(default_factory=Period)
    next_review: Date | None = None
    funding_acknowledgement: Text | None = None
    chair_role: ShortText | None = None
    foreword: Text | None = None
    key_commitments: list[Text] = []
    vision: Text | None = None
    statement_of_need: Text | None = None
    goals: list[Goal] = []
    scope: Scope = Field(default_factory=Scope)
    principles: Principles = Field(default_factory=Principles)
    referral_pathway: ReferralPathway = Field(default_factory=ReferralPathway)
    post_incident_response: PostIncidentResponse = Field(default_factory=PostIncidentResponse)
    communication: Communication = Field(default_factory=Communication)
    sustainability: Sustainability = Field(default_factory=Sustainability)
    monitoring: Monitoring = Field(default_factory=Monitoring)
    language_access: LanguageAccess = Field(default_factory=LanguageAccess)
    tier_justification: Text | None = None
    references: list[Source] = []
    glossary: list[Term] = []


class Languages(Model):
    """The languages of the city's documents: the authoritative one and the editions it publishes.

    WCAG 2.1 success criterion 3.1.1 (Language of Page) needs the first; Title VI language access, the others.
    """

    authoritative: LanguageCode = "en"
    editions: list[LanguageCode] = []

    @model_validator(mode="after")
    def _no_repeats(self) -> "Languages":
        repeated = sorted({code for code in self.editions if self.editions.count(code) > 1})
        if repeated:
            raise PydanticCustomError("editions_repeated", "'{code}' is listed twice in editions",
                                      {"code": repeated[0]})
        return self

    def all(self) -> tuple[str, ...]:
        """Every edition's language, the authoritative one first."""
        return (self.authoritative, *(code for code in self.editions if code != self.authoritative))


class CityFile(Model):
    """``city.yaml``: the profile and the plan."""

    schema_version: Literal[1] = 1
    languages: Languages = Field(default_factory=Languages, description=(
        "The documents' languages: `authoritative` (a language code, `en` by default) and the `editions` to build "
        "(`build --lang all`). A text field may then be written per language: `{en: ..., es: ...}`."))
    illustrative: Text | None = Field(
        default=None, description="Set when the content is an example rather than the city's own: says so."
    )
    city: Profile
    plan: Plan = Field(default_factory=Plan)
    editor_notes: EditorNotes = []
    illustrative_as_of: Date | None = Field(
        default=None, description="For an illustrative city only: the day its example progress data is written "
        "as of; check accepts progress dated up to it instead of today, and progress reports say so.")


# --- governance.yaml ---------------------------------------------------------------------------------


class Authority(Model):
    """The instrument that creates the steering group (C1)."""

    instrument: ShortText | None = None
    reference: ShortText | None = None
    date: Date | None = None
    advisory: bool = True
    note: Text | None = None


class GroupScope(Model):
    """What the group does and, as important, what it does not (C2)."""

    in_scope: list[Text] = []
    out_of_scope: list[Text] = []


class Membership(Model):
    """Membership rules (C4); the seats themselves come from ``stakeholders.yaml``."""

    appointment: Text | None = None
    term: ShortText | None = None
    alternates: Text | None = None
    vacancies: Text | None = None
    removal: Text | None = None
    diversity: Text | None = None


class Officers(Model):
    """Chair, vice-chair and secretariat (C5); who holds the chair is the stakeholder with ``seat: chair``."""

    selection: Text | None = None
    term: ShortText | None = None
    vice_chair: Text | None = None
    secretariat: Text | None = None


class Meetings(Model):
    """Meetings (C6): at least quarterly."""

    cadence: ShortText | None = None
    per_year: int | None = Field(default=None, ge=0, le=366)
    notice: Text | None = None
    agenda_and_minutes: Text | None = None
    quorum: Text | None = None
    remote_participation: Text | None = None
    public_status: Text | None = None


class DecisionMaking(Model):
    """How decisions are made (C7)."""

    method: Text | None = None
    fallback_vote: Text | None = None
    who_votes: Text | None = None
    dissent: Text | None = None
    urgent_decisions: Text | None = None


class WorkingGroup(Model):
    """A working group of the steering group (C8)."""

    id: Id
    name: ShortText
    purpose: Text | None = None
    lead: Id | None = None
    members: list[Id] = []
    illustrative: bool = False


class InformationSharing(Model):
    """Information sharing, confidentiality and privacy (C9)."""

    principles: Text | None = None
    consent: Text | None = None
    applicable_laws: list[ShortText] = []
    retention: Text | None = None
    public_records: Text | None = None
    safeguards: Text | None = None


class ConflictOfInterest(Model):
    """Conflict of interest (C10)."""

    disclosure: Text | None = None
    register_of_interests: Text | None = None
    recusal: Text | None = None


class CodeOfConduct(Model):
    """Member commitments (C11)."""

    attendance: Text | None = None
    training: Text | None = None
    confidentiality: Text | None = None
    commitments: list[Text] = []


class GroupCommunications(Model):
    """Who speaks for the group (C12)."""

    spokesperson: ShortText | None = None
    media_protocol: Text | None = None


class Reporting(Model):
    """Reporting and accountability (C13)."""

    reports_to: ShortText | None = None
    annual_report: Text | None = None
    cadence: ShortText | None = None


class Support(Model):
    """Resources and staff support (C14)."""

    secretariat: Text | None = None
    budget: Text | None = None
    in_kind: Text | None = None


class Review(Model):
    """Review, amendment and dissolution (C15)."""

    interval: ShortText | None = None
    amendment_procedure: Text | None = None
    amendment_threshold: ShortText | None = None
    dissolution: Text | None = None


class CharterAdoption(Model):
    """Adoption and signatures (C16); signatories are roles, never names."""

    date: Date | None = None
    body: ShortText | None = None
    signatories: list[ShortText] = []


class SteeringGroup(Model):
    """The steering group's charter."""

    name: ShortText | None = None
    short_name: ShortText | None = None
    illustrative: bool = False
    authority: Authority = Field(default_factory=Authority)
    purpose: Text | None = None
    scope: GroupScope = Field(default_factory=GroupScope)
    functions: list[Text] = []
    transition: Text | None = None
    membership: Membership = Field(default_factory=Membership)
    officers: Officers = Field(default_factory=Officers)
    meetings: Meetings = Field(default_factory=Meetings)
    decision_making: DecisionMaking = Field(default_factory=DecisionMaking)
    working_groups: list[WorkingGroup] = []
    information_sharing: InformationSharing = Field(default_factory=InformationSharing)
    conflict_of_interest: ConflictOfInterest = Field(default_factory=ConflictOfInterest)
    code_of_conduct: CodeOfConduct = Field(default_factory=CodeOfConduct)
    communications: GroupCommunications = Field(default_factory=GroupCommunications)
    reporting: Reporting = Field(default_factory=Reporting)
    support: Support = Field(default_factory=Support)
    review: Review = Field(default_factory=Review)
    adoption: CharterAdoption = Field(default_factory=CharterAdoption)


class GovernanceFile(Model):
    """``governance.yaml``: the steering group's charter."""

    steering_group: SteeringGroup = Field(default_factory=SteeringGroup)
    editor_notes: EditorNotes = []


# --- stakeholders.yaml -------------------------------------------------------------------------------


class Stakeholder(Model):
    """An actor the city can draw on: an organisation or office, never a named person."""

    id: Id
    name: ShortText
    kind: StakeholderKind
    level: OrgLevel | None = None
    sector: ShortText | None = None
    seat: Seat = "none"
    contributes: list[Text] = []
    description: Text | None = None
    contacts: list[Contact] = []
    notes: list[Note] = []
    sources: list[Source] = []
    illustrative: illustrative_parts("seat") = False
    editor_notes: EditorNotes = []


class StakeholdersFile(Model):
    """``stakeholders.yaml``: the actors."""

    stakeholders: list[Stakeholder] = []
    editor_notes: EditorNotes = []


# --- risk-landscape.yaml -----------------------------------------------------------------------------


class Survey(Model):
    """A survey run for the needs and vulnerabilities assessment."""

    name: ShortText
    respondents: int | None = Field(default=None, ge=0)
    period: Period = Field(default_factory=Period)
    note: Text | None = None
    editor_notes: EditorNotes = []


class Consultation(Model):
    """A workshop, listening session or interview round."""

    name: ShortText
    date: Date | None = None
    participants: ShortText | None = None
    source: Source | None = None
    editor_notes: EditorNotes = []


class Assessment(Model):
    """How the needs and vulnerabilities assessment was done."""

    method: Text | None = None
    period: Period = Field(default_factory=Period)
    surveys: list[Survey] = []
    consultations: list[Consultation] = []


class Threat(Model):
    """A threat to social cohesion, scored for the risk matrix, with its evidence."""

    id: Id
    name: ShortText
    category: ThreatCategory
    description: Text | None = None
    likelihood: Score | None = Field(default=None, description="1-5; leave out with impact: not yet rated.")
    impact: Score | None = Field(default=None, description="1-5; leave out with likelihood: not yet rated.")
    trend: Trend = "unknown"
    affected_groups: list[ShortText] = []
    drivers: list[Text] = []
    evidence: list[Evidence] = []
    illustrative: illustrative_parts("rating") = False
    editor_notes: EditorNotes = []


class Factor(Model):
    """A risk factor, protective factor, service gap or community asset."""

    id: Id
    name: ShortText
    description: Text | None = None
    source: Source | None = None
    sources: list[Source] = Field(default=[], description="Further sources, when one is not enough.")
    editor_notes: EditorNotes = []


class RiskLandscapeFile(Model):
    """``risk-landscape.yaml``: the needs and vulnerabilities assessment."""

    assessment: Assessment = Field(default_factory=Assessment)
    threats: list[Threat] = []
    at_risk_groups: list[ShortText] = []
    risk_factors: list[Factor] = []
    protective_factors: list[Factor] = []
    service_gaps: list[Factor] = []
    community_assets: list[Factor] = []
    editor_notes: EditorNotes = []


# --- interventions.yaml ------------------------------------------------------------------------------


class Milestone(Model):
    """A dated step of an intervention."""

    date: Date
    description: ShortText
    met: Date | None = None
    """The day the milestone was met; empty while it is not."""


class ProgressUpdate(Model):
    """A dated progress update on an intervention, as reported to the steering group.

    ``percent`` (0-100) or ``stage`` (a few words, e.g. "curriculum drafted") say how far it has come.
    """

    date: Date
    status: ProgressStatus
    percent: int | None = Field(default=None, ge=0, le=100)
    stage: ShortText | None = None
    note: Text | None = None
    next_step: ShortText | None = None


class Budget(Model):
    """What an intervention costs and who pays."""

    amount: Money | None = None
    currency: Literal["USD"] = "USD"
    funding_source: ShortText | None = None
    in_kind: ShortText | None = None


class Intervention(Model):
    """A prevention activity the city chose, tied to objectives, threats, actors and resources."""

    id: Id
    title: Title
    description: Text | None = None
    tier: Tier
    objectives: list[Id] = []
    addresses: list[Id] = []
    factors: list[Id] = []
    lead: Id | None = None
    partners: list[Id] = []
    resources: list[Id] = []
    population: ShortText | None = None
    start: Date | None = None
    end: Date | None = None
    milestones: list[Milestone] = []
    budget: Budget = Field(default_factory=Budget)
    evidence_level: EvidenceLevel = "unrated"
    evidence_note: Text | None = None
    status: InterventionStatus = "planned"
    illustrative: illustrative_parts("budget") = False
    editor_notes: EditorNotes = []
    progress: list[ProgressUpdate] = []


class InterventionsFile(Model):
    """``interventions.yaml``: the action plan."""

    interventions: list[Intervention] = []
    editor_notes: EditorNotes = []


# --- resources.yaml ----------------------------------------------------------------------------------


class Phone(Model):
    """A phone number after HSDS 3.0 ``phone`` (``number``, ``extension``, ``type``, ``description``).

    ``keyword`` is the word to text to a text line (``Text HOME to 741741``).
    """

    number: PhoneNumber
    extension: Annotated[str, StringConstraints(pattern=r"^\d{1,10}$")] | None = None
    type: PhoneType = "voice"
    keyword: ShortText | None = None
    description: ShortText | None = None

    @model_validator(mode="after")
    def _dialable(self) -> "Phone":
        try:
            contacts.parse_phone(self.number, self.extension)
        except contacts.ContactError as exc:
            raise PydanticCustomError("contact", "{message}", {"message": exc.message, "hint": exc.hint}) from None
        if self.keyword and self.type != "text":
            raise PydanticCustomError("contact", "{message}", {
                "message": "a keyword is what residents text: it needs type: text",
                "hint": "write type: text, or remove the keyword"})
        return self


class Address(Model):
    """A postal address, after HSDS ``address``."""

    address_1: ShortText
    city: ShortText
    state_province: StateCode
    postal_code: Annotated[str, StringConstraints(pattern=r"^\d{5}(-\d{4})?$")]
    country: Literal["US"] = "US"


class Resource(Model):
    """A program or service in the directory, shaped after Open Referral HSDS 3.0 ``service``."""

    id: Id
    name: ShortText
    description: Text
    provider: ShortText | None = None
    provider_id: Id | None = Field(default=None, description="A stakeholder id, when a stakeholder runs it.")
    category: ResourceCategory
    prevention_tier: list[Tier] = []
    audience: ShortText | None = None
    eligibility: Text | None = None
    languages: list[ShortText] = []
    cost: ShortText | None = None
    hours: ShortText | None = Field(default=None, description="Opening hours in words, or '24/7'.")
    phones: list[Phone] = []
    url: Url | None = None
    email: Email | None = None
    address: Address | None = None
    location_type: Literal["physical", "virtual", "postal"] = "virtual"
    geographic_scope: GeographicScope = "city"
    level: OrgLevel | None = Field(default=None, description="The level of the organization that runs it.")
    states: list[StateCode] = Field(default=[], description="For state resources in the national catalog.")
    is_crisis_line: bool = False
    status: ResourceStatus = "active"
    status_note: Text | None = None
    last_verified: Date | None = Field(default=None, description="The day the details were last checked; HSDS "
                                       "assured_date. Never in the future.")
    verification: Verification | None = Field(default=None, description="How they were checked on that day.")
    source: Source | None = None
    external_211hsis_code: ShortText | None = None
    illustrative: bool = False
    editor_notes: EditorNotes = []


class ResourcesFile(Model):
    """``resources.yaml``: local resources plus ids pulled in from the national catalog."""

    include: list[Id] = []
    resources: list[Resource] = []
    editor_notes: EditorNotes = []


CatalogFile = ResourcesFile
"""The national catalog shipped inside cityframe has the shape of ``resources.yaml`` (its ``include:`` stays empty);
one model for both also means one validator to build, which ``check`` pays for at every start."""


FILE_MODELS: dict[str, type[Model]] = {
    "city.yaml": CityFile,
    "governance.yaml": GovernanceFile,
    "stakeholders.yaml": StakeholdersFile,
    "risk-landscape.yaml": RiskLandscapeFile,
    "interventions.yaml": InterventionsFile,
    "resources.yaml": ResourcesFile,
}
"""The six files of a city folder, in the order a facilitator fills them in."""
