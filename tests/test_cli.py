"""The CLI as city staff and CI use it: exit codes, messages, and files written or left alone."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cityframe import __version__
from cityframe.checks.sections import documents
from cityframe.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert __version__ in result.output


def test_every_command_help_has_an_example():
    for command in ("new", "check", "list", "schema", "build", "catalog"):
        result = run(command, "--help")
        assert result.exit_code == 0, command
        assert "Example: cityframe" in result.output, command


def test_new_then_check_lists_every_required_section_as_missing(tmp_path: Path):
    project = tmp_path / "proj"
    (project / "cities").mkdir(parents=True)
    assert run("new", "testville", "--name", "Testville", "--state", "KS", "--project", project).exit_code == 0
    result = run("check", "testville", "--project", project)
    assert result.exit_code == 1
    for doc in documents():
        for section in doc.sections:
            assert f"MISSING  {section.id:<4}{section.title}" in result.output
    assert "completeness: 0%" in result.output


def test_new_refuses_to_overwrite_and_changes_nothing(tmp_path: Path):
    project = tmp_path / "proj"
    (project / "cities").mkdir(parents=True)
    assert run("new", "testville", "--name", "Testville", "--state", "KS", "--project", project).exit_code == 0
    city_yaml = project / "cities" / "testville" / "city.yaml"
    city_yaml.write_text(city_yaml.read_text() + "# my edit\n")
    before = {p: p.read_bytes() for p in (project / "cities").rglob("*") if p.is_file()}
    result = run("new", "testville", "--name", "Other", "--state", "OH", "--project", project)
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert {p: p.read_bytes() for p in (project / "cities").rglob("*") if p.is_file()} == before


def test_new_starts_a_project_in_an_empty_folder(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("new", "stamford", "--name", "Stamford", "--state", "ct")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cities" / "stamford" / "city.yaml").exists()
    assert "state: CT" in (tmp_path / "cities" / "stamford" / "city.yaml").read_text()
    assert (tmp_path / "schemas" / "city.schema.json").exists()


def test_new_in_a_workshop_asks_for_the_name_and_state(tmp_path: Path, monkeypatch):
    """`cityframe new st-louis` at a terminal asks, offering the folder name in words as the city's name."""
    monkeypatch.setattr("cityframe.cli._interactive", lambda: True)
    (tmp_path / "cities").mkdir()
    result = runner.invoke(app, ["new", "st-louis", "--project", str(tmp_path)], input="St. Louis\nmo\n")
    assert result.exit_code == 0, result.output
    assert "[St Louis]" in result.output
    text = (tmp_path / "cities" / "st-louis" / "city.yaml").read_text()
    assert "name: St. Louis\n" in text and "state: MO\n" in text


def test_new_asks_nothing_for_a_city_that_exists(tmp_path: Path, monkeypatch):
    monkeypatch.setattr("cityframe.cli._interactive", lambda: True)
    (tmp_path / "cities").mkdir()
    assert run("new", "testville", "--name", "Testville", "--state", "KS", "--project", tmp_path).exit_code == 0
    result = runner.invoke(app, ["new", "testville", "--project", str(tmp_path)], input="")
    assert result.exit_code == 1
    assert "already exists" in result.output and "City name" not in result.output


def test_new_without_a_terminal_names_the_city_from_its_folder_but_needs_the_state(tmp_path: Path):
    (tmp_path / "cities").mkdir()
    result = run("new", "overland-park", "--project", tmp_path)
    assert result.exit_code == 2
    assert "the state is missing" in result.output and "--state" in result.output
    assert list((tmp_path / "cities").iterdir()) == []
    assert run("new", "overland-park", "--state", "ks", "--project", tmp_path).exit_code == 0
    text = (tmp_path / "cities" / "overland-park" / "city.yaml").read_text()
    assert "name: Overland Park\n" in text and "state: KS\n" in text


def test_new_rejects_a_bad_slug_with_usage_exit_code(tmp_path: Path):
    (tmp_path / "cities").mkdir()
    for slug in ("../etc", "Stamford", "new york"):
        result = run("new", slug, "--name", "X", "--state", "CT", "--project", tmp_path)
        assert result.exit_code == 2, slug
        assert "not a valid city name" in result.output
    assert list((tmp_path / "cities").iterdir()) == []


def test_check_unknown_city_and_bad_option_are_usage_errors(new_city):
    project = new_city()
    result = run("check", "nowhere", "--project", project.root)
    assert result.exit_code == 2
    assert "there is no city 'nowhere'" in result.output
    assert "testville" in result.output  # the hint lists the known cities
    assert "did you mean 'testville'?" in run("check", "testvile", "--project", project.root).output
    assert run("check", "testville", "--format", "xml", "--project", project.root).exit_code == 2


def test_check_outside_a_project_is_a_usage_error(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("check", "athens")
    assert result.exit_code == 2
    assert "no 'cities/' folder" in result.output


def test_check_json_is_stable_and_parses(new_city):
    project = new_city()
    result = run("check", "--all", "--format", "json", "--project", project.root)
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["format"] == 1
    assert payload["ok"] is False
    (city,) = payload["cities"]
    assert city["slug"] == "testville"
    assert city["valid"] is True and city["complete"] is False
    assert [d["id"] for d in city["documents"]] == ["prevention-plan", "governance-charter", "resource-directory"]
    section = city["documents"][0]["sections"][0]
    assert section["id"] == "P1" and section["title"] == "Document control"
    assert section["status"] == "missing"
    assert "the next review date" in section["missing"]
    assert section["files"] == ["city.yaml"]


def test_check_json_reports_errors_with_locations(new_city):
    project = new_city(stakeholders="stakeholders:\n  - id: city-hall\n    name: City Hall\n    kind: goverment\n")
    payload = json.loads(run("check", "testville", "--format", "json", "--project", project.root).stdout)
    (error,) = payload["cities"][0]["errors"]
    assert error["file"] == "cities/testville/stakeholders.yaml"
    assert (error["line"], error["col"]) == (4, 11)
    assert error["path"] == "stakeholders[0].kind"
    assert "local-government" in error["message"]


def test_check_text_names_the_city_once_while_its_data_does_not_validate(new_city):
    project = new_city(stakeholders="stakeholders:\n  - id: city-hall\n    name: City Hall\n    kind: goverment\n")
    result = run("check", "testville", "--project", project.root)
    assert result.exit_code == 1
    assert result.output.startswith("cities/testville/stakeholders.yaml:4:11: stakeholders[0].kind: ")
    assert "\ntestville: 1 error(s), 0 warning(s)\n" in result.output
    assert "fix the errors above to see which sections are filled in" in result.output


def test_list_shows_cities_with_completeness(new_city):
    project = new_city()
    result = run("list", "--project", project.root)
    assert result.exit_code == 0
    assert "testville" in result.output and "0%" in result.output


def test_schema_writes_one_draft07_schema_per_file(tmp_path: Path):
    result = run("schema", "--out", tmp_path / "schemas")
    assert result.exit_code == 0
    files = sorted(p.name for p in (tmp_path / "schemas").iterdir())
    assert files == sorted(f"{n}.schema.json" for n in (
        "city", "governance", "stakeholders", "risk-landscape", "interventions", "resources"))
    schema = json.loads((tmp_path / "schemas" / "interventions.schema.json").read_text())
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert "$defs" not in json.dumps(schema)
    assert schema["definitions"]["Intervention"]["additionalProperties"] is False


def test_scaffold_points_editors_at_the_schemas(new_city):
    project = new_city()
    first_line = (project.cities_dir / "testville" / "city.yaml").read_text().splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=../../schemas/city.schema.json"
    assert (project.root / "schemas" / "city.schema.json").exists()
