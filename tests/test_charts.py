"""The inline SVG pictures: well-formed, named for assistive technology, deterministic, and legible."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from cityframe import charts
from cityframe.context import KIND_LABELS, SEAT_LABELS, SEAT_ORDER, View, contrast_ratio

SVG = "{http://www.w3.org/2000/svg}"


def threat(number: str, likelihood: int, impact: int, name: str = "A threat") -> View:
    return View(number=number, name=name, likelihood=likelihood, impact=impact, score=likelihood * impact)


def intervention(number: str, tier: str, start: dt.date | None, end: dt.date | None,
                 milestones: tuple[dt.date, ...] = (), title: str = "An activity") -> View:
    return View(number=number, title=title, tier=tier, start=start, end=end,
                milestones=tuple(View(date=d, description="m") for d in milestones))


def tiers(*items: View) -> tuple[View, ...]:
    return tuple(View(id=t, label=t.title(), interventions=tuple(i for i in items if i.tier == t))
                 for t in ("primary", "secondary", "tertiary"))


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def check_named(root: ET.Element, ident: str) -> None:
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{ident}-title" and root.get("aria-describedby") == f"{ident}-desc"
    # The <title> comes first: WeasyPrint uses it as the PDF figure's alternate text.
    assert root[0].tag == f"{SVG}title" and root[0].get("id") == f"{ident}-title" and root[0].text
    assert root[1].tag == f"{SVG}desc" and root[1].get("id") == f"{ident}-desc" and root[1].text


def test_risk_matrix_places_threats_in_their_cells() -> None:
    svg = charts.risk_matrix([threat("T1", 3, 4), threat("T2", 3, 4), threat("T3", 5, 5, "<b>&")])
    root = parse(svg)
    check_named(root, "risk-matrix")
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert labels.count("T1") == 1 and "T3" in labels
    assert "T3 <b>&: likelihood 5, impact 5, very high (25)." in root[1].text  # escaped in the markup
    assert "&lt;b&gt;&amp;" in svg
    assert len([r for r in root.iter(f"{SVG}rect") if r.get("width") == "100"]) == 25


def test_a_crowded_cell_says_how_many_more() -> None:
    root = parse(charts.risk_matrix([threat(f"T{n}", 2, 2) for n in range(1, 10)]))
    assert "+4" in [t.text for t in root.iter(f"{SVG}text")]


@pytest.mark.parametrize(("score", "level"), [(1, "low"), (4, "low"), (5, "moderate"), (9, "moderate"),
                                              (10, "high"), (16, "high"), (20, "very-high"), (25, "very-high")])
def test_risk_levels(score: int, level: str) -> None:
    assert charts.risk_level(score)["id"] == level


def test_stakeholder_map_counts_seats_by_kind() -> None:
    people = [View(kind="local-government", seat="chair"), View(kind="faith", seat="member"),
              View(kind="faith", seat="member"), View(kind="law-enforcement", seat="none")]
    root = parse(charts.stakeholder_map(people, KIND_LABELS, SEAT_LABELS, SEAT_ORDER))
    check_named(root, "stakeholder-map")
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts.count("2") == 1 and "Faith" in texts and "Education" not in texts
    assert "Faith: 2 member." in root[1].text


def test_timeline_draws_bars_milestones_and_open_ends() -> None:
    items = (intervention("A1", "primary", dt.date(2026, 1, 1), dt.date(2026, 12, 31), (dt.date(2026, 6, 1),)),
             intervention("A2", "tertiary", dt.date(2026, 3, 1), None, (dt.date(2027, 2, 1),)))
    svg = charts.intervention_timeline(tiers(*items))
    root = parse(svg)
    check_named(root, "timeline")
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "2026" in texts and "2027" in texts
    assert "No intervention in this tier." in texts  # the empty secondary tier says so
    assert len(list(root.iter(f"{SVG}path"))) == 3  # two milestones and the legend's diamond
    assert 'stroke-dasharray="4 3"' in svg  # A2 has no end date
    assert "A2 An activity (tertiary): from 2026-03-01, no end date, 1 milestones." in root[1].text


def test_timeline_without_dates_says_so() -> None:
    root = parse(charts.intervention_timeline(tiers(intervention("A1", "primary", None, None))))
    assert "No dated interventions yet." in [t.text for t in root.iter(f"{SVG}text")]


def test_charts_are_deterministic_and_free_of_float_noise() -> None:
    items = tiers(intervention("A1", "secondary", dt.date(2025, 2, 3), dt.date(2029, 11, 30)))
    first, second = charts.intervention_timeline(items), charts.intervention_timeline(items)
    assert first == second
    assert not re.search(r"\d\.\d{2,}", first)


def test_text_colours_meet_contrast_on_their_backgrounds() -> None:
    for _lowest, _ident, _label, fill in charts.LEVELS:
        assert contrast_ratio(charts.INK, fill) >= 4.5
        assert contrast_ratio(charts.MUTED, "#ffffff") >= 4.5
    assert contrast_ratio("#ffffff", charts.MARK) >= 4.5
    for color in charts.SEAT_COLORS.values():
        assert contrast_ratio("#ffffff", color) >= 4.5
    for color in charts.TIER_COLORS.values():  # bars are graphics: 3:1 against white and the lane shade
        assert contrast_ratio(color, "#ffffff") >= 3 and contrast_ratio(color, "#eef1f4") >= 3
