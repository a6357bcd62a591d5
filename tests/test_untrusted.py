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
        "<p>Ours.</p>\n{% for i in range(99999) %}{% if (city.name * 20000)|wordcount < 0 %}.{% endif %}"
        "{% endfor %}\n")
    code, stdout, stderr = run("check", "valid", "--project", str(project))
    assert code == 1
    assert reported(stdout, stderr).startswith(
        "cities/valid/templates/plan/foreword.html:2:1: refused for safety: rendering prevention-plan.html took "
        "longer than 0.3 seconds")


def test_a_page_that_grows_too_large_is_located_in_the_citys_template(project: Path) -> None:
    """Slow work writes little; a loop that writes much is stopped by the page's size, at the city's line."""
    (project / "cities" / "valid" / OVERRIDE).write_text(
        "<p>Ours.</p>\n\n{% for i in range(99999) %}{% for c in city.name * 20 %}{{ c|center(99) }}{% endfor %}"
        "{% endfor %}\n")
    code, stdout, stderr = run("check", "valid", "--project", str(project))
    assert code == 1
    assert reported(stdout, stderr).startswith(
        "cities/valid/templates/plan/foreword.html:3:1: refused for safety: the page grew over 20,000,000 "
        "characters")


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


# --- nothing is cut or skipped silently (issue 13, item 4) ------------------------------------------------------


def test_600_open_brackets_in_a_block_text_lose_no_stakeholder(project: Path) -> None:
    """The guard against runaway brackets used to cut the file there and read the rest as if it were whole."""
    import yaml

    path = project / "cities" / "valid" / "stakeholders.yaml"
    text = path.read_text(encoding="utf-8")
    first = text.index("  - id: community-safety")
    block = "    notes:\n      - text: |\n          Brackets as typed: " + "[" * 600 + "\n          and more words.\n"
    text = text[:first] + "    description: >\n      " + "{" * 600 + "\n" + text[first:]
    path.write_text(text.replace("    notes:\n      - {text: \"Internal", block + "      - {text: \"Internal", 1),
                    encoding="utf-8")
    expected = [s["id"] for s in yaml.safe_load(path.read_text(encoding="utf-8"))["stakeholders"]]
    assert len(expected) == 3
    from cityframe.data.sources import read_yaml

    read = read_yaml(path, "stakeholders.yaml").data
    assert [s["id"] for s in read["stakeholders"]] == expected
    assert read["stakeholders"][0]["notes"][0]["text"].count("[") == 600


@pytest.mark.parametrize("text", [
    "# Don't edit the ids: other files use them.\nname: Lee's Summit\n",
    "name: O'Fallon\nnotes: it's [" + "a, " * 300 + "b]\n",
    "a: '" + "[" * 600 + "'\nb: \"" + "{" * 600 + "\"\nc: 1\n",
    "a: 1 # " + "[" * 600 + "\nb: 2\n",
    "a: see note [" + " and [" * 600 + "\nb: 2\n",
    "items:\n  - |\n    " + "[" * 600 + "\n  - >-\n      " + "{" * 600 + "\n  - last\nd: 1\n",
], ids=["apostrophes", "apostrophe-then-flow", "quoted", "comment", "plain-text", "block-texts"])
def test_the_bracket_guard_reads_every_valid_file_whole(tmp_path: Path, text: str) -> None:
    import yaml

    from cityframe.data.sources import read_yaml

    path = tmp_path / "file.yaml"
    path.write_text(text, encoding="utf-8")
    assert read_yaml(path, "file.yaml").data == yaml.safe_load(text)


def test_runaway_brackets_are_a_located_error_never_a_shorter_file(tmp_path: Path) -> None:
    from cityframe.data.sources import YamlError, read_yaml

    path = tmp_path / "file.yaml"
    path.write_text("a: " + "[" * 100_000 + "\nb: 2\n", encoding="utf-8")
    with pytest.raises(YamlError, match=r"file.yaml:1:43: a\[0\]\[0\]: the data is nested more than 40 levels deep"):
        read_yaml(path, "file.yaml")
    # Brackets the light reader counts but YAML reads as a plain text: stopped, located, never read in part.
    path.write_text("a: b\n  " + "[" * 600 + "\nc: 2\n", encoding="utf-8")
    with pytest.raises(YamlError) as error:
        read_yaml(path, "file.yaml")
    assert str(error.value).startswith("file.yaml:2:502: more than 500 brackets '[' or '{' are open here; "
                                       "cityframe stops here rather than read only part of the file")


@pytest.mark.parametrize("command", [["check", "--all"], ["list"], ["build", "--all", "--format", "html"]])
@pytest.mark.parametrize("stray", ["Springfield", "city.yml", "no-city-yaml"])
def test_every_folder_in_cities_is_a_city_or_an_error(project: Path, command: list[str], stray: str) -> None:
    folder = project / "cities" / ("Springfield" if stray == "Springfield" else "akron")
    folder.mkdir()
    if stray != "no-city-yaml":
        (folder / ("city.yaml" if stray == "Springfield" else "city.yml")).write_text("city:\n  name: Akron\n")
    (project / "cities" / "README.md").write_text("Our cities.\n")  # a file: not a folder, not a city
    (project / "cities" / ".git").mkdir()  # hidden: not a city either
    code, stdout, stderr = run(*command, "--project", str(project))
    assert_no_traceback(stdout, stderr)
    assert code == 1, stdout
    expected = {
        "Springfield": "cities/Springfield: the folder name is not a city name, so this folder is not read (rename "
                       "it to 'springfield': lowercase letters, digits and hyphens)",
        "city.yml": "cities/akron: there is a city.yml but no city.yaml, so this folder is not read (rename city.yml "
                    "to city.yaml, and every other .yml file to .yaml)",
        "no-city-yaml": "cities/akron: there is no city.yaml, so this folder is not a city (add the city's files "
                        "('cityframe new' writes them), or move the folder out of cities/)",
    }[stray]
    assert expected in stdout.splitlines()
    assert "1 folder(s) in cities/ are not read as cities" in stdout
    assert "README" not in stdout and ".git" not in stdout
    assert "valid" in stdout  # the real city is still checked, listed or built


def test_check_all_json_lists_the_folders_that_are_not_cities(project: Path) -> None:
    import json

    (project / "cities" / "Springfield").mkdir()
    code, stdout, _ = run("check", "--all", "--format", "json", "--project", str(project))
    assert code == 1
    payload = json.loads(stdout)
    assert payload["ok"] is False
    assert [f["file"] for f in payload["not_cities"]] == ["cities/Springfield"]


def test_the_missing_file_message_names_a_city_yml_beside_it(project: Path) -> None:
    folder = project / "cities" / "valid"
    (folder / "city.yaml").rename(folder / "city.yml")
    code, stdout, stderr = run("check", "valid", "--project", str(project))
    assert code == 1
    assert reported(stdout, stderr) == ("cities/valid/city.yaml: the file is missing, but there is a city.yml beside "
                                        "it (rename city.yml to city.yaml: cityframe reads only .yaml files)")


def test_terminal_output_never_prints_a_bidirectional_control(project: Path) -> None:
    (project / "cities" / "spring\u202efield").mkdir()
    code, stdout, stderr = run("check", "--all", "--project", str(project))
    assert code == 1
    assert "cities/spring\\u202efield: the folder name is not a city name" in stdout
    assert "\u202e" not in stdout + stderr


# --- what cityframe writes, it can read (issue 13, item 6; issue 11, item 7) -------------------------------------


REAL_NAMES = ["Lee's Summit", "O'Fallon", "Coeur d'Alene", "St. Cloud", "Española", "Winston-Salem",
              "Yes", "Null", "~", "- Springfield", "No: really", "#1 City", "\"Quoted\"", "Back\\slash", "&anchor",
              "*alias", "!tag", "@home", "%percent", "{curly}", "[square]", "|pipe", ">fold", "'single'", "TRUE",
              "0x1F", "1e3", "12:30", ".inf", "Ciudad de México", "Ōkuma", "Zürich Falls"]


@pytest.mark.parametrize("name", REAL_NAMES)
def test_new_writes_any_printable_name_so_that_check_reads_it_back(tmp_path: Path, name: str) -> None:
    (tmp_path / "cities").mkdir()
    code, stdout, stderr = run("new", "testville", "--name", name, "--state", "MO", "--project", str(tmp_path))
    assert code == 0, stdout + stderr
    assert_read_back(tmp_path, name)


def assert_read_back(root: Path, name: str) -> None:
    from cityframe.checks.report import assess

    report = assess(Project(root), "testville")
    assert report.errors == [], [str(f) for f in report.errors]
    assert report.city is not None
    assert report.city.name == name.strip()
    assert report.city.profile.plan.title == f"{name.strip()} Local Prevention Plan"


def test_lees_summit_as_the_issue_types_it(tmp_path: Path) -> None:
    (tmp_path / "cities").mkdir()
    code, stdout, stderr = run("new", "lees-summit", "--name", "Lee's Summit", "--state", "MO", "--project",
                               str(tmp_path))
    assert code == 0, stdout + stderr
    code, stdout, _ = run("check", "lees-summit", "--project", str(tmp_path))
    assert "Lee's Summit (lees-summit): 0 error(s)" in stdout


@pytest.mark.parametrize(("typed", "command"), [
    ("Lee's Summit", "lees-summit --name \"Lee's Summit\""), ("O'Fallon", "ofallon --name \"O'Fallon\""),
    ("Coeur d'Alene", "coeur-dalene --name \"Coeur d'Alene\""), ("St. Cloud", "st-cloud --name 'St. Cloud'"),
    ("Española", "espanola --name 'Española'")])
def test_a_name_typed_as_the_folder_gets_the_command_to_type(tmp_path: Path, typed: str, command: str) -> None:
    (tmp_path / "cities").mkdir()
    code, stdout, stderr = run("new", typed, "--state", "MO", "--project", str(tmp_path))
    assert code == 2
    assert reported(stdout, stderr) == (
        f"error: '{typed}' is not a valid city name\n  hint: the folder name uses lowercase letters, digits and "
        f"hyphens; for this city: cityframe new {command}")
    assert not (tmp_path / "cities").exists() or list((tmp_path / "cities").iterdir()) == []


@pytest.mark.parametrize("name", ["", "   ", "Spring\nfield", "Spring\u2028field: 1", "Spring\u0085field",
                                  "Spring\u202efield", "Spring\u200bfield", "Spring\x00field", "x" * 201])
def test_new_refuses_a_name_it_could_not_write_with_exit_2(tmp_path: Path, name: str) -> None:
    (tmp_path / "cities").mkdir()
    code, stdout, stderr = run("new", "testville", "--name", name, "--state", "MO", "--project", str(tmp_path))
    assert code == 2, stdout
    assert_no_traceback(stdout, stderr)
    assert "\u202e" not in stdout + stderr
    assert not (tmp_path / "cities" / "testville").exists()


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(derandomize=True, database=None, deadline=None, max_examples=60,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(name=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=40))
def test_fuzz_new_then_check(tmp_path_factory: pytest.TempPathFactory, name: str) -> None:
    """Any name: `new` either refuses it (exit 2, nothing written) or writes a city that `check` reads back whole."""
    root = tmp_path_factory.mktemp("fuzz")
    (root / "cities").mkdir()
    code, stdout, stderr = run("new", "testville", "--name", name, "--state", "MO", "--project", str(root))
    assert_no_traceback(stdout, stderr)
    if code == 2:
        assert not (root / "cities" / "testville").exists()
        return
    assert code == 0, stdout + stderr
    assert_read_back(root, name)


# --- rendering has limits: logos, long documents (issue 13, item 3) -----------------------------------------------


def _png(width: int, height: int) -> bytes:
    import struct
    import zlib

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(header)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)) + b"\0\0\0\0IEND\xaeB`\x82")


LOGOS = {
    "huge-pixels.png": (_png(100_000, 100_000), "is 100,000 by 100,000 pixels; a logo may be at most 10,000 pixels on "
                        "a side (a larger picture takes the PDF renderer gigabytes of memory)"),
    "not-a-png.png": (b"GIF89a" + b"\0" * 40, "is not a PNG file (its first bytes differ)"),
    "entities.svg": (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
                     b'<svg xmlns="http://www.w3.org/2000/svg">&b;</svg>',
                     "declares a DOCTYPE or entities, which the PDF renderer refuses (they can read files or explode)"),
    "external.svg": (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
                     b'<image xlink:href="stakeholders.yaml"/></svg>',
                     "refers to another file (stakeholders.yaml); a logo must hold its whole picture"),
    "wide.svg": (b'<svg xmlns="http://www.w3.org/2000/svg" width="90000000" height="10"></svg>',
                 "says it is 90,000,000 pixels wide"),
    "big.png": (_png(10, 10) + b"\0" * 2_100_000, "is 2.1 MB; a logo may be at most 2 MB (it is copied into every "
                "page)"),
}


@pytest.mark.parametrize("name", [*LOGOS, "pipe.png"])
def test_a_logo_the_renderer_would_refuse_is_a_located_error_in_check(project: Path, name: str) -> None:
    folder = project / "cities" / "valid"
    if name == "pipe.png":
        os.mkfifo(folder / name)
        problem = "is a pipe or a device, not a picture file"
    else:
        data, problem = LOGOS[name]
        (folder / name).write_bytes(data)
    city = folder / "city.yaml"
    city.write_text(city.read_text(encoding="utf-8").replace("  state: KS\n", f"  state: KS\n  logo: {name}\n", 1),
                    encoding="utf-8")
    line = city.read_text(encoding="utf-8").splitlines().index(f"  logo: {name}") + 1
    code, stdout, stderr = run("check", "valid", "--project", str(project))
    assert code == 1
    assert reported(stdout, stderr).startswith(f"cities/valid/city.yaml:{line}:9: city.logo: the logo '{name}' "
                                               f"{problem}")


def test_a_good_logo_passes(project: Path) -> None:
    folder = project / "cities" / "valid"
    (folder / "logo.png").write_bytes(_png(200, 100))
    (folder / "logo.svg").write_bytes(b'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">'
                                      b'<use href="#a"/><image href="data:image/png;base64,AAAA"/></svg>')
    city = folder / "city.yaml"
    for logo in ("logo.png", "logo.svg"):
        city.write_text(city.read_text(encoding="utf-8").replace("  state: KS\n", f"  state: KS\n  logo: {logo}\n",
                                                                 1), encoding="utf-8")
        code, stdout, _ = run("check", "valid", "--project", str(project))
        assert code == 0, stdout
        city.write_text(city.read_text(encoding="utf-8").replace(f"  logo: {logo}\n", ""), encoding="utf-8")


def test_a_document_of_hundreds_of_pages_gets_a_warning_with_the_figure(monkeypatch) -> None:
    from cityframe.data.project import builtin_templates_dir
    from cityframe.render import pdf

    monkeypatch.setattr(pdf, "MANY_PAGES", 3)
    html = ('<html lang="en"><head><title>t</title></head><body>'
            + "".join(f'<p style="break-after: page">Page {n}</p>' for n in range(4)) + "</body></html>")
    _, warnings = pdf.render_pdf_collecting(html, base_url=builtin_templates_dir(),
                                            allowed_roots=[builtin_templates_dir()])
    assert any(w.startswith("the document has 4 pages; a document of hundreds of pages is hard to read") for w in
               warnings), warnings
    monkeypatch.setattr(pdf, "MANY_PAGES", 5)
    assert pdf.render_pdf_collecting(html, base_url=builtin_templates_dir(),
                                     allowed_roots=[builtin_templates_dir()])[1] == []
