"""What a city types is what its documents say: text kept as written, contacts checked and written one way."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from cityframe.data.load import load_city
from cityframe.data.project import Project
from cityframe.errors import DataError
from conftest import CITYFRAME

VALID = Path(__file__).parent / "bad_inputs" / "_valid-city"


def valid_city(tmp_path: Path, **edits: list[tuple[str, str]]) -> Project:
    """A copy of the valid test city as ``fuzzville``, with (old, new) text replacements per file."""
    root = tmp_path / "project"
    shutil.copytree(VALID, root / "cities" / "fuzzville")
    for name, pairs in edits.items():
        path = root / "cities" / "fuzzville" / f"{name.replace('_', '-')}.yaml"
        text = path.read_text(encoding="utf-8")
        for old, new in pairs:
            assert old in text, (name, old)
            text = text.replace(old, new, 1)
        path.write_text(text, encoding="utf-8")
    return Project(root)


def build_html(project: Project, edition: str = "public") -> dict[str, str]:
    out = project.root / "out"
    done = subprocess.run([*CITYFRAME, "build", "fuzzville", "--project", str(project.root), "--out", str(out),
                           "--format", "html", "--edition", edition], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return {p.name: p.read_text(encoding="utf-8") for p in (out / "fuzzville").glob("*.html")}


def findings(project: Project) -> list[str]:
    with pytest.raises(DataError) as caught:
        load_city(project, "fuzzville")
    return [str(f) for f in caught.value.findings]


# --- issue 11 item 1: text kept as written -------------------------------------------------------------------


def test_text_fields_keep_the_characters_written(tmp_path: Path) -> None:
    project = valid_city(
        tmp_path,
        city=[('version: "1.0"', "version: 1.10"), ('baseline: "31% (2024 survey)"', "baseline: 1:30")],
        governance=[("reference: Resolution 2025-12", "reference: 0417")],
        resources=[('phones: [{number: "785-555-0100", type: voice}]',
                    'phones: [{number: "785-555-0100", type: voice}]\n    location_type: physical\n'
                    "    address: {address_1: 1 Main St, city: Fuzzville, state_province: KS, postal_code: 02142}\n"
                    "    cost: 1e3\n    hours: +1")])
    city = load_city(project, "fuzzville")
    assert city.profile.plan.version == "1.10"
    assert city.governance.steering_group.authority.reference == "0417"
    assert city.profile.plan.goals[0].objectives[0].baseline == "1:30"
    local = city.resources.resources[0]
    assert local.address is not None and local.address.postal_code == "02142"
    assert (local.cost, local.hours) == ("1e3", "+1")
    pages = "\n".join(build_html(project).values())
    for written in ("1.10", "0417", "1:30", "02142", "1e3"):
        assert written in pages, written
    for changed in (">271", ">90<", "1122", "1000.0"):
        assert changed not in pages, changed


def test_number_fields_refuse_numbers_yaml_reads_differently(tmp_path: Path) -> None:
    project = valid_city(tmp_path, city=[("population: 23849", "population: 0x1F")],
                         governance=[("per_year: 4", "per_year: on")])
    found = findings(project)
    assert any("city.population: '0x1F' is read by YAML as the hexadecimal number 31 (write it in ordinary "
               "digits: 31)" in f for f in found), found
    assert any("per_year: 'on' is read by YAML as true/false, not as a number" in f for f in found), found


def test_the_national_catalog_keeps_text_as_written() -> None:
    from cityframe.data.load import load_catalog

    catalog, problems = load_catalog()
    assert not problems
    assert catalog["crisis-text-line"].phones[0].number == "741741"
