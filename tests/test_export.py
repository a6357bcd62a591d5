"""cityframe export: Word documents, Open Referral HSDS 3.0 and the framework as JSON.

HSDS exports are validated here with jsonschema against the HSDS 3.0 schemas that ship inside the package (a
city's repository has no ../shared); when the project's shared copy is present, the shipped files must equal it.
Every export is searched for every internal value as tests/test_editions.py finds them.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import uuid
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from cityframe.data.project import Project
from cityframe.export import hsds
from cityframe.export.framework import json_schema_text
from cityframe.export.public import ExportError, public_data
from conftest import CITYFRAME, REPO, require_executable
from test_editions import CITIES, TEST_CITY, found_in, secrets_of

SHIPPED = Path(hsds.__file__).parent / "hsds-3.0"
SHARED = REPO.parent / "shared" / "hsds-3.0"
PUBLISHED_SCHEMA = REPO / "docs" / "framework-export.schema.json"


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*CITYFRAME, *args], capture_output=True, text=True, timeout=600)
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A scratch project with every valid pilot city and the test city (which has internal contacts and notes)."""
    root = tmp_path_factory.mktemp("export") / "project"
    for slug in CITIES:
        shutil.copytree(TEST_CITY if slug == "test-city" else REPO / "cities" / slug, root / "cities" / slug)
    return root


@pytest.fixture(scope="module")
def hsds_exports(project: Path) -> dict[str, Path]:
    out = project.parent / "out"
    for slug in CITIES:
        run("export", "hsds", slug, "--project", str(project), "--out", str(out))
    return {slug: out / slug / "hsds" for slug in CITIES}


# --- HSDS -------------------------------------------------------------------------------------------------------


def hsds_validator(name: str) -> jsonschema.Draft202012Validator:
    """A validator built here, independently of cityframe.export.hsds, from the shipped per-object schemas."""
    schemas = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in (SHIPPED / "schema").glob("*.json")}
    remote = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
    registry = Registry().with_resources(
        [(key, Resource(contents=s, specification=DRAFT202012)) for n, s in schemas.items() for key in (n, remote + n)])
    return jsonschema.Draft202012Validator(schemas[name], registry=registry,
                                           format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("slug", CITIES)
def test_every_city_hsds_export_validates(hsds_exports: dict[str, Path], slug: str) -> None:
    folder = hsds_exports[slug]
    services = json.loads((folder / "services.json").read_text(encoding="utf-8"))
    organizations = json.loads((folder / "organizations.json").read_text(encoding="utf-8"))
    assert services and organizations
    for name, records in (("service.json", services), ("organization.json", organizations)):
        validator = hsds_validator(name)
        errors = [f"{r.get('name')}: {e.message}" for r in records for e in validator.iter_errors(r)]
        assert errors == []
    tables = hsds.read_tables(folder / "tabular")
    tabular = json.loads((SHIPPED / "tabular.json").read_text(encoding="utf-8"))
    assert list(jsonschema.Draft202012Validator(tabular).iter_errors(tables)) == []
    assert len(tables["service"]) == len(services)
    package = json.loads((folder / "tabular" / "datapackage.json").read_text(encoding="utf-8"))
    assert package["profile"] == "tabular-data-package" and package["version"] == "3.0.0"
    assert sorted(r["path"] for r in package["resources"]) == sorted(p.name for p in (folder / "tabular").glob("*.csv"))


def test_hsds_export_has_the_directory_content(hsds_exports: dict[str, Path]) -> None:
    """Athens: phones with types, schedules, languages, service areas, organizations; defunct entries left out."""
    from cityframe.data.load import load_city

    city = load_city(Project(REPO), "athens")
    listed = [r for r in city.all_resources() if r.status != "defunct"]
    services = {s["name"]: s for s in json.loads((hsds_exports["athens"] / "services.json").read_text())}
    assert sorted(services) == sorted(r.name for r in listed)
    police = services["Athens Police Department - report a crime"]
    assert [(p["number"], p.get("description")) for p in police["phones"]] == [
        ("911", "Emergencies"), ("740-593-6606", "Non-emergency line")]
    assert police["schedules"][0]["description"] == "24/7"
    assert police["service_areas"][0]["name"] == "Athens, OH"
    assert police["organization"]["name"] == "Athens Police Department"
    assert police["status"] == "active" and police["assured_date"] == "2026-11-25"
    assert police["id"] == str(uuid.uuid5(hsds.NAMESPACE, "athens/service/athens-police-non-emergency"))
    assert any(s.get("languages") for s in services.values())
    assert any(a["name"] == "United States" for s in services.values() for a in s["service_areas"])


def test_hsds_ids_are_stable_and_differ_between_cities(project: Path, hsds_exports: dict[str, Path]) -> None:
    again = project.parent / "again"
    run("export", "hsds", "athens", "--project", str(project), "--out", str(again))
    def contents(folder: Path) -> dict[Path, bytes]:
        return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*.*")}

    assert contents(hsds_exports["athens"]) == contents(again / "athens" / "hsds")
    assert hsds.record_id("athens", "service", "lifeline-988") != hsds.record_id("stamford", "service", "lifeline-988")


def test_hsds_validation_can_fail() -> None:
    """The check run before writing reports a record that breaks the schemas (it is not a check that cannot fail)."""
    service = {"id": "not-a-uuid", "name": "X", "status": "open", "phones": [{"id": str(uuid.uuid4()), "number": 5}]}
    organization = {"id": str(uuid.uuid4()), "name": "Y", "description": ""}  # valid JSON, but empty in a CSV cell
    export = hsds.HsdsExport(services=[service], organizations=[organization],
                             tables={table: [] for table in hsds.TABLES} | {"service": [hsds._row(service)],
                                                                             "organization": [organization]})
    problems = hsds.validation_errors(export)
    assert "tabular organization/0: 'description' is a required property" in problems
    assert any("not-a-uuid" in p for p in problems)
    assert any("'open' is not one of" in p for p in problems)
    assert any("5 is not of type 'string'" in p for p in problems)


def test_phone_extension_and_type_map_to_hsds() -> None:
    """Where a phone's extension and type come from: one function, with defaults for a format without them."""
    assert hsds.phone_fields(SimpleNamespace(number="740-555-0100", type="text", description=None)) == {
        "number": "740-555-0100", "extension": None, "type": "text", "description": None}
    with_extension = SimpleNamespace(number="740-555-0100", extension="204", type="voice", description="Desk")
    assert hsds.phone_fields(with_extension)["extension"] == 204
    with pytest.raises(ExportError, match="extension '20a' of 740-555-0100 is not a number"):
        hsds.phone_fields(SimpleNamespace(number="740-555-0100", extension="20a"))
    contact = SimpleNamespace(title="Desk", phone="740-555-0199", extension="12", visibility="public")
    assert hsds.phone_fields(contact) == {"number": "740-555-0199", "extension": 12, "type": None,
                                          "description": None}


def test_shipped_hsds_schemas_are_the_official_ones() -> None:
    assert "Creative Commons Attribution-ShareAlike 4.0" in (SHIPPED / "LICENSE").read_text(encoding="utf-8")
    if not SHARED.is_dir():
        pytest.skip("no ../shared/hsds-3.0 next to this repository (a city's or a fresh clone)")
    pairs = [(SHIPPED / "schema" / p.name, p) for p in (SHIPPED / "schema").glob("*.json")]
    pairs += [(SHIPPED / "tabular.json", SHARED / "schema" / "compiled" / "tabular.json"),
              (SHIPPED / "datapackage.json", SHARED / "datapackage.json"), (SHIPPED / "LICENSE", SHARED / "LICENSE")]
    assert len(pairs) > 20
    for shipped, shared in pairs:
        assert shipped.read_bytes() == (SHARED / "schema" / shipped.name if shipped.parent.name == "schema"
                                        else shared).read_bytes(), shipped.name


# --- JSON -------------------------------------------------------------------------------------------------------


def test_published_schema_is_current() -> None:
    assert PUBLISHED_SCHEMA.read_text(encoding="utf-8") == json_schema_text(), (
        "docs/framework-export.schema.json is stale; regenerate it with\n"
        "cityframe export json --schema > docs/framework-export.schema.json")
    assert run("export", "json", "--schema").stdout == json_schema_text()


@pytest.mark.parametrize("slug", ["athens", "test-city"])
def test_json_export_validates_against_the_published_schema(project: Path, slug: str) -> None:
    document = json.loads(run("export", "json", slug, "--project", str(project)).stdout)
    assert document["format_version"] == 1 and document["edition"] == "public" and document["city_slug"] == slug
    schema = json.loads(PUBLISHED_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    assert [e.message for e in validator.iter_errors(document)] == []
    from cityframe.data.load import load_city

    city = load_city(Project(project), slug)
    assert document["city"]["city"]["name"] == city.profile.city.name
    assert [r["id"] for r in document["included_resources"]] == [r.id for r in city.included_resources()]


def test_public_data_drops_internal_records_and_editor_fields() -> None:
    data = {"a": "kept", "editor_notes": ["check the number"],
            "contacts": [{"title": "Desk", "visibility": "public"}, {"title": "Mobile", "visibility": "internal"}],
            "contact": {"title": "Direct", "visibility": "internal"},
            "notes": [{"text": "x", "visibility": "internal"}]}
    assert public_data(data) == {"a": "kept", "contacts": [{"title": "Desk", "visibility": "public"}],
                                 "contact": None, "notes": []}


# --- Word -------------------------------------------------------------------------------------------------------


class Outline(HTMLParser):
    """The h1-h3 headings of an HTML page, as text."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self._level: int | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("h1", "h2", "h3"):
            self._level, self._text = int(tag[1]), []

    def handle_endtag(self, tag: str) -> None:
        if self._level is not None and tag == f"h{self._level}":
            self.headings.append((self._level, squeeze("".join(self._text))))
            self._level = None

    def handle_data(self, data: str) -> None:
        if self._level is not None:
            self._text.append(data)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


@pytest.fixture(scope="module")
def athens_docx(project: Path) -> Path:
    require_executable("pandoc")
    require_executable("rsvg-convert")
    out = project.parent / "docx"
    run("export", "docx", "athens", "--project", str(project), "--out", str(out))
    return out / "athens"


@pytest.mark.parametrize("document", ["prevention-plan", "governance-charter", "resource-directory"])
def test_slow_docx_has_the_html_headings_as_word_headings(project: Path, athens_docx: Path, document: str) -> None:
    import docx

    from cityframe.checks.report import assess
    from cityframe.render.html import render_city

    report = assess(Project(project), "athens")
    page = render_city(report.city, report, edition="public", pdf=False)[f"{document}.html"]
    parser = Outline()
    parser.feed(page)
    word = docx.Document(str(athens_docx / f"{document}.docx"))
    outline = [(int(p.style.name.removeprefix("Heading ")), squeeze(p.text)) for p in word.paragraphs
               if p.style.name in ("Heading 1", "Heading 2", "Heading 3")]
    assert len(parser.headings) > 3
    assert outline == parser.headings
    assert word.core_properties.title == html.unescape(re.search(r"<title>(.*?)</title>", page)[1])
    assert word.core_properties.language == re.search(r'<html lang="([^"]+)"', page)[1]
    header_tables = [t for t in word.tables if "<w:tblHeader" in t._tbl.xml]
    assert len(header_tables) == page.count("<thead")
    for table in header_tables:  # the header row, first in the table, repeats on every page
        assert "<w:tblHeader" in table.rows[0]._tr.xml
    if "<ol" in page or "<ul" in page:
        assert any(p._p.pPr is not None and p._p.pPr.numPr is not None for p in word.paragraphs)


def test_slow_docx_charts_are_pictures_with_alt_text_and_the_bytes_repeat(project: Path, athens_docx: Path) -> None:
    import docx

    word = docx.Document(str(athens_docx / "prevention-plan.docx"))
    shapes = list(word.inline_shapes)
    assert len(shapes) == 3
    for shape in shapes:
        assert shape._inline.graphic.graphicData.pic.blipFill.blip.embed  # a picture, not an empty frame
        description = shape._inline.docPr.get("descr")
        assert description.startswith("Figure ") and "data:" not in description
    with zipfile.ZipFile(athens_docx / "prevention-plan.docx") as package:
        media = [n for n in package.namelist() if n.startswith("word/media/")]
        assert media and all(n.endswith(".png") for n in media)
        assert "dcterms:created" not in package.read("docProps/core.xml").decode()
        assert '<w:pgSz w:h="15840" w:w="12240"' in package.read("word/document.xml").decode()  # US Letter
        assert "<w:tblBorders>" in package.read("word/styles.xml").decode()  # tables with grid lines
    again = project.parent / "docx-again"
    run("export", "docx", "athens", "--project", str(project), "--out", str(again))
    for name in ("prevention-plan.docx", "governance-charter.docx", "resource-directory.docx"):
        assert (again / "athens" / name).read_bytes() == (athens_docx / name).read_bytes(), name


def test_docx_without_pandoc_is_a_clear_error(project: Path, tmp_path: Path) -> None:
    import os
    import sys

    done = subprocess.run([*CITYFRAME, "export", "docx", "athens", "--project", str(project), "--out",
                           str(tmp_path)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PATH": str(Path(sys.executable).parent)})
    assert done.returncode == 1
    assert "error: 'cityframe export docx' needs pandoc, which is not installed" in done.stderr
    assert "apt-get install -y pandoc librsvg2-bin" in done.stderr
    assert not (tmp_path / "athens").exists()


# --- every export, public edition -------------------------------------------------------------------------------


def docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as package:
        parts = [package.read(n).decode("utf-8") for n in package.namelist() if n.endswith((".xml", ".rels"))]
    return html.unescape(re.sub(r"<[^>]+>", " ", "\n".join(parts))) + "\n".join(parts)


@pytest.mark.parametrize("slug", CITIES)
def test_slow_no_export_holds_an_internal_value(project: Path, slug: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run("export", "hsds", slug, "--project", str(project), "--out", str(out))
    run("export", "json", slug, "--project", str(project), "--out", str(out))
    if slug == "test-city" and shutil.which("pandoc") and shutil.which("rsvg-convert"):
        run("export", "docx", slug, "--project", str(project), "--out", str(out))
    files = [p for p in (out / slug).rglob("*") if p.is_file()]
    assert any(p.suffix == ".csv" for p in files) and any(p.name == "framework.json" for p in files)
    secrets, _ = secrets_of(Project(project), slug)
    if slug == "test-city":
        assert len(secrets) >= 6
    leaks = [f"{s.value!r} ({s.where}) is in {p.relative_to(out)}" for p in files
             for text in [docx_text(p) if p.suffix == ".docx" else p.read_text(encoding="utf-8")]
             for s in secrets if found_in(s.value, text)]
    assert not leaks, "\n".join(leaks)


def test_export_of_a_city_with_errors_writes_nothing(scratch_project, tmp_path: Path) -> None:
    proj = scratch_project("athens")
    done = run("export", "json", "athens", "--project", str(proj.root), "--out", str(proj.cities_dir), check=False)
    assert done.returncode == 2 and "inside the project's cities/ folder" in done.stderr
    path = proj.cities_dir / "athens" / "resources.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("category: crisis-line", "category: hotline", 1),
                    encoding="utf-8")
    for kind in ("hsds", "json"):
        done = run("export", kind, "athens", "--project", str(proj.root), "--out", str(tmp_path / "out"),
                   check=False)
        assert done.returncode == 1
        assert re.search(r"cities/athens/resources\.yaml:\d+:\d+: .*category", done.stdout + done.stderr)
    assert not (tmp_path / "out").exists()
    done = run("export", "hsds", "nowhere", "--project", str(proj.root), check=False)
    assert done.returncode == 2 and "there is no city 'nowhere'" in done.stderr
