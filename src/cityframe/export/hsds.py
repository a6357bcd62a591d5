"""The resource directory as Open Referral HSDS 3.0: JSON service and organization records, and the tabular form.

What is exported is what the public resource directory lists: the city's own resources and the national ones it
includes, without defunct entries. Every record gets a UUID derived (``uuid5``) from the city's slug, the kind of
record and the resource id, so exporting again gives the same ids and other tools can update rather than duplicate.

Mapping (cityframe field -> HSDS 3.0), every value as the city wrote it:

- ``Resource`` -> ``service``: name, description, url, email, status (``temporarily-closed`` is HSDS'
  ``temporarily closed``), ``cost`` -> ``fees_description``, ``eligibility`` -> ``eligibility_description``,
  ``status_note`` -> ``alert``, ``last_verified`` -> ``assured_date``;
- ``phones`` -> ``phone`` (number, extension, type, description);
- ``hours`` -> one ``schedule`` whose ``description`` is the hours as written;
- ``languages`` -> ``language`` records by name;
- ``geographic_scope`` (+ ``states``) -> ``service_area`` (the city, its county, the states, or the United States);
- ``address`` -> a ``location`` (with its ``address``) linked by a ``service_at_location``;
- ``provider`` / ``provider_id`` -> ``organization``: the stakeholder's name, description and *public* contacts.

Not exported: ``audience``, ``category``, ``prevention_tier`` and ``external_211hsis_code`` (HSDS carries them
only as taxonomy attributes, not written yet), and anything internal (``public.py``).

The schemas are shipped in ``hsds-3.0/`` (CC BY-SA 4.0, Open Referral); every export is validated against them
(``jsonschema``) before anything is written, so an export that is written is one HSDS tools can read.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .public import ExportError, is_public

if TYPE_CHECKING:
    from ..data.load import City
    from ..data.models import Contact, Phone, Resource

HSDS_DIR = Path(__file__).parent / "hsds-3.0"
HSDS_VERSION = "3.0"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://cityframe.invalid/hsds")
"""The namespace of every id cityframe derives; never change it, or every export's ids change."""

_REMOTE_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
_STATUS = {"active": "active", "inactive": "inactive", "defunct": "defunct",
           "temporarily-closed": "temporarily closed"}

TABLES = ("organization", "service", "service_at_location", "location", "phone", "contact", "address", "schedule",
          "service_area", "language")
"""The tables written, in the order of HSDS' ``datapackage.json``, whose ``path`` names each one's CSV file."""


@dataclass(frozen=True)
class HsdsExport:
    """One city's HSDS export: the JSON records and the tabular package, each file's content by relative name."""

    services: list[dict[str, Any]]
    organizations: list[dict[str, Any]]
    tables: dict[str, list[dict[str, Any]]]

    def files(self) -> dict[str, bytes]:
        """``services.json``, ``organizations.json`` and ``tabular/`` (one CSV per table + ``datapackage.json``)."""
        files = {"services.json": _json_bytes(self.services), "organizations.json": _json_bytes(self.organizations)}
        for table in TABLES:
            files[f"tabular/{_resource(table)['path']}"] = _csv_bytes(table, self.tables[table])
        files["tabular/datapackage.json"] = _json_bytes(datapackage())
        return files


def record_id(city: str, kind: str, *key: str) -> str:
    """A stable UUID for one record: ``uuid5`` of the city's slug, the record's kind and its key (e.g. the id)."""
    return str(uuid.uuid5(NAMESPACE, "/".join((city, kind, *key))))


# --- the attributes other helpers add: read in one place, with defaults -------------------------------------


PHONE_TYPES: dict[str, str] = {}
"""cityframe phone types whose HSDS name differs (HSDS uses RFC 6350's: text, voice, fax, cell, video, pager,
textphone); a type not listed here is written as it is."""


def phone_fields(phone: Phone | Any) -> dict[str, Any]:
    """HSDS ``phone`` fields of a cityframe phone (or contact): number, extension, type, description.

    The one place that reads a phone: ``extension`` and ``type`` are read with defaults, so a data format without
    them still exports. Raises ``ExportError`` for an extension that is not digits (HSDS' extension is a number).
    """
    kind = getattr(phone, "type", None)
    return {"number": phone.number if hasattr(phone, "number") else phone.phone,
            "extension": _extension(getattr(phone, "extension", None), getattr(phone, "number", None) or phone.phone),
            "type": PHONE_TYPES.get(kind, kind) if kind else None,
            "description": getattr(phone, "description", None)}


def _extension(value: object, number: str) -> int | None:
    if value is None or isinstance(value, int):
        return value
    text = str(value).strip()
    if not text.isdigit():
        raise ExportError(f"the phone extension {text!r} of {number} is not a number, which HSDS needs",
                          hint="write the extension as digits only, e.g. extension: 204")
    return int(text)


# --- the JSON form --------------------------------------------------------------------------------------------


def export_city(city: City) -> HsdsExport:
    """The HSDS records of a city's resource directory, validated against the HSDS 3.0 schemas.

    Raises ``ExportError`` when a value cannot be written as HSDS (e.g. an extension that is not a number), and
    ``RuntimeError`` when the result does not validate (a bug in this mapping, never in the data).
    """
    resources = [r for r in city.all_resources() if r.status != "defunct"]
    organizations: dict[str, dict[str, Any]] = {}
    provides: dict[str, list[str]] = {}
    for resource in resources:
        organization = _organization(city, resource)
        if organization is not None:
            organizations.setdefault(organization["id"], organization)
            provides.setdefault(organization["id"], []).append(resource.name)
    for organization_id, organization in organizations.items():
        if not organization["description"]:  # HSDS requires one: say what the directory knows, invent nothing
            organization["description"] = "Provides: " + "; ".join(provides[organization_id]) + "."
    services = [_service(city, resource, organizations) for resource in resources]
    result = HsdsExport(services=services, organizations=list(organizations.values()),
                        tables=_tables(services, list(organizations.values())))
    problems = validation_errors(result)
    if problems:
        raise RuntimeError("the HSDS export does not validate:\n  " + "\n  ".join(problems[:20]))
    return result


def _service(city: City, resource: Resource, organizations: dict[str, dict[str, Any]]) -> dict[str, Any]:
    slug = city.slug
    service_id = record_id(slug, "service", resource.id)
    organization_id = _organization_id(city, resource)
    service: dict[str, Any] = {
        "id": service_id,
        "organization_id": organization_id,
        "name": resource.name,
        "description": resource.description,
        "url": resource.url,
        "email": resource.email,
        "status": _STATUS[resource.status],
        "fees_description": resource.cost,
        "eligibility_description": resource.eligibility,
        "alert": resource.status_note if resource.status != "active" else None,
        "assured_date": resource.last_verified.isoformat() if resource.last_verified else None,
        "phones": [_phone(slug, resource.id, n, phone, service_id=service_id)
                   for n, phone in enumerate(resource.phones)],
        "schedules": ([{"id": record_id(slug, "schedule", resource.id), "service_id": service_id,
                        "description": resource.hours}] if resource.hours else []),
        "service_areas": _service_areas(city, resource, service_id),
        "languages": [{"id": record_id(slug, "language", resource.id, str(n)), "service_id": service_id,
                       "name": language} for n, language in enumerate(resource.languages)],
        "service_at_locations": _service_at_locations(city, resource, service_id),
    }
    if organization_id is not None:
        service["organization"] = organizations[organization_id]
    return _clean(service)


def _phone(slug: str, owner: str, n: int, phone: Phone, **links: str) -> dict[str, Any]:
    return {"id": record_id(slug, "phone", owner, str(n)), **links, **phone_fields(phone)}


def _service_areas(city: City, resource: Resource, service_id: str) -> list[dict[str, Any]]:
    profile = city.profile.city
    scope = resource.geographic_scope
    if scope == "national":
        names = ["United States"]
    elif scope == "state":
        names = list(resource.states or [profile.state])
    elif scope == "county" and profile.county:
        names = [f"{profile.county}, {profile.state}"]
    else:  # a city resource, or a county one in a city whose county is not given
        names = [f"{profile.name}, {profile.state}"]
    return [{"id": record_id(city.slug, "service_area", resource.id, name), "service_id": service_id, "name": name}
            for name in names]


def _service_at_locations(city: City, resource: Resource, service_id: str) -> list[dict[str, Any]]:
    address = resource.address
    if address is None:
        return []
    slug = city.slug
    location_id = record_id(slug, "location", resource.id)
    location = {
        "id": location_id,
        "location_type": resource.location_type,
        "name": resource.name,
        "addresses": [{"id": record_id(slug, "address", resource.id), "location_id": location_id,
                       "address_1": address.address_1, "city": address.city,
                       "state_province": address.state_province, "postal_code": address.postal_code,
                       "country": address.country, "address_type": resource.location_type}],
    }
    return [{"id": record_id(slug, "service_at_location", resource.id), "service_id": service_id,
             "location_id": location_id, "location": location}]


def _organization_id(city: City, resource: Resource) -> str | None:
    if resource.provider_id:
        return record_id(city.slug, "organization", resource.provider_id)
    if resource.provider:
        return record_id(city.slug, "organization", "name", resource.provider)
    return None


def _organization(city: City, resource: Resource) -> dict[str, Any] | None:
    organization_id = _organization_id(city, resource)
    if organization_id is None:
        return None
    stakeholder = next((s for s in city.stakeholders.stakeholders if s.id == resource.provider_id), None)
    if stakeholder is None:  # a provider named in words (national resources): its name, nothing invented
        return {"id": organization_id, "name": resource.provider or resource.provider_id, "description": None}
    contacts = [c for c in stakeholder.contacts if is_public(c)]
    website = next((c.url for c in contacts if c.url), None)
    return _clean_keep_description({
        "id": organization_id,
        "name": stakeholder.name,
        "description": stakeholder.description,
        "website": website,
        "contacts": [_contact(city.slug, stakeholder.id, n, contact, organization_id)
                     for n, contact in enumerate(contacts)],
    })


def _contact(slug: str, owner: str, n: int, contact: Contact, organization_id: str) -> dict[str, Any]:
    contact_id = record_id(slug, "contact", owner, str(n))
    phones = []
    if contact.phone:
        fields = phone_fields(contact)
        phones.append({"id": record_id(slug, "phone", "contact", owner, str(n)), "contact_id": contact_id,
                       "number": fields["number"], "extension": fields["extension"]})
    return {"id": contact_id, "organization_id": organization_id, "title": contact.title,
            "email": contact.email, "phones": phones}


def _clean_keep_description(record: dict[str, Any]) -> dict[str, Any]:
    return {**_clean(record), "description": record["description"]}


def _clean(value: Any) -> Any:
    """Leave out what is unknown (``None``) rather than writing ``null``: HSDS fields are optional, not nullable."""
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


# --- the tabular form -----------------------------------------------------------------------------------------


def _tables(services: list[dict[str, Any]], organizations: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The JSON records flattened into HSDS' tables: nested records become rows that point to their parent."""
    tables: dict[str, list[dict[str, Any]]] = {table: [] for table in TABLES}
    for organization in organizations:
        tables["organization"].append(_row(organization))
        for contact in organization.get("contacts", []):
            tables["contact"].append(_row(contact))
            tables["phone"] += [_row(phone) for phone in contact.get("phones", [])]
    for service in services:
        tables["service"].append(_row(service))
        tables["phone"] += [_row(phone) for phone in service.get("phones", [])]
        tables["schedule"] += [_row(schedule) for schedule in service.get("schedules", [])]
        tables["service_area"] += [_row(area) for area in service.get("service_areas", [])]
        tables["language"] += [_row(language) for language in service.get("languages", [])]
        for link in service.get("service_at_locations", []):
            tables["service_at_location"].append(_row(link))
            location = link["location"]
            tables["location"].append(_row(location))
            tables["address"] += [_row(address) for address in location.get("addresses", [])]
    return tables


def _row(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if not isinstance(value, (dict, list))}


def _resource(table: str) -> dict[str, Any]:
    return next(r for r in _datapackage()["resources"] if r["name"] == table)


def _fields(table: str) -> list[dict[str, Any]]:
    return _resource(table)["schema"]["fields"]


def _csv_bytes(table: str, rows: Iterable[dict[str, Any]]) -> bytes:
    """A table as CSV with every column of HSDS' table schema, in its order; empty cells for unknown values."""
    names = [field["name"] for field in _fields(table)]
    stream = io.StringIO(newline="")
    writer = csv.DictWriter(stream, fieldnames=names, lineterminator="\r\n", extrasaction="raise")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: "" if row.get(name) is None else row[name] for name in names})
    return stream.getvalue().encode("utf-8")


def datapackage() -> dict[str, Any]:
    """The export's ``datapackage.json``: HSDS' own, with only the tables written (so every path exists)."""
    official = _datapackage()
    package = {key: value for key, value in official.items() if key != "resources"}
    package["resources"] = [r for r in official["resources"] if r["name"] in TABLES]
    return package


def read_tables(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """The rows of a tabular package written to ``folder``, typed by its field types (as a CSV reader sees them)."""
    return parse_tables(lambda name: (folder / name).read_text(encoding="utf-8"))


def parse_tables(read: Callable[[str], str]) -> dict[str, list[dict[str, Any]]]:
    """The rows of a tabular package, ``read(name)`` giving each file's text; empty cells are absent values."""
    package = json.loads(read("datapackage.json"))
    tables = {}
    for resource in package["resources"]:
        types = {field["name"]: field["type"] for field in resource["schema"]["fields"]}
        rows = csv.DictReader(io.StringIO(read(resource["path"]), newline=""))
        tables[resource["name"]] = [{key: _typed(value, types[key]) for key, value in row.items() if value != ""}
                                    for row in rows]
    return tables


def _typed(value: str, kind: str) -> Any:
    if kind == "number":
        return float(value) if re.search(r"[.eE]", value) else int(value)
    if kind == "integer":
        return int(value)
    return value


# --- validation -----------------------------------------------------------------------------------------------


@cache
def _datapackage() -> dict[str, Any]:
    return json.loads((HSDS_DIR / "datapackage.json").read_text(encoding="utf-8"))


@cache
def _validators() -> dict[str, Any]:
    """Validators for ``service``, ``organization`` and ``tabular``, resolving every ref to the shipped files."""
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    schemas = {path.name: json.loads(path.read_text(encoding="utf-8"))
               for path in sorted((HSDS_DIR / "schema").glob("*.json"))}
    resources = []
    for name, schema in schemas.items():
        resource = Resource(contents=schema, specification=DRAFT202012)
        resources += [(name, resource), (_REMOTE_BASE + name, resource)]
    registry = Registry().with_resources(resources)  # type: ignore[var-annotated]
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    tabular = json.loads((HSDS_DIR / "tabular.json").read_text(encoding="utf-8"))
    return {
        "service": jsonschema.Draft202012Validator(schemas["service.json"], registry=registry,
                                                   format_checker=checker),
        "organization": jsonschema.Draft202012Validator(schemas["organization.json"], registry=registry,
                                                        format_checker=checker),
        "tabular": jsonschema.Draft202012Validator(tabular, format_checker=checker),
    }


def validation_errors(export: HsdsExport) -> list[str]:
    """Every way ``export`` breaks the HSDS 3.0 schemas, as ``where: message`` lines (empty when valid)."""
    validators = _validators()
    problems = []
    for kind, records in (("service", export.services), ("organization", export.organizations)):
        for n, record in enumerate(records):
            problems += [f"{kind}[{n}] {'/'.join(map(str, e.absolute_path))}: {e.message}"
                         for e in validators[kind].iter_errors(record)]
    files = export.files()
    problems += tabular_errors(parse_tables(lambda name: files[f"tabular/{name}"].decode("utf-8")))
    return problems


def tabular_errors(tables: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Every way the tables (rows typed as in CSV) break HSDS' tabular schema, plus duplicate ids."""
    problems = [f"tabular {'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in _validators()["tabular"].iter_errors(tables)]
    for table, rows in tables.items():
        ids = [row.get("id") for row in rows]
        problems += [f"tabular {table}: id {i} is used twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    return problems


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
