"""Incremental and parallel builds: only what changed is rendered, and -j never changes a byte."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

import cityframe.build
from cityframe.build import build_cities, build_city
from cityframe.build_state import STATE_FOLDER
from cityframe.data.project import Project
from cityframe.scaffold import new_city
from conftest import REPO

PDFS = ["governance-charter.pdf", "prevention-plan.pdf", "resource-directory.pdf"]


def snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def millbrook(tmp_path: Path) -> Project:
    """A project with the small complete example city."""
    project = Project(tmp_path / "project")
    project.cities_dir.mkdir(parents=True)
    shutil.copytree(REPO / "examples" / "minimal" / "cities" / "minimal", project.cities_dir / "millbrook")
    return project


@pytest.fixture
def counted_pdfs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every PDF rendered in this process (the builds below use -j 1), by its HTML's title."""
    import cityframe.render.pdf

    rendered: list[str] = []
    real = cityframe.render.pdf.render_pdf_collecting

    def counting(html: str, **options):
        rendered.append(html.split("<title>", 1)[1].split("</title>", 1)[0])
        return real(html, **options)

    monkeypatch.setattr(cityframe.render.pdf, "render_pdf_collecting", counting)
    return rendered


def test_slow_a_second_build_with_nothing_changed_renders_nothing(millbrook: Project, counted_pdfs: list[str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    first = build_city(millbrook, "millbrook", workers=1)
    assert first.ok and len(counted_pdfs) == 3 and [n for n in first.rendered if n.endswith(".pdf")] == PDFS
    folder = first.folder
    assert folder is not None and not (folder / STATE_FOLDER).exists()  # the record is beside, not in, the folder
    before = snapshot(folder)

    def no_render(*args, **kwargs):
        raise AssertionError("rendered HTML although nothing changed")

    monkeypatch.setattr(cityframe.build, "_render_html", no_render)
    again = build_city(millbrook, "millbrook", workers=1)
    assert again.ok and again.rendered == [] and len(counted_pdfs) == 3
    assert "up to date, nothing rendered" in again.message
    assert snapshot(folder) == before


def test_slow_editing_one_resource_renders_the_directory_only(millbrook: Project, counted_pdfs: list[str]) -> None:
    assert build_city(millbrook, "millbrook", workers=1).ok
    counted_pdfs.clear()
    resources = millbrook.cities_dir / "millbrook" / "resources.yaml"
    text = resources.read_text(encoding="utf-8")
    assert "description: " in text
    resources.write_text(text.replace("description: ", "description: Updated. ", 1), encoding="utf-8")
    result = build_city(millbrook, "millbrook", workers=1)
    assert result.ok
    assert [title for title in counted_pdfs] == [t for t in counted_pdfs if "Resource Directory" in t] != []
    assert result.up_to_date == ["governance-charter.pdf", "prevention-plan.pdf"]


def test_slow_editing_a_template_re_renders_the_documents_that_use_it(millbrook: Project,
                                                                     counted_pdfs: list[str]) -> None:
    assert build_city(millbrook, "millbrook", workers=1).ok
    counted_pdfs.clear()
    override = millbrook.cities_dir / "millbrook" / "templates" / "charter"
    override.mkdir(parents=True)
    source = (cityframe.build.builtin_templates_dir() / "charter").glob("*.html")
    first = sorted(source)[0]
    (override / first.name).write_text(first.read_text(encoding="utf-8") + "\n<p>Amended locally.</p>\n",
                                       encoding="utf-8")
    result = build_city(millbrook, "millbrook", workers=1)
    assert result.ok
    assert len(counted_pdfs) == 1 and "Governance Charter" in counted_pdfs[0]
    assert result.up_to_date == ["prevention-plan.pdf", "resource-directory.pdf"]


def test_a_damaged_output_or_record_is_rebuilt_never_trusted(millbrook: Project) -> None:
    assert build_city(millbrook, "millbrook", formats="html").ok
    folder = millbrook.root / "build" / "millbrook"
    good = snapshot(folder)
    (folder / "index.html").write_text("edited by hand", encoding="utf-8")
    assert build_city(millbrook, "millbrook", formats="html").rendered != []
    assert snapshot(folder) == good
    record = millbrook.root / "build" / STATE_FOLDER / "millbrook.json"
    record.write_text("{not json", encoding="utf-8")
    assert build_city(millbrook, "millbrook", formats="html").rendered != []
    assert json.loads(record.read_text(encoding="utf-8"))["format"] == 1
    assert build_city(millbrook, "millbrook", formats="html", force=True).rendered != []
    assert snapshot(folder) == good


def test_slow_j2_output_is_byte_identical_to_j1(tmp_path: Path) -> None:
    project = Project(tmp_path / "project")
    project.cities_dir.mkdir(parents=True)
    shutil.copytree(REPO / "examples" / "minimal" / "cities" / "minimal", project.cities_dir / "millbrook")
    new_city(project, "testville", "Testville", "KS")
    one = build_cities(project, ["millbrook", "testville"], out=tmp_path / "j1", workers=1)
    two = build_cities(project, ["millbrook", "testville"], out=tmp_path / "j2", workers=2)
    assert [r.ok for r in one + two] == [True] * 4
    for slug in ("millbrook", "testville"):
        assert snapshot(tmp_path / "j1" / slug) == snapshot(tmp_path / "j2" / slug)
        assert len([n for n in snapshot(tmp_path / "j2" / slug) if n.endswith(".pdf")]) == 3


def test_j_must_be_a_positive_number(millbrook: Project) -> None:
    from typer.testing import CliRunner

    from cityframe.cli import app

    result = CliRunner().invoke(app, ["build", "millbrook", "-j", "0", "--project", str(millbrook.root)])
    assert result.exit_code == 2
    assert "-j takes a number of processes of 1 or more, not 0" in result.output
