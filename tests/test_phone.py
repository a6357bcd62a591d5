"""Phones: at 390 px, charts have text of at least 14 px (or give way to their data table), data tables are
stacked cards that stay tables to assistive technology, and nothing is cut at the screen's edge.

The browser tests need Debian's chromium and Playwright (see test_accessibility.py); they skip locally without
them and fail on CI. The markup tests need nothing.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from cityframe.checks.report import assess
from cityframe.data.project import Project
from cityframe.render.html import render_city
from conftest import REPO
from test_accessibility import browser  # noqa: F401  (a fixture)
from test_render import make_project

PHONE = {"width": 390, "height": 844}
MEASURE = """() => {
  const out = {charts: [], hidden: [], tables: [], width: document.documentElement.scrollWidth};
  for (const svg of document.querySelectorAll('svg.chart')) {
    const box = svg.getBoundingClientRect();
    if (!box.width) { out.hidden.push(svg.getAttribute('aria-labelledby')); continue; }
    const scale = box.width / svg.viewBox.baseVal.width;
    const sizes = [...svg.querySelectorAll('text')].map(t => parseFloat(t.getAttribute('font-size')) * scale);
    out.charts.push({name: svg.getAttribute('aria-labelledby'), smallest: Math.min(...sizes),
                     right: box.right});
  }
  for (const table of document.querySelectorAll('table')) {
    const wrapper = table.closest('.table-scroll');
    out.tables.push({id: table.id, right: table.getBoundingClientRect().right,
                     scrolls: wrapper ? wrapper.scrollWidth > wrapper.clientWidth + 1 : false});
  }
  return out;
}"""


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The Athens plan and the scratch city's plan, each written to disk: name -> file."""
    root = tmp_path_factory.mktemp("phone")
    projects = {"millbrook": make_project(root / "scratch"), "athens": Project(REPO)}
    written = {}
    for slug, project in projects.items():
        report = assess(project, slug)
        assert report.valid and report.city is not None
        pages = render_city(report.city, report)
        for name in ("prevention-plan.html", "index.html", "governance-charter.html", "resource-directory.html"):
            (root / f"{slug}-{name}").write_text(pages[name], encoding="utf-8")
            written[f"{slug}/{name}"] = root / f"{slug}-{name}"
    return written


def measure(browser: Any, page_file: Path) -> tuple[dict[str, Any], dict[str, int]]:  # noqa: F811
    """What MEASURE reports at 390 px, and how many nodes of each table role the accessibility tree has."""
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(page_file.resolve().as_uri())
        found = page.evaluate(MEASURE)
        tree = context.new_cdp_session(page).send("Accessibility.getFullAXTree")
        roles: dict[str, int] = {}
        for node in tree["nodes"]:
            role = node.get("role", {}).get("value")
            if not node.get("ignored") and role in ("table", "row", "cell", "columnheader", "rowheader"):
                roles[role] = roles.get(role, 0) + 1
        return found, roles
    finally:
        context.close()


def test_at_390_px_chart_text_is_14_px_and_no_table_is_cut(browser: Any, plans: dict[str, Path]) -> None:  # noqa: F811
    for key in ("athens/prevention-plan.html", "millbrook/prevention-plan.html"):
        found, roles = measure(browser, plans[key])
        assert found["width"] <= PHONE["width"], (key, "the page scrolls sideways")
        assert found["charts"], (key, "no chart is shown on a phone")
        for chart in found["charts"]:
            assert chart["smallest"] >= 14, (key, chart)
            assert chart["right"] <= PHONE["width"], (key, chart)
        # The risk matrix and the stakeholder map give way to the tables that follow them.
        assert {"risk-matrix-title", "stakeholder-map-title", "timeline-title"} <= set(found["hidden"]), key
        for table in found["tables"]:
            assert not table["scrolls"] and table["right"] <= PHONE["width"], (key, table)
        # Stacked as cards, still tables: one table role per table, and every cell kept.
        html = plans[key].read_text(encoding="utf-8")
        assert roles.get("table") == html.count("<table"), (key, roles)
        assert roles.get("columnheader") and roles.get("cell"), (key, roles)


def test_every_page_fits_a_phone(browser: Any, plans: dict[str, Path]) -> None:  # noqa: F811
    for key, page_file in plans.items():
        found, _ = measure(browser, page_file)
        assert found["width"] <= PHONE["width"], key
        assert all(not t["scrolls"] and t["right"] <= PHONE["width"] for t in found["tables"]), key


# --- the markup the phone layout relies on -----------------------------------------------------------------


class _Cells(HTMLParser):
    """Each table's column headers and, for each body row, each cell's data-label."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, Any]] = []
        self.part = ""
        self.text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append({"id": dict(attrs).get("id"), "classes": dict(attrs).get("class") or "",
                                "headers": [], "rows": []})
        elif tag in ("thead", "tbody"):
            self.part = tag
        elif tag == "tr" and self.part == "tbody":
            self.tables[-1]["rows"].append([])
        elif tag in ("th", "td") and self.tables:
            if self.part == "thead":
                self.text = []
            else:
                self.tables[-1]["rows"][-1].append(dict(attrs).get("data-label"))

    def handle_data(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "th" and self.text is not None:
            self.tables[-1]["headers"].append(re.sub(r"\s+", " ", "".join(self.text)).strip())
            self.text = None
        elif tag in ("thead", "tbody"):
            self.part = ""


def test_every_body_cell_carries_its_column_header_and_every_table_becomes_cards(plans: dict[str, Path]) -> None:
    checked = 0
    for key, page_file in plans.items():
        parser = _Cells()
        parser.feed(page_file.read_text(encoding="utf-8"))
        for table in parser.tables:
            assert "cards" in table["classes"].split(), (key, table["id"])
            for row in table["rows"]:
                if table["headers"]:
                    assert row == table["headers"][:len(row)], (key, table["id"], row)
                    checked += 1
    assert checked > 50


def test_the_index_page_shows_the_emergency_box_first(plans: dict[str, Path]) -> None:
    index = plans["athens/index.html"].read_text(encoding="utf-8")
    body = index[index.index("<body"):]
    assert 'class="emergency' in body
    assert body.index('class="emergency') < body.index("<h1") < body.index("<main")
