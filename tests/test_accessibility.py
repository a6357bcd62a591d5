"""Every rendered page passes axe-core's WCAG 2.0/2.1 A and AA rules in a real browser (Chromium via Playwright).

Pages: athens (the showcase) and the scratch city of test_render.py, each in the public and the internal edition,
at a desktop and at a phone width. Needs Debian's chromium, Playwright for Python (never `playwright install`:
the system Chromium is used) and axe-core from npm, installed on first run into node_modules/ (git-ignored).
Missing tools skip the test locally and fail it on CI (CI=true).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cityframe.checks.report import assess
from cityframe.checks.sections import has_progress
from cityframe.data.project import Project
from cityframe.render.html import render_city
from cityframe.render.progress import parse_period, render_progress_report
from conftest import REPO, require_executable, require_tool
from test_render import make_project

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_VERSION = "4"
# .ci/run installs axe-core into .ci/node/ and names it in AXE_JS; without it, npm installs it into node_modules/.
AXE_JS = Path(os.environ.get("AXE_JS") or REPO / "node_modules" / "axe-core" / "axe.min.js")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
LIVE_SCRIPT = """() => {
  const found = [];
  for (const s of document.querySelectorAll('script')) found.push('script element');
  for (const el of document.querySelectorAll('*'))
    for (const a of el.attributes) {
      if (a.name.toLowerCase().startsWith('on')) found.push(el.tagName + '[' + a.name + ']');
      if (['href', 'src'].includes(a.name) && /^\\s*(javascript|vbscript|data:text)/i.test(a.value))
        found.push(el.tagName + '[' + a.name + ']');
    }
  return found;
}"""


def axe_script() -> Path:
    """axe.min.js, installed with npm into the repository's (ignored) node_modules/ when it is not there yet."""
    if not AXE_JS.exists() and shutil.which("npm"):
        subprocess.run(["npm", "install", "--no-save", "--no-package-lock", "--no-audit", "--no-fund",
                        "--prefix", str(REPO), f"axe-core@{AXE_VERSION}"],
                       check=False, capture_output=True, timeout=300)
    require_tool(AXE_JS.exists(), "axe-core (npm install axe-core)")
    return AXE_JS


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = require_executable("chromium")
    require_tool(importlib.util.find_spec("playwright") is not None, "playwright (pip install playwright)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def axe() -> Path:
    return axe_script()


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every page to check, written to disk: '<city>/<edition>/<page>' -> file."""
    root = tmp_path_factory.mktemp("a11y")
    projects = {"millbrook": make_project(root / "scratch")}
    if (REPO / "cities" / "athens" / "city.yaml").exists():
        projects["athens"] = Project(REPO)
    written = {}
    for slug, project in projects.items():
        report = assess(project, slug)
        assert report.valid and report.city is not None, [str(f) for f in report.errors]
        for edition in ("public", "internal"):
            folder = root / "out" / slug / edition
            folder.mkdir(parents=True)
            rendered = render_city(report.city, report, edition=edition)
            if has_progress(report.city):  # athens: its progress report too
                rendered["progress-report.html"] = render_progress_report(report.city, report,
                                                                          parse_period("2027-Q4"), edition)
            for name, html in rendered.items():
                (folder / name).write_text(html, encoding="utf-8")
                written[f"{slug}/{edition}/{name}"] = folder / name
    # A Spanish edition: cityframe's own words from the catalog, the city's text from its es: fields, and what it
    # has not translated marked lang="en" (the same page at phone width is checked below).
    spanish = assess(Project(REPO), "albuquerque", lang="es")
    assert spanish.valid and spanish.city is not None, [str(f) for f in spanish.errors]
    folder = root / "out" / "albuquerque-es" / "public"
    folder.mkdir(parents=True)
    for name, html in render_city(spanish.city, spanish, edition="public").items():
        (folder / name).write_text(html, encoding="utf-8")
        written[f"albuquerque-es/public/{name}"] = folder / name
    return written


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        first = v["nodes"][0] if v["nodes"] else {}
        lines.append(f"{v['id']} ({v.get('impact')}): {v['help']} - {len(v['nodes'])} element(s), first: "
                     f"{first.get('target')} {first.get('failureSummary', '')!r}")
    return "\n".join(lines)


def run_axe(browser: Any, axe: Path, page_file: Path, viewport: dict[str, int]) -> tuple[dict[str, Any], list[str]]:
    context = browser.new_context(viewport=viewport)
    try:
        page = context.new_page()
        page.goto(page_file.resolve().as_uri())
        live = page.evaluate(LIVE_SCRIPT)
        page.add_script_tag(path=str(axe))
        result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
        return json.loads(json.dumps(result)), live
    finally:
        context.close()


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_every_page_passes_axe_with_zero_violations(browser: Any, axe: Path, pages: dict[str, Path],
                                                    viewport: str) -> None:
    failures = {}
    for key, page_file in sorted(pages.items()):
        if viewport == "phone" and not key.startswith(("millbrook/public", "athens/public", "albuquerque-es/")):
            continue
        result, live = run_axe(browser, axe, page_file, VIEWPORTS[viewport])
        if result["violations"] or live:
            failures[key] = describe(result["violations"]) + (f"\nlive script: {live}" if live else "")
        assert result["passes"], f"{key}: axe ran no rule"
    assert not failures, "\n\n".join(f"{key} ({viewport}):\n{text}" for key, text in failures.items())


def test_axe_really_finds_problems(browser: Any, axe: Path, tmp_path: Path) -> None:
    """The harness itself: a page with known violations must report them."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><head><title>x</title></head><body><img src="x.png">'
                   '<p style="color:#aaa;background:#fff">faint</p></body></html>', encoding="utf-8")
    result, _ = run_axe(browser, axe, bad, VIEWPORTS["desktop"])
    assert {"image-alt", "html-has-lang", "color-contrast"} <= {v["id"] for v in result["violations"]}
