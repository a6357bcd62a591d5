"""Notes for the data's editors: listed by ``check``, shown in the internal edition, never in the public one.

The acceptance test of issue 11 item 4 renders every pilot city's public edition (HTML, and the directory's PDF
through pdftotext in the slow test) and looks for the words editors write to each other.
"""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest

from cityframe.checks.report import assess
from cityframe.data.load import load_catalog
from cityframe.data.project import Project
from cityframe.render.html import render_city
from conftest import CITYFRAME, REPO, require_executable

EDITORS_WORDS = ("before publishing", "Do not publish", "misprint", "domain brief", "[U]")
PILOT_CITIES = Project(REPO).city_slugs()


def page_text(page: str) -> str:
    """What a reader sees: the HTML's text with entities decoded and white space squeezed."""
    text = re.sub(r"<style.*?</style>|<[^>]+>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(text))


def editors_words_in(text: str) -> list[str]:
    squeezed = re.sub(r"\s+", " ", text)
    return [w for w in EDITORS_WORDS if w.lower() in squeezed.lower()]


@pytest.mark.parametrize("slug", PILOT_CITIES)
def test_public_edition_of_every_pilot_city_holds_no_note_for_editors(slug: str) -> None:
    report = assess(Project(REPO), slug)
    assert report.city is not None, [str(f) for f in report.errors]
    pages = render_city(report.city, report, edition="public")
    for name, page in pages.items():
        assert editors_words_in(page_text(page)) == [], f"{slug}/{name}"


@pytest.mark.parametrize("slug", PILOT_CITIES)
def test_slow_public_directory_pdf_holds_no_note_for_editors(slug: str, tmp_path: Path) -> None:
    pdftotext = require_executable("pdftotext")
    out = tmp_path / "out"
    done = subprocess.run([*CITYFRAME, "build", slug, "--project", str(REPO), "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    text = subprocess.run([pdftotext, str(out / slug / "resource-directory.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert editors_words_in(text) == []


def test_the_catalog_keeps_its_notes_for_editors_apart_and_cites_public_sources() -> None:
    catalog, findings = load_catalog()
    assert findings == ()
    for resource in catalog.values():
        public = " ".join(filter(None, (resource.description, resource.status_note, resource.cost, resource.hours,
                                        *(p.description or "" for p in resource.phones))))
        assert editors_words_in(public) == [], resource.id
        if resource.source:
            cited = " ".join(filter(None, (resource.source.title, resource.source.publisher, resource.source.note)))
            assert "cityframe" not in cited.lower() and "domain brief" not in cited.lower(), resource.id
    assert any(r.editor_notes for r in catalog.values())


def test_check_all_lists_open_editor_notes_as_warnings_and_strict_fails() -> None:
    done = subprocess.run([*CITYFRAME, "check", "--all", "--project", str(REPO)], capture_output=True, text=True,
                          timeout=300)
    assert "Traceback" not in done.stderr
    assert re.search(r"warning: \S*editor_notes\[0\]: note for editors: ", done.stdout)
    assert re.search(r"warning: include\[\d+\]: the national entry '[a-z0-9-]+' has a note for editors: ",
                     done.stdout)
    assert re.search(r"^  \d+ notes? to resolve before publishing", done.stdout, re.M)
    strict = subprocess.run([*CITYFRAME, "check", "athens", "--strict", "--project", str(REPO)],
                            capture_output=True, text=True, timeout=300)
    assert strict.returncode == 1


NOTED_RESOURCE = """\
resources:
  - id: food-bank
    name: Millbrook Food Bank
    description: Free groceries for anyone who asks.
    category: get-support
    url: https://example.org/food
    last_verified: 2026-01-05
    editor_notes:
      - Ask the food bank whether Saturday hours continue before publishing.
"""


def test_a_note_for_editors_is_a_located_warning_shown_only_in_the_internal_edition(new_city) -> None:
    project = new_city("millbrook", resources=NOTED_RESOURCE)
    report = assess(project, "millbrook")
    assert report.valid, [str(f) for f in report.errors]
    assert [str(f) for f in report.editor_notes] == [
        "cities/millbrook/resources.yaml:9:9: warning: resources[0].editor_notes[0]: note for editors: Ask the "
        "food bank whether Saturday hours continue before publishing. (resolve it, then delete the note)"]
    assert report.city is not None
    public = render_city(report.city, report, edition="public")
    internal = render_city(report.city, report, edition="internal")
    assert all("Saturday hours" not in page for page in public.values())
    assert "Saturday hours" in internal["resource-directory.html"]
    assert "Notes to resolve before publishing" in internal["index.html"]
    assert "resources[0].editor_notes[0]" in internal["index.html"]


def test_check_counts_the_notes_and_strict_check_and_strict_build_fail_on_them(new_city, tmp_path: Path) -> None:
    project = new_city("millbrook", resources=NOTED_RESOURCE)
    args = ["--project", str(project.root)]
    plain = subprocess.run([*CITYFRAME, "check", "millbrook", *args], capture_output=True, text=True, timeout=120)
    assert "  1 note to resolve before publishing (listed above as warnings; --strict fails on them)" in plain.stdout
    strict = subprocess.run([*CITYFRAME, "check", "millbrook", "--strict", *args], capture_output=True, text=True,
                            timeout=120)
    assert strict.returncode == 1
    build = subprocess.run([*CITYFRAME, "build", "millbrook", "--strict", "--format", "html", "--out",
                            str(tmp_path / "out"), *args], capture_output=True, text=True, timeout=120)
    assert build.returncode == 1
    assert "1 note for editors to resolve before publishing" in build.stdout
    assert not (tmp_path / "out" / "millbrook" / "resource-directory.html").exists()


OWN_SOURCE = """\
resources:
  - id: food-bank
    name: Millbrook Food Bank
    description: Free groceries for anyone who asks.
    category: get-support
    url: https://example.org/food
    last_verified: 2026-01-05
    source:
      title: Food banks
      note: Cited in the cityframe domain brief.
"""


def test_a_source_that_is_this_projects_own_file_is_refused(new_city) -> None:
    project = new_city("millbrook", resources=OWN_SOURCE)
    report = assess(project, "millbrook")
    assert [str(f) for f in report.errors] == [
        "cities/millbrook/resources.yaml:9:7: resources[0].source: a source must be a public document a reader can "
        "look up, not cityframe's own files (cite the public document the fact comes from (title, publisher, url), "
        "and put remarks for editors under editor_notes:)"]


UNSOURCED = """\
resources:
  - id: food-bank
    name: Millbrook Food Bank
    description: Free groceries for anyone who asks.
    category: get-support
    url: https://example.org/food
    last_verified: 2026-01-05
"""


def test_an_entry_without_a_source_is_shown_as_unverified(new_city) -> None:
    project = new_city("millbrook", resources=UNSOURCED)
    report = assess(project, "millbrook")
    assert report.city is not None
    directory = page_text(render_city(report.city, report)["resource-directory.html"])
    assert "Checked Unverified: no published source is cited for these details." in directory
    assert "Last verified" not in directory
