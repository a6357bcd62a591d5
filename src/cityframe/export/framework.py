"""The whole validated framework as one JSON document, for dashboards and other tools.

Shape (``FrameworkExport``; its JSON Schema is published as ``docs/framework-export.schema.json``): a
``format_version`` (raised only when a change could break a reader), the generator, the edition (always
``public``), the city's slug, then the six files' contents under ``city``, ``governance``, ``stakeholders``,
``risk_landscape``, ``interventions`` and ``resources``, and the national catalog entries the city includes,
resolved, under ``included_resources``. Values are as the city wrote them (dates as ``YYYY-MM-DD``); internal
contacts and notes and editor fields are left out (``public.py``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..data.models import (
    CityFile,
    GovernanceFile,
    InterventionsFile,
    Resource,
    ResourcesFile,
    RiskLandscapeFile,
    StakeholdersFile,
)
from .public import public_data

if TYPE_CHECKING:
    from ..data.load import City

FORMAT_VERSION = 1
SCHEMA_ID = "https://cityframe.invalid/schemas/framework-export-1.schema.json"


class FrameworkExport(BaseModel):
    """One city's framework as ``cityframe export json`` writes it."""

    model_config = ConfigDict(extra="forbid", title="cityframe framework export")

    format_version: Literal[1] = Field(description="The version of this format; a reader checks it first.")
    generator: str = Field(description="The cityframe version that wrote the document, e.g. 'cityframe 0.1.0'.")
    edition: Literal["public"] = Field(description="Always 'public': internal contacts and notes are left out.")
    city_slug: str = Field(description="The city's folder name under cities/.")
    city: CityFile = Field(description="city.yaml: the profile and the prevention plan.")
    governance: GovernanceFile = Field(description="governance.yaml: the steering group's charter.")
    stakeholders: StakeholdersFile = Field(description="stakeholders.yaml: the actors.")
    risk_landscape: RiskLandscapeFile = Field(description="risk-landscape.yaml: the needs and vulnerabilities "
                                                          "assessment.")
    interventions: InterventionsFile = Field(description="interventions.yaml: the action plan.")
    resources: ResourcesFile = Field(description="resources.yaml: local resources and the catalog ids included.")
    included_resources: list[Resource] = Field(description="The national catalog entries named under include:, "
                                                           "resolved, in the order listed.")


def export_document(city: City) -> dict[str, Any]:
    """The city's framework as a JSON-ready dict in the shape of ``FrameworkExport`` (public edition)."""
    from .. import __version__

    def dump(model: BaseModel) -> Any:
        return model.model_dump(mode="json")

    document = {
        "format_version": FORMAT_VERSION,
        "generator": f"cityframe {__version__}",
        "edition": "public",
        "city_slug": city.slug,
        "city": dump(city.profile),
        "governance": dump(city.governance),
        "stakeholders": dump(city.stakeholders),
        "risk_landscape": dump(city.risk),
        "interventions": dump(city.interventions),
        "resources": dump(city.resources),
        "included_resources": [dump(r) for r in city.included_resources()],
    }
    return public_data(document)


def export_json(city: City) -> str:
    """``export_document`` as JSON text (two-space indent, UTF-8 characters as they are, a final newline)."""
    return json.dumps(export_document(city), indent=2, ensure_ascii=False) + "\n"


def json_schema() -> dict[str, Any]:
    """The published JSON Schema (draft 2020-12) of the export, as in ``docs/framework-export.schema.json``."""
    schema = FrameworkExport.model_json_schema(mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def json_schema_text() -> str:
    """``json_schema`` as the text of the published file."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
