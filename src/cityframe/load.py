"""YAML sources + pydantic models -> a validated :class:`City`, every pydantic error rewritten as a located finding."""

from __future__ import annotations

import difflib
import functools
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import DataError, Finding
from .models import (
    FILE_MODELS,
    CatalogFile,
    CityFile,
    GovernanceFile,
    InterventionsFile,
    Resource,
    ResourcesFile,
    RiskLandscapeFile,
    StakeholdersFile,
)
from .project import PACKAGE_DIR, Project
from .sources import PathKey, YamlError, YamlSource, format_path, read_yaml

CATALOG_FILE = PACKAGE_DIR / "catalog" / "national.yaml"


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
    r"^\d{5}(-\d{4})?$": ("is not a ZIP code", "write five digits, e.g. '45701'"),
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


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"'{str(value).lower()}'"
    return f"'{value}'"


def _suggest(wrong: str, choices: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(wrong, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _error_words(error: dict[str, Any], model: type[BaseModel]) -> tuple[str, str | None, bool]:
    """(message, hint, point at the key rather than the value) for one pydantic error."""
    kind, loc, value, ctx = error["type"], tuple(error["loc"]), error.get("input"), error.get("ctx") or {}
    if kind == "extra_forbidden":
        parent = model_at(model, loc[:-1])
        allowed = sorted(parent.model_fields) if parent else []
        hint = f"allowed here: {', '.join(allowed)}" if allowed else None
        return f"unknown field '{loc[-1]}'{_suggest(str(loc[-1]), allowed)}", hint, True
    if kind == "missing":
        return f"the required field '{loc[-1]}' is missing", "add it to this block", True
    if kind == "literal_error":
        allowed = [a.strip().strip("'") for a in ctx.get("expected", "").replace(" or ", ",").split(",")]
        allowed = [a for a in allowed if a]
        return (f"{_describe(value)} is not one of the allowed values: {', '.join(allowed)}"
                f"{_suggest(str(value), allowed)}"), None, False
    if kind == "string_pattern_mismatch":
        words, hint = _PATTERN_WORDS.get(ctx.get("pattern", ""), ("does not have the expected form", None))
        suggest = "-".join("".join(c if c.isalnum() else " " for c in str(value).lower()).split()) or "my-id"
        return f"{_describe(value)} {words}", hint.format(suggest=suggest) if hint else None, False
    if kind in ("greater_than_equal", "greater_than"):
        return f"{_describe(value)} is too small: it must be at least {ctx.get('ge', ctx.get('gt'))}", None, False
    if kind in ("less_than_equal", "less_than"):
        return f"{_describe(value)} is too large: it must be at most {ctx.get('le', ctx.get('lt'))}", None, False
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{_describe(value)} is not a whole number", None, False
    if kind in ("float_parsing", "float_type"):
        return f"{_describe(value)} is not a number", None, False
    if kind in ("bool_parsing", "bool_type"):
        return f"{_describe(value)} is not true or false", None, False
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"{_describe(value)} is not a date", "write dates as YYYY-MM-DD, for example 2025-03-31", False
    if kind == "string_type":
        return f"expected text, found {_describe(value)}", "put the text on the same line as the key", False
    if kind == "string_too_long":
        return f"the text is too long (at most {ctx.get('max_length')} characters)", None, False
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected a block of 'key: value' lines, found {_describe(value)}", None, False
    if kind in ("list_type", "tuple_type", "set_type"):
        return f"expected a list of '- ' items, found {_describe(value)}", None, False
    return str(error["msg"]), None, False


def validate_file(source: YamlSource, model: type[BaseModel]) -> tuple[BaseModel | None, list[Finding]]:
    """Validate one file's data; return the model, or None and a finding per problem."""
    try:
        return model.model_validate(source.data), []
    except ValidationError as exc:
        findings = []
        for error in exc.errors(include_url=False):
            message, hint, at_key = _error_words(dict(error), model)
            loc = tuple(error["loc"])
            line, col = source.locate(loc, prefer_key=at_key)
            findings.append(Finding(source.file, line, col, format_path(loc), message, hint=hint))
        return None, findings


# --- loading --------------------------------------------------------------------------------------------


@functools.cache
def load_catalog() -> tuple[dict[str, Resource], tuple[Finding, ...]]:
    """The national catalog shipped with cityframe, by id."""
    if not CATALOG_FILE.exists():
        return {}, ()
    try:
        source = read_yaml(CATALOG_FILE, "cityframe/catalog/national.yaml")
    except YamlError as exc:
        return {}, (exc.finding,)
    catalog, findings = validate_file(source, CatalogFile)
    if catalog is None:
        return {}, tuple(findings)
    assert isinstance(catalog, CatalogFile)
    return {r.id: r for r in catalog.resources}, ()


def load_city(project: Project, slug: str) -> City:
    """Read and validate a city's six files, reporting every problem of every file at once."""
    folder = project.city_dir(slug)
    findings: list[Finding] = []
    sources: dict[str, YamlSource] = {}
    models: dict[str, BaseModel] = {}
    for file, model in FILE_MODELS.items():
        display = project.relative(folder / file)
        try:
            source = read_yaml(folder / file, display)
        except YamlError as exc:
            findings.append(exc.finding)
            continue
        sources[file] = source
        validated, problems = validate_file(source, model)
        findings.extend(problems)
        if validated is not None:
            models[file] = validated
    catalog, catalog_findings = load_catalog()
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
    )
