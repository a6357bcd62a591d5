"""cityframe's own words through gettext: complete catalogs, Spanish pages without English template text, dates."""

from __future__ import annotations

import datetime as dt
import html
import importlib.machinery
import importlib.util
import io
import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations

from cityframe.checks.report import assess
from cityframe.data.project import Project
from cityframe.render import i18n
from cityframe.render.html import render_city
from cityframe.render.progress import parse_period, render_progress_report
from cityframe.render.templates import join_words, with_article

REPO = Path(__file__).resolve().parent.parent
LOCALE = REPO / "src" / "cityframe" / "locale"
SPANISH_PO = LOCALE / "es" / "LC_MESSAGES" / "cityframe.po"


def load_script():
    """scripts/i18n as a module (it has no .py suffix)."""
    path = REPO / "scripts" / "i18n"
    loader = importlib.machinery.SourceFileLoader("cityframe_i18n_script", str(path))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@cache
def fresh_msgids() -> frozenset:
    """The msgids of a fresh extraction from the templates, the render code and the sections manifest."""
    script = load_script()
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "fresh.pot"
        script.extract(target)
        with target.open("rb") as handle:
            return frozenset(m.id for m in read_po(handle) if m.id)


def spanish_catalog():
    with SPANISH_PO.open("rb") as handle:
        return read_po(handle)


@cache
def athens() -> tuple:
    report = assess(Project(REPO), "athens")
    assert report.valid, [str(f) for f in report.errors]
    return report.city, report


# --- the catalogs ------------------------------------------------------------------------------------------


def test_the_spanish_catalog_translates_every_msgid_of_a_fresh_extraction():
    wanted = fresh_msgids()
    assert len(wanted) > 300  # the templates, the labels, the charts and the sections manifest
    catalog = spanish_catalog()
    ids = {m.id for m in catalog if m.id}
    assert sorted(wanted - ids, key=str) == [], "new English strings without Spanish: run scripts/i18n update"
    untranslated = [m.id for m in catalog if m.id and not all(
        m.string if isinstance(m.string, (list, tuple)) else [m.string])]
    assert untranslated == []
    assert [m.id for m in catalog if m.id and m.fuzzy] == []


def test_extraction_finds_the_words_of_templates_code_and_manifest():
    wanted = fresh_msgids()
    # A template heading, a {% trans %} block with a variable, a label table (N_), a chart title, a plural
    # (n_), a section title and a missing-item label of sections.yaml.
    for msgid in ("Contents", "%(filled)s of %(total)s required sections filled in", "Primary prevention",
                  "Risk matrix of the priority threats", ("{count} threat placed by score.",
                                                          "{count} threats placed by score."),
                  "Statement of need", "the plan's title", "Page {page} of {pages}"):
        assert msgid in wanted, msgid


def test_the_committed_mo_files_are_compiled_from_the_po_files():
    from babel.messages.mofile import write_mo

    for lang in i18n.LANGUAGES:
        po_path = LOCALE / lang / "LC_MESSAGES" / "cityframe.po"
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        compiled = io.BytesIO()
        write_mo(compiled, catalog)
        compiled.seek(0)
        expected = {(tuple(m.id) if isinstance(m.id, list) else m.id): m.string for m in read_mo(compiled) if m.id}
        with po_path.with_suffix(".mo").open("rb") as handle:
            committed = {(tuple(m.id) if isinstance(m.id, list) else m.id): m.string for m in read_mo(handle)
                         if m.id}
        assert committed == expected, f"{po_path.with_suffix('.mo')} is stale: run scripts/i18n compile"


def test_scripts_i18n_check_passes():
    assert load_script().problems() == []


def test_translations_by_language():
    assert type(i18n.translations("en")) is NullTranslations
    assert i18n.translations("es").gettext("Contents") == "Índice"
    assert i18n.gettext("es", "Primary prevention") == "Prevención primaria"
    assert i18n.ngettext("es", "{count} threat placed by score.", "{count} threats placed by score.", 2) \
        == "{count} amenazas situadas según su puntuación."
    with pytest.raises(ValueError, match="not available in 'fr'"):
        i18n.translations("fr")
    assert i18n.text_language("es-US") == "es" and i18n.text_language("fr") == "en"


# --- dates and words ---------------------------------------------------------------------------------------


def test_dates_in_spanish_and_unchanged_in_english():
    day = dt.date(2028, 4, 26)
    assert i18n.format_date(day, "es") == "26 de abril de 2028"
    assert i18n.format_date(day, "en") == "April 26, 2028"
    assert i18n.format_date(day, "es", "month") == "abril de 2028"
    assert i18n.format_date(day, "en", "month") == "April 2028"
    assert i18n.format_date(day, "es", "iso") == "2028-04-26"
    assert i18n.format_date(None, "es") == ""
    # The English form the documents printed before Babel, for every month and a one-digit day.
    for month in range(1, 13):
        day = dt.date(2025, month, 3)
        assert i18n.format_date(day, "en") == f"{day:%B} 3, 2025"


def test_joining_words_and_articles_follow_the_language():
    with i18n.using("es"):
        assert join_words(["inglés", "español"]) == "inglés y español"
        assert join_words(["español", "inglés"]) == "español e inglés"
        assert with_article("Concejo Municipal") == "Concejo Municipal"
    assert join_words(["English", "Spanish"]) == "English and Spanish"
    assert with_article("City Council") == "the City Council"


# --- rendered pages ----------------------------------------------------------------------------------------


def visible_text(page: str) -> str:
    """The words a reader meets: no stylesheet, tags or entities; white space collapsed."""
    page = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(page))


def english_phrases() -> set[str]:
    """The literal runs of four words or more in the template and code msgids (placeholders cut them)."""
    phrases = set()
    for msgid in fresh_msgids():
        for text in msgid if isinstance(msgid, tuple) else (msgid,):
            text = re.sub(r"<[^>]+>", " ", text)
            for run in re.split(r"%\(\w+\)s|\{\w*\}|%%", text):
                run = re.sub(r"\s+", " ", run).strip(" .,:;()")
                if len(run.split()) >= 4:
                    phrases.add(run)
    return phrases


def city_data_text(slug: str = "athens") -> str:
    """Every word of a city's YAML files (and the national catalog), white space collapsed: the city's own text."""
    files = [*(REPO / "cities" / slug).rglob("*.yaml"),
             *(REPO / "src" / "cityframe" / "data" / "catalog").rglob("*.yaml")]
    return re.sub(r"\s+", " ", " ".join(path.read_text(encoding="utf-8") for path in files))


@pytest.mark.parametrize("edition", ["public", "internal"])
def test_a_spanish_render_has_no_english_template_text(edition):
    city, report = athens()
    spanish = render_city(city, report, edition=edition, lang="es")
    english = render_city(city, report, edition=edition)
    phrases = english_phrases()
    assert len(phrases) > 100
    data = city_data_text()
    for name in english:
        en_text, es_text = visible_text(english[name]), visible_text(spanish[name])
        if name in ("index.html", "prevention-plan.html"):
            # The check below can fail: the English pages are full of these phrases.
            assert len({p for p in phrases if p in en_text}) > 15, name
        left = sorted(p for p in phrases if p in es_text and p not in data)
        if name in ("index.html", "prevention-plan.html"):
            assert left == [], f"{name}: English template text in the Spanish page: {left}"
        assert '<html lang="es">' in spanish[name]


def test_the_spanish_plan_has_spanish_headings_dates_and_page_numbers():
    city, report = athens()
    page = render_city(city, report, lang="es")["prevention-plan.html"]
    text = visible_text(page)
    for words in ("Índice", "Declaración de necesidad", "Prevención primaria", "Matriz de riesgos",
                  "de marzo de 2027", "Saltar al contenido principal", "Edición pública"):
        assert words in text, words
    assert "March 15, 2027" not in text
    assert 'content: "Página " counter(page) " de " counter(pages)' in page
    english = render_city(city, report)["prevention-plan.html"]
    # English keeps the stylesheet's own "Page 3 of 12", with no second rule.
    assert "Página" not in english and "@media print { @page { @bottom-right" not in english


def test_english_is_the_default_and_the_same_as_asking_for_it():
    city, report = athens()
    assert render_city(city, report, lang="en") == render_city(city, report)


def test_an_unknown_language_code_is_refused_and_an_unshipped_one_keeps_english_words():
    city, report = athens()
    with pytest.raises(ValueError, match="not a language code"):
        render_city(city, report, lang="Spanish")
    page = render_city(city, report, lang="fr")["index.html"]
    assert '<html lang="fr">' in page and "Local framework to prevent hate and extremism" in page


def test_a_spanish_progress_report():
    city, report = athens()
    page = render_progress_report(city, report, parse_period("2027-Q4"), pdf=False, today=dt.date(2028, 1, 15),
                                  lang="es")
    text = visible_text(page)
    assert "octubre a diciembre de 2027 (2027-Q4)" in text
    assert "Informe de Avance" in text and "Período del informe" in text
    assert "1 de octubre de 2027 a 31 de diciembre de 2027" in text
    phrases = {p for p in english_phrases() if p in visible_text(
        render_progress_report(city, report, parse_period("2027-Q4"), pdf=False, today=dt.date(2028, 1, 15)))}
    assert phrases, "the English report has template phrases"
    assert sorted(p for p in phrases if p in text) == []


def test_numbers_and_money_follow_us_conventions_in_both_languages():
    # US Spanish (CLDR es_US) writes numbers and dollars as US English does, so the filters need no language.
    from babel.numbers import format_currency, format_decimal

    from cityframe.render.templates import format_money, format_number

    for value in (12500, 1234567, 0, 7):
        assert format_number(value) == format_decimal(value, locale="es_US") == format_decimal(value, locale="en_US")
        assert format_money(value) == format_currency(value, "USD", locale="es_US", format="¤#,##0",
                                                       currency_digits=False)
    assert format_money(99.5) == format_currency(99.5, "USD", locale="es_US") == "$99.50"


def test_a_reporting_range_reads_in_the_page_language():
    period = parse_period(None, "2027-07-01", "2027-09-30")
    assert period.shown_label == "2027-07-01 to 2027-09-30" == period.label
    with i18n.using("es"):
        assert period.shown_label == "2027-07-01 a 2027-09-30"
        assert period.title == "1 de julio de 2027 a 30 de septiembre de 2027"
        assert parse_period("2027").title == "el año 2027"


def test_compiled_templates_serve_every_language(monkeypatch):
    # The bytecode cache keys a template by name and source: Spanish and English share the compiled code, which
    # asks the environment's catalog at render time.
    from cityframe.render import compiled

    city, report = athens()
    english = render_city(city, report)
    dumped = []
    original = compiled.CompiledTemplates.dump_bytecode
    monkeypatch.setattr(compiled.CompiledTemplates, "dump_bytecode",
                        lambda self, bucket: (dumped.append(bucket.key), original(self, bucket)))
    spanish = render_city(city, report, lang="es")
    assert dumped == []  # nothing compiled again for Spanish
    assert render_city(city, report) == english != spanish
