"""Pictures made from the data, as inline SVG: the risk matrix, the stakeholder map and the intervention timeline.

Each picture is a static ``<svg role="img">`` with a ``<title>`` (its accessible name, also the PDF's alternate
text) and a ``<desc>``; the templates put it in a ``<figure>`` next to a table of the same data for screen
readers. No script, no random ids, no floating-point noise: the same data draws the same bytes. Colour is
never the only carrier of meaning (scores, seats and tiers are also written as text), and every mark meets a
3:1 contrast against its background.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

FONT = "Noto Sans, DejaVu Sans, Arial, sans-serif"
INK = "#1b1b1b"
MUTED = "#4a4a4a"
GRID = "#ffffff"
LINE = "#8a8a8a"
MARK = "#22313f"

LEVELS = (  # (lowest score, id, label, cell fill)
    (20, "very-high", "Very high", "#f4c2c2"),
    (10, "high", "High", "#f9d8b4"),
    (5, "moderate", "Moderate", "#fbefc1"),
    (1, "low", "Low", "#d9eed9"),
)
LIKELIHOOD_WORDS = {1: "Very unlikely", 2: "Unlikely", 3: "Possible", 4: "Likely", 5: "Very likely"}
IMPACT_WORDS = {1: "Minimal", 2: "Minor", 3: "Moderate", 4: "Major", 5: "Severe"}
TIER_COLORS = {"primary": "#1f5f8b", "secondary": "#1b6e5f", "tertiary": "#73408a"}
SEAT_COLORS = {"chair": "#1f4e79", "vice-chair": "#1f4e79", "member": "#2e6b9e", "advisor": "#5a5a8c",
               "none": "#6b6b6b"}


def risk_level(score: int) -> dict[str, str]:
    """The band of a likelihood x impact score: id, label and fill colour."""
    for lowest, ident, label, fill in LEVELS:
        if score >= lowest:
            return {"id": ident, "label": label, "fill": fill}
    return {"id": "low", "label": "Low", "fill": LEVELS[-1][3]}


def _n(value: float) -> str:
    """A coordinate with at most one decimal, so output never depends on float printing."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _text(x: float, y: float, content: Any, *, size: int = 12, anchor: str = "start", weight: str = "normal",
          fill: str = INK, extra: str = "") -> str:
    return (f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}" text-anchor="{anchor}" font-weight="{weight}" '
            f'fill="{fill}"{extra}>{escape(content)}</text>')


def _svg(ident: str, width: int, height: int, title: str, desc: str, body: Sequence[str]) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-labelledby="{ident}-title" '
            f'aria-describedby="{ident}-desc" font-family="{FONT}" focusable="false">'
            f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(desc)}</desc>')
    return Markup(head + "".join(body) + "</svg>")


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- risk matrix -----------------------------------------------------------------------------------------


def risk_matrix(threats: Sequence[Any], ident: str = "risk-matrix") -> Markup:
    """A 5x5 likelihood x impact grid with each threat's number (T1, T2 ...) in its cell."""
    cell_w, cell_h, left, top = 100, 76, 120, 12
    width, height = left + 5 * cell_w + 16, top + 5 * cell_h + 104
    body = []
    cells: dict[tuple[int, int], list[Any]] = {}
    for threat in threats:
        cells.setdefault((threat.likelihood, threat.impact), []).append(threat)
    for impact in range(5, 0, -1):
        y = top + (5 - impact) * cell_h
        for likelihood in range(1, 6):
            x = left + (likelihood - 1) * cell_w
            fill = risk_level(likelihood * impact)["fill"]
            body.append(f'<rect x="{x}" y="{y}" width="{cell_w}" height="{cell_h}" fill="{fill}" '
                        f'stroke="{GRID}" stroke-width="2"/>')
            here = cells.get((likelihood, impact), [])
            shown = here if len(here) <= 6 else here[:5]
            for k, threat in enumerate(shown):
                row, col = divmod(k, 3)
                per_row = min(3, len(shown) - row * 3)
                cx = x + cell_w / 2 + (col - (per_row - 1) / 2) * 31
                cy = y + (cell_h / 2 if len(shown) <= 3 else 22 + row * 32)
                body.append(f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="14" fill="{MARK}"/>')
                body.append(_text(cx, cy + 4, threat.number, size=11, anchor="middle", weight="bold",
                                  fill="#ffffff"))
            if len(here) > 6:
                body.append(_text(x + cell_w / 2 + 31, y + 58, f"+{len(here) - 5}", size=12, anchor="middle",
                                  weight="bold"))
        body.append(_text(left - 10, y + cell_h / 2 - 2, str(impact), size=13, anchor="end", weight="bold"))
        body.append(_text(left - 10, y + cell_h / 2 + 14, IMPACT_WORDS[impact], size=11, anchor="end",
                          fill=MUTED))
    base = top + 5 * cell_h
    for likelihood in range(1, 6):
        cx = left + (likelihood - 0.5) * cell_w
        body.append(_text(cx, base + 18, str(likelihood), size=13, anchor="middle", weight="bold"))
        body.append(_text(cx, base + 34, LIKELIHOOD_WORDS[likelihood], size=11, anchor="middle", fill=MUTED))
    body.append(_text(left + 2.5 * cell_w, base + 56, "Likelihood", size=13, anchor="middle", weight="bold"))
    body.append(_text(18, top + 2.5 * cell_h, "Impact", size=13, anchor="middle", weight="bold",
                      extra=f' transform="rotate(-90 18 {_n(top + 2.5 * cell_h)})"'))
    legend_y = base + 80
    x = left
    for lowest, _ident, label, fill in reversed(LEVELS):
        top_score = {1: "4", 5: "9", 10: "16", 20: "25"}[lowest]
        body.append(f'<rect x="{x}" y="{legend_y - 11}" width="14" height="14" fill="{fill}" stroke="{LINE}"/>')
        words = f"{label} ({lowest}–{top_score})"
        body.append(_text(x + 20, legend_y, words, size=11))
        x += 26 + 7 * len(words)
    count = len(threats)
    desc = (f"Likelihood on the horizontal axis and impact on the vertical axis, each from 1 to 5; "
            f"{count} threat{'s' if count != 1 else ''} placed by score. "
            + " ".join(f"{t.number} {t.name}: likelihood {t.likelihood}, impact {t.impact}, "
                       f"{risk_level(t.score)['label'].lower()} ({t.score})." for t in threats))
    return _svg(ident, width, height, "Risk matrix of the priority threats", desc.strip(), body)


# --- stakeholder map -------------------------------------------------------------------------------------


def stakeholder_map(stakeholders: Sequence[Any], kind_labels: Mapping[str, str], seat_labels: Mapping[str, str],
                    seat_order: Sequence[str], ident: str = "stakeholder-map") -> Markup:
    """How many stakeholders of each kind hold each steering-group seat, as sized and numbered circles."""
    kinds = [k for k in kind_labels if any(s.kind == k for s in stakeholders)]
    counts = {(k, seat): sum(1 for s in stakeholders if s.kind == k and s.seat == seat)
              for k in kinds for seat in seat_order}
    left, col_w, head, row_h = 160, 94, 44, 46
    width, height = left + col_w * len(seat_order) + 8, head + row_h * max(len(kinds), 1) + 8
    body = []
    for c, seat in enumerate(seat_order):
        cx = left + (c + 0.5) * col_w
        body.append(_text(cx, 26, seat_labels[seat], size=12, anchor="middle", weight="bold"))
    body.append(f'<line x1="8" y1="{head - 6}" x2="{width - 8}" y2="{head - 6}" stroke="{LINE}" '
                f'stroke-width="1"/>')
    for r, kind in enumerate(kinds):
        y = head + r * row_h
        if r % 2 == 0:
            body.append(f'<rect x="8" y="{y}" width="{width - 16}" height="{row_h}" fill="#f2f2f2"/>')
        body.append(_text(16, y + row_h / 2 + 4, kind_labels[kind], size=12))
        for c, seat in enumerate(seat_order):
            count = counts[(kind, seat)]
            if not count:
                continue
            cx, cy = left + (c + 0.5) * col_w, y + row_h / 2
            radius = min(20.0, 10 + 5 * math.sqrt(count - 1))
            body.append(f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(radius)}" fill="{SEAT_COLORS[seat]}"/>')
            body.append(_text(cx, cy + 4, str(count), size=12, anchor="middle", weight="bold", fill="#ffffff"))
    if not kinds:
        body.append(_text(16, head + 24, "No stakeholders listed yet.", size=12))
    seated = sum(1 for s in stakeholders if s.seat != "none")
    parts = []
    for kind in kinds:
        held = [f"{counts[(kind, seat)]} {seat_labels[seat].lower()}" for seat in seat_order if counts[(kind, seat)]]
        parts.append(f"{kind_labels[kind]}: {', '.join(held)}.")
    desc = (f"{len(stakeholders)} stakeholders by kind (rows) and steering-group seat (columns); "
            f"{seated} hold a seat. " + " ".join(parts))
    return _svg(ident, width, height, "Stakeholder map: kind of organisation by steering-group seat", desc.strip(),
                body)


# --- intervention timeline -------------------------------------------------------------------------------


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _next_quarter(day: dt.date) -> dt.date:
    start = _quarter_start(day)
    month = start.month + 3
    return dt.date(start.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def _dates(intervention: Any) -> list[dt.date]:
    found = [d for d in (intervention.start, intervention.end) if d]
    return found + [m.date for m in intervention.milestones]


def intervention_timeline(tiers: Sequence[Any], ident: str = "timeline") -> Markup:
    """Each intervention as a bar from start to end (dashed when open-ended), grouped by tier, with milestones."""
    interventions = [i for tier in tiers for i in tier.interventions]
    dates = [d for i in interventions for d in _dates(i)]
    width, left, right = 680, 16, 654
    if not dates:
        body = [_text(left, 30, "No dated interventions yet.", size=13)]
        return _svg(ident, width, 48, "Timeline of interventions by tier", "No intervention has a date yet.", body)
    first, last = _quarter_start(min(dates)), _next_quarter(max(dates))
    span = (last - first).days

    def x_of(day: dt.date) -> float:
        return left + (right - left) * (day - first).days / span

    body: list[str] = []
    axis_h = 34
    # Year labels and quarter ticks along the top.
    tick = first
    while tick <= last:
        x = x_of(tick)
        is_year = tick.month == 1
        if is_year or tick == first:
            body.append(_text(x + 3, 16, str(tick.year), size=12, weight="bold"))
        body.append(f'<line x1="{_n(x)}" y1="{22 if is_year else 26}" x2="{_n(x)}" y2="{axis_h}" stroke="{LINE}" '
                    f'stroke-width="{1.5 if is_year else 0.8}"/>')
        tick = _next_quarter(tick)
    body.append(f'<line x1="{left}" y1="{axis_h}" x2="{right}" y2="{axis_h}" stroke="{LINE}" stroke-width="1"/>')
    y = axis_h + 8
    grid_top = y
    rows: list[str] = []
    for tier in tiers:
        color = TIER_COLORS[tier.id]
        rows.append(f'<rect x="{left}" y="{y}" width="{right - left}" height="24" fill="#eef1f4"/>')
        rows.append(f'<rect x="{left}" y="{y}" width="5" height="24" fill="{color}"/>')
        rows.append(_text(left + 12, y + 17, tier.label, size=12, weight="bold"))
        y += 30
        if not tier.interventions:
            rows.append(_text(left + 12, y + 12, "No intervention in this tier.", size=11, fill=MUTED))
            y += 24
        for intervention in tier.interventions:
            rows.append(_text(left, y + 11, _truncate(f"{intervention.number}  {intervention.title}", 100), size=11))
            bar_y = y + 16
            start = intervention.start or min(_dates(intervention))
            end = intervention.end or max(_dates(intervention))
            x1, x2 = x_of(start), max(x_of(end), x_of(start) + 4)
            if intervention.end:
                rows.append(f'<rect x="{_n(x1)}" y="{bar_y}" width="{_n(x2 - x1)}" height="10" rx="2" '
                            f'fill="{color}"/>')
            else:
                solid = max(x2, x1 + 4)
                rows.append(f'<rect x="{_n(x1)}" y="{bar_y}" width="{_n(solid - x1)}" height="10" rx="2" '
                            f'fill="{color}"/>')
                rows.append(f'<rect x="{_n(solid)}" y="{bar_y + 0.5}" width="{_n(max(right - solid - 1, 0))}" '
                            f'height="9" fill="none" stroke="{color}" stroke-width="1" stroke-dasharray="4 3"/>')
            for milestone in intervention.milestones:
                mx, my = x_of(milestone.date), bar_y + 5
                rows.append(f'<path d="M{_n(mx)} {_n(my - 7)} L{_n(mx + 7)} {_n(my)} L{_n(mx)} {_n(my + 7)} '
                            f'L{_n(mx - 7)} {_n(my)} Z" fill="#ffffff" stroke="{INK}" stroke-width="1.5"/>')
            y += 36
        y += 6
    # Faint year lines behind the rows.
    tick = first
    while tick <= last:
        if tick.month == 1 and tick != first:
            body.append(f'<line x1="{_n(x_of(tick))}" y1="{grid_top}" x2="{_n(x_of(tick))}" y2="{y}" '
                        f'stroke="#c8c8c8" stroke-width="1"/>')
        tick = _next_quarter(tick)
    legend_y = y + 16
    legend = [
        f'<path d="M{left + 7} {legend_y - 12} L{left + 14} {legend_y - 5} L{left + 7} {legend_y + 2} '
        f'L{left} {legend_y - 5} Z" fill="#ffffff" stroke="{INK}" stroke-width="1.5"/>',
        _text(left + 20, legend_y, "Milestone", size=11),
        f'<rect x="{left + 100}" y="{legend_y - 10}" width="28" height="9" fill="none" stroke="{INK}" '
        f'stroke-dasharray="4 3"/>',
        _text(left + 134, legend_y, "No end date set", size=11),
    ]
    height = legend_y + 10
    desc = (f"{len(interventions)} interventions from {first.year} to {last.year}, grouped by prevention tier. "
            + " ".join(
                f"{i.number} {i.title} ({i.tier}): "
                f"{'from ' + i.start.isoformat() if i.start else 'no start date'}"
                f"{', to ' + i.end.isoformat() if i.end else ', no end date'}"
                f"{', ' + str(len(i.milestones)) + ' milestones' if i.milestones else ''}."
                for i in interventions))
    return _svg(ident, width, height, "Timeline of interventions by prevention tier", desc, body + rows + legend)
