"""The inline SVG pictures: well-formed, named for assistive technology, deterministic, and legible."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from cityframe.render import charts
from cityframe.render.context import KIND_LABELS, SEAT_LABELS, SEAT_ORDER, View, contrast_ratio

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
    assert len([r for r in root.iter(f"{SVG}rect") if r.get("width") == str(charts.MATRIX_CELL[0])]) == 25


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


def test_wrap_breaks_at_spaces_fits_the_width_and_marks_a_cut() -> None:
    text = "Warning signs and referral training for front-line staff in every school, clinic, library and shelter"
    lines = charts.wrap(text, 11.5, 150, 3)
    assert 1 < len(lines) <= 3
    assert all(charts.text_width(line, 11.5) <= 150 for line in lines)
    assert lines[-1].endswith("…") and " ".join(lines).startswith("Warning signs and")
    assert charts.wrap("Short", 11.5, 150, 3) == ["Short"]
    assert charts.wrap("x" * 80, 11.5, 150, 3)[0].endswith("…")  # one word too long for the column
    assert charts.text_width("2027", 12, "bold") == charts.text_width("2027", 12)  # digits are tabular


def test_timeline_names_sit_in_their_own_column_clear_of_the_year_lines() -> None:
    long_title = "Report Hate Athens - one front door for bias incidents, online and in person, in four languages"
    items = tiers(
        intervention("A1", "primary", dt.date(2026, 1, 1), dt.date(2028, 12, 31), (dt.date(2027, 6, 1),),
                     title=long_title),
        intervention("A2", "secondary", dt.date(2026, 4, 1), None, title="Referral panel"),
        intervention("A3", "tertiary", dt.date(2027, 1, 1), dt.date(2029, 3, 31), title="Recovery"))
    root = parse(charts.intervention_timeline(items))
    label_left, label_right = charts.TIMELINE_LABELS
    names = [t for t in root.iter(f"{SVG}text") if float(t.get("x")) == label_left and float(t.get("y")) > 40
             and t.get("font-weight") == "normal"]
    texts = [t.text for t in names]
    first = texts.index(next(t for t in texts if t.startswith("A1 ")))
    name = texts[first:first + next(n for n, t in enumerate(texts[first:]) if t.startswith("A2 "))]
    assert len(name) >= 3 and " ".join(name) == f"A1 {long_title}"  # on as many lines as it needs, never cut
    assert "A2 Referral panel" in texts and "A3 Recovery" in texts
    for t in names:  # every line of every name fits the column
        assert label_left + charts.text_width(t.text, float(t.get("font-size"))) <= label_right, t.text
    year_lines = [ln for ln in root.iter(f"{SVG}line") if ln.get("stroke") == "#c8c8c8"]
    assert len(year_lines) == 3  # 2027, 2028 and 2029
    assert all(float(ln.get("x1")) > label_right for ln in year_lines)
    tier_colors = set(charts.TIER_COLORS.values())
    bars = [r for r in root.iter(f"{SVG}rect")
            if r.get("height") in ("10", "9") and {r.get("fill"), r.get("stroke")} & tier_colors]
    assert bars and all(float(r.get("x")) > label_right for r in bars)


@pytest.mark.parametrize("draw", ["risk_matrix", "stakeholder_map", "intervention_timeline"])
def test_charts_scale_and_stay_legible_on_a_phone(draw: str) -> None:
    people = [View(kind="local-government", seat="chair"), View(kind="faith", seat="member")]
    svg = {"risk_matrix": lambda: charts.risk_matrix([threat("T1", 3, 4)]),
           "stakeholder_map": lambda: charts.stakeholder_map(people, KIND_LABELS, SEAT_LABELS, SEAT_ORDER),
           "intervention_timeline": lambda: charts.intervention_timeline(
               tiers(intervention("A1", "primary", dt.date(2026, 1, 1), dt.date(2027, 1, 1))))}[draw]()
    root = parse(svg)
    _, _, width, height = (float(v) for v in root.get("viewBox").split())
    assert (root.get("width"), root.get("height")) == (charts._n(width), charts._n(height))
    smallest = min(float(t.get("font-size")) for t in root.iter(f"{SVG}text"))
    # Shrunk to a 390 px phone's column (355 px), the smallest text is still 8.5 px or more; the wide timeline is
    # not shown on phones (its narrow twin is: test_the_narrow_timeline_has_text_of_14_px_on_a_390_px_phone), only
    # from 36rem up, in a column of at least 32rem (512 px).
    column = 512 if draw == "intervention_timeline" else 355
    assert smallest * column / width >= (11 if draw == "intervention_timeline" else 8.5)
    for text in root.iter(f"{SVG}text"):  # nothing drawn outside the picture
        assert 0 <= float(text.get("x")) <= width and 0 <= float(text.get("y")) <= height


def test_the_timeline_legend_lists_only_the_marks_it_uses() -> None:
    """A legend entry for a mark the picture does not draw ("No end date set" with every end set) misleads."""
    def legend(*items: View) -> list[str]:
        texts = [t.text for t in parse(charts.intervention_timeline(tiers(*items))).iter(f"{SVG}text")]
        return [t for t in texts if t in ("Milestone", "No end date set")]

    ended = intervention("A1", "primary", dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert legend(ended) == []
    assert legend(ended, intervention("A2", "primary", dt.date(2026, 1, 1), None)) == ["No end date set"]
    with_milestone = intervention("A3", "secondary", dt.date(2026, 1, 1), dt.date(2027, 1, 1), (dt.date(2026, 6, 1),))
    assert legend(ended, with_milestone) == ["Milestone"]


def test_the_narrow_timeline_has_text_of_14_px_on_a_390_px_phone() -> None:
    long_title = "Report Hate Athens - one front door for bias incidents, online and in person, in four languages"
    items = tiers(intervention("A1", "primary", dt.date(2026, 1, 1), dt.date(2028, 12, 31), (dt.date(2027, 6, 1),),
                               title=long_title),
                  intervention("A2", "tertiary", dt.date(2027, 1, 1), None, title="Recovery"))
    root = parse(charts.intervention_timeline(items, "timeline-narrow", narrow=True))
    check_named(root, "timeline-narrow")
    assert root.get("class") == "chart chart-narrow"
    _, _, width, height = (float(v) for v in root.get("viewBox").split())
    texts = list(root.iter(f"{SVG}text"))
    # A 390 px phone's column is 355 px: the drawing is shown at that width or at 24rem (384 px), if narrower.
    assert min(float(t.get("font-size")) for t in texts) * 355 / width >= 14
    for t in texts:  # inside the picture; names and legend (anchored at their start) end before its right edge
        assert 0 <= float(t.get("x")) <= width and float(t.get("y")) <= height, t.text
        if t.get("text-anchor") == "start":
            assert float(t.get("x")) + charts.text_width(t.text, float(t.get("font-size"))) <= width, t.text
