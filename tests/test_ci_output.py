"""What check, list and catalog print for programs and CI: GitHub workflow commands and step summary, JUnit XML,
JSON with a published schema (the same story as the text), ids that are never cut, one set of exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from cityframe.data.project import Project
from conftest import CITYFRAME, REPO

SCHEMA = json.loads((REPO / "docs" / "check-output.schema.json").read_text(encoding="utf-8"))
BAD_LEAD = "lead: city-manager-ofice"


def run(*args: object, cwd: Path | None = None, env: dict[str, str] | None = None,
        columns: int | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    environment.update(env or {})
    if columns:
        environment["COLUMNS"] = str(columns)
    return subprocess.run([*CITYFRAME, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          env=environment, timeout=120)


@pytest.fixture
def bad_reference(scratch_project) -> tuple[Project, int, int]:
    """Athens with one intervention's lead misspelt: (project, line, column of the value)."""
    project = scratch_project("athens")
    path = project.cities_dir / "athens" / "interventions.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("    lead: athens-mayors-office\n", "    lead: athens-mayors-ofice\n", 1)
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    line = next(i for i, t in enumerate(lines, 1) if t == "    lead: athens-mayors-ofice")
    return project, line, lines[line - 1].index("athens-mayors-ofice") + 1


# --- GitHub Actions ---------------------------------------------------------------------------------------


def test_github_format_points_an_error_at_the_bad_reference(bad_reference) -> None:
    project, line, col = bad_reference
    done = run("check", "athens", "--format", "github", cwd=project.root)
    assert done.returncode == 1
    errors = [out for out in done.stdout.splitlines() if out.startswith("::error ")]
    assert errors == [
        f"::error file=cities/athens/interventions.yaml,line={line},col={col},title=cityframe%3A interventions[0]"
        ".lead::'athens-mayors-ofice' is not a stakeholder id; did you mean 'athens-mayors-office'?"]
    # Athens' open notes for editors are warnings (annotated as ::warning, not counted here).
    assert re.fullmatch(r"Athens \(athens\): 1 error\(s\), \d+ warning\(s\), 100% of required sections filled in "
                        r"\(complete\)", done.stdout.splitlines()[-1])


def test_github_format_names_paths_from_the_repository_root_and_escapes_messages(bad_reference) -> None:
    project, line, col = bad_reference
    done = run("check", "--all", "--format", "github", "--project", project.root, cwd=project.root.parent)
    assert f"::error file=project/cities/athens/interventions.yaml,line={line},col={col}," in done.stdout
    from cityframe.checks.ci import github_finding
    from cityframe.errors import Finding

    finding = Finding("cities/a.yaml", 3, 5, "x.y", "100% sure,\nreally", hint="a: b")
    assert github_finding(finding) == "::error file=cities/a.yaml,line=3,col=5,title=cityframe%3A x.y::100%25 " \
                                      "sure,%0Areally (hint: a: b)"
    warning = Finding("cities/a.yaml", 0, 0, "", "note", severity="warning")
    assert github_finding(warning) == "::warning file=cities/a.yaml,title=cityframe::note"
    assert github_finding(warning, strict=True).startswith("::error ")


def test_github_format_appends_the_completeness_table_to_the_step_summary(bad_reference, tmp_path: Path) -> None:
    project, _, _ = bad_reference
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    done = run("check", "athens", "--format", "github", cwd=project.root, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert done.returncode == 1
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## cityframe check\n")  # appended, never overwritten
    header = ("| City | Errors | Warnings | Prevention Plan | Governance Charter | Resource Directory | Overall "
              "| Ready |")
    assert header in text
    assert re.search(r"\| Athens \(athens\) \| 1 \| \d+ \| 100% \| 100% \| 100% \| 100% \| no \|", text)


def test_missing_sections_are_errors_on_the_file_to_edit_and_listed_in_the_summary(new_city, tmp_path: Path) -> None:
    """Missing sections are errors on the file to edit, and listed under the table."""
    scaffold = new_city("testville")
    summary = tmp_path / "summary.md"
    done = run("check", "testville", "--format", "github", cwd=scaffold.root, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert "::error file=cities/testville/city.yaml,title=cityframe%3A Prevention Plan P1 Document control is " \
           "missing::missing: " in done.stdout
    assert "| Testville (testville) | 0 | 0 | 0% | 0% | 0% | 0% | no |" in summary.read_text(encoding="utf-8")
    assert "- Testville (testville), Prevention Plan, P1 Document control: " in summary.read_text(encoding="utf-8")


def test_without_step_summary_nothing_is_written(bad_reference, tmp_path: Path) -> None:
    project, _, _ = bad_reference
    done = run("check", "athens", "--format", "github", cwd=project.root)
    assert "GITHUB_STEP_SUMMARY" not in done.stdout + done.stderr


# --- JUnit ------------------------------------------------------------------------------------------------


def test_junit_has_a_case_per_section_and_a_failure_per_error(bad_reference) -> None:
    project, line, _ = bad_reference
    broken = project.cities_dir / "athens"
    (project.cities_dir / "athens2").mkdir()
    for file in broken.iterdir():
        if file.is_file():
            (project.cities_dir / "athens2" / file.name).write_bytes(file.read_bytes())
    (project.cities_dir / "athens2" / "governance.yaml").write_text("steering_group: [\n", encoding="utf-8")
    done = run("check", "--all", "--format", "junit", cwd=project.root)
    assert done.returncode == 1
    root = ET.fromstring(done.stdout)
    assert root.tag == "testsuites"
    athens, athens2 = root.findall("testsuite")
    json_out = json.loads(run("check", "--all", "--format", "json", cwd=project.root).stdout)
    for suite, city in zip((athens, athens2), json_out["cities"], strict=True):
        failures = suite.findall("testcase/failure")
        sections = [s for d in city["documents"] for s in d["sections"]]
        assert len(failures) == len(city["errors"]) + sum(s["status"] == "missing" for s in sections)
        assert int(suite.get("failures")) == len(failures)
        assert int(suite.get("tests")) == len(suite.findall("testcase")) == len(sections) + len(city["errors"]) + len(
            city["warnings"])
    # Athens: 1 error, all 40 sections filled; athens2 does not load: its errors only.
    assert [f.get("message") for f in athens.findall("testcase/failure")] == [
        "'athens-mayors-ofice' is not a stakeholder id; did you mean 'athens-mayors-office'?"]
    assert athens.find("testcase[@line]").get("line") == str(line)
    assert len(athens.findall("testcase")) == 1 + len(json_out["cities"][0]["warnings"]) + sum(
        len(d["sections"]) for d in json_out["cities"][0]["documents"])
    assert athens2.findall("testcase") and all(c.get("classname") == "athens2.errors" for c in athens2.iter("testcase"))
    assert int(root.get("failures")) == sum(int(s.get("failures")) for s in root.findall("testsuite"))


# --- JSON, its schema and the docs ---------------------------------------------------------------------------


def _docs_example() -> dict:
    text = (REPO / "docs" / "data-format.md").read_text(encoding="utf-8")
    section = text[text.index("## `cityframe check --format json`"):]
    return json.loads(re.search(r"```json\n(.*?)```", section, re.S).group(1))


def test_check_json_validates_against_the_published_schema(bad_reference, new_city, repo_project) -> None:
    project, _, _ = bad_reference
    (project.cities_dir / "broken").mkdir()
    (project.cities_dir / "broken" / "city.yaml").write_text("city: {name: [\n", encoding="utf-8")
    outputs = [run("check", "--all", "--format", "json", cwd=project.root),
               run("check", "--all", "--format", "json", "--strict", cwd=project.root),
               run("check", "athens", "--format", "json", cwd=REPO)]
    for done in outputs:
        payload = json.loads(done.stdout)
        jsonschema.validate(payload, SCHEMA)
        assert payload["format_version"] == 1
        assert done.returncode == (0 if payload["ok"] else 1)
    cities = {c["slug"]: c for c in json.loads(outputs[0].stdout)["cities"]}
    assert cities["broken"]["loaded"] is False and cities["broken"]["documents"] == []
    assert cities["athens"]["loaded"] is True and cities["athens"]["valid"] is False
    # The schema is not a rubber stamp.
    bad = json.loads(outputs[0].stdout)
    bad["cities"][0]["documents"] = []
    bad["cities"][0]["loaded"] = True
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, SCHEMA)


def test_the_docs_example_is_what_check_prints_for_an_invalid_city(bad_reference) -> None:
    example = _docs_example()
    jsonschema.validate(example, SCHEMA)
    [documented] = example["cities"]
    project, _, _ = bad_reference
    printed = json.loads(run("check", "athens", "--format", "json", cwd=project.root).stdout)
    [city] = printed["cities"]
    assert list(example) == list(printed)
    assert list(documented) == list(city)
    assert list(documented["errors"][0]) == list(city["errors"][0])
    assert list(documented["documents"][0]) == list(city["documents"][0])
    assert list(documented["documents"][0]["sections"][0]) == list(city["documents"][0]["sections"][0])
    # The example tells the truth about an invalid city that loads: not valid, not ok, documents measured.
    assert documented["valid"] is city["valid"] is False
    assert documented["ok"] is city["ok"] is False
    assert documented["loaded"] is city["loaded"] is True
    assert documented["documents"] and city["documents"]


def test_text_and_json_say_the_same_thing(bad_reference) -> None:
    project, _, _ = bad_reference
    text = run("check", "athens", cwd=project.root).stdout
    [city] = json.loads(run("check", "athens", "--format", "json", cwd=project.root).stdout)["cities"]
    for finding in city["errors"]:
        assert f"{finding['file']}:{finding['line']}:{finding['col']}: {finding['path']}: {finding['message']}" in text
    assert f"Athens (athens): {len(city['errors'])} error(s), {len(city['warnings'])} warning(s)" in text
    for document in city["documents"]:
        assert f"  {document['title']}: {document['completeness']:g}% complete" in text
    assert "  completeness: 100% (complete)\n  not ready: fix the 1 error(s) above" in text
    assert city["complete"] is True and city["ok"] is False


# --- list and catalog ------------------------------------------------------------------------------------


@pytest.mark.parametrize("columns", [80, 100, 120])
def test_catalog_never_cuts_an_id(columns: int) -> None:
    from cityframe.data.load import load_catalog

    ids = list(load_catalog()[0])
    done = run("catalog", columns=columns)
    assert done.returncode == 0
    assert "…" not in "".join(line.split("│")[1] for line in done.stdout.splitlines() if line.count("│") > 2)
    cells = {line.split("│")[1].strip() for line in done.stdout.splitlines() if line.count("│") > 2}
    assert set(ids) <= cells
    assert max(len(line) for line in done.stdout.splitlines()) <= columns


def test_catalog_json_parses_and_holds_every_id_whole() -> None:
    from cityframe.data.load import load_catalog

    done = run("catalog", "--format", "json", columns=80)
    payload = json.loads(done.stdout)
    assert payload["format_version"] == 1
    assert [r["id"] for r in payload["resources"]] == list(load_catalog()[0])
    assert {"id", "name", "category", "geographic_scope", "states", "status", "last_verified"} <= set(
        payload["resources"][0])


def test_list_json_matches_check(repo_project) -> None:
    payload = json.loads(run("list", "--format", "json", cwd=REPO).stdout)
    check = {c["slug"]: c for c in json.loads(run("check", "--all", "--format", "json", cwd=REPO).stdout)["cities"]}
    assert [c["slug"] for c in payload["cities"]] == repo_project.city_slugs()
    for city in payload["cities"]:
        assert city["valid"] == check[city["slug"]]["valid"]
        assert city["completeness"] == check[city["slug"]]["completeness"]
        assert city["errors"] == len(check[city["slug"]]["errors"])


# --- exit codes --------------------------------------------------------------------------------------------


def test_exit_codes_are_documented_once_and_kept(bad_reference, tmp_path: Path) -> None:
    from cityframe.errors import ExitCode

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Exit codes"):]
    section = section[: section.index("\n## ", 1)] if "\n## " in section[1:] else section
    for code in ExitCode:
        assert f"| {code.value} |" in section
    project, _, _ = bad_reference
    assert run("check", "athens", cwd=REPO).returncode in (ExitCode.OK, ExitCode.FAILED)
    assert run("check", "athens", cwd=project.root).returncode == ExitCode.FAILED
    assert run("check", "nowhere", cwd=project.root).returncode == ExitCode.USAGE
    assert run("check", "--format", "yaml", cwd=project.root).returncode == ExitCode.USAGE
    (tmp_path / "empty").mkdir()
    assert run("check", "--all", cwd=tmp_path / "empty").returncode == ExitCode.USAGE
    # No git program: an environment failure, exit 3, in plain words.
    done = run("diff", "athens", cwd=project.root, env={"PATH": str(tmp_path / "empty")})
    assert done.returncode == ExitCode.INTERNAL
    assert "error: the 'git' program is not installed" in done.stderr


# --- pre-commit --------------------------------------------------------------------------------------------


def test_pre_commit_hook_checks_the_cities_of_the_changed_files(bad_reference) -> None:
    import shlex

    import yaml

    [hook] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "cityframe-check" and hook["pass_filenames"] is True
    files = re.compile(hook["files"])
    assert files.search("cities/athens/interventions.yaml") and files.search("examples/x/cities/a-b/logo.png")
    assert not files.search("README.md") and not files.search("src/cityframe/cli.py")

    config = yaml.safe_load((REPO / "examples" / "city-repo" / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for r in config["repos"] for h in r["hooks"]] == ["cityframe-check"]
    assert all(r["repo"] != "local" for r in config["repos"])

    # What pre-commit runs: the entry with the changed files; a city's file stands for its city.
    project, _, _ = bad_reference
    entry = shlex.split(hook["entry"])
    assert entry[0] == "cityframe"
    failing = run(*entry[1:], "cities/athens/interventions.yaml", "cities/athens/city.yaml", cwd=project.root)
    assert failing.returncode == 1 and failing.stdout.count("Athens (athens): 1 error(s)") == 1
    passing = run(*entry[1:], "cities/quillon/city.yaml", cwd=REPO / "examples" / "city-repo")
    assert passing.returncode == 0, passing.stdout + passing.stderr
    (project.root / "README.md").write_text("# Athens\n", encoding="utf-8")
    outside = run(*entry[1:], "README.md", cwd=project.root)
    assert outside.returncode == 2 and "'README.md' is not inside cities/" in outside.stderr
