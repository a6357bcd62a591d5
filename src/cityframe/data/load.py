"""YAML sources + pydantic models -> a validated :class:`City`, every pydantic error rewritten as a located finding."""

from __future__ import annotations

import datetime as dt
import functools
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import DataError, Finding, did_you_mean
from .languages import DEFAULT_LANGUAGE, Choice, language_name
from .models import (
    FILE_MODELS,
    CatalogFile,
    CityFile,
    GovernanceFile,
    InterventionsFile,
    Languages,
    Resource,
    ResourcesFile,
    RiskLandscapeFile,
    StakeholdersFile,
)
from .project import SLUG, Project
from .sources import PathKey, YamlError, YamlSource, format_path, read_trusted_yaml, read_yaml, shown, why_not_a_date
from .validators import validate
from .written import as_written

CATALOG_FILE = Path(__file__).resolve().parent / "catalog" / "national.yaml"
MAX_FINDINGS_PER_FILE = 100
"""Past this many, a file's problems are counted rather than listed: one mistake repeated 10,000 times is one fix."""


@dataclass
class City:
    """One city's framework, validated, with the positions of every value for later findings."""

    slug: str
    folder: Path
    project: Project
    profile: CityFile
    governance: GovernanceFile
    stakeholders: StakeholdersFile
    risk: RiskLandscapeFile
    interventions: InterventionsFile
    resources: ResourcesFile
    sources: dict[str, YamlSource] = field(default_factory=dict)
    catalog: dict[str, Resource] = field(default_factory=dict)
    lang: str = DEFAULT_LANGUAGE
    """The language of the edition this city was loaded for (its texts are in it, or are marked passages)."""

    @property
    def languages(self) -> Languages:
        """The city's authoritative language and editions (city.yaml's ``languages:``)."""
        return self.profile.languages

    @property
    def name(self) -> str:
        """The city's display name."""
        return self.profile.city.name

    def display(self, file: str) -> str:
        """A city file as shown in messages: ``cities/athens/interventions.yaml``."""
        return self.project.relative(self.folder / file)

    def finding(self, file: str, path: PathKey, message: str, *, severity: str = "error",
                hint: str | None = None, at_key: bool = False) -> Finding:
        """A finding located at ``path`` inside ``file`` (the nearest existing ancestor when the key is absent)."""
        source = self.sources.get(file)
        line, col = source.locate(path, prefer_key=at_key) if source else (0, 0)
        return Finding(self.display(file), line, col, format_path(path), message,
                       severity=severity, hint=hint)  # type: ignore[arg-type]

    def included_resources(self) -> list[Resource]:
        """The national catalog entries the city pulls in, in the order of its ``include:`` list."""
        return [self.catalog[i] for i in self.resources.include if i in self.catalog]

    def all_resources(self) -> list[Resource]:
        """Local resources first, then the included national ones."""
        return [*self.resources.resources, *self.included_resources()]


# --- pydantic errors in plain words ----------------------------------------------------------------------

_PATTERN_WORDS = {
    "^[a-z0-9]+(-[a-z0-9]+)*$": ("is not a valid id", "use lowercase letters, digits and hyphens, e.g. '{suggest}'"),
    "^[A-Z]{2}$": ("is not a two-letter state code", "write the USPS code in capitals, e.g. 'OH'"),
    "^#[0-9a-fA-F]{6}$": ("is not a color", "write a hex color such as '#1a5276'"),
    r"^\d{5}(-\d{4})?$": ("is not a ZIP code", "write five digits, or ZIP+4 as 45701-2979; a ZIP code that "
                          "starts with 0, such as 02142, is kept as written"),
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$": ("is not an email address", "write it as name@example.org"),
    "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$": ("is not a language code", "use an ISO 639 code such as 'en' or 'es'"),
}


def _unwrap(annotation: Any) -> Any:
    """The model class inside ``X | None``, ``list[X]``, ``Annotated[X, ...]``, or None."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list):
        for arg in typing.get_args(annotation):
            found = _unwrap(arg)
            if found is not None:
                return found
        return None
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def model_at(model: type[BaseModel], loc: PathKey) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``loc``, for listing its allowed fields."""
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None:
            return None
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part)
        current = _unwrap(info.annotation) if info else None
    return current


def _describe(value: Any, raw: str | None = None) -> str:
    """A value as city staff wrote it: ``'yes'`` rather than the ``True`` YAML read, cut short when long."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if raw is not None and not isinstance(value, str):
        return f"'{shown(raw)}'"
    if isinstance(value, bool):
        return f"'{str(value).lower()}'"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return f"'{int(value)}'"
    return f"'{shown(value)}'"


def _number(value: Any) -> str:
    return f"{int(value)}" if isinstance(value, float) and value.is_integer() else str(value)


def _read_as(value: Any) -> str | None:
    """What YAML made of an unquoted word, when that is the surprise behind an error."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dt.datetime):
        return "a date and time"
    if isinstance(value, dt.date):
        return "a date"
    return None


def _error_words(error: dict[str, Any], model: type[BaseModel], source: YamlSource) -> tuple[str, str | None, bool]:
    """(message, hint, point at the key rather than the value) for one pydantic error."""
    kind, loc, value, ctx = error["type"], tuple(error["loc"]), error.get("input"), error.get("ctx") or {}
    raw = source.raw.get(loc)
    described = _describe(value, raw)
    if kind == "contact":
        return str(ctx["message"]), str(ctx["hint"]), False
    if kind == "extra_forbidden" and loc in source.bare_keys:
        previous = source.bare_keys[loc]
        words = f"a comma splits this text: '{shown(str(loc[-1]))}', after the comma, is read as another field"
        if previous and isinstance(previous[-1], str) and source.raw.get(previous) is not None:
            example = f"{previous[-1]}: {_quoted_value(source.raw[previous] + ', ' + str(loc[-1]))}"
            return words, f"put the whole text in quotes: {example}", True
        return words, "put the text in quotes, or remove the comma", True
    if kind == "extra_forbidden":
        parent = model_at(model, loc[:-1])
        allowed = sorted(parent.model_fields) if parent else []
        hint = f"allowed here: {', '.join(allowed)}" if allowed else None
        return f"unknown field '{shown(str(loc[-1]))}'{did_you_mean(str(loc[-1]), allowed)}", hint, True
    if kind == "missing":
        return f"the required field '{loc[-1]}' is missing", "add it to this block", True
    if kind == "literal_error":
        allowed = [a.strip().strip("'") for a in ctx.get("expected", "").replace(" or ", ",").split(",")]
        allowed = [a for a in allowed if a]
        return (f"{described} is not one of the allowed values: {', '.join(allowed)}"
                f"{did_you_mean(str(raw if raw is not None else value), allowed)}"), None, False
    if kind == "string_pattern_mismatch":
        words, hint = _PATTERN_WORDS.get(ctx.get("pattern", ""), ("does not have the expected form", None))
        suggest = _as_id(str(value))
        return f"{described} {words}", hint.format(suggest=shown(suggest or "my-id")) if hint else None, False
    if kind in ("greater_than_equal", "greater_than"):
        bound = _number(ctx.get("ge", ctx.get("gt")))
        return f"{described} is too small: it must be {'0 or more' if bound == '0' else f'at least {bound}'}", \
            "remove the minus sign" if bound == "0" else None, False
    if kind in ("less_than_equal", "less_than"):
        return f"{described} is too large: it must be at most {_number(ctx.get('le', ctx.get('lt')))}", None, False
    if kind == "finite_number":
        return f"{described} is not a number that can be used", "write a number such as 2500", False
    if kind in ("int_parsing", "int_type", "int_from_float", "int_parsing_size"):
        return f"{described} is not a whole number", None, False
    if kind in ("float_parsing", "float_type"):
        return f"{described} is not a number", "write digits only, such as 2500 or 2500.50, without units", False
    if kind in ("bool_parsing", "bool_type"):
        return f"{described} is not true or false", "write true or false", False
    if kind.startswith("date") or kind.startswith("datetime"):
        why = why_not_a_date(value) if isinstance(value, str) else ""
        return f"{described} is not a {'real ' if why else ''}date{why}", \
            "write dates as YYYY-MM-DD, for example 2025-03-31", False
    if kind == "string_type":
        read_as = _read_as(value)
        if read_as and raw is not None:
            return (f"'{shown(raw)}' is read as {read_as} here, not as text",
                    f"put it in quotes to keep it as text: {_quoted_value(raw)}", False)
        if value is None:
            return "expected text, found nothing", "write the text after the colon, on the same line", False
        if isinstance(value, (list, dict)):
            return f"expected text, found {described}", "write the text after the colon, without '[ ]', '{ }' " \
                "or '- '", False
        return f"expected text, found {described}", "put the text in quotes", False
    if kind == "string_too_long":
        return f"the text is too long (at most {ctx.get('max_length')} characters)", "shorten it", False
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected a block of 'key: value' lines, found {described}", \
            "write the keys on the lines below, indented", False
    if kind in ("list_type", "tuple_type", "set_type"):
        example = f": [{shown(raw)}]" if isinstance(value, str) and raw is not None else ""
        return f"expected a list of '- ' items, found {described}", \
            f"write the items in brackets{example}, or as '- ' lines under the key", False
    return shown(str(error["msg"]), 200), None, False


def _as_id(text: str) -> str:
    """``'City Manager Office'`` and ``'InterfaithCouncil'`` -> ``city-manager-office``, ``interfaith-council``."""
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)
    return "-".join("".join(c if c.isascii() and c.isalnum() else " " for c in text.lower()).split())


def _quoted_value(raw: str) -> str:
    return f'"{shown(raw, 120)}"' if '"' not in raw else "'" + shown(raw, 120).replace("'", "''") + "'"


def validate_file(source: YamlSource, model: type[BaseModel],
                  choice: Choice | None = None) -> tuple[BaseModel | None, list[Finding]]:
    """Validate one file's data; return the model, or None and a finding per problem.

    The problems the reader already reported for single values (an impossible date) come first and are not
    reported a second time, in pydantic's words, at the same place. ``choice`` picks the text of fields written
    per language (the authoritative language when None); prose it finds untranslated becomes a warning.
    """
    findings = list(source.findings)
    choice = Choice(choice.edition, choice.authoritative) if choice is not None else None
    data, problems = as_written(model, source.data, source.raw.get, choice)
    source.warnings = []
    source.untranslated = _untranslated(source, choice) if choice is not None else []
    for problem in problems:
        line, col = source.locate(problem.path)
        found = Finding(source.file, line, col, format_path(problem.path), problem.message,
                        severity="warning" if problem.severity == "warning" else "error", hint=problem.hint)
        (source.warnings if found.severity == "warning" else findings).append(found)
    reported = {f.path for f in findings}
    try:
        validated = validate(model, data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            loc = tuple(error["loc"])
            if format_path(loc) in reported:
                continue
            message, hint, at_key = _error_words(dict(error), model, source)
            if error["type"] == "extra_forbidden" and source.bare_keys.get(loc):
                # The fix (quotes) goes around the text the comma cut short: point there.
                loc, at_key = typing.cast(PathKey, source.bare_keys[loc]), False
            line, col = source.locate(loc, prefer_key=at_key)
            findings.append(Finding(source.file, line, col, format_path(loc), message, hint=hint))
        validated = None
    if len(findings) > MAX_FINDINGS_PER_FILE:
        findings.sort(key=lambda f: (f.line, f.col))
        first_left_out = findings[MAX_FINDINGS_PER_FILE]
        findings = [*findings[:MAX_FINDINGS_PER_FILE], Finding(
            source.file, first_left_out.line, first_left_out.col, "",
            f"{len(findings) - MAX_FINDINGS_PER_FILE} more problem(s) in this file are not listed",
            hint="fix the ones above and run check again")]
    if findings:
        return None, sorted(findings, key=lambda f: (f.line, f.col))
    return validated, []


def _untranslated(source: YamlSource, choice: Choice) -> list[Finding]:
    """A warning at each prose field that has no text in the edition's language."""
    edition, authoritative = language_name(choice.edition), language_name(choice.authoritative)
    found = []
    for path in choice.untranslated:
        line, col = source.locate(path)
        found.append(Finding(
            source.file, line, col, format_path(path),
            f"has no {edition} ({choice.edition}) translation: the {edition} edition shows the {authoritative} text",
            severity="warning", hint=f"add {choice.edition}: beside {choice.authoritative}: (docs/data-format.md, "
            "'Languages')"))
    return found


def city_languages(source: YamlSource | None) -> Languages:
    """The ``languages:`` block of a city.yaml as read (its problems are reported by the file's validation)."""
    data = source.data.get("languages") if source is not None and isinstance(source.data, dict) else None
    try:
        return Languages.model_validate(data) if isinstance(data, dict) else Languages()
    except ValidationError:
        return Languages()


# --- loading --------------------------------------------------------------------------------------------


@functools.cache
def load_catalog(lang: str = DEFAULT_LANGUAGE) -> tuple[dict[str, Resource], tuple[Finding, ...]]:
    """The national catalog shipped with cityframe, by id, for an edition in ``lang``.

    The catalog is written in English: in an edition in another language its texts are
    :class:`~.languages.Passage` objects marked ``en`` (its own ``es:`` texts, where it has them, are used).
    """
    if not CATALOG_FILE.exists():
        return {}, ()
    choice = Choice(lang, DEFAULT_LANGUAGE) if lang != DEFAULT_LANGUAGE else None
    # Fast path: the catalog is ours and valid; only a broken one is read again with positions for its findings.
    data = read_trusted_yaml(CATALOG_FILE)
    text = read_trusted_yaml(CATALOG_FILE, text_only=True)
    if isinstance(data, dict) and isinstance(text, dict):
        kept, problems = as_written(CatalogFile, data, functools.partial(_at, text), choice)
        try:
            if not any(p.severity == "error" for p in problems):
                catalog = validate(CatalogFile, kept)
                return {r.id: r for r in catalog.resources}, ()
        except ValidationError:
            pass
    try:
        source = read_yaml(CATALOG_FILE, "cityframe/data/catalog/national.yaml")
    except YamlError as exc:
        return {}, (exc.finding,)
    catalog, findings = validate_file(source, CatalogFile, choice)
    if catalog is None:
        return {}, tuple(findings)
    assert isinstance(catalog, CatalogFile)
    return {r.id: r for r in catalog.resources}, ()


def _at(data: Any, path: PathKey) -> str | None:
    """The scalar at ``path`` in a tree read with every scalar as text, or None."""
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data if isinstance(data, str) else None


def _refuse_links_out(project: Project, path: Path, display: str) -> None:
    """A city file that is a link to a file outside the project could publish that file's text: refuse it."""
    if not path.is_symlink():
        return
    try:
        target = path.resolve()
    except (OSError, RuntimeError):  # a loop of links
        target = None
    if target is None or not target.is_relative_to(project.root.resolve()):
        raise YamlError(Finding(display, 0, 0, "", "the file is a link to a file outside the project",
                                hint="replace the link with a copy of the file"))


def _city_folder(project: Project, slug: str) -> Path:
    """The city's folder; one that links out of the project is this city's error, not the end of ``check --all``."""
    folder = project.cities_dir / slug
    if SLUG.match(slug) and folder.is_dir() and not folder.resolve().is_relative_to(project.cities_dir.resolve()):
        raise DataError([Finding(f"{project.relative(project.cities_dir)}/{slug}", 0, 0, "",
                                 f"the city folder is a link to {folder.resolve()}, outside the project",
                                 hint="keep each city's files inside the project's cities/ folder: replace the "
                                      "link with the folder itself")])
    return project.city_dir(slug)


def load_city(project: Project, slug: str, lang: str | None = None) -> City:
    """Read and validate a city's six files, reporting every problem of every file at once.

    ``lang``: the edition to load, a language code (None: the authoritative language named in city.yaml's
    ``languages:``). Text fields written per language give that language's text, else the authoritative one
    as a :class:`~.languages.Passage`; each prose field without a translation is a warning of the city's.
    """
    folder = _city_folder(project, slug)
    findings: list[Finding] = []
    sources: dict[str, YamlSource] = {}
    models: dict[str, BaseModel] = {}
    for file in FILE_MODELS:
        # A link is named as it sits in the city folder, not by where it points.
        link = (folder / file).is_symlink()
        display = f"{project.relative(folder)}/{file}" if link else project.relative(folder / file)
        try:
            _refuse_links_out(project, folder / file, display)
            sources[file] = read_yaml(folder / file, display)
        except YamlError as exc:
            findings.append(exc.finding)
    languages = city_languages(sources.get("city.yaml"))
    choice = Choice(lang, languages.authoritative) if lang and lang != languages.authoritative else None
    for file, source in sources.items():
        validated, problems = validate_file(source, FILE_MODELS[file], choice)
        findings.extend(problems)
        if validated is not None:
            models[file] = validated
    catalog, catalog_findings = load_catalog(lang or languages.authoritative)
    findings.extend(catalog_findings)
    if findings:
        raise DataError(findings)
    return City(
        slug=slug,
        folder=folder,
        project=project,
        profile=typing.cast(CityFile, models["city.yaml"]),
        governance=typing.cast(GovernanceFile, models["governance.yaml"]),
        stakeholders=typing.cast(StakeholdersFile, models["stakeholders.yaml"]),
        risk=typing.cast(RiskLandscapeFile, models["risk-landscape.yaml"]),
        interventions=typing.cast(InterventionsFile, models["interventions.yaml"]),
        resources=typing.cast(ResourcesFile, models["resources.yaml"]),
        sources=sources,
        catalog=catalog,
        lang=lang or languages.authoritative,
    )
