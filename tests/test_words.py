"""Words that read well (issue 11 item 8): the templates never nest brackets, blur lists, show ids or drop articles,
and the templates and shipped data use American spelling and one date style (April 26, 2028)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cityframe.checks.report import assess
from cityframe.data.project import Project
from cityframe.render.html import render_city
from cityframe.render.templates import aside, join_words, with_article
from conftest import REPO
from test_editor_notes import page_text

PILOT_CITIES = Project(REPO).city_slugs()


@pytest.fixture(scope="module")
def public_pages() -> dict[str, dict[str, str]]:
    pages = {}
    for slug in PILOT_CITIES:
        report = assess(Project(REPO), slug)
        assert report.city is not None, [str(f) for f in report.errors]
        pages[slug] = {name: page_text(page) for name, page in render_city(report.city, report).items()}
    return pages


def test_lists_use_semicolons_when_an_item_holds_the_joining_word_or_a_comma() -> None:
    assert join_words(["Black students and families", "Students of color"]) == (
        "Black students and families; and Students of color")
    assert join_words(["Jews", "Muslims", "LGBTQ+ residents"]) == "Jews, Muslims and LGBTQ+ residents"
    assert join_words(["Athens, Ohio", "Ohio University", "Hocking College"]) == (
        "Athens, Ohio; Ohio University; and Hocking College")
    assert join_words(["Band-aid", "Grandparents"]) == "Band-aid and Grandparents"
    assert join_words(["only one"]) == "only one"


def test_a_body_reads_with_its_article_and_an_aside_never_nests_brackets() -> None:
    assert with_article("Office of the Mayor") == "the Office of the Mayor"
    assert with_article("The City Council") == "The City Council"
    assert with_article("Stamford Board of Representatives") == "the Stamford Board of Representatives"
    assert aside("R-10-20") == " (R-10-20)"
    assert aside("Council resolution (proposed)") == ", Council resolution (proposed)"
    assert aside(None) == ""


@pytest.mark.parametrize("slug", PILOT_CITIES)
def test_no_template_wraps_text_that_has_brackets_in_brackets(slug: str, public_pages) -> None:
    for name, text in public_pages[slug].items():
        nested = re.findall(r"\([^()]{0,300}\([^()]*\)\)", text)
        assert nested == [], f"{slug}/{name}"


@pytest.mark.parametrize("slug", PILOT_CITIES)
def test_residents_read_names_not_ids_and_bodies_with_their_article(slug: str, public_pages) -> None:
    catalog_ids = ("fbi-tips", "lifeline-988", "crisis-text-line", "doj-civil-rights-portal")
    for name, text in public_pages[slug].items():
        assert not re.search(r"\bsee (" + "|".join(catalog_ids) + r")\b", text), f"{slug}/{name}"
        assert not re.search(r"\b(adopted|chaired) by (Office|City of|Board)\b", text), f"{slug}/{name}"
    directory = public_pages[slug]["resource-directory.html"]
    assert "(see \u201cFBI - report a hate crime or tip\u201d)" in directory


def test_the_adopting_body_and_its_instrument_are_two_facts_on_the_cover(public_pages) -> None:
    plan = public_pages["stamford"]["prevention-plan.html"]
    assert ("Adoption (planned) June 7, 2027, Stamford Board of Representatives Instrument Board of "
            "Representatives resolution on the Mayor's recommendation (proposed)") in plan
    charter = public_pages["stamford"]["governance-charter.html"]
    assert "This charter is to be adopted by the Office of the Mayor, with endorsement" in charter


def test_the_groups_a_threat_affects_stay_distinct(public_pages) -> None:
    plan = public_pages["athens"]["prevention-plan.html"]
    assert " and families and " not in plan


BRITISH = re.compile(
    r"(?i)\b\w*(organis(e|es|ed|ing|ation|ations|ational)\b|programmes?\b|centres?\b|centred|counsell|behaviour|"
    r"neighbour|anonymis|summaris|recognis|polarisation|mobilis|radicalis|specialised|colour|enrolment|offence|"
    r"autumn|labour|honour|travelling|criticis(e|ed|es|ing)|formalis|authoris|normalis|cancelling|licence\b|judgement|"
    r"catalogue|prioritis|minimis|utilis|stigmatis|marginalis)")
DAY_MONTH_YEAR = re.compile(
    r"\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\b")


def shipped_text_files() -> list[Path]:
    """Templates and the data cityframe ships: catalog, skeleton, pilot cities, examples."""
    files = [*REPO.glob("templates/**/*.html"), REPO / "src/cityframe/data/catalog/national.yaml",
             *REPO.glob("src/cityframe/skeleton/*.yaml"), *REPO.glob("cities/*/*.yaml"),
             *REPO.glob("examples/*/cities/*/*.yaml")]
    return sorted(files)


def readable_lines(path: Path) -> list[tuple[int, str]]:
    """Lines a reader can see: not comments, web addresses, or the titles of cited documents (kept as published)."""
    lines = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if "http" in line or re.match(r"\s*(#|title:|url:|\{#)", line) or "aria-labelledby" in line:
            continue
        lines.append((n, line))
    return lines


def test_templates_and_shipped_data_use_american_spelling() -> None:
    found = [f"{path.relative_to(REPO)}:{n}: {m.group(0)}" for path in shipped_text_files()
             for n, line in readable_lines(path) for m in BRITISH.finditer(line)]
    assert found == []


def test_templates_and_shipped_data_write_dates_one_way() -> None:
    found = [f"{path.relative_to(REPO)}:{n}: {m.group(0)}" for path in shipped_text_files()
             for n, line in readable_lines(path) for m in DAY_MONTH_YEAR.finditer(line)]
    assert found == []
