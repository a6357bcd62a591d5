"""render_city: golden pages for athens, a complete scratch city, hostile text, editions, overrides, drafts.

The scratch city ("Millbrook, OH") is written here into a throwaway project: every required section filled in,
public and internal contacts and notes, illustrative items, all three tiers. Tests mutate a copy of its data.

Golden pages: tests/golden/athens/*.html. Regenerate them after an intended change with

    python scripts/regen-golden          (or: CITYFRAME_REGEN_GOLDEN=1 pytest tests/test_render.py)

and review the diff before committing.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import os
import re
import typing
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from cityframe.checks.report import CityReport, assess
from cityframe.checks.sections import documents
from cityframe.data.models import FILE_MODELS
from cityframe.data.project import Project
from cityframe.render.context import View, build_context, contrast_ratio, make_theme
from cityframe.render.html import DOCUMENTS, render_city
from cityframe.scaffold import new_city
from conftest import REPO

GOLDEN = REPO / "tests" / "golden"
PAGES = ("index.html", "prevention-plan.html", "governance-charter.html", "resource-directory.html")
REGEN = os.environ.get("CITYFRAME_REGEN_GOLDEN", "") not in ("", "0")

# --- the scratch city --------------------------------------------------------------------------------------

SOURCE = {"title": "Millbrook survey report", "url": "https://example.org/survey", "publisher": "Millbrook",
          "date": "2024-06-01"}

SCRATCH: dict[str, Any] = {
    "city.yaml": {
        "schema_version": 1,
        "illustrative": "Millbrook is a made-up city used by cityframe's tests.",
        "city": {
            "name": "Millbrook", "state": "OH", "county": "Example County", "population": 21000,
            "population_year": 2020, "population_source": {"title": "2020 Census", "url": "https://example.org/c"},
            "languages": ["English", "Spanish"], "accent_color": "#00694e", "website": "https://example.org",
        },
        "plan": {
            "title": "Millbrook Local Prevention Plan", "version": "1.0", "status": "draft",
            "adoption": {"date": "2026-03-01", "body": "City Council", "instrument": "Resolution 2026-4"},
            "period": {"start": "2026-03-01", "end": "2029-02-28"}, "next_review": "2027-03-01",
            "funding_acknowledgement": "Funded by the *general fund*.",
            "chair_role": "Deputy City Manager",
            "foreword": "We commit to this plan.\n\nSecond paragraph of the foreword.",
            "key_commitments": ["Report safely", "Support victims", "Protect rights"],
            "vision": "A city where everyone is safe.",
            "statement_of_need": "Incidents are rising; see the threats below.",
            "goals": [{
                "id": "safe-reporting", "title": "Residents can report safely",
                "description": "Make reporting easy.",
                "objectives": [{
                    "id": "reporting-awareness", "statement": "Raise awareness of reporting.",
                    "indicator": "Share who know how to report", "baseline": "31%", "target": "50%",
                    "due": "2027-06-30", "owner": "city-manager", "data_source": "Resident survey",
                    "frequency": "Every two years",
                }],
            }],
            "scope": {"hate_forms": ["Antisemitism", "Islamophobia"], "approach": "Public health.",
                      "online_and_offline": "Both.", "definitions": [{"term": "Bias incident",
                                                                       "definition": "An act of bias."}]},
            "principles": {"civil_rights_and_liberties": "We protect rights.", "privacy": "Minimal data.",
                           "free_speech": "Speech is protected.", "trauma_informed": "Yes.",
                           "culturally_responsive": "Yes."},
            "referral_pathway": {"summary": "Call the coordinator.", "how_to_report": ["Call 911 in danger",
                                                                                     "Use the form"],
                                 "triage_owner": "city-manager", "law_enforcement_threshold": "Imminent harm.",
                                 "consent": "Voluntary.", "data_handling": "Locked records."},
            "post_incident_response": {"triggers": ["A serious incident"], "lead": "city-manager",
                                       "communications": "A statement within a day.",
                                       "community_support": "Listening sessions.",
                                       "escalation_steps": ["Meet", "Patrol"]},
            "communication": {"channels": ["Website"], "languages": ["English"],
                              "reporting_options": ["Online form"]},
            "sustainability": {"budget_summary": "Small budget.", "funding_sources": [
                {"name": "General fund", "amount": 12500, "status": "secured"}],
                "in_kind": "Staff time.", "plan": "Recurring budget line."},
            "monitoring": {"reporting_cadence": "Quarterly", "approach": "Track indicators."},
            "language_access": {"languages": ["English", "Spanish"], "alternate_formats": ["Large print"],
                                "authoritative_language": "English",
                                "contact": {"title": "Language access coordinator", "email": "access@example.org",
                                            "visibility": "public"},
                                "statement": "Ask us for any format."},
            "references": [SOURCE],
            "glossary": [{"term": "LLG", "definition": "Local leadership group."}],
        },
    },
    "governance.yaml": {"steering_group": {
        "name": "Millbrook Prevention Steering Group", "short_name": "MPSG",
        "authority": {"instrument": "Council resolution", "reference": "R-1", "date": "2025-09-01"},
        "purpose": "Coordinate prevention.", "scope": {"in_scope": ["Coordination"],
                                                        "out_of_scope": ["Investigations"]},
        "functions": ["Coordinate", "Monitor"], "transition": "Hands over in 2027.",
        "membership": {"appointment": "By the mayor.", "term": "Two years", "alternates": "Allowed.",
                       "vacancies": "Filled in 60 days.", "removal": "After three absences.",
                       "diversity": "Balanced."},
        "officers": {"selection": "By the mayor.", "term": "Two years", "vice_chair": "Elected.",
                     "secretariat": "City manager's office."},
        "meetings": {"cadence": "Quarterly", "per_year": 4, "notice": "Seven days.", "agenda_and_minutes": "Yes.",
                     "quorum": "Half plus one.", "remote_participation": "Allowed.", "public_status": "Public."},
        "decision_making": {"method": "Consensus.", "fallback_vote": "Two thirds.", "who_votes": "Members.",
                            "dissent": "Minuted.", "urgent_decisions": "Chair decides."},
        "working_groups": [{"id": "data", "name": "Data group", "purpose": "Data.", "lead": "city-manager",
                            "members": ["city-manager", "unity-council"]}],
        "information_sharing": {"principles": "Need to know.", "consent": "Written.",
                                "applicable_laws": ["FERPA", "HIPAA"], "retention": "Three years.",
                                "public_records": "Minutes are public.", "safeguards": "Civil liberties."},
        "conflict_of_interest": {"disclosure": "Annual.", "register_of_interests": "Kept.", "recusal": "Yes."},
        "code_of_conduct": {"attendance": "Attend.", "training": "Trained.", "confidentiality": "Kept.",
                            "commitments": ["Respect"]},
        "communications": {"spokesperson": "The chair", "media_protocol": "Chair speaks."},
        "reporting": {"reports_to": "City Council", "annual_report": "Each spring.", "cadence": "Yearly"},
        "support": {"secretariat": "City staff.", "budget": "Small.", "in_kind": "Rooms."},
        "review": {"interval": "Yearly", "amendment_procedure": "Vote.", "amendment_threshold": "Two thirds",
                   "dissolution": "Sunset in 2030."},
        "adoption": {"date": "2026-03-01", "body": "City Council", "signatories": ["Mayor", "Chief of Police"]},
    }},
    "stakeholders.yaml": {"stakeholders": [
        {"id": "city-manager", "name": "Office of the City Manager", "kind": "local-government",
         "sector": "Local government", "seat": "chair", "contributes": ["Chairs the group"],
         "description": "Runs the city.",
         "contacts": [{"title": "Deputy City Manager", "email": "prevention@example.org", "visibility": "public"},
                      {"title": "Deputy City Manager (direct line)", "phone": "620-555-0142",
                       "visibility": "internal"}],
         "notes": [{"text": "Public note about the office.", "visibility": "public"},
                   {"text": "INTERNAL-NOTE-TEXT do not publish.", "visibility": "internal"}]},
        {"id": "unity-council", "name": "Millbrook Unity Council", "kind": "faith", "seat": "member",
         "contributes": ["Convenes faith leaders"], "illustrative": True,
         "contacts": [{"title": "Coordinator", "url": "https://example.org/unity", "visibility": "public"}]},
        {"id": "police", "name": "Millbrook Police Department", "kind": "law-enforcement", "seat": "advisor",
         "contributes": ["Advises on threats"],
         "contacts": [{"title": "Liaison officer", "email": "liaison@example.org", "visibility": "internal"}]},
    ]},
    "risk-landscape.yaml": {
        "assessment": {"method": "Survey and workshops.", "period": {"start": "2024-01-01", "end": "2024-06-30"},
                       "surveys": [{"name": "Resident survey", "respondents": 412}],
                       "consultations": [{"name": "Workshop", "date": "2024-05-01", "participants": "30 people"}]},
        "threats": [
            {"id": "antisemitism", "name": "Antisemitic harassment", "category": "antisemitism", "likelihood": 3,
             "impact": 4, "trend": "rising", "affected_groups": ["Jewish residents"], "drivers": ["Online rumours"],
             "evidence": [{"source": SOURCE, "year": 2024, "metric": "Reports", "value": "12"}]},
            {"id": "polarization", "name": "Polarization", "category": "polarization", "likelihood": 4,
             "impact": 2, "illustrative": True,
             "evidence": [{"source": SOURCE, "year": 2024, "metric": "Share worried", "value": "40%",
                           "caveat": "Small sample."}]},
        ],
        "at_risk_groups": ["Jewish residents"],
        "risk_factors": [{"id": "isolation", "name": "Isolation"}],
        "protective_factors": [{"id": "clubs", "name": "Youth clubs"}],
        "service_gaps": [{"id": "no-hotline", "name": "No local hotline"}],
        "community_assets": [{"id": "library", "name": "Public library"}],
    },
    "interventions.yaml": {"interventions": [
        {"id": "bystander", "title": "Bystander training", "description": "Train residents.", "tier": "primary",
         "objectives": ["reporting-awareness"], "addresses": ["antisemitism"], "lead": "city-manager",
         "partners": ["unity-council"], "population": "Residents", "start": "2026-04-01", "end": "2027-03-31",
         "milestones": [{"date": "2026-09-01", "description": "First session"}],
         "budget": {"amount": 5000, "funding_source": "General fund"}, "evidence_level": "promising"},
        {"id": "referrals", "title": "Referral panel", "description": "A voluntary panel.", "tier": "secondary",
         "objectives": ["reporting-awareness"], "addresses": ["polarization"], "lead": "city-manager",
         "population": "Families", "start": "2026-06-01",
         "milestones": [{"date": "2026-12-01", "description": "Panel meets"}], "illustrative": True},
        {"id": "recovery", "title": "Post-incident recovery", "description": "Support after incidents.",
         "tier": "tertiary", "objectives": ["reporting-awareness"], "addresses": ["antisemitism"],
         "lead": "city-manager", "population": "Victims", "start": "2026-03-01", "end": "2028-02-28",
         "milestones": [{"date": "2027-01-15", "description": "Playbook"}]},
    ]},
    "resources.yaml": {"include": ["lifeline-988"], "resources": [
        {"id": f"local-{category}", "name": f"Millbrook {category} service", "description": "A local service.",
         "category": category, "phones": [{"number": "620-555-0199"}], "url": "https://example.org/service",
         "last_verified": "2026-01-01"}
        for category in ("report-an-incident", "get-support", "crisis-line", "training-and-education",
                         "community-program", "funding")
    ]},
}


def write_city(project: Project, slug: str, data: dict[str, Any]) -> Path:
    """Scaffold a city with ``cityframe new``, then replace its six files with ``data``."""
    if not (project.cities_dir / slug).exists():
        new_city(project, slug, "Millbrook", "OH")
    folder = project.cities_dir / slug
    for file, content in data.items():
        (folder / file).write_text(yaml.safe_dump(content, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return folder


def make_project(root: Path, data: dict[str, Any] | None = None, slug: str = "millbrook") -> Project:
    project = Project(root)
    project.cities_dir.mkdir(parents=True, exist_ok=True)
    write_city(project, slug, copy.deepcopy(SCRATCH) if data is None else data)
    return project


def assess_ok(project: Project, slug: str = "millbrook") -> CityReport:
    report = assess(project, slug)
    assert report.valid, [str(f) for f in report.errors]
    assert report.city is not None
    return report


def render(project: Project, slug: str = "millbrook", edition: str = "public") -> dict[str, str]:
    report = assess_ok(project, slug)
    return render_city(report.city, report, edition=edition)


@pytest.fixture(scope="module")
def scratch_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("scratch")


@pytest.fixture(scope="module")
def scratch(scratch_root: Path) -> Project:
    return make_project(scratch_root / "project")


@pytest.fixture(scope="module")
def scratch_pages(scratch: Project) -> dict[str, str]:
    return render(scratch)


# --- a small HTML structure reader ----------------------------------------------------------------------


class Outline(HTMLParser):
    """Headings, ids, landmarks, links, tables and scripts of a page, as the standard library parses them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[tuple[int, str]] = []
        self.ids: list[str] = []
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []
        self.lang: str | None = None
        self._heading: int | None = None
        self._text: list[str] = []
        self.th_without_scope = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        for name, value in attrs:
            self.attrs.append((tag, name, value))
        if tag == "html":
            self.lang = values.get("lang")
        if "id" in values and values["id"] is not None:
            self.ids.append(values["id"])
        if tag == "a" and values.get("href") is not None:
            self.hrefs.append(values["href"] or "")
        if tag == "th" and "scope" not in values:
            self.th_without_scope += 1
        if re.fullmatch(r"h[1-6]", tag):
            self._heading, self._text = int(tag[1]), []

    def handle_endtag(self, tag: str) -> None:
        if re.fullmatch(r"h[1-6]", tag) and self._heading:
            self.headings.append((self._heading, " ".join("".join(self._text).split())))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._heading:
            self._text.append(data)


def without_style(html: str) -> str:
    return re.sub(r"<style>.*?</style>", "", html, flags=re.S)


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    parser.close()
    return parser


# --- the contract ----------------------------------------------------------------------------------------


def test_documents_are_the_manifests() -> None:
    assert list(DOCUMENTS) == [d.id for d in documents()]
    assert DOCUMENTS == {"prevention-plan": "Prevention Plan", "governance-charter": "Governance Charter",
                         "resource-directory": "Resource Directory"}


def test_render_city_returns_the_four_complete_pages(scratch_pages: dict[str, str]) -> None:
    assert set(scratch_pages) == set(PAGES)
    for name, html in scratch_pages.items():
        assert html.startswith("<!DOCTYPE html>\n<html lang=\"en\">"), name
        assert html.rstrip().endswith("</html>"), name
        assert "<style>" in html and "@font-face" in html and "@page" in html, name


def test_unknown_edition_is_refused(scratch: Project) -> None:
    report = assess_ok(scratch)
    with pytest.raises(ValueError, match="edition"):
        render_city(report.city, report, edition="secret")


def test_sections_and_contents_follow_the_manifest(scratch_pages: dict[str, str]) -> None:
    for doc in documents():
        html = scratch_pages[f"{doc.id}.html"]
        page = outline(html)
        section_ids = [i for i in page.ids if i in {s.slug for s in doc.sections}]
        assert section_ids == [s.slug for s in doc.sections]
        toc = html[html.index('<nav class="toc"'):html.index("</nav>")]
        assert re.findall(r'href="#([^"]+)"', toc) == [s.slug for s in doc.sections]
        h2 = [text for level, text in page.headings if level == 2 and text != "Contents"]
        assert h2 == [f"{n} {s.title}" for n, s in enumerate(doc.sections, 1)]


def test_one_h1_ordered_headings_unique_ids_scoped_headers(scratch_pages: dict[str, str]) -> None:
    for name, html in scratch_pages.items():
        page = outline(html)
        levels = [level for level, _ in page.headings]
        assert levels.count(1) == 1 and levels[0] == 1, name
        for before, after in itertools.pairwise(levels):
            assert after <= before + 1, f"{name}: heading level jumps from h{before} to h{after}"
        assert len(page.ids) == len(set(page.ids)), [i for i in page.ids if page.ids.count(i) > 1]
        assert page.th_without_scope == 0, name
        for landmark in ("header", "main", "footer"):
            assert page.tags.count(landmark) == 1, (name, landmark)
        assert 'class="skip-link" href="#main"' in html
        assert html.count("<table") == html.count("<caption"), name
        assert "<script" not in html.lower()


def test_every_in_page_link_has_a_target(scratch_pages: dict[str, str]) -> None:
    for name, html in scratch_pages.items():
        page = outline(html)
        for href in page.hrefs:
            if href.startswith("#"):
                assert href[1:] in page.ids, (name, href)
            else:
                assert re.match(r"(https?:|mailto:|tel:|sms:|[a-z-]+\.(html|pdf)$)", href), (name, href)


def test_charts_are_accessible_figures(scratch_pages: dict[str, str]) -> None:
    plan = scratch_pages["prevention-plan.html"]
    for ident in ("risk-matrix", "stakeholder-map", "timeline"):
        svg = re.search(rf'<svg [^>]*aria-labelledby="{ident}-title"[^>]*>', plan)
        assert svg, ident
        assert 'role="img"' in svg.group(0)
        assert f'<title id="{ident}-title">' in plan and f'<desc id="{ident}-desc">' in plan
    assert plan.count("<figure") == 3 and plan.count("<figcaption") == 3
    # The same data as tables: threats by score, stakeholders by seat, milestones by date.
    for table in ("threats-table", "stakeholder-map-table", "milestones-table"):
        assert f'id="{table}"' in plan


def test_the_index_links_each_document_and_its_pdf(scratch: Project, scratch_pages: dict[str, str]) -> None:
    index = scratch_pages["index.html"]
    for doc in documents():
        assert f'<a href="{doc.id}.html">{doc.title}</a>' in index
        assert f'<a href="{doc.id}.pdf" type="application/pdf">{doc.title} (PDF)</a>' in index
    assert 'href="index.pdf"' not in index
    internal = render(scratch, edition="internal")["index.html"]
    assert '<a href="prevention-plan-internal.pdf" type="application/pdf">' in internal
    assert 'href="prevention-plan.pdf"' not in internal


def test_without_pdfs_no_page_links_a_pdf(scratch: Project) -> None:
    report = assess_ok(scratch)
    pages = render_city(report.city, report, pdf=False)
    for name, html in pages.items():
        assert ".pdf" not in "".join(outline(html).hrefs), name
    with_pdfs = render_city(report.city, report)
    assert {n: h for n, h in pages.items() if n != "index.html"} == {
        n: h for n, h in with_pdfs.items() if n != "index.html"}


def test_an_html_only_build_links_no_pdf_and_a_full_build_links_the_pdfs_it_writes(
        scratch: Project, tmp_path: Path) -> None:
    from cityframe.build import build_city

    html_only = build_city(scratch, "millbrook", formats="html", out=tmp_path / "html", workers=1)
    assert html_only.ok, html_only.errors
    index = (tmp_path / "html" / "millbrook" / "index.html").read_text(encoding="utf-8")
    assert ".pdf" not in "".join(outline(index).hrefs)
    full = build_city(scratch, "millbrook", formats="all", out=tmp_path / "all", workers=1)
    assert full.ok, full.errors
    folder = tmp_path / "all" / "millbrook"
    pdf_links = [h for h in outline((folder / "index.html").read_text(encoding="utf-8")).hrefs if h.endswith(".pdf")]
    assert sorted(pdf_links) == sorted(f"{doc.id}.pdf" for doc in documents())
    assert all((folder / link).is_file() for link in pdf_links)


def test_the_cover_says_the_edition_once_and_has_no_footer_line(scratch_pages: dict[str, str]) -> None:
    plan = scratch_pages["prevention-plan.html"]
    cover = plan[plan.index('<header class="cover'):plan.index("</header>")]
    assert cover.count("Public edition") == 1
    assert "cover-footer" not in plan
    # The running header and footer are off on the cover page, which shows the same facts itself.
    page_cover = re.search(r"@page cover \{(.*?)\n  \}", plan, flags=re.S)
    assert page_cover, "no @page cover rule"
    for box in ("top-left", "top-center", "top-right", "bottom-left", "bottom-right"):
        assert f"@{box} {{ content: none; }}" in page_cover.group(1), box


def test_tables_that_set_column_widths_set_one_per_column_summing_to_100(scratch_pages: dict[str, str]) -> None:
    seen = 0
    for name, html in scratch_pages.items():
        for table in re.findall(r"<table .*?</table>", html, flags=re.S):
            widths = [int(w) for w in re.findall(r'<col style="width: (\d+)%">', table)]
            if not widths:
                continue
            seen += 1
            assert 'class="cols"' in table or re.search(r'class="[^"]*\bcols\b', table), name
            header = re.search(r"<thead><tr>(.*?)</tr></thead>", table, flags=re.S)
            first_row = header.group(1) if header else re.search(r"<tr[^>]*>(.*?)</tr>", table, flags=re.S).group(1)
            assert len(widths) == len(re.findall(r"<t[hd][ >]", first_row)), (name, table[:80])
            assert sum(widths) == 100, (name, table[:80])
    assert seen >= 12


def test_charts_scale_to_the_column_instead_of_scrolling(scratch_pages: dict[str, str]) -> None:
    plan = scratch_pages["prevention-plan.html"]
    assert "chart-scroll" not in plan and "min-width: 38rem" not in plan
    assert "figure svg.chart { display: block; width: 100%; height: auto;" in plan
    svgs = re.findall(r"<svg .*?</svg>", plan, flags=re.S)
    assert len(svgs) == 4  # the timeline twice: wide, and narrow for phones (test_phone.py measures it)
    for svg in svgs:
        width = float(re.search(r'viewBox="0 0 ([\d.]+) [\d.]+"', svg).group(1))  # type: ignore[union-attr]
        smallest = min(float(size) for size in re.findall(r'font-size="([\d.]+)"', svg))
        if "chart-narrow" in svg:  # the phone's drawing: 14 px text in a 390 px phone's 355 px column
            assert smallest * 355 / width >= 14, svg[:200]
        else:  # shown from 36rem (576 px) up, in a column of at least 32rem (512 px): 11 px text or more
            assert "chart-wide" in svg and smallest * 512 / width >= 11, svg[:200]


def test_rendering_is_deterministic(scratch: Project, scratch_pages: dict[str, str]) -> None:
    assert render(scratch) == scratch_pages
    assert render(scratch, edition="internal") == render(scratch, edition="internal")


# --- drafts, editions, illustrative ---------------------------------------------------------------------


def test_a_complete_plan_in_draft_status_says_not_adopted(scratch_pages: dict[str, str]) -> None:
    plan = scratch_pages["prevention-plan.html"]
    assert "Draft – not adopted" in plan
    assert "Draft: not yet adopted by the City Council." in plan
    assert "Incomplete" not in plan


def test_incomplete_data_is_marked_as_such_and_lists_what_is_missing(tmp_path: Path) -> None:
    data = copy.deepcopy(SCRATCH)
    data["city.yaml"]["plan"]["status"] = "adopted"
    data["city.yaml"]["plan"]["vision"] = "TODO"
    data["governance.yaml"]["steering_group"]["working_groups"] = []
    pages = render(make_project(tmp_path / "p", data))
    plan = pages["prevention-plan.html"]
    assert "Draft – incomplete data" in plan
    assert "Incomplete: not every required section is filled in yet" in plan
    assert "15 of 16 required sections filled in" in plan  # the plan's own count, not the framework's
    assert "not yet adopted" not in plan
    section = plan[plan.index('id="vision-and-objectives"'):plan.index('id="scope-and-principles"')]
    assert "This section is incomplete" in section and "<li>a vision</li>" in section
    assert "TODO" not in section
    assert "Working groups" in pages["index.html"]


def test_a_fresh_citys_covers_each_give_one_count(new_city) -> None:
    """Issue 12.6: "0 of 16 required sections filled in" sat above "40 of 40 ... are not yet filled in"."""
    pages = render(new_city("testville"), "testville")
    for name, page in pages.items():
        cover = page[page.index("<header"):page.index("</header>")]
        counts = re.findall(r"\d+ of \d+ required sections", cover)
        assert len(counts) == 1, (name, counts)
        colophon = page[page.index('<footer class="colophon">'):]
        assert not re.findall(r"\d+ of \d+ required sections", colophon), name
    assert re.search(r"Completeness</dt><dd>0 of 16 required sections filled in", pages["prevention-plan.html"])


def test_adopted_and_complete_has_no_draft_marking(tmp_path: Path) -> None:
    data = copy.deepcopy(SCRATCH)
    data["city.yaml"]["plan"]["status"] = "adopted"
    pages = render(make_project(tmp_path / "p", data))
    for html in pages.values():
        text = without_style(html)
        assert "Draft" not in text and "draft" not in text and "status-title" not in text


def test_scaffolded_city_renders_as_an_incomplete_draft(tmp_path: Path) -> None:
    project = Project(tmp_path / "p")
    project.cities_dir.mkdir(parents=True)
    new_city(project, "emptyville", "Emptyville", "KS")
    pages = render(project, "emptyville")
    assert set(pages) == set(PAGES)
    assert "Draft – not adopted, incomplete" in pages["prevention-plan.html"]
    assert "TODO" not in without_style(pages["prevention-plan.html"])


EMPTY_ELEMENT = re.compile(r"<(p|ul|ol|li|dl|dd)\b[^>]*>\s*</\1>")
HEADING_THEN = re.compile(r"<h([2-6])\b[^>]*>((?:(?!</?h[1-6]\b).)*)</h\1>\s*(</section>|</main>|<h([1-6])\b)", re.S)


def headings_over_nothing(html: str) -> list[str]:
    """Headings followed by the end of their section or by a heading of the same or a higher rank."""
    return [re.sub(r"<[^>]+>", "", match[2]) for match in HEADING_THEN.finditer(html)
            if not match[4] or int(match[4]) <= int(match[1])]


def test_a_fresh_draft_has_no_heading_over_nothing_and_no_empty_paragraph(tmp_path: Path) -> None:
    """What a draft lacks is listed in its section's box; a heading or paragraph with nothing in it reads as broken."""
    project = Project(tmp_path / "p")
    project.cities_dir.mkdir(parents=True)
    new_city(project, "emptyville", "Emptyville", "KS")
    for name, html in render(project, "emptyville").items():
        body = without_style(html)
        assert headings_over_nothing(body) == [], name
        assert EMPTY_ELEMENT.findall(body) == [], name


def test_public_edition_drops_internal_contacts_and_notes(scratch_pages: dict[str, str]) -> None:
    for html in scratch_pages.values():
        assert "555-0142" not in html
        assert "INTERNAL-NOTE-TEXT" not in html
        assert "liaison@example.org" not in html
        assert "Internal – not for distribution" not in html
    directory = scratch_pages["resource-directory.html"]
    assert "prevention@example.org" in directory and "Public note about the office." in directory
    assert "Public edition" in scratch_pages["index.html"]


def test_internal_edition_shows_everything_and_marks_every_page(scratch: Project) -> None:
    pages = render(scratch, edition="internal")
    directory = pages["resource-directory.html"]
    assert "555-0142" in directory and "INTERNAL-NOTE-TEXT" in directory
    assert "liaison@example.org" in directory
    for name, html in pages.items():
        assert '<p class="banner banner-internal">Internal – not for distribution</p>' in html, name
        assert "Internal edition" in html, name
    # The running footer of every printed page carries the notice (string-set from the cover).
    assert ".cover-edition { string-set: edition content(); }" in pages["prevention-plan.html"]
    assert "@bottom-left { content: string(edition)" in pages["prevention-plan.html"]
    assert 'href="governance-charter-internal.html"' in pages["index.html"]


def test_the_context_never_holds_internal_values_in_the_public_edition(scratch: Project) -> None:
    report = assess_ok(scratch)
    context = build_context(report.city, report, "public")
    seen: list[str] = []

    def walk(value: Any, depth: int = 0) -> None:
        assert depth < 30
        if isinstance(value, str):
            seen.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v, depth + 1)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v, depth + 1)
        elif isinstance(value, View):
            for key in value.field_names():
                walk(getattr(value, key), depth + 1)
        elif isinstance(value, BaseModel):
            pytest.fail(f"a pydantic model reached the context: {type(value).__name__}")

    walk(context)
    text = "\n".join(seen)
    assert "INTERNAL-NOTE-TEXT" not in text and "555-0142" not in text and "liaison@" not in text
    assert "internal" not in {getattr(c, "visibility", None) for s in context["stakeholders"] for c in s.contacts}


def test_illustrative_content_is_labelled(scratch_pages: dict[str, str]) -> None:
    plan = scratch_pages["prevention-plan.html"]
    assert "Millbrook is a made-up city used by cityframe's tests." in plan
    assert "Illustrative content." in plan
    assert re.search(r"Referral panel <span class=\"label label-illustrative\">Illustrative</span>", plan)
    assert re.search(r"Polarization <span class=\"label label-illustrative\">Illustrative</span>", plan)
    assert 'Millbrook Unity Council <span class="label label-illustrative">' in (
        scratch_pages["resource-directory.html"])


# --- colours and language ---------------------------------------------------------------------------------


@pytest.mark.parametrize("accent", ["#ffff00", "#00ff00", "#cccccc", "#ffffff", "#00694e", "#000000", None])
def test_accent_colour_always_reaches_4_5_to_1(accent: str | None) -> None:
    theme = make_theme(accent)
    for background in ("#ffffff", "#f3f4f6", "#fdf5e2"):  # page, striped rows, notes
        assert contrast_ratio(theme.accent, background) >= 4.5
    assert contrast_ratio(theme.accent, theme.tint) >= 4.5
    assert re.fullmatch(r"#[0-9a-f]{6}", theme.accent)


def test_a_dark_enough_accent_is_kept_as_is() -> None:
    assert make_theme("#00694e").accent == "#00694e"
    assert not make_theme("#00694e").accent_adjusted
    assert make_theme("#ffff00").accent_adjusted


def test_a_pale_accent_is_darkened_in_the_page(tmp_path: Path) -> None:
    data = copy.deepcopy(SCRATCH)
    data["city.yaml"]["city"]["accent_color"] = "#ffee00"
    html = render(make_project(tmp_path / "p", data))["prevention-plan.html"]
    accent = re.search(r"--accent:(#[0-9a-f]{6});", html).group(1)  # type: ignore[union-attr]
    assert accent != "#ffee00" and contrast_ratio(accent, "#ffffff") >= 4.5


def test_lang_comes_from_the_authoritative_language(tmp_path: Path) -> None:
    data = copy.deepcopy(SCRATCH)
    data["city.yaml"]["plan"]["language_access"]["authoritative_language"] = "Spanish"
    pages = render(make_project(tmp_path / "p", data))
    assert all(html.startswith('<!DOCTYPE html>\n<html lang="es">') for html in pages.values())


def test_logo_is_inlined_as_a_data_uri(tmp_path: Path) -> None:
    data = copy.deepcopy(SCRATCH)
    data["city.yaml"]["city"]["logo"] = "logo.svg"
    project = make_project(tmp_path / "p", data)
    (project.cities_dir / "millbrook" / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>')
    html = render(project)["prevention-plan.html"]
    assert re.search(r'<img class="cover-logo" src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+" '
                     r'alt="Logo of Millbrook">', html)


# --- hostile text -----------------------------------------------------------------------------------------

HOSTILE = ('<script>alert(1)</script><img src=x onerror=alert(2)>"\'</style></title>'
           '[link](javascript:alert(3)) [d](data:text/html,x) [f](file:///etc/passwd) {{ 7*7 }} {% raw %}')
HOSTILE_URL = "javascript:alert(4)"
HOSTILE_WEB_URL = 'https://example.org/"><script>alert(5)</script>'
"""A web address the data format accepts (javascript: is refused at check), with markup in its path."""


def _is_free_text(annotation: Any) -> str | None:
    """'text' for free-text str fields, 'url' for the Url alias; None for ids, codes, enums, dates ..."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *extra = typing.get_args(annotation)
        if base is not str:
            return None
        patterns = [getattr(m, "pattern", None) for m in extra]
        if any(patterns):
            return None
        lengths = [getattr(m, "max_length", None) for m in extra]
        return "url" if 2_000 in lengths else "text"
    if origin in (typing.Union, __import__("types").UnionType):
        for arg in typing.get_args(annotation):
            kind = _is_free_text(arg)
            if kind:
                return kind
    return None


def _model_of(annotation: Any) -> type[BaseModel] | None:
    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if origin is not None:
        for arg in typing.get_args(annotation):
            found = _model_of(arg)
            if found:
                return found
    return None


def _accepts(annotation: Any, value: str) -> bool:
    from pydantic import TypeAdapter, ValidationError

    try:
        TypeAdapter(annotation).validate_python(value)
    except ValidationError:
        return False
    return True


def poison(data: Any, model: type[BaseModel]) -> Any:
    """Every free-text field of ``data`` (valid for ``model``) replaced by a hostile string, ids untouched."""
    if not isinstance(data, dict):
        return data
    out = {}
    for key, value in data.items():
        field = model.model_fields[key]
        kind = _is_free_text(field.annotation)
        inner = _model_of(field.annotation)
        list_of_text = typing.get_origin(field.annotation) is list and _is_free_text(
            typing.get_args(field.annotation)[0])
        if kind and isinstance(value, str):
            # The first payload the field accepts: phones, emails and state codes are checked, and keep their value.
            candidates = [HOSTILE_URL, HOSTILE_WEB_URL] if kind == "url" else [f"{key} {HOSTILE}"]
            out[key] = next((c for c in candidates if _accepts(field.annotation, c)), value)
        elif list_of_text and isinstance(value, list):
            out[key] = [f"{key} {HOSTILE}" for _ in value]
        elif inner and isinstance(value, list):
            out[key] = [poison(v, inner) for v in value]
        elif inner and isinstance(value, dict):
            out[key] = poison(value, inner)
        else:
            out[key] = value
    return out


@pytest.fixture(scope="module")
def hostile_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    data = {file: poison(copy.deepcopy(content), FILE_MODELS[file]) for file, content in SCRATCH.items()}
    # The name must stay a valid city name for `cityframe new`, but the YAML may say anything.
    project = make_project(tmp_path_factory.mktemp("hostile") / "p", data)
    return {edition: render(project, edition=edition) for edition in ("public", "internal")}


def test_hostile_text_in_every_field_is_escaped(hostile_pages: dict[str, dict[str, str]]) -> None:
    for edition, pages in hostile_pages.items():
        for name, html in pages.items():
            where = f"{edition}/{name}"
            assert "<script" not in html.lower(), where
            assert "<img src=x" not in html, where
            # The PDF keywords (version, status, revision) are the one attribute that holds the city's text, as
            # inert, escaped text: parsed, no attribute is an event handler or a dangerous link.
            parsed = outline(html)
            assert not [a for a in parsed.attrs if a[1].startswith("on")], where
            links = [(v or "").strip().lower() for _, n, v in parsed.attrs if n in ("href", "src", "action")]
            assert not [u for u in links if u.startswith(("javascript:", "data:text", "file:"))], where
            tags = re.sub(r">[^<]*<", "><", re.sub(r'<meta name="keywords" content="[^"<>]*">', "", html))
            assert re.search(r"<[^>]+\son\w+\s*=", tags) is None, where
            assert "javascript:" not in tags, where  # never inside a tag
            assert "data:text" not in tags, where
            assert "file:" not in tags, where
            style = re.findall(r"<style>(.*?)</style>", html, flags=re.S)
            assert len(style) == 1 and "alert(" not in style[0] and "<" not in style[0], where
            assert html.count("</title>") == 1 + html.count("<svg ") and html.count("</style>") == 1, where
            assert "{{ 7*7 }}" in html, where  # data is never evaluated as a template
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, where
    # The hostile text really reached the pages (the test would be empty otherwise).
    plan = hostile_pages["public"]["prevention-plan.html"]
    for field in ("foreword", "vision", "statement_of_need", "description", "name", "title", "caveat"):
        assert f"{field} &lt;script&gt;" in plan or f"{field} &lt;script&gt;" in hostile_pages["public"][
            "resource-directory.html"], field


def test_hostile_urls_never_become_links(hostile_pages: dict[str, dict[str, str]]) -> None:
    for pages in hostile_pages.values():
        for html in pages.values():
            for href in outline(html).hrefs:
                assert re.match(r"(#|https?:|mailto:|tel:|sms:|[a-z-]+\.(html|pdf)$)", href), href


# --- overrides --------------------------------------------------------------------------------------------


def test_a_city_override_replaces_a_section(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    override = project.cities_dir / "millbrook" / "templates" / "plan" / "foreword.html"
    override.parent.mkdir(parents=True)
    override.write_text("<p>Our own foreword for {{ city.name }}.</p>\n")
    plan = render(project)["prevention-plan.html"]
    assert "<p>Our own foreword for Millbrook.</p>" in plan
    assert "Second paragraph of the foreword." not in plan


def test_an_override_can_extend_the_template_it_replaces(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    override = project.cities_dir / "millbrook" / "templates" / "plan" / "vision-and-objectives.html"
    override.parent.mkdir(parents=True)
    override.write_text('{% extends "builtin:plan/vision-and-objectives.html" %}\n'
                        "{% block vision %}<p>Adopted unanimously.</p>{{ super() }}{% endblock %}\n")
    plan = render(project)["prevention-plan.html"]
    section = plan[plan.index('id="vision-and-objectives"'):plan.index('id="scope-and-principles"')]
    assert section.index("<p>Adopted unanimously.</p>") < section.index("A city where everyone is safe.")
    assert "Goal 1. Residents can report safely" in section


def test_project_templates_sit_between_the_city_and_the_built_in_ones(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    (project.root / "templates" / "plan").mkdir(parents=True)
    (project.root / "templates" / "plan" / "foreword.html").write_text("<p>Project foreword.</p>\n")
    (project.root / "templates" / "plan" / "vision-and-objectives.html").write_text("<p>Project vision.</p>\n")
    city_templates = project.cities_dir / "millbrook" / "templates" / "plan"
    city_templates.mkdir(parents=True)
    (city_templates / "foreword.html").write_text(
        '{% extends "project:plan/foreword.html" %}\n')
    plan = render(project)["prevention-plan.html"]
    assert plan.count("<p>Project foreword.</p>") == 1 and "<p>Project vision.</p>" in plan


def test_a_typo_in_an_override_fails_loudly(tmp_path: Path) -> None:
    from cityframe.errors import LocatedError

    project = make_project(tmp_path / "p")
    override = project.cities_dir / "millbrook" / "templates" / "plan" / "foreword.html"
    override.parent.mkdir(parents=True)
    override.write_text("<p>\n{{ plan.forword }}</p>\n")
    with pytest.raises(LocatedError, match="forword") as error:
        render(project)
    assert str(error.value).startswith("cities/millbrook/templates/plan/foreword.html:2:1: uses a name that is not "
                                       "defined:")


def test_an_override_cannot_reach_python_internals(tmp_path: Path) -> None:
    from cityframe.errors import LocatedError

    project = make_project(tmp_path / "p")
    override = project.cities_dir / "millbrook" / "templates" / "plan" / "foreword.html"
    override.parent.mkdir(parents=True)
    override.write_text("{{ city.__class__.__mro__ }}\n")
    with pytest.raises(LocatedError) as error:
        render(project)
    assert str(error.value).startswith("cities/millbrook/templates/plan/foreword.html:1:1: refused for safety: "
                                       "access to attribute '__class__'")


# --- athens: the showcase, compared with golden pages ----------------------------------------------------


def athens_pages(edition: str = "public") -> dict[str, str]:
    project = Project(REPO)
    report = assess(project, "athens")
    assert report.valid, [str(f) for f in report.errors]
    assert report.city is not None
    return render_city(report.city, report, edition=edition)


def golden_name(name: str, edition: str) -> str:
    return name if edition == "public" else name.replace(".html", f"-{edition}.html")


def regenerate_goldens() -> list[Path]:
    """Write tests/golden/athens/*.html from the current templates and data; return the files written."""
    folder = GOLDEN / "athens"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for edition in ("public", "internal"):
        for name, html in athens_pages(edition).items():
            target = folder / golden_name(name, edition)
            target.write_text(html, encoding="utf-8")
            written.append(target)
    return written


@pytest.mark.skipif(not (REPO / "cities" / "athens" / "city.yaml").exists(), reason="cities/athens is not there")
@pytest.mark.parametrize("edition", ["public", "internal"])
def test_athens_matches_the_golden_pages(edition: str) -> None:
    if REGEN:
        regenerate_goldens()
    pages = athens_pages(edition)
    for name, html in pages.items():
        golden = GOLDEN / "athens" / golden_name(name, edition)
        assert golden.exists(), f"{golden} is missing: run python scripts/regen-golden"
        expected = golden.read_text(encoding="utf-8")
        if html != expected:
            diff = "\n".join(list(difflib.unified_diff(expected.splitlines(), html.splitlines(), str(golden),
                                                       "rendered", lineterm="", n=1))[:40])
            pytest.fail(f"{name} ({edition}) differs from its golden page; if the change is intended, run "
                        f"`python scripts/regen-golden` and review the diff.\n{diff}")


@pytest.mark.skipif(not (REPO / "cities" / "athens" / "city.yaml").exists(), reason="cities/athens is not there")
def test_athens_is_the_complete_showcase() -> None:
    pages = athens_pages()
    for name, html in pages.items():
        assert html.startswith('<!DOCTYPE html>\n<html lang="en">'), name
        assert "This section is incomplete" not in html, name
    assert pages["prevention-plan.html"].count("<figure") == 3
    directory = pages["resource-directory.html"]
    assert "No resource in this category yet." not in directory
    assert "National" in directory and "Local" in directory


# --- print: WeasyPrint reads the same page ---------------------------------------------------------------


def test_the_printed_plan_has_a_cover_contents_with_page_numbers_and_only_shipped_fonts(
        scratch_pages: dict[str, str], caplog: pytest.LogCaptureFixture) -> None:
    import io
    import logging

    import pikepdf
    import weasyprint
    from pypdf import PdfReader

    from cityframe.data.project import builtin_templates_dir

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = weasyprint.HTML(string=scratch_pages["prevention-plan.html"],
                              base_url=str(builtin_templates_dir())).write_pdf(pdf_variant="pdf/ua-1")
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 4
    cover, contents, first = (reader.pages[i].extract_text() for i in range(3))
    assert "Prevention Plan" in cover and "Draft – not adopted".upper() in cover.upper()
    assert "Contents" in contents
    assert re.search(r"Document control[ .]*3", contents)
    assert "Millbrook, Ohio · Prevention Plan" in first and "Page 3 of" in first
    with pikepdf.open(io.BytesIO(pdf)) as document:
        fonts = {str(obj.get("/BaseFont")) for obj in document.objects
                 if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font"}
    # Every glyph, the charts' included, comes from the fonts shipped in templates/fonts/.
    assert fonts and all("Noto" in f for f in fonts), fonts
