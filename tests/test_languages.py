"""Text per language: the authoritative text, translations with their file:line, and passages in another language."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from cityframe.checks.report import assess
from cityframe.data.languages import Passage
from cityframe.data.load import load_city
from cityframe.render.markup import render_inline, render_markdown
from conftest import CITYFRAME, REPO


def _set_vision(project, slug: str, text: str) -> Path:
    """Replace the city's plan vision (a one-line field) with ``text`` (YAML, indented under ``vision:``)."""
    path = project.cities_dir / slug / "city.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(n for n, line in enumerate(lines) if line.startswith("  vision:"))
    end = start + 1
    while end < len(lines) and lines[end].startswith("    "):
        end += 1
    lines[start:end] = [f"  vision:\n{text}"]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _add_languages(project, slug: str, block: str = "languages:\n  authoritative: en\n  editions: [en, es]\n") -> None:
    path = project.cities_dir / slug / "city.yaml"
    path.write_text(block + path.read_text(encoding="utf-8"), encoding="utf-8")


def test_a_text_per_language_gives_each_edition_its_own_text(scratch_project) -> None:
    project = scratch_project("athens")
    _add_languages(project, "athens")
    _set_vision(project, "athens",
                "    en: A city where everyone belongs.\n    es: Una ciudad donde todos pertenecen.\n")
    english = load_city(project, "athens")
    spanish = load_city(project, "athens", "es")
    assert english.profile.plan.vision == "A city where everyone belongs."
    assert type(english.profile.plan.vision) is str  # in its own language: no mark
    assert spanish.profile.plan.vision == "Una ciudad donde todos pertenecen."
    assert type(spanish.profile.plan.vision) is str
    # What has no Spanish falls back to the authoritative English, marked as English.
    foreword = spanish.profile.plan.foreword
    assert isinstance(foreword, Passage) and foreword.lang == "en"
    assert foreword == english.profile.plan.foreword
    assert spanish.lang == "es" and english.lang == "en"


def test_a_translation_keeps_what_the_city_wrote(scratch_project) -> None:
    project = scratch_project("athens")
    _add_languages(project, "athens")
    _set_vision(project, "athens", "    en: Version 1.10 of the vision\n    es: 1.10\n")
    assert load_city(project, "athens", "es").profile.plan.vision == "1.10"  # not the number 1.1


def test_a_key_that_is_not_a_language_code_is_located(scratch_project) -> None:
    project = scratch_project("athens")
    path = _set_vision(project, "athens", "    en: A city where everyone belongs.\n    Spanish: Una ciudad.\n")
    report = assess(project, "athens")
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "Spanish:" in text)
    assert any(f.line == line and f.path == "plan.vision.Spanish" and "'Spanish' is not a language code" in f.message
               and "es:" in (f.hint or "") for f in report.errors), [str(f) for f in report.errors]


def test_check_lang_lists_untranslated_prose_at_file_and_line(scratch_project) -> None:
    project = scratch_project("athens")
    _add_languages(project, "athens")
    path = _set_vision(project, "athens", "    en: A city where everyone belongs.\n    es: Una ciudad.\n")
    text = path.read_text().splitlines()
    run = [*CITYFRAME, "check", "athens", "--project", str(project.root), "--lang", "es"]
    done = subprocess.run(run, capture_output=True, text=True, timeout=120)
    foreword_line = next(n for n, line in enumerate(text, 1) if line.startswith("  foreword:"))
    assert f"cities/athens/city.yaml:{foreword_line}:" in done.stdout
    assert "plan.foreword: has no Spanish (es) translation" in done.stdout
    assert "plan.vision: has no Spanish" not in done.stdout  # translated
    assert "editor_notes" not in "".join(line for line in done.stdout.splitlines() if "translation" in line)
    assert done.returncode == 0, done.stdout + done.stderr  # warnings only
    strict = subprocess.run([*run, "--strict"], capture_output=True, text=True, timeout=120)
    assert strict.returncode == 1
    plain = subprocess.run(run[:-2], capture_output=True, text=True, timeout=120)
    assert "translation" not in plain.stdout  # the authoritative check does not ask for translations


def test_a_bad_lang_option_is_a_usage_error() -> None:
    done = subprocess.run([*CITYFRAME, "check", "athens", "--project", str(REPO), "--lang", "Spanish"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "'Spanish' is not a language code" in done.stdout + done.stderr


def test_passages_carry_their_language_in_html() -> None:
    assert str(render_markdown("Hello.\n\n{lang=es}\nHola.\n")) == '<p>Hello.</p>\n<p lang="es">Hola.</p>'
    assert '<ul lang="es">' in str(render_markdown("{lang=es}\n- uno\n- dos\n"))
    assert str(render_markdown(Passage("Hello.", "en"))) == '<div lang="en"><p>Hello.</p></div>'
    assert str(render_inline(Passage("Hello", "en"))) == '<span lang="en">Hello</span>'
    # Anything else in braces stays text, as written; so does a mark with a code that is not one.
    assert "{.note}" in str(render_markdown("{.note}\nText"))
    assert "{lang=Spanish}" in str(render_markdown("{lang=Spanish}\nTexto"))


def test_a_spanish_paragraph_in_athens_english_plan_is_marked_in_html_and_pdf(tmp_path: Path) -> None:
    """Athens' language-access statement ends with a Spanish tagline marked {lang=es}."""
    pikepdf = pytest.importorskip("pikepdf")
    out = tmp_path / "out"
    done = subprocess.run([*CITYFRAME, "build", "athens", "--project", str(REPO), "--out", str(out), "-j", "1"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    html = (out / "athens" / "prevention-plan.html").read_text(encoding="utf-8")
    assert '<html lang="en"' in html
    assert '<p lang="es">La Ciudad de Athens quiere que todas las personas' in html
    pdf = pikepdf.open(io.BytesIO((out / "athens" / "prevention-plan.pdf").read_bytes()))
    assert str(pdf.Root.Lang) == "en"
    spanish = []

    def walk(element) -> None:
        if element.get("/Lang") is not None:
            spanish.append((str(element.get("/S")), str(element.get("/Lang"))))
        kids = element.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") != "/MCR":
                walk(kid)

    walk(pdf.Root.StructTreeRoot)
    assert ("/P", "es") in spanish, spanish


def test_check_lang_lists_every_untranslated_text_and_hides_no_other_warning(scratch_project) -> None:
    """Athens has about 330 untranslated texts: all are listed, after the city's own warnings, uncapped."""
    project = scratch_project("athens")
    plain = assess(project, "athens")
    spanish = assess(project, "athens", lang="es")
    untranslated = [f for f in spanish.warnings if "has no Spanish (es) translation" in f.message]
    assert len(untranslated) > 150
    assert len(spanish.editor_notes) == len(plain.editor_notes) > 0
    assert not any("more problems not listed" in f.message for f in spanish.warnings)
    # Athens names no Spanish edition: check says that build would refuse it, at city.yaml.
    assert any("names no 'es' edition" in f.message and f.file.endswith("city.yaml") for f in spanish.warnings)


def test_an_empty_translation_falls_back_and_is_listed(scratch_project) -> None:
    project = scratch_project("athens")
    _add_languages(project, "athens")
    _set_vision(project, "athens", "    en: A city where everyone belongs.\n    es: \"\"\n")
    spanish = assess(project, "athens", lang="es")
    assert spanish.city is not None and spanish.complete
    vision = spanish.city.profile.plan.vision
    assert vision == "A city where everyone belongs." and isinstance(vision, Passage) and vision.lang == "en"
    assert any(f.path == "plan.vision" and "has no Spanish" in f.message for f in spanish.warnings)


@pytest.mark.parametrize("mark", ["{lang=ES}", "{ lang=es }", '{lang="es"}', "{lang=spanish}"])
def test_a_mistyped_language_mark_is_a_warning_at_its_line(scratch_project, mark: str) -> None:
    project = scratch_project("athens")
    path = project.cities_dir / "athens" / "city.yaml"
    text = path.read_text(encoding="utf-8")
    assert "      {lang=es}\n" in text
    path.write_text(text.replace("      {lang=es}\n", f"      {mark}\n", 1), encoding="utf-8")
    line = next(n for n, row in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if row.strip() == mark)
    found = [f for f in assess(project, "athens").warnings if "is not read as a language mark" in f.message]
    assert [(f.line, f.path) for f in found] == [(line, "plan.language_access.statement")], [str(f) for f in found]


def test_the_national_catalog_is_marked_english_in_a_spanish_edition() -> None:
    from cityframe.data.load import load_catalog

    english, _ = load_catalog()
    spanish, _ = load_catalog("es")
    entry = next(iter(spanish.values()))
    assert isinstance(entry.description, Passage) and entry.description.lang == "en"
    assert not isinstance(next(iter(english.values())).description, Passage)


def test_a_language_code_is_the_whole_text() -> None:
    from cityframe.data.languages import is_language_code

    assert is_language_code("es") and is_language_code("es-MX") and is_language_code("zh-Hans")
    assert not is_language_code("es\n") and not is_language_code("ES") and not is_language_code(" es")
