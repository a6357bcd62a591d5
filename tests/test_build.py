"""cityframe build: exit codes, files written, nothing lost, deterministic output.

The first part replaces render_city with small HTML written here (fast, independent of the templates); the
end-to-end part at the bottom builds cities/athens with the real templates once per module.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

import cityframe.build
import cityframe.render.pdf
from cityframe.build import build_city, output_name, remove_stale_temporaries, shared_assets, write_files
from cityframe.checks.sections import documents, reports
from cityframe.cli import app
from cityframe.data.project import Project
from cityframe.errors import CityframeError, UsageError
from cityframe.scaffold import new_city
from conftest import REPO

runner = CliRunner()
PAGES = ("index.html", "prevention-plan.html", "governance-charter.html", "resource-directory.html")
PDFS = ("prevention-plan.pdf", "governance-charter.pdf", "resource-directory.pdf")
ATHENS_PAGES = (*PAGES, "progress-report.html")  # Athens has progress data, so its build adds the progress report
ATHENS_PDFS = (*PDFS, "progress-report.pdf")
TEMPORARY = re.compile(r"^\.(.+)\.tmp-(\d+)-[0-9a-f]+$")


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def snapshot(folder: Path) -> dict[str, str]:
    """Every file in a folder (temporaries included) by name, with its sha256."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def small_pages(city, report, edition="public") -> dict[str, str]:
    """Stands in for render_city: one small complete HTML document per page, with the city's name."""
    return {name: (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{city.name} {name}</title>'
                   f"</head><body><h1>{name}</h1><p>{edition} edition of {city.name}.</p></body></html>")
            for name in PAGES}


@pytest.fixture
def testville(tmp_path: Path) -> Project:
    """A project with one scaffolded city: valid data, every section missing."""
    project = Project(tmp_path / "project")
    (project.cities_dir).mkdir(parents=True)
    new_city(project, "testville", "Testville", "KS")
    return project


@pytest.fixture
def stub_render(monkeypatch: pytest.MonkeyPatch):
    def render(report, edition, pdf=True, editions=None):
        return small_pages(report.city, report, edition)

    monkeypatch.setattr(cityframe.build, "_render_html", render)


# --- exit codes and messages, through the CLI ---------------------------------------------------------------


def test_invalid_data_exits_1_with_the_finding_and_writes_nothing(testville: Project) -> None:
    city_yaml = testville.cities_dir / "testville" / "city.yaml"
    city_yaml.write_text(city_yaml.read_text().replace("  status: draft ", "  status: maybe "))
    result = run("build", "testville", "--project", testville.root)
    assert result.exit_code == 1
    assert re.search(r"cities/testville/city\.yaml:\d+:\d+: plan\.status: 'maybe' is not one of", result.output)
    assert "nothing written" in result.output
    assert not (testville.root / "build").exists()


def test_strict_refuses_incomplete_data_with_the_missing_sections(testville: Project) -> None:
    result = run("build", "testville", "--strict", "--project", testville.root)
    assert result.exit_code == 1
    for doc in documents():
        for section in doc.sections:
            assert f"{section.id} {section.title}" in result.output
    assert not (testville.root / "build").exists()


def test_incomplete_data_builds_a_draft_and_exits_0(testville: Project, stub_render: None) -> None:
    result = run("build", "testville", "--format", "html", "--project", testville.root)
    assert result.exit_code == 0, result.output
    assert "DRAFT" in result.output
    assert sorted(snapshot(testville.root / "build" / "testville")) == sorted(PAGES)


def test_out_inside_cities_is_refused(testville: Project, tmp_path: Path) -> None:
    inside = testville.cities_dir / "testville" / "out"
    result = run("build", "testville", "--out", inside, "--project", testville.root)
    assert result.exit_code == 2
    assert "inside the project's cities/ folder" in result.output
    assert not inside.exists()
    link = tmp_path / "innocent-looking"
    link.symlink_to(testville.cities_dir, target_is_directory=True)
    with pytest.raises(UsageError, match="cities/ folder"):
        build_city(testville, "testville", out=link)
    assert sorted(p.name for p in testville.cities_dir.iterdir()) == ["testville"]


def test_out_can_be_anywhere_else(testville: Project, tmp_path: Path, stub_render: None) -> None:
    out = tmp_path / "elsewhere" / "site"
    result = build_city(testville, "testville", formats="html", out=out)
    assert result.ok and result.draft
    assert result.outputs == [out / "testville" / name for name in sorted(PAGES)]


def test_the_internal_edition_never_overwrites_the_public_one(testville: Project, stub_render: None) -> None:
    assert output_name("prevention-plan.pdf", "internal") == "prevention-plan-internal.pdf"
    assert output_name("index.html", "public") == "index.html"
    build_city(testville, "testville", formats="html")
    public = snapshot(testville.root / "build" / "testville")
    result = build_city(testville, "testville", formats="html", edition="internal")
    assert result.ok
    folder = testville.root / "build" / "testville"
    assert sorted(p.name for p in result.outputs) == sorted(output_name(n, "internal") for n in PAGES)
    assert "internal edition" in (folder / "index-internal.html").read_text()
    assert {name: digest for name, digest in snapshot(folder).items() if name in public} == public


# --- nothing lost -------------------------------------------------------------------------------------------


def test_a_failing_html_render_leaves_the_previous_files_byte_identical(
        testville: Project, stub_render: None, monkeypatch: pytest.MonkeyPatch) -> None:
    assert build_city(testville, "testville", formats="html").ok
    folder = testville.root / "build" / "testville"
    before = snapshot(folder)

    def broken(report, edition, pdf=True, editions=None):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(cityframe.build, "_render_html", broken)
    with pytest.raises(RuntimeError, match="template exploded"):
        build_city(testville, "testville", formats="html", force=True)  # unchanged input would not render
    assert snapshot(folder) == before


def test_a_city_whose_pages_do_not_render_does_not_stop_the_next_city(
        testville: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    new_city(testville, "otherville", "Otherville", "KS")

    def render(report, edition, pdf=True, editions=None):
        if report.slug == "otherville":
            raise CityframeError("templates/plan/cover.html:3: unknown variable 'maor'")
        return small_pages(report.city, report, edition)

    monkeypatch.setattr(cityframe.build, "_render_html", render)
    result = run("build", "--all", "--format", "html", "--project", testville.root)
    assert result.exit_code == 1
    assert "otherville: not built: templates/plan/cover.html:3: unknown variable 'maor'" in result.output
    assert not (testville.root / "build" / "otherville").exists()
    assert sorted(snapshot(testville.root / "build" / "testville")) == sorted(PAGES)


def test_a_pdf_that_fails_in_a_worker_leaves_every_previous_file_byte_identical(
        testville: Project, stub_render: None, monkeypatch: pytest.MonkeyPatch) -> None:
    assert build_city(testville, "testville").ok  # real (small) PDFs, two worker processes
    folder = testville.root / "build" / "testville"
    before = snapshot(folder)
    assert sorted(before) == sorted(PAGES + PDFS)
    real = cityframe.render.pdf.render_pdf

    def fails_on_the_charter(html: str, **options):
        if "governance-charter" in html:
            raise ValueError("WeasyPrint gave up")
        return real(html, **options)

    # The workers are forked when the build starts, after this patch, so they render with it.
    monkeypatch.setattr(cityframe.render.pdf, "render_pdf", fails_on_the_charter)
    city_yaml = testville.cities_dir / "testville" / "city.yaml"
    city_yaml.write_text(city_yaml.read_text().replace("name: Testville", "name: Newville"))
    with pytest.raises(ValueError, match="WeasyPrint gave up"):
        build_city(testville, "testville")
    assert snapshot(folder) == before


def test_files_are_written_through_unique_temporaries_then_replaced(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "plan.pdf").write_bytes(b"old plan")
    replaced: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(source, target):
        if not replaced:  # every temporary is complete before the first file is replaced
            temporaries = {p.name: p.read_bytes() for p in tmp_path.iterdir() if TEMPORARY.match(p.name)}
            assert sorted(temporaries.values()) == [b"new index", b"new plan"]
        replaced.append((Path(source).name, Path(target).name))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", spy)
    written = write_files(tmp_path, {"plan.pdf": b"new plan", "index.html": b"new index"})
    assert written == [tmp_path / "plan.pdf", tmp_path / "index.html"]
    assert [target for _, target in replaced] == ["plan.pdf", "index.html"]
    for source, target in replaced:
        match = TEMPORARY.match(source)
        assert match and match[1] == target and int(match[2]) == os.getpid()
    assert sorted(snapshot(tmp_path)) == ["index.html", "plan.pdf"]
    assert (tmp_path / "plan.pdf").read_bytes() == b"new plan"


def test_a_failed_write_changes_no_file_and_leaves_no_temporary(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("a.html", "b.pdf"):
        (tmp_path / name).write_bytes(b"old " + name.encode())
    before = snapshot(tmp_path)
    calls = []
    real_fsync = os.fsync

    def disk_full_on_the_second_file(descriptor: int) -> None:
        calls.append(descriptor)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", disk_full_on_the_second_file)
    with pytest.raises(OSError, match="No space left"):
        write_files(tmp_path, {"a.html": b"new a", "b.pdf": b"new b"})
    assert snapshot(tmp_path) == before


def test_stale_temporaries_of_dead_builds_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    live = os.getppid()
    (tmp_path / f".plan.pdf.tmp-{dead.pid}-0a1b2c3d").write_bytes(b"half a pl")
    (tmp_path / f".plan.pdf.tmp-{live}-0a1b2c3d").write_bytes(b"being writ")
    (tmp_path / ".notes.txt").write_bytes(b"not ours")
    removed = remove_stale_temporaries(tmp_path)
    assert [p.name for p in removed] == [f".plan.pdf.tmp-{dead.pid}-0a1b2c3d"]
    assert sorted(snapshot(tmp_path)) == [".notes.txt", f".plan.pdf.tmp-{live}-0a1b2c3d"]


def test_names_with_folders_are_written_inside_and_dot_dot_is_refused(tmp_path: Path) -> None:
    assert write_files(tmp_path, {"fonts/a.ttf": b"font"}) == [tmp_path / "fonts" / "a.ttf"]
    for name in ("../escape.html", "/etc/escape", "fonts/../../escape"):
        with pytest.raises(ValueError, match="not a file name inside"):
            write_files(tmp_path / "out", {name: b"x"})
    assert not (tmp_path / "escape.html").exists()


def test_shared_assets_are_the_files_the_css_uses_inside_the_templates(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    (templates / "fonts").mkdir(parents=True)
    (templates / "fonts" / "Sans.ttf").write_bytes(b"font bytes")
    (templates / "fonts" / "OFL.txt").write_text("licence")
    (tmp_path / "secret.txt").write_text("secret")
    page = ('<style>@font-face { src: url(fonts/Sans.ttf) } @font-face { src: url("fonts/Sans.ttf#x") }'
            "a { background: url(../secret.txt) } b { background: url(/etc/passwd) }"
            "i { background: url(data:image/png;base64,AAAA) } u { background: url(https://example.org/x.png) }"
            "s { background: url(fonts/missing.ttf) }</style>")
    assert shared_assets([page], templates) == {"fonts/Sans.ttf": b"font bytes", "fonts/OFL.txt": b"licence"}


def _writer(folder: str, content: bytes, rounds: int) -> None:
    for _ in range(rounds):
        write_files(Path(folder), {"plan.pdf": content, "index.html": content[:1000]})


def test_two_builds_writing_at_once_never_leave_a_partial_file(tmp_path: Path) -> None:
    versions = [bytes([65 + i]) * 400_000 for i in range(2)]  # 400 KB each: a torn file would show
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_writer, args=(str(tmp_path), content, 40)) for content in versions]
    for writer in writers:
        writer.start()
    while any(w.is_alive() for w in writers):
        for name, expected in (("plan.pdf", versions), ("index.html", [v[:1000] for v in versions])):
            try:
                content = (tmp_path / name).read_bytes()
            except FileNotFoundError:
                continue
            assert content in expected, f"{name} is partial or mixed ({len(content)} bytes)"
    for writer in writers:
        writer.join()
        assert writer.exitcode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html", "plan.pdf"]


# --- end to end: the real templates and cities/athens --------------------------------------------------------


@pytest.fixture(scope="module")
def athens_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One CLI build of a copy of cities/athens, then a second into the same folder (for determinism)."""
    root = tmp_path_factory.mktemp("athens") / "project"
    shutil.copytree(REPO / "cities" / "athens", root / "cities" / "athens")
    out = root.parent / "out"
    first = run("build", "athens", "--out", out, "--project", root)
    folder = out / "athens"
    first_files = snapshot(folder) if folder.is_dir() else {}
    second = run("build", "athens", "--out", out, "--project", root)
    return {"first": first, "second": second, "folder": folder, "first_files": first_files,
            "second_files": snapshot(folder) if folder.is_dir() else {}}


def test_athens_builds_every_page_and_pdf(athens_build: dict) -> None:
    result = athens_build["first"]
    assert result.exit_code == 0, result.output
    assert sorted(athens_build["first_files"]) == sorted(ATHENS_PAGES + ATHENS_PDFS)
    assert "DRAFT" not in result.output


def test_two_builds_in_a_row_are_byte_identical(athens_build: dict) -> None:
    assert athens_build["second"].exit_code == 0, athens_build["second"].output
    assert athens_build["second_files"] == athens_build["first_files"]


def _text(pdf: Path) -> str:
    reader = PdfReader(pdf)
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@pytest.mark.parametrize("doc", documents() + reports(), ids=lambda doc: doc.id)
def test_each_pdf_has_every_section_heading_and_is_tagged(athens_build: dict, doc) -> None:
    pdf = athens_build["folder"] / f"{doc.id}.pdf"
    text = _text(pdf).replace("\u00ad", "")
    for section in doc.sections:
        assert " ".join(section.title.split()) in text, f"{doc.id}: no heading '{section.title}'"
    with pikepdf.open(pdf) as document:
        assert "/StructTreeRoot" in document.Root
        assert bool(document.Root.MarkInfo.Marked) is True
        assert str(document.Root.Lang).startswith("en")
        assert bool(document.Root.ViewerPreferences.DisplayDocTitle) is True
        title = str(document.docinfo.get("/Title", ""))
        assert doc.title in title
        assert document.open_metadata().get("dc:title") == title
    assert PdfReader(pdf).outline, "bookmarks from the headings"


@pytest.mark.parametrize("doc", documents() + reports(), ids=lambda doc: doc.id)
def test_each_pdf_contents_entry_gives_the_page_its_section_starts_on(athens_build: dict, doc) -> None:
    pages = [" ".join((page.extract_text() or "").split()) for page in
             PdfReader(athens_build["folder"] / f"{doc.id}.pdf").pages]
    contents = next(text for text in pages if text.startswith("Contents") or " Contents " in text[:80])
    assert ". . ." not in contents, "no leader dots for a screen reader to read out"
    for number, section in enumerate(doc.sections, 1):
        heading = f"{number} {' '.join(section.title.split())}"
        found = re.search(rf"(?<!\d){re.escape(heading)} (\d+)", contents)
        assert found, f"{doc.id}: the contents do not list '{heading}' with a page number"
        page = int(found.group(1))
        assert heading in pages[page - 1], f"{doc.id}: '{heading}' is not on page {page}, where the contents say"


def test_the_index_page_has_no_pdf_and_every_page_finds_its_fonts(athens_build: dict) -> None:
    folder = athens_build["folder"]
    assert not (folder / "index.pdf").exists()
    for page in ATHENS_PAGES:
        for reference in re.findall(r"url\(['\"]?([^'\")]+)['\"]?\)", (folder / page).read_text()):
            if ":" not in reference:
                assert (folder / reference).is_file(), f"{page} refers to {reference}, missing from the output"


def test_the_internal_edition_of_athens_is_written_beside_the_public_one(athens_build: dict) -> None:
    folder = athens_build["folder"]
    before = snapshot(folder)
    project = folder.parent.parent / "project"
    result = run("build", "athens", "--format", "html", "--edition", "internal", "--out", folder.parent,
                 "--project", project)
    assert result.exit_code == 0, result.output
    after = snapshot(folder)
    assert {name: after[name] for name in before} == before
    assert sorted(set(after) - set(before)) == sorted(output_name(name, "internal") for name in ATHENS_PAGES)


def test_a_scaffolded_city_builds_as_a_draft_with_the_real_templates(testville: Project) -> None:
    result = run("build", "testville", "--format", "html", "--project", testville.root)
    assert result.exit_code == 0, result.output
    assert "DRAFT" in result.output
    assert sorted(snapshot(testville.root / "build" / "testville")) == sorted(PAGES)


def test_pdfs_fetch_nothing_but_their_fonts(athens_build: dict) -> None:
    for line in athens_build["first"].output.splitlines():
        assert "refused to fetch" not in line, line
