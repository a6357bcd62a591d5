"""``cityframe status``: where each city stands, for the program staff who follow many cities at once.

Per city: completeness per document, errors and warnings, interventions by status, milestones overdue as of a
day, days since the city's data last changed in git, and the next review date and whether it has passed; as a
terminal table, as JSON, or as one accessible HTML page (WCAG 2.1 AA: real headings, tables with captions and
header cells, an inline SVG chart per city whose numbers are also in text, no JavaScript).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from .checks.report import CityReport, assess
from .data.history import last_change
from .data.project import Project

STATUS_FORMAT_VERSION = 1
INTERVENTION_STATUSES = ("planned", "active", "paused", "done", "dropped")
OPEN_STATUSES = ("planned", "active", "paused")
"""A milestone can be overdue only in an intervention still open; done and dropped ones are closed."""


@dataclass(frozen=True)
class OverdueMilestone:
    """A milestone whose date has passed in an intervention that is not done or dropped."""

    intervention: str
    title: str
    date: dt.date
    description: str

    def as_dict(self) -> dict[str, str]:
        """The JSON form."""
        return {"intervention": self.intervention, "title": self.title, "date": self.date.isoformat(),
                "description": self.description}


@dataclass
class CityStatus:
    """Where one city stands on ``today``."""

    report: CityReport
    today: dt.date
    interventions: dict[str, int] = field(default_factory=dict)
    overdue: list[OverdueMilestone] = field(default_factory=list)
    last_changed: dt.date | None = None
    uncommitted: bool = False
    in_git: bool = False

    @property
    def slug(self) -> str:
        """The city's folder name."""
        return self.report.slug

    @property
    def name(self) -> str:
        """The city's name (its slug while its data does not load)."""
        return self.report.name

    @property
    def plan(self) -> Any:
        """The plan block, or None while the data does not load."""
        return self.report.city.profile.plan if self.report.city else None

    @property
    def next_review(self) -> dt.date | None:
        """When the steering group next reviews the plan."""
        return self.plan.next_review if self.plan else None

    @property
    def review_passed(self) -> bool | None:
        """The review date is before ``today`` (None when there is none)."""
        return None if self.next_review is None else self.next_review < self.today

    @property
    def days_since_change(self) -> int | None:
        """Days since the city's files last changed (0 with uncommitted changes; None outside git)."""
        if self.uncommitted:
            return 0
        return (self.today - self.last_changed).days if self.last_changed else None

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of one city's status."""
        report = self.report
        return {
            "slug": self.slug, "name": self.name, "valid": report.valid, "loaded": report.city is not None,
            "complete": report.complete, "completeness": report.completeness,
            "plan": {"version": self.plan.version, "status": self.plan.status} if self.plan else None,
            "documents": [{"id": d.document.id, "title": d.document.title, "completeness": d.completeness}
                          for d in report.documents],
            "errors": len(report.errors), "warnings": len(report.warnings),
            "interventions": self.interventions,
            "overdue_milestones": [m.as_dict() for m in self.overdue],
            "last_changed": self.last_changed.isoformat() if self.last_changed else None,
            "uncommitted_changes": self.uncommitted, "in_git": self.in_git,
            "days_since_change": self.days_since_change,
            "next_review": self.next_review.isoformat() if self.next_review else None,
            "review_passed": self.review_passed,
        }


def city_status(project: Project, slug: str, today: dt.date) -> CityStatus:
    """Assess one city and gather its state on ``today``."""
    report = assess(project, slug, today)
    status = CityStatus(report, today)
    if report.city is not None:
        interventions = report.city.interventions.interventions
        counts = Counter(i.status for i in interventions)
        status.interventions = {s: counts[s] for s in INTERVENTION_STATUSES if counts[s]}
        status.overdue = sorted(
            (OverdueMilestone(i.id, i.title, m.date, m.description) for i in interventions
             if i.status in OPEN_STATUSES for m in i.milestones if m.date < today),
            key=lambda m: (m.date, m.intervention))
    change = last_change(project, f"cities/{slug}")
    if change is not None:
        status.in_git, status.last_changed, status.uncommitted = True, change.date, change.uncommitted
    return status


def statuses(project: Project, slugs: list[str], today: dt.date | None = None) -> list[CityStatus]:
    """The status of each named city on ``today`` (default: the real today)."""
    day = today or dt.date.today()
    return [city_status(project, slug, day) for slug in slugs]


# --- output ------------------------------------------------------------------------------------------------


def _interventions_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {s}" for s, n in counts.items()) or "none"


def _change_text(status: CityStatus) -> str:
    if not status.in_git:
        return "not in git"
    if status.uncommitted:
        return "uncommitted changes"
    if status.days_since_change is None:
        return "never committed"
    days = status.days_since_change
    if days <= 0:
        return f"today ({status.last_changed})" if days == 0 else f"on {status.last_changed}"
    return f"{days} day{'s' if days != 1 else ''} ago ({status.last_changed})"


def _review_text(status: CityStatus) -> str:
    if status.next_review is None:
        return "no date set"
    return f"{status.next_review}" + (" (passed)" if status.review_passed else "")


def rows(cities: list[CityStatus]) -> list[dict[str, str]]:
    """The terminal table's rows: one per city, every cell as text."""
    return [{"city": s.slug,
             "complete": f"{s.report.completeness:g}%" if s.report.documents else "not measured",
             "errors": str(len(s.report.errors)), "warnings": str(len(s.report.warnings)),
             "interventions": _interventions_text(s.interventions),
             "overdue": str(len(s.overdue)),
             "last change": _change_text(s).split(" (")[0], "next review": _review_text(s)} for s in cities]


def as_json(cities: list[CityStatus]) -> str:
    """The status for programs (``format_version`` 1; keys may be added)."""
    today = cities[0].today.isoformat() if cities else dt.date.today().isoformat()
    return json.dumps({"format_version": STATUS_FORMAT_VERSION, "today": today,
                       "cities": [c.as_dict() for c in cities]}, indent=2) + "\n"


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#1b1b1b;background:#fff;
margin:0;line-height:1.5}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.75rem;margin:.5rem 0}h2{font-size:1.35rem;margin:2rem 0 .5rem;border-top:2px solid #1a5276;
padding-top:1rem}
.scroll{overflow-x:auto}
table{border-collapse:collapse;margin:.5rem 0 1rem}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border:1px solid #6b6b6b;padding:.3rem .5rem;text-align:left;vertical-align:top}
thead th{background:#e8eef3}
td.num{text-align:right}td.date{white-space:nowrap}
.warn{color:#8a1c1c;font-weight:600}
svg{max-width:100%;height:auto}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0}
a{color:#0b4f8a}
@media print{h2{break-before:auto}}
""".strip()


def _chart(status: CityStatus, number: int) -> str:
    """Completeness per document as horizontal bars, labelled in the chart; the same numbers are in the text."""
    docs = status.report.documents
    if not docs:
        return "<p>Completeness is measured once the city's data has no errors.</p>"
    bar_x, bar_w, row_h = 190, 300, 30
    height = row_h * len(docs) + 10
    title_id, desc_id = f"chart-{number}-title", f"chart-{number}-desc"
    desc = "; ".join(f"{d.document.title}: {d.completeness:g}% of required sections filled in" for d in docs)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {bar_x + bar_w + 70} {height}" '
             f'width="{bar_x + bar_w + 70}" height="{height}" role="img" '
             f'aria-labelledby="{title_id} {desc_id}">',
             f'<title id="{title_id}">Completeness of {escape(status.name)}\'s documents</title>',
             f'<desc id="{desc_id}">{escape(desc)}</desc>']
    for i, doc in enumerate(docs):
        y = 5 + i * row_h
        filled = round(bar_w * doc.completeness / 100, 1)
        parts += [f'<text x="0" y="{y + 19}" font-size="14" fill="#1b1b1b">{escape(doc.document.title)}</text>',
                  f'<rect x="{bar_x}" y="{y + 4}" width="{bar_w}" height="20" fill="#ffffff" stroke="#6b6b6b"/>',
                  f'<rect x="{bar_x}" y="{y + 4}" width="{filled}" height="20" fill="#1a5276"/>',
                  f'<text x="{bar_x + bar_w + 8}" y="{y + 19}" font-size="14" fill="#1b1b1b">'
                  f'{doc.completeness:g}%</text>']
    parts.append("</svg>")
    return "".join(parts)


def _city_section(status: CityStatus, number: int) -> str:
    anchor = f"city-{escape(status.slug)}"
    plan = status.plan
    details = [
        ("Plan", f"version {escape(str(plan.version or 'not set'))}, {escape(plan.status)}" if plan else
         "not read (the data has errors)"),
        ("Errors and warnings", f"{len(status.report.errors)} error(s), {len(status.report.warnings)} warning(s)"),
        ("Interventions", escape(_interventions_text(status.interventions))),
        ("Last change", escape(_change_text(status))),
        ("Next review", ('<span class="warn">' + escape(_review_text(status)) + "</span>") if status.review_passed
         else escape(_review_text(status))),
    ]
    out = [f'<section aria-labelledby="{anchor}">', f'<h2 id="{anchor}">{escape(status.name)}</h2>',
           _chart(status, number), "<dl>"]
    out += [f"<dt>{label}</dt><dd>{value}</dd>" for label, value in details]
    out.append("</dl>")
    if status.overdue:
        out += ['<div class="scroll" role="region" tabindex="0" '
                f'aria-label="Overdue milestones of {escape(status.name)}">',
                f"<table><caption>Overdue milestones as of {status.today.isoformat()}</caption>",
                '<thead><tr><th scope="col">Date</th><th scope="col">Intervention</th>'
                '<th scope="col">Milestone</th></tr></thead><tbody>']
        out += [f'<tr><td class="date">{m.date.isoformat()}</td><td>{escape(m.title)}</td>'
                f"<td>{escape(m.description)}</td></tr>" for m in status.overdue]
        out += ["</tbody></table></div>"]
    else:
        out.append(f"<p>No overdue milestones as of {status.today.isoformat()}.</p>")
    out.append("</section>")
    return "\n".join(out)


def as_html(cities: list[CityStatus]) -> str:
    """One self-contained, accessible page: a summary table across cities, then a section per city."""
    today = cities[0].today.isoformat() if cities else dt.date.today().isoformat()
    head = ("City", "Complete", "Errors", "Warnings", "Interventions", "Overdue milestones", "Last change",
            "Next review")
    summary = []
    for status in cities:
        review = escape(_review_text(status))
        summary.append(
            f'<tr><th scope="row"><a href="#city-{escape(status.slug)}">{escape(status.name)}</a></th>'
            f'<td class="num">{status.report.completeness:g}%</td><td class="num">{len(status.report.errors)}</td>'
            f'<td class="num">{len(status.report.warnings)}</td>'
            f"<td>{escape(_interventions_text(status.interventions))}</td>"
            f'<td class="num">{len(status.overdue)}</td><td>{escape(_change_text(status))}</td>'
            f"<td>{review}</td></tr>")
    body = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Status of {len(cities)} {'city' if len(cities) == 1 else 'cities'}' prevention frameworks, "
        f"as of {today}</title>",
        f"<style>{_CSS}</style>", "</head>", "<body>", "<main>",
        "<h1>Where each city's prevention framework stands</h1>",
        f"<p>As of {today}. Completeness is the share of required sections filled in across the prevention plan, "
        "the governance charter and the resource directory. A milestone is overdue when its date has passed and "
        "its intervention is still planned, active or paused.</p>",
        '<div class="scroll" role="region" tabindex="0" aria-label="Summary of every city">',
        "<table><caption>Summary of every city</caption><thead><tr>"
        + "".join(f'<th scope="col">{h}</th>' for h in head) + "</tr></thead><tbody>",
        *summary, "</tbody></table></div>",
        *(_city_section(s, n) for n, s in enumerate(cities, 1)),
        "</main>", "</body>", "</html>",
    ]
    return "\n".join(body) + "\n"


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, so a reader never sees half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
