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
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

from .i18n import N_, TranslatedLabels, _, n_

FONT = "Noto Sans, Noto Sans Arabic, Noto Sans CJK SC, DejaVu Sans, Symbola, Arial, sans-serif"
INK = "#1b1b1b"
MUTED = "#4a4a4a"
GRID = "#ffffff"
LINE = "#8a8a8a"
MARK = "#22313f"

LEVELS = (  # (lowest score, id, label, cell fill)
    (20, "very-high", N_("Very high"), "#f4c2c2"),
    (10, "high", N_("High"), "#f9d8b4"),
    (5, "moderate", N_("Moderate"), "#fbefc1"),
    (1, "low", N_("Low"), "#d9eed9"),
)
"""The labels are English msgids: :func:`risk_level` gives them in the language being rendered."""
LIKELIHOOD_WORDS = TranslatedLabels({1: N_("Very unlikely"), 2: N_("Unlikely"), 3: N_("Possible"), 4: N_("Likely"),
                                     5: N_("Very likely")})
IMPACT_WORDS = TranslatedLabels({1: N_("Minimal"), 2: N_("Minor"), 3: N_("Moderate"), 4: N_("Major"),
                                 5: N_("Severe")})
TIER_COLORS = {"primary": "#1f5f8b", "secondary": "#1b6e5f", "tertiary": "#73408a"}
SEAT_COLORS = {"chair": "#1f4e79", "vice-chair": "#1f4e79", "member": "#2e6b9e", "advisor": "#5a5a8c",
               "none": "#6b6b6b"}


def risk_level(score: int) -> dict[str, str]:
    """The band of a likelihood x impact score: id, label and fill colour."""
    for lowest, ident, label, fill in LEVELS:
        if score >= lowest:
            return {"id": ident, "label": _(label), "fill": fill}
    return {"id": "low", "label": _("Low"), "fill": LEVELS[-1][3]}


def _n(value: float) -> str:
    """A coordinate with at most one decimal, so output never depends on float printing."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _text(x: float, y: float, content: Any, *, size: float = 12, anchor: str = "start", weight: str = "normal",
          fill: str = INK, extra: str = "") -> str:
    return (f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" text-anchor="{anchor}" font-weight="{weight}" '
            f'fill="{fill}"{extra}>{escape(content)}</text>')


def _svg(ident: str, width: float, height: float, title: str, desc: str, body: Sequence[str],
         kind: str = "") -> Markup:
    """The picture: drawn in ``width`` x ``height`` units, its natural size in CSS pixels; the page scales it.

    ``kind`` is an extra class: ``chart-wide`` (replaced on a phone by its narrow twin or by its data table) or
    ``chart-narrow`` (shown on a phone only); the stylesheet picks one, so a screen reader meets only that one.
    """
    classes = f"chart {kind}".strip()
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="{classes}" viewBox="0 0 {_n(width)} {_n(height)}" '
            f'width="{_n(width)}" height="{_n(height)}" role="img" aria-labelledby="{ident}-title" '
            f'aria-describedby="{ident}-desc" font-family="{FONT}" focusable="false">'
            f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(desc)}</desc>')
    return Markup(head + "".join(body) + "</svg>")


# --- measuring and wrapping text -------------------------------------------------------------------------

# Advance widths of Noto Sans (the font the pages ship and the PDF embeds), in hundredths of an em, for the
# printable ASCII characters " " to "~"; any other character counts as WIDE. Enough to wrap labels and keep
# them inside their column without reading a font at run time.
_ADVANCES = {
    "normal": (26, 27, 41, 65, 57, 83, 73, 22, 30, 30, 55, 57, 27, 32, 27, 37, 57, 57, 57, 57, 57, 57, 57, 57, 57,
               57, 27, 27, 57, 57, 57, 43, 90, 64, 65, 63, 73, 56, 52, 73, 74, 34, 27, 62, 52, 91, 76, 78, 60, 78,
               62, 55, 56, 73, 60, 93, 59, 57, 57, 33, 37, 33, 57, 44, 28, 56, 62, 48, 62, 56, 34, 62, 62, 26, 26,
               53, 26, 94, 62, 60, 62, 62, 41, 48, 36, 62, 51, 79, 53, 51, 47, 38, 55, 38, 57),
    "bold": (26, 29, 47, 65, 57, 90, 75, 27, 34, 34, 54, 57, 28, 32, 28, 41, 57, 57, 57, 57, 57, 57, 57, 57, 57, 57,
             28, 28, 57, 57, 57, 48, 90, 69, 67, 64, 74, 56, 55, 72, 76, 39, 33, 66, 56, 94, 81, 80, 63, 80, 66, 55,
             58, 76, 65, 97, 67, 62, 58, 33, 41, 33, 57, 41, 36, 60, 63, 51, 63, 59, 39, 63, 66, 30, 30, 62, 30, 98,
             66, 62, 63, 63, 45, 50, 43, 66, 57, 86, 58, 57, 49, 39, 55, 39, 57),
}
WIDE = 70


def text_width(text: str, size: float, weight: str = "normal") -> float:
    """The width of ``text`` set in Noto Sans at ``size`` units (an estimate a little on the wide side)."""
    advances = _ADVANCES[weight]
    return size * sum(advances[ord(c) - 32] if 32 <= ord(c) < 127 else WIDE for c in text) / 100


def _fit(text: str, size: float, width: float, weight: str = "normal", *, ellipsis: bool = False) -> str:
    """``text`` cut at the end (with "…") until it fits ``width``; ``ellipsis`` adds one even if it fits."""
    if not ellipsis and text_width(text, size, weight) <= width:
        return text
    while text and text_width(text + "…", size, weight) > width:
        text = text[:-1]
    return text.rstrip(" ,;:-–") + "…"


def wrap(text: str, size: float, width: float, max_lines: int, weight: str = "normal") -> list[str]:
    """``text`` broken at spaces into lines no wider than ``width``; a cut last line ends with "…"."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size, weight) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        words = lines[-1].split()
        while len(words) > 1 and text_width(" ".join(words) + "…", size, weight) > width:
            words.pop()  # cut at a word, not inside one
        lines[-1] = _fit(" ".join(words), size, width, weight, ellipsis=True)
    return [_fit(line, size, width, weight) for line in lines] or [""]


def _legend(items: Sequence[tuple[Callable[[float, float], str], float, str]], x0: float, y0: float, right: float,
            size: float = 11, gap: float = 16) -> tuple[list[str], float]:
    """Keys set left to right from (x0, y0), wrapping at ``right``: their marks and the baseline of the last row.

    Each item is a function drawing a swatch 14 units high whose top left corner is (x, y), its width, and the
    words after it.
    """
    marks: list[str] = []
    x, y = x0, y0
    for swatch, swatch_w, words in items:
        wide = swatch_w + 6 + text_width(words, size)
        if x > x0 and x + wide > right:
            x, y = x0, y + size + 10
        marks.append(swatch(x, y - 11))
        marks.append(_text(x + swatch_w + 6, y, words, size=size))
        x += wide + gap
    return marks, y


# --- risk matrix -----------------------------------------------------------------------------------------

MATRIX_CELL = (66, 56)
"""Width and height of one likelihood x impact cell."""


def risk_matrix(threats: Sequence[Any], ident: str = "risk-matrix") -> Markup:
    """A 5x5 likelihood x impact grid with each threat's number (T1, T2 ...) in its cell."""
    (cell_w, cell_h), left, top = MATRIX_CELL, 86, 8
    width = left + 5 * cell_w + 8
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
                cx = x + cell_w / 2 + (col - (per_row - 1) / 2) * 22
                cy = y + (cell_h / 2 if len(shown) <= 3 else 16 + row * 24)
                body.append(f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="10.5" fill="{MARK}"/>')
                label = _fit(str(threat.number), 10.5, 20, "bold")
                body.append(_text(cx, cy + 3.5, label, size=10.5, anchor="middle", weight="bold", fill="#ffffff"))
            if len(here) > 6:
                body.append(_text(x + cell_w / 2 + 22, y + 44, f"+{len(here) - 5}", size=11, anchor="middle",
                                  weight="bold"))
        body.append(_text(left - 8, y + cell_h / 2 - 2, str(impact), size=12, anchor="end", weight="bold"))
        body.append(_text(left - 8, y + cell_h / 2 + 12, IMPACT_WORDS[impact], size=11, anchor="end",
                          fill=MUTED))
    base = top + 5 * cell_h
    lowest_word = base
    for likelihood in range(1, 6):
        cx = left + (likelihood - 0.5) * cell_w
        body.append(_text(cx, base + 17, str(likelihood), size=12, anchor="middle", weight="bold"))
        for n, line in enumerate(wrap(LIKELIHOOD_WORDS[likelihood], 11, cell_w - 6, 2)):
            body.append(_text(cx, base + 31 + 13 * n, line, size=11, anchor="middle", fill=MUTED))
            lowest_word = max(lowest_word, base + 31 + 13 * n)
    axis_y = lowest_word + 19
    body.append(_text(left + 2.5 * cell_w, axis_y, _("Likelihood"), size=12, anchor="middle", weight="bold"))
    body.append(_text(16, top + 2.5 * cell_h, _("Impact"), size=12, anchor="middle", weight="bold",
                      extra=f' transform="rotate(-90 16 {_n(top + 2.5 * cell_h)})"'))
    items = []
    for lowest, _ident, label, fill in reversed(LEVELS):
        top_score = {1: "4", 5: "9", 10: "16", 20: "25"}[lowest]
        items.append((lambda x, y, fill=fill: f'<rect x="{_n(x)}" y="{_n(y)}" width="14" height="14" fill="{fill}" '
                      f'stroke="{LINE}"/>', 14, f"{_(label)} ({lowest}–{top_score})"))
    legend, last_row = _legend(items, 8, axis_y + 28, width - 8)
    body.extend(legend)
    height = last_row + 10
    count = len(threats)
    desc = (_("Likelihood on the horizontal axis and impact on the vertical axis, each from 1 to 5;") + " "
            + n_("{count} threat placed by score.", "{count} threats placed by score.", count).format(count=count)
            + " "
            + " ".join(_("{number} {name}: likelihood {likelihood}, impact {impact}, {level} ({score}).").format(
                number=t.number, name=t.name, likelihood=t.likelihood, impact=t.impact,
                level=risk_level(t.score)["label"].lower(), score=t.score) for t in threats))
    return _svg(ident, width, height, _("Risk matrix of the priority threats"), desc.strip(), body, "chart-wide")


# --- stakeholder map -------------------------------------------------------------------------------------


def stakeholder_map(stakeholders: Sequence[Any], kind_labels: Mapping[str, str], seat_labels: Mapping[str, str],
                    seat_order: Sequence[str], ident: str = "stakeholder-map") -> Markup:
    """How many stakeholders of each kind hold each steering-group seat, as sized and numbered circles."""
    kinds = [k for k in kind_labels if any(s.kind == k for s in stakeholders)]
    counts = {(k, seat): sum(1 for s in stakeholders if s.kind == k and s.seat == seat)
              for k in kinds for seat in seat_order}
    # The label column grows with the longest row label ("Law enforcement (federal)"), within reason.
    widest = max((text_width(kind_labels[k], 11.5) for k in kinds), default=0.0)
    left, col_w, head, row_h = max(132, min(230, round(widest) + 26)), 60, 40, 34
    width, height = left + col_w * len(seat_order) + 8, head + row_h * max(len(kinds), 1) + 8
    body = []
    for c, seat in enumerate(seat_order):
        cx = left + (c + 0.5) * col_w
        body.append(_text(cx, 24, _fit(seat_labels[seat], 11.5, col_w + 6, "bold"), size=11.5, anchor="middle",
                          weight="bold"))
    body.append(f'<line x1="8" y1="{head - 6}" x2="{width - 8}" y2="{head - 6}" stroke="{LINE}" '
                f'stroke-width="1"/>')
    for r, kind in enumerate(kinds):
        y = head + r * row_h
        if r % 2 == 0:
            body.append(f'<rect x="8" y="{y}" width="{width - 16}" height="{row_h}" fill="#f2f2f2"/>')
        body.append(_text(14, y + row_h / 2 + 4, _fit(kind_labels[kind], 11.5, left - 24), size=11.5))
        for c, seat in enumerate(seat_order):
            count = counts[(kind, seat)]
            if not count:
                continue
            cx, cy = left + (c + 0.5) * col_w, y + row_h / 2
            radius = min(14.0, 9 + 2.5 * math.sqrt(count - 1))
            body.append(f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(radius)}" fill="{SEAT_COLORS[seat]}"/>')
            body.append(_text(cx, cy + 4, str(count), size=11, anchor="middle", weight="bold", fill="#ffffff"))
    if not kinds:
        body.append(_text(14, head + 22, _("No stakeholders listed yet."), size=11.5))
    seated = sum(1 for s in stakeholders if s.seat != "none")
    parts = []
    for kind in kinds:
        held = [f"{counts[(kind, seat)]} {seat_labels[seat].lower()}" for seat in seat_order if counts[(kind, seat)]]
        parts.append(f"{kind_labels[kind]}: {', '.join(held)}.")
    desc = (_("{count} stakeholders by kind (rows) and steering-group seat (columns); {seated} hold a seat.").format(
        count=len(stakeholders), seated=seated) + " " + " ".join(parts))
    return _svg(ident, width, height, _("Stakeholder map: kind of organization by steering-group seat"),
                desc.strip(), body, "chart-wide")


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


TIMELINE_WIDTH = 500
TIMELINE_NARROW_WIDTH = 340
"""The phone layout's width: less than a 390 px screen's 355 px column, so that 14 units of text are >= 14 px."""
TIMELINE_LABELS = (8, 208)
"""The activities' names sit in their own column, from x=8 to x=208, clear of the bars and the year lines."""


def _diamond(cx: float, cy: float, half: float = 5.5) -> str:
    return (f'<path d="M{_n(cx)} {_n(cy - half)} L{_n(cx + half)} {_n(cy)} L{_n(cx)} {_n(cy + half)} '
            f'L{_n(cx - half)} {_n(cy)} Z" fill="#ffffff" stroke="{INK}" stroke-width="1.5"/>')


def intervention_timeline(tiers: Sequence[Any], ident: str = "timeline", *, narrow: bool = False) -> Markup:
    """Each intervention as a bar from start to end (dashed when open-ended), grouped by tier, with milestones.

    Names are in a column of their own on the left, wrapped over as many lines as they need (never cut); the
    time axis, its year lines and the bars are on the right of it. ``narrow``: the phone layout, 340 units wide
    for a 390 px screen, each name on full-width lines above its bar and every text at least 14 units (px)
    high. The legend lists only the marks the picture uses.
    """
    interventions = [i for tier in tiers for i in tier.interventions]
    dates = [d for i in interventions for d in _dates(i)]
    kind = "chart-narrow" if narrow else "chart-wide"
    width = TIMELINE_NARROW_WIDTH if narrow else TIMELINE_WIDTH
    label_left, label_right = (8, width - 8) if narrow else TIMELINE_LABELS
    left, right = (label_left + 4, width - 12) if narrow else (label_right + 14, width - 10)
    size, line_h, small = (14, 17, 14) if narrow else (11.5, 14, 12)
    if not dates:
        body = [_text(label_left, 30, _("No dated interventions yet."), size=small)]
        return _svg(ident, width, 48, _("Timeline of interventions by tier"), _("No intervention has a date yet."),
                    body, kind)
    first, last = _quarter_start(min(dates)), _next_quarter(max(dates))
    span = (last - first).days

    def x_of(day: dt.date) -> float:
        return left + (right - left) * (day - first).days / span

    body: list[str] = []
    axis_h = 34
    # Year labels centred over their part of the axis, and quarter ticks.
    tick = first
    while tick <= last:
        x = x_of(tick)
        is_year = tick.month == 1
        if (is_year or tick == first) and tick < last:
            end = min(dt.date(tick.year + 1, 1, 1), last)
            label = str(tick.year)
            wide = text_width(label, small, "bold")
            cx = min(max((x + x_of(end)) / 2, left + wide / 2), width - 2 - wide / 2)
            body.append(_text(cx, 16, label, size=small, anchor="middle", weight="bold"))
        body.append(f'<line x1="{_n(x)}" y1="{22 if is_year else 26}" x2="{_n(x)}" y2="{axis_h}" stroke="{LINE}" '
                    f'stroke-width="{1.5 if is_year else 0.8}"/>')
        tick = _next_quarter(tick)
    body.append(f'<line x1="{left}" y1="{axis_h}" x2="{right}" y2="{axis_h}" stroke="{LINE}" stroke-width="1"/>')
    y = axis_h + 8
    grid_top = y
    rows: list[str] = []
    used = {"milestone": False, "open": False}
    for tier in tiers:
        color = TIER_COLORS[tier.id]
        rows.append(f'<rect x="{label_left}" y="{_n(y)}" width="{right - label_left}" height="24" fill="#eef1f4"/>')
        rows.append(f'<rect x="{label_left}" y="{_n(y)}" width="5" height="24" fill="{color}"/>')
        rows.append(_text(label_left + 12, y + 17, tier.label, size=small, weight="bold"))
        y += 28
        if not tier.interventions:
            rows.append(_text(label_left, y + 15, _("No intervention in this tier."), size=size, fill=MUTED))
            y += 24
        for intervention in tier.interventions:
            # Every word of the name, on as many lines as it takes: a cut name ("Neighborhood Executive...") hid
            # which activity a bar was.
            lines = wrap(f"{intervention.number} {intervention.title}", size, label_right - label_left, 99)
            if narrow:  # the name above, the bar under it across the full width
                for n, line in enumerate(lines):
                    rows.append(_text(label_left, y + 13 + n * line_h, line, size=size))
                row_h = line_h * len(lines) + 16
                bar_y = y + line_h * len(lines) + 2
            else:
                row_h = max(26, line_h * len(lines) + 10)
                baseline = y + (row_h - line_h * len(lines)) / 2 + 10.5
                for n, line in enumerate(lines):
                    rows.append(_text(label_left, baseline + n * line_h, line, size=size))
                bar_y = y + row_h / 2 - 5
            start = intervention.start or min(_dates(intervention))
            end = intervention.end or max(_dates(intervention))
            x1, x2 = x_of(start), max(x_of(end), x_of(start) + 4)
            used["milestone"] = used["milestone"] or bool(intervention.milestones)
            used["open"] = used["open"] or not intervention.end
            if intervention.end:
                rows.append(f'<rect x="{_n(x1)}" y="{_n(bar_y)}" width="{_n(x2 - x1)}" height="10" rx="2" '
                            f'fill="{color}"/>')
            else:
                solid = max(x2, x1 + 4)
                rows.append(f'<rect x="{_n(x1)}" y="{_n(bar_y)}" width="{_n(solid - x1)}" height="10" rx="2" '
                            f'fill="{color}"/>')
                rows.append(f'<rect x="{_n(solid)}" y="{_n(bar_y + 0.5)}" width="{_n(max(right - solid - 1, 0))}" '
                            f'height="9" fill="none" stroke="{color}" stroke-width="1" stroke-dasharray="4 3"/>')
            for milestone in intervention.milestones:
                rows.append(_diamond(x_of(milestone.date), bar_y + 5))
            y += row_h + 4
        y += 6
    # Faint year lines behind the rows, in the bars' part only: never through a name (in the narrow layout the
    # names sit above the bars, where the lines would cross them: none there).
    tick = first
    while tick <= last and not narrow:
        if tick.month == 1 and tick != first:
            body.append(f'<line x1="{_n(x_of(tick))}" y1="{grid_top}" x2="{_n(x_of(tick))}" y2="{_n(y)}" '
                        f'stroke="#c8c8c8" stroke-width="1"/>')
        tick = _next_quarter(tick)
    keys = []
    if used["milestone"]:
        keys.append((lambda x, y: _diamond(x + 7, y + 7), 14.0, _("Milestone")))
    if used["open"]:
        keys.append((lambda x, y: f'<rect x="{_n(x)}" y="{_n(y + 2.5)}" width="28" height="9" fill="none" '
                                  f'stroke="{INK}" stroke-dasharray="4 3"/>', 28.0, _("No end date set")))
    legend, last_row = _legend(keys, label_left, y + 16, width - 8, size=size) if keys else ([], y)
    height = last_row + 10
    desc = (_("{count} interventions from {first} to {last}, grouped by prevention tier.").format(
        count=len(interventions), first=first.year, last=last.year) + " "
            + " ".join(
                f"{i.number} {i.title} ({_(i.tier)}): "
                + (_("from {date}").format(date=i.start.isoformat()) if i.start else _("no start date"))
                + (", " + _("to {date}").format(date=i.end.isoformat()) if i.end else ", " + _("no end date"))
                + (", " + _("{count} milestones").format(count=len(i.milestones)) if i.milestones else "") + "."
                for i in interventions))
    return _svg(ident, width, height, _("Timeline of interventions by prevention tier"), desc,
                body + rows + legend, kind)
