"""Language editions from the command line: build --lang es|all, their folders, links, languages and dates."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from conftest import CITYFRAME, REPO, require_executable


def cityframe(*args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CITYFRAME, *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Albuquerque built in every edition (HTML only): the folder build/albuquerque."""
    out = tmp_path_factory.mktemp("editions")
    done = cityframe("build", "albuquerque", "--project", str(REPO), "--out", str(out), "--format", "html",
                     "--lang", "all")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "albuquerque (es): built" in done.stdout
    return out / "albuquerque"


def test_lang_all_writes_both_editions_and_indexes_that_link_them(both: Path) -> None:
    for page in ("index.html", "prevention-plan.html", "governance-charter.html", "resource-directory.html"):
        assert (both / page).is_file() and (both / "es" / page).is_file()
    english = (both / "index.html").read_text(encoding="utf-8")
    spanish = (both / "es" / "index.html").read_text(encoding="utf-8")
    assert '<a href="es/index.html" hreflang="es">Español</a>' in english
    assert '<a href="../index.html" hreflang="en">English</a>' in spanish
    assert '<html lang="en">' in english and '<html lang="es">' in spanish


def test_a_translated_page_says_which_version_is_authoritative_and_links_it(both: Path) -> None:
    plan = (both / "es" / "prevention-plan.html").read_text(encoding="utf-8")
    assert "Esta es una traducción. La versión en inglés es la oficial" in plan
    assert '<a href="../prevention-plan.html" hreflang="en" lang="en">English</a>' in plan
    assert "Esta es una traducción" not in (both / "prevention-plan.html").read_text(encoding="utf-8")


def test_the_spanish_plan_has_the_citys_spanish_and_marks_its_english(both: Path) -> None:
    plan = (both / "es" / "prevention-plan.html").read_text(encoding="utf-8")
    assert "Índice" in plan or "Contenido" in plan
    assert "Plan de Prevención" in plan
    assert "15 de marzo de 2027" in plan  # the adoption date, in Spanish
    # A text the city has not translated shows the English, inside an element that says so.
    assert re.search(r'<(span|div) lang="en">', plan)
    # No element ever lands where only text may go: an attribute value or the <title>.
    assert not re.search(r'="[^"]*<span', plan)
    title = re.search(r"<title>(.*?)</title>", plan, re.S)
    assert title is not None and "<" not in title[1]


def test_a_language_without_words_or_without_an_edition_is_refused(tmp_path: Path) -> None:
    done = cityframe("build", "albuquerque", "--project", str(REPO), "--out", str(tmp_path), "--lang", "fr")
    assert done.returncode == 2
    assert "cannot write an edition in 'fr'" in done.stdout + done.stderr
    done = cityframe("build", "athens", "--project", str(REPO), "--out", str(tmp_path), "--format", "html",
                     "--lang", "es")
    assert done.returncode == 1
    assert "athens (es): not built: city.yaml names no 'es' edition (add the line 'languages:" in done.stdout
    assert not (tmp_path / "athens").exists()


def test_an_english_build_alone_links_no_missing_spanish_pages(tmp_path: Path) -> None:
    done = cityframe("build", "albuquerque", "--project", str(REPO), "--out", str(tmp_path), "--format", "html")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "es/index.html" not in (tmp_path / "albuquerque" / "index.html").read_text(encoding="utf-8")


def test_check_lang_es_on_stamford_lists_what_is_untranslated_at_file_and_line() -> None:
    done = cityframe("check", "stamford", "--project", str(REPO), "--lang", "es", timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    untranslated = [line for line in done.stdout.splitlines() if "has no Spanish (es) translation" in line]
    for line in untranslated:
        assert re.match(r"cities/stamford/[a-z-]+\.yaml:\d+:\d+: warning: ", line), line


def test_slow_the_spanish_pdfs_are_in_spanish_with_lang_es(tmp_path: Path) -> None:
    pikepdf = pytest.importorskip("pikepdf")
    pdftotext = require_executable("pdftotext")
    done = cityframe("build", "albuquerque", "--project", str(REPO), "--out", str(tmp_path), "--lang", "es",
                     "--format", "pdf", "-j", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    folder = tmp_path / "albuquerque" / "es"
    for name in ("prevention-plan.pdf", "governance-charter.pdf", "resource-directory.pdf"):
        with pikepdf.open(folder / name) as pdf:
            assert str(pdf.Root.Lang) == "es", name
    text = subprocess.run([pdftotext, str(folder / "prevention-plan.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Plan de Prevención" in text and "15 de marzo de 2027" in text
    assert "Esta es una traducción." in text
    assert "Page 1 of" not in text and "Página" in text


def test_every_page_links_its_other_editions(both: Path) -> None:
    english = (both / "resource-directory.html").read_text(encoding="utf-8")
    assert 'Other languages: <a href="es/resource-directory.html" hreflang="es" lang="es">Español</a>' in english
    spanish = (both / "es" / "governance-charter.html").read_text(encoding="utf-8")
    assert 'Otros idiomas: <a href="../governance-charter.html" hreflang="en" lang="en">English</a>' in spanish


def test_an_edition_cityframe_has_no_words_for_is_refused_by_lang_all(scratch_project, tmp_path: Path) -> None:
    project = scratch_project("albuquerque")
    path = project.cities_dir / "albuquerque" / "city.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("editions: [en, es]", "editions: [en, es, fr]"),
                    encoding="utf-8")
    done = cityframe("build", "albuquerque", "--project", str(project.root), "--out", str(tmp_path), "--format",
                     "html", "--lang", "all")
    assert done.returncode == 1
    assert "albuquerque (fr): not built: cityframe cannot write an edition in 'fr' yet" in done.stdout
    assert (tmp_path / "albuquerque" / "es" / "index.html").is_file()  # the others are built
    assert not (tmp_path / "albuquerque" / "fr").exists()
