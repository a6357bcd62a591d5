"""A city's templates and assets are untrusted (issue 13): links, file reads, attachments, limits, output folders.

The scenarios that can be committed (a recursive override, a missing include, 'A' * 400000000 ...) are in
tests/bad_inputs/template-*; those that need links, a measured process or the PDF step are made here.
"""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest

from cityframe.data.project import Project
from conftest import CITYFRAME
from test_bad_inputs import assert_no_traceback, measure, reported, run

VALID = Path(__file__).parent / "bad_inputs" / "_valid-city"
INTERNAL = ("785-555-0142", "prefers calls before 10 am", "785-555-0177", "coordinator-private@fuzzville.example")
"""Values marked internal in _valid-city: none may reach a public output, whatever a template does."""
OVERRIDE = Path("templates/plan/foreword.html")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with the complete, valid city 'valid' (which has internal contacts)."""
    import shutil

    root = tmp_path / "project"
    (root / "cities").mkdir(parents=True)
    shutil.copytree(VALID, root / "cities" / "valid")
    (root / "cities" / "valid" / "templates" / "plan").mkdir(parents=True)
    return root


def cityframe(*args: str, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CITYFRAME, *args], capture_output=True, text=True, timeout=timeout)


def assert_nothing_internal(*texts: str, folder: Path | None = None) -> None:
    outputs = list(texts)
    if folder is not None and folder.exists():
        outputs += [p.read_bytes().decode("latin-1") for p in folder.rglob("*") if p.is_file()]
    for output in outputs:
        for value in INTERNAL:
            assert value not in output


@pytest.mark.parametrize("target", ["/etc/passwd", "../../stakeholders.yaml"])
def test_an_override_that_is_a_link_is_a_located_error_in_check_and_build(project: Path, target: str) -> None:
    override = project / "cities" / "valid" / OVERRIDE
    override.symlink_to(target)
    expected = (f"cities/valid/templates/plan/foreword.html: is a link (to {target}); a template or asset must be an "
                "ordinary file inside the templates/ folder (replace the link with a copy of the file itself; links "
                "are refused so that no template can show a data file or a system file)")
    code, stdout, stderr = run("check", "valid", "--project", str(project))
    assert_no_traceback(stdout, stderr)
    assert code == 1
    assert reported(stdout, stderr) == expected
    done = cityframe("build", "valid", "--project", str(project), "--format", "html")
    assert done.returncode == 1
    assert expected in done.stdout
    assert "root:x:0" not in done.stdout + done.stderr
    assert_nothing_internal(done.stdout, done.stderr, folder=project / "build")
    assert not (project / "build" / "valid" / "prevention-plan.html").exists()


def test_an_include_or_stylesheet_that_is_a_link_is_refused_when_used(project: Path) -> None:
    """A linked file that only an include or inline_asset names is refused too, at render time."""
    templates = project / "cities" / "valid" / "templates"
    (templates / "plan" / "contacts.html").symlink_to("../../stakeholders.yaml")
    (templates / OVERRIDE.relative_to("templates")).write_text('<p>Ours.</p>\n{% include "plan/contacts.html" %}\n')
    code, stdout, stderr = run("check", "valid", "--project", str(project))
    assert code == 1
    assert "cities/valid/templates/plan/contacts.html: is a link (to ../../stakeholders.yaml)" in stdout
    (templates / OVERRIDE.relative_to("templates")).write_text(
        '<style>{{ inline_asset("stakeholders.yaml") }}</style>\n')
    (templates / "plan" / "contacts.html").unlink()
    code, stdout, stderr = run("check", "valid", "--project", str(project))
    assert code == 1
    assert reported(stdout, stderr).startswith("cities/valid/templates/plan/foreword.html:1:1: uses the template "
                                               "'stakeholders.yaml', which does not exist")
    assert_nothing_internal(stdout, stderr)


def test_a_templates_folder_that_is_a_link_is_refused(project: Path) -> None:
    templates = project / "cities" / "valid" / "templates"
    templates.rename(project / "elsewhere")
    templates.symlink_to(project / "elsewhere")
    code, stdout, stderr = run("check", "valid", "--project", str(project))
    assert code == 1
    assert reported(stdout, stderr).startswith(
        f"cities/valid/templates: is a link (to {project / 'elsewhere'}); the templates/ folder must be an ordinary "
        "folder")


def test_an_attachment_made_at_render_time_is_refused_before_the_pdf(project: Path) -> None:
    """The words 'rel="attachment"' need not be in the file: the built page is checked before any PDF."""
    stakeholders = (project / "cities" / "valid" / "stakeholders.yaml").as_uri()
    (project / "cities" / "valid" / OVERRIDE).write_text(
        '{% extends "builtin:plan/foreword.html" %}\n{% block foreword %}'
        '<a rel="{{ "attach" ~ "ment" }}" href="{{ "fi" ~ "le:' + stakeholders[5:] + '" }}">x</a>{% endblock %}\n')
    done = cityframe("build", "valid", "--project", str(project), "--format", "pdf")
    assert done.returncode == 1, done.stdout + done.stderr
    assert ('valid: not built: prevention-plan.pdf: a template in cities/valid/templates makes an <a> element with '
            'rel="attachment", which would embed a file in the PDF; documents embed no files') in done.stdout
    assert_nothing_internal(done.stdout, done.stderr, folder=project / "build")
    assert not (project / "build" / "valid").exists()


def test_the_pdf_fetcher_serves_only_fonts_and_pictures_from_the_template_folders(project: Path) -> None:
    from cityframe.data.project import builtin_templates_dir
    from cityframe.render.pdf import RefusedURL, url_fetcher

    city = project / "cities" / "valid"
    templates = city / "templates"
    (templates / "fonts").mkdir()
    (templates / "fonts" / "Contacts.ttf").write_bytes((city / "stakeholders.yaml").read_bytes())
    (templates / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    (templates / "entities.svg").write_text('<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>')
    fetch = url_fetcher([builtin_templates_dir(), templates]).fetch
    for refused in (city / "stakeholders.yaml", city / "city.yaml", templates / "fonts" / "Contacts.ttf",
                    templates / "entities.svg", Path("/etc/passwd")):
        with pytest.raises(RefusedURL):
            fetch(refused.as_uri())
    assert fetch((templates / "logo.png").as_uri()).read().startswith(b"\x89PNG")
    assert fetch((builtin_templates_dir() / "fonts" / "NotoSans-Regular.ttf").as_uri()).read()[:4] == b"\0\1\0\0"


def test_a_pdf_with_attachments_and_file_urls_embeds_no_data_file(project: Path) -> None:
    """Belt and braces: even HTML that slipped past the checks gets no city file into the PDF."""
    pikepdf = pytest.importorskip("pikepdf")
    import io

    from cityframe.data.project import builtin_templates_dir
    from cityframe.render.pdf import render_pdf_collecting

    stakeholders = (project / "cities" / "valid" / "stakeholders.yaml").as_uri()
    html = (f'<html lang="en"><head><title>t</title><link rel="attachment" href="{stakeholders}"></head><body>'
            f'<p><a rel="attachment" href="{stakeholders}">contacts</a></p><img src="{stakeholders}" alt="x">'
            f'<object data="{stakeholders}"></object></body></html>')
    pdf, warnings = render_pdf_collecting(html, base_url=builtin_templates_dir(),
                                          allowed_roots=[builtin_templates_dir(), project / "cities" / "valid"])
    assert_nothing_internal(pdf.decode("latin-1"))
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert len(document.attachments) == 0
    assert any("not a font or a picture" in w for w in warnings), warnings


@pytest.mark.parametrize("scenario", ["template-huge-string", "template-nested-loops"])
def test_slow_runaway_templates_end_fast_and_small(project: Path, scenario: str) -> None:
    """SLOW (a measured process): the acceptance bound is 30 s and 500 MB; a located error, exit 1."""
    scenario_file = Path(__file__).parent / "bad_inputs" / scenario / OVERRIDE
    (project / "cities" / "valid" / OVERRIDE).write_bytes(scenario_file.read_bytes())
    for command in ("check", "build"):
        extra = ["--format", "html"] if command == "build" else []
        code, elapsed, peak, output = measure(command, "valid", "--project", str(project), *extra)
        assert code == 1, output
        assert "cities/valid/templates/plan/foreword.html:" in output and "refused for safety" in output
        assert_no_traceback(output)
        assert elapsed < 30 and peak < 500, (elapsed, peak)


def test_the_time_budget_ends_a_slow_document_with_its_location(project: Path, monkeypatch) -> None:
    from cityframe.render import templates

    monkeypatch.setattr(templates, "RENDER_SECONDS", 0.3)
    (project / "cities" / "valid" / OVERRIDE).write_text(
        "<p>Ours.</p>\n{% for i in range(99999) %}{% for c in city.name * 20 %}{{ c|center(99) }}{% endfor %}"
        "{% endfor %}\n")
    code, stdout, stderr = run("check", "valid", "--project", str(project))
    assert code == 1
    assert reported(stdout, stderr).startswith(
        "cities/valid/templates/plan/foreword.html:2:1: refused for safety: rendering prevention-plan.html took "
        "longer than 0.3 seconds")


@pytest.mark.parametrize("text", [
    "{{ 'x'.ljust(400000000) }}", "{{ 'x'|center(400000000) }}", "{{ '%400000000s' % 'x' }}",
    "{{ '{:>400000000}'.format('x') }}", "{{ ('x' * 999999)|replace('x', 'xxxx') }}", "{{ [1] * 400000000 }}",
    "{{ ('x' * 999999) + ('x' * 999999) }}", "{{ 7 ** 99999999 }}", "{{ ('x' * 999999)|indent(999) }}",
    "{% set a = 'x' * 999999 %}{% set b %}{{a}}{{a}}{{a}}{{a}}{{a}}{% endset %}"
    "{% set c %}{{b}}{{b}}{{b}}{{b}}{{b}}{% endset %}{{ c }}",
])
def test_each_way_of_building_a_huge_value_is_refused_for_safety(project: Path, text: str) -> None:
    (project / "cities" / "valid" / OVERRIDE).write_text(text + "\n")
    code, stdout, stderr = run("check", "valid", "--project", str(project))
    assert code == 1
    assert reported(stdout, stderr).startswith("cities/valid/templates/plan/foreword.html:1:1: refused for safety")


def test_lipsum_is_not_offered(project: Path) -> None:
    (project / "cities" / "valid" / OVERRIDE).write_text("{{ lipsum(100000000) }}\n")
    code, stdout, _stderr = run("check", "valid", "--project", str(project))
    assert code == 1
    assert "uses a name that is not defined: 'lipsum' is undefined" in stdout


def test_check_passes_a_city_with_a_sound_override(project: Path) -> None:
    (project / "cities" / "valid" / OVERRIDE).write_text(
        '{% extends "builtin:plan/foreword.html" %}\n{% block foreword %}<p>Ours.</p>{{ super() }}{% endblock %}\n')
    code, stdout, stderr = run("check", "valid", "--project", str(project))
    assert code == 0, stdout + stderr


def test_a_build_never_writes_through_a_linked_sub_folder(project: Path) -> None:
    done = cityframe("build", "valid", "--project", str(project), "--format", "html")
    assert done.returncode == 0, done.stdout + done.stderr
    fonts = project / "build" / "valid" / "fonts"
    for path in fonts.iterdir():
        path.unlink()
    fonts.rmdir()
    fonts.symlink_to(project / "cities" / "valid", target_is_directory=True)
    before = sorted(p.name for p in (project / "cities" / "valid").iterdir())
    page = (project / "build" / "valid" / "prevention-plan.html").read_bytes()
    done = cityframe("build", "valid", "--project", str(project), "--format", "html")
    assert done.returncode == 1
    assert (f"valid: not built: refusing to write into {fonts}: it is a link (to {project / 'cities' / 'valid'}), "
            "and cityframe writes only inside the output folder") in done.stdout
    assert sorted(p.name for p in (project / "cities" / "valid").iterdir()) == before
    assert (project / "build" / "valid" / "prevention-plan.html").read_bytes() == page


@pytest.mark.parametrize("value", ["yesterday", "1.5e9", "", "-1"])
def test_a_source_date_epoch_that_is_not_a_number_is_a_usage_error(project: Path, value: str, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    code, stdout, stderr = run("build", "valid", "--project", str(project), "--format", "html")
    assert code == 2
    assert reported(stdout, stderr).startswith(f"error: the environment variable SOURCE_DATE_EPOCH is '{value}', "
                                               "not a number of seconds")


def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _file_too_large(*args, **kwargs):
    raise OSError(errno.EFBIG, os.strerror(errno.EFBIG))


@pytest.mark.parametrize("failure", [_disk_full, _file_too_large])
def test_a_write_failure_in_the_pdf_step_says_could_not_write(project: Path, failure, monkeypatch) -> None:
    """In this process and in the PDF workers (module-level functions, so that a worker can receive them)."""
    from cityframe.build import build_city
    from cityframe.render import pdf

    monkeypatch.setattr(pdf, "render_pdf_collecting", failure)
    strerror = os.strerror(errno.ENOSPC if failure is _disk_full else errno.EFBIG)
    result = build_city(Project(project), "valid", formats="pdf", workers=1)
    assert not result.ok
    assert result.message == (f"valid: not built: could not write build/valid: {strerror} (while making the "
                              "PDFs)\n  hint: free some disk space or raise the file size limit, then build again "
                              "(nothing written)")
    code, stdout, _stderr = run("build", "valid", "--project", str(project), "--format", "pdf")
    assert code == 1 and f"could not write build/valid: {strerror}" in stdout
    assert not (project / "build" / "valid").exists()
