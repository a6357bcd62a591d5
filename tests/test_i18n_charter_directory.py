"""The governance charter's and resource directory's own words in Spanish: every msgid translated, none left in English.

The msgids are extracted exactly as ``pybabel extract -F babel.cfg`` does (the jinja2 section of babel.cfg, the same
options), from the templates these two documents are made of. ``CATALOG`` is the Spanish part file written for them;
once it is merged into the main catalog, point ``CATALOG`` at ``locale/es/LC_MESSAGES/cityframe.po``.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from cityframe.render import i18n
from cityframe.render.html import render_city
from conftest import REPO

LOCALE = REPO / "src" / "cityframe" / "locale"
CATALOG = LOCALE / "es" / "LC_MESSAGES" / "cityframe.po"
MAIN_CATALOG = LOCALE / "es" / "LC_MESSAGES" / "cityframe.po"
TEMPLATES = REPO / "templates"
OWN_TEMPLATES = sorted([
    *(TEMPLATES / "charter").glob("*.html"),
    *(TEMPLATES / "directory").glob("*.html"),
    TEMPLATES / "governance-charter.html",
    TEMPLATES / "resource-directory.html",
])
PLACEHOLDER = re.compile(r"%\(\w+\)s")
TAG = re.compile(r"<[^>]+>")


def _jinja_options() -> dict[str, str]:
    """The options babel.cfg gives the jinja2 extractor (extensions, whitespace control, newstyle gettext)."""
    with (REPO / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    for pattern, method in method_map:
        if method == "jinja2":
            return dict(options_map.get(pattern, {}))
    raise AssertionError("babel.cfg has no [jinja2: ...] section")


def extracted() -> dict[str | tuple[str, str], list[str]]:
    """Every msgid of the charter's and the directory's templates, with the files that use it."""
    options = _jinja_options()
    found: dict[str | tuple[str, str], list[str]] = {}
    for path in OWN_TEMPLATES:
        for _line, message, _comments, _context in extract_from_file("jinja2", str(path), options=options):
            found.setdefault(message, []).append(path.relative_to(REPO).as_posix())
    return found


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def test_the_templates_have_msgids() -> None:
    messages = extracted()
    assert len(messages) > 100, len(messages)
    assert "Quorum" in messages
    assert "Sources" in messages and "Source" in messages


def test_the_spanish_catalog_is_a_valid_spanish_po() -> None:
    catalog = read_catalog(CATALOG)
    assert str(catalog.locale) == "es"
    assert catalog.charset.lower() == "utf-8"
    assert catalog.num_plurals == Catalog(locale="es").num_plurals


def test_every_msgid_has_a_spanish_translation() -> None:
    catalog = read_catalog(CATALOG)
    missing = []
    for msgid, files in extracted().items():
        message = catalog.get(msgid)
        strings = (message.string if isinstance(message.string, tuple) else (message.string,)) if message else ("",)
        if message is None or message.fuzzy or not all(strings):
            missing.append(f"{msgid!r} ({', '.join(sorted(set(files)))})")
    assert not missing, "untranslated in " + CATALOG.name + ":\n" + "\n".join(missing)


def test_translations_keep_their_placeholders_and_markup() -> None:
    """A translation that drops %(date)s, or the 911 link, would lose what residents need."""
    for message in read_catalog(CATALOG):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == set(PLACEHOLDER.findall(ids[-1])), message.id
            assert sorted(TAG.findall(string)) == sorted(TAG.findall(ids[-1])), message.id


@pytest.fixture(scope="module")
def spanish_pages() -> dict[str, str]:
    """Athens' charter and directory in Spanish, through the main catalog with this part merged into it."""
    from cityframe.checks.report import assess
    from cityframe.data.project import Project

    catalog = read_catalog(MAIN_CATALOG)
    for message in read_catalog(CATALOG):
        if message.id:
            catalog[message.id] = message
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    spanish = Translations(buffer, domain=i18n.DOMAIN)
    report = assess(Project(REPO), "athens")
    assert report.city is not None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(i18n, "translations", lambda lang: spanish if lang == "es" else Translations())
        pages = render_city(report.city, report, pdf=False, lang="es")
    return {name: pages[name] for name in ("governance-charter.html", "resource-directory.html")}


def test_a_spanish_build_has_no_english_sentence_of_these_templates(spanish_pages: dict[str, str]) -> None:
    sentences = [m for m in extracted() if isinstance(m, str) and "%(" not in m and len(m.split()) >= 4]
    assert len(sentences) > 10
    for name, page in spanish_pages.items():
        left = [s for s in sentences if s in page]
        assert not left, f"{name} still says, in English: {left}"


def test_a_spanish_build_uses_the_translations(spanish_pages: dict[str, str]) -> None:
    charter, directory = spanish_pages["governance-charter.html"], spanish_pages["resource-directory.html"]
    assert "Carta de gobernanza del Athens Local Prevention Leadership Group" in charter
    assert "<dt>Quórum</dt>" in charter
    assert re.search(r"\d+ de \d+ secciones obligatorias completadas", charter)
    assert 'llame al <a href="tel:911">911</a>' in directory
    assert "<dt>Horario</dt>" in directory and "<dt>Idiomas</dt>" in directory and "<dt>Costo</dt>" in directory
