"""The progress report: a city's delivery in one reporting period, for the steering group's quarterly meetings.

What it shows is computed here from the dated data (``progress:`` updates on interventions, ``met:`` on
milestones, ``measurements:`` of objectives), and nothing else: activities by status and tier as of the period's
end, the milestones due in the period and whether they were met, the milestones overdue at its end, each measured
indicator against its baseline and target with a small chart, what changed since the previous period of the same
length, and the decisions the group must take. Its sections are the ``reports:`` of the sections manifest.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from babel.dates import format_date
from markupsafe import Markup

from ..checks.rules import progress_today
from ..checks.sections import reports, section_status
from ..errors import UsageError
from . import i18n
from .charts import _n, _svg, _text
from .context import TIER_LABELS, View, build_context, page_name
from .i18n import N_, TranslatedLabels, _
from .templates import make_environment, render_page

if TYPE_CHECKING:
    from ..checks.report import CityReport
    from ..data.load import City

REPORT_ID = "progress-report"
PROGRESS_STATUS_LABELS = TranslatedLabels({
    "not-started": N_("Not started"), "on-track": N_("On track"), "at-risk": N_("At risk"),
    "off-track": N_("Off track"), "done": N_("Done"), "paused": N_("Paused"), "dropped": N_("Dropped"),
    "no-update": N_("No update yet")})
_QUARTER = re.compile(r"^(?P<year>\d{4})-Q(?P<quarter>[1-4])$")
_YEAR = re.compile(r"^(?P<year>\d{4})$")


@dataclass(frozen=True)
class ReportingPeriod:
    """A reporting period: its first and last day (both included) and its label (``2027-Q3``, ``2027`` ...)."""

    start: dt.date
    end: dt.date
    label: str
    kind: str = "range"  # "quarter", "year" or "range"

    def previous(self) -> ReportingPeriod:
        """The period of the same kind just before: the previous quarter, year, or as many days before."""
        if self.kind == "quarter":
            return quarter_of(self.start - dt.timedelta(days=1))
        if self.kind == "year":
            return year_period(self.start.year - 1)
        days = (self.end - self.start).days
        end = self.start - dt.timedelta(days=1)
        start = end - dt.timedelta(days=days)
        return ReportingPeriod(start, end, f"{start.isoformat()} to {end.isoformat()}")

    @property
    def shown_label(self) -> str:
        """The label as a document shows it: a range's "2027-07-01 to 2027-09-30" in the language being rendered."""
        if self.kind == "range":
            return _("{start} to {end}").format(start=self.start.isoformat(), end=self.end.isoformat())
        return self.label

    @property
    def title(self) -> str:
        """In words: "July to September 2027 (2027-Q3)", "the year 2027", "1 March 2027 to 31 May 2027".

        In the language being rendered (:func:`cityframe.render.i18n.using`): "julio a septiembre de 2027 (2027-Q3)".
        """
        if self.kind == "quarter":
            return _("{start} to {end} {year} ({label})").format(
                start=_month(self.start), end=_month(self.end), year=self.end.year, label=self.label)
        if self.kind == "year":
            return _("the year {year}").format(year=self.label)
        return _("{start} to {end}").format(start=_day(self.start), end=_day(self.end))


def _month(day: dt.date) -> str:
    lang = i18n.current_language()
    return f"{day:%B}" if lang == "en" else format_date(day, "LLLL", locale=lang)  # the stand-alone month name


def _day(day: dt.date) -> str:
    lang = i18n.current_language()
    return f"{day.day} {day:%B %Y}" if lang == "en" else i18n.format_date(day, lang)


def quarter_of(day: dt.date) -> ReportingPeriod:
    """The calendar quarter that holds ``day``."""
    quarter = (day.month - 1) // 3 + 1
    start = dt.date(day.year, 3 * quarter - 2, 1)
    end = (dt.date(day.year + 1, 1, 1) if quarter == 4 else dt.date(day.year, 3 * quarter + 1, 1)) \
        - dt.timedelta(days=1)
    return ReportingPeriod(start, end, f"{day.year}-Q{quarter}", "quarter")


def year_period(year: int) -> ReportingPeriod:
    """A calendar year."""
    return ReportingPeriod(dt.date(year, 1, 1), dt.date(year, 12, 31), str(year), "year")


def parse_period(period: str | None = None, start: str | dt.date | None = None,
                 end: str | dt.date | None = None) -> ReportingPeriod | None:
    """``--period 2027-Q3`` / ``--period 2027``, or ``--from``/``--to`` (ISO dates), as a period; None for none.

    Raises :class:`UsageError` for anything else, or for both forms at once.
    """
    if period is not None and (start is not None or end is not None):
        raise UsageError("give either --period or --from/--to, not both",
                         hint="e.g. --period 2027-Q3, or --from 2027-07-01 --to 2027-09-30")
    if period is not None:
        text = period.strip()
        if match := _QUARTER.match(text):
            year, quarter = int(match["year"]), int(match["quarter"])
            return quarter_of(dt.date(year, 3 * quarter - 2, 1))
        if match := _YEAR.match(text):
            return year_period(int(match["year"]))
        raise UsageError(f"'{period}' is not a reporting period",
                         hint="write a quarter as 2027-Q3 or a year as 2027, or use --from and --to with dates")
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise UsageError("--from and --to go together", hint="e.g. --from 2027-07-01 --to 2027-09-30")
    first, last = _date(start, "--from"), _date(end, "--to")
    if last < first:
        raise UsageError(f"--to ({last}) comes before --from ({first})", hint="swap the two dates")
    return ReportingPeriod(first, last, f"{first.isoformat()} to {last.isoformat()}")


def _date(value: str | dt.date, option: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"{option} '{value}' is not a date", hint="write it as YYYY-MM-DD, e.g. 2027-07-01") from None


def default_period(city: City, today: dt.date | None = None) -> ReportingPeriod:
    """The quarter that holds the day progress is reported as of (today, or an illustrative ``illustrative_as_of``)."""
    return quarter_of(progress_today(city, today or dt.date.today()))


# --- what the report shows ---------------------------------------------------------------------------------


def _latest(items: Any, until: dt.date) -> Any:
    """The last dated item on or before ``until`` (the items are in date order, as check requires)."""
    found = None
    for item in items:
        if item.date <= until:
            found = item
    return found


def _status_at(intervention: Any, until: dt.date) -> str:
    """The status of the latest update by ``until``; without one, not started (before its start) or no update."""
    update = _latest(intervention.progress, until)
    if update:
        return update.status
    return "not-started" if intervention.start and intervention.start > until else "no-update"


def _percent(value: float) -> str:
    return f"{value:g}"


def _value_text(kind: str | None, value: Any) -> str:
    if value is None:
        return _("not measured")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return f"{_percent(value)}%" if kind == "percent" else _percent(value)


def _ratio(value: Any) -> float:
    return float(value) if not isinstance(value, bool) else (1.0 if value else 0.0)


def indicator_chart(ident: str, title: str, kind: str | None, baseline: Any, target: Any,
                    points: list[tuple[dt.date, Any]], period: ReportingPeriod) -> Markup:
    """A small line chart of an indicator's measured values, with its baseline and target as dashed lines."""
    width, height, left, right, top, bottom = 320.0, 130.0, 44.0, 12.0, 12.0, 26.0
    values = [_ratio(v) for _, v in points] + [_ratio(v) for v in (baseline, target) if v is not None]
    low, high = min([0.0, *values]), max([1.0, *values])
    if kind == "percent":
        low, high = 0.0, max(100.0, high)
    first = min([d for d, _ in points] + [period.start])
    last = max([d for d, _ in points] + [period.end])
    span = max(1, (last - first).days)

    def x(day: dt.date) -> float:
        return left + (width - left - right) * (day - first).days / span

    def y(value: float) -> float:
        return top + (height - top - bottom) * (1 - (value - low) / ((high - low) or 1))

    body = [f'<rect x="{_n(x(period.start))}" y="{_n(top)}" width="{_n(max(1.0, x(period.end) - x(period.start)))}" '
            f'height="{_n(height - top - bottom)}" fill="#eef2f7"/>',
            f'<line x1="{_n(left)}" y1="{_n(height - bottom)}" x2="{_n(width - right)}" y2="{_n(height - bottom)}" '
            'stroke="#4b5563" stroke-width="1"/>',
            _text(left - 4, y(high) + 4, _value_text(kind, high if kind != "yes-no" else True), size=10,
                  anchor="end"),
            _text(left - 4, y(low) + 4, _value_text(kind, low if kind != "yes-no" else False), size=10, anchor="end"),
            _text(left, height - 8, first.isoformat(), size=10),
            _text(width - right, height - 8, last.isoformat(), size=10, anchor="end")]
    for value, label, color in ((baseline, _("baseline"), "#6b7280"), (target, _("target"), "#14532d")):
        if value is not None:
            body.append(f'<line x1="{_n(left)}" y1="{_n(y(_ratio(value)))}" x2="{_n(width - right)}" '
                        f'y2="{_n(y(_ratio(value)))}" stroke="{color}" stroke-width="1.5" stroke-dasharray="5 3"/>')
            body.append(_text(width - right, y(_ratio(value)) - 4, label, size=10, anchor="end", fill=color))
    if points:
        line = " ".join(f"{_n(x(d))},{_n(y(_ratio(v)))}" for d, v in points)
        body.append(f'<polyline points="{line}" fill="none" stroke="#1f4e79" stroke-width="2"/>')
        body += [f'<circle cx="{_n(x(d))}" cy="{_n(y(_ratio(v)))}" r="3.5" fill="#1f4e79"/>' for d, v in points]
    described = "; ".join(f"{d.isoformat()}: {_value_text(kind, v)}" for d, v in points) or _("no measurements yet")
    desc = _("Measured values: {described}. Baseline {baseline}, target {target}. The shaded band is the reporting "
             "period {period}.").format(described=described, baseline=_value_text(kind, baseline),
                                        target=_value_text(kind, target), period=period.shown_label)
    return _svg(ident, width, height, title, desc, body)


def progress_view(city: City, period: ReportingPeriod, as_of: dt.date) -> View:
    """Every figure of the report, computed from the data for ``period`` (see the module's docstring)."""
    previous = period.previous()
    names = {s.id: s.name for s in city.stakeholders.stakeholders}
    activities = []
    for intervention in city.interventions.interventions:
        update = _latest(intervention.progress, period.end)
        status = _status_at(intervention, period.end)
        before = _status_at(intervention, previous.end)
        in_period = [u for u in intervention.progress if period.start <= u.date <= period.end]
        activities.append(View(
            id=intervention.id, title=intervention.title, tier=intervention.tier, tier_label=TIER_LABELS[
                intervention.tier], status=status, status_label=PROGRESS_STATUS_LABELS[status],
            previous_status=before, previous_label=PROGRESS_STATUS_LABELS[before], changed=before != status,
            percent=update.percent if update else None, stage=update.stage if update else None,
            note=update.note if update else None, next_step=update.next_step if update else None,
            updated=update.date if update else None, updated_in_period=bool(in_period),
            lead=names.get(intervention.lead or "", intervention.lead) if intervention.lead else None,
            illustrative=intervention.illustrative))
    statuses = [s for s in PROGRESS_STATUS_LABELS if any(a.status == s for a in activities)]
    by_status = tuple(View(id=s, label=PROGRESS_STATUS_LABELS[s],
                           counts=tuple(sum(1 for a in activities if a.status == s and a.tier == t)
                                        for t in TIER_LABELS),
                           total=sum(1 for a in activities if a.status == s)) for s in statuses)
    tier_totals = tuple(sum(1 for a in activities if a.tier == t) for t in TIER_LABELS)

    due, overdue, met_in_period = [], [], []
    for intervention in city.interventions.interventions:
        for milestone in intervention.milestones:
            met = milestone.met is not None and milestone.met <= period.end
            item = View(intervention=intervention.title, intervention_id=intervention.id, date=milestone.date,
                        description=milestone.description, met=milestone.met if met else None,
                        late=bool(met and milestone.met and milestone.met > milestone.date),
                        days_overdue=(period.end - milestone.date).days)
            if period.start <= milestone.date <= period.end:
                due.append(item)
            if milestone.date <= period.end and not met:
                overdue.append(item)
            if met and milestone.met and period.start <= milestone.met <= period.end:
                met_in_period.append(item)
    due.sort(key=lambda m: (m.date, m.intervention))
    overdue.sort(key=lambda m: (m.date, m.intervention))
    met_in_period.sort(key=lambda m: (m.met, m.intervention))

    indicators = []
    number = 0
    for goal in city.profile.plan.goals:
        for objective in goal.objectives:
            if not objective.measurements:
                continue
            number += 1
            kind = objective.indicator_kind
            points = [(m.date, m.value) for m in objective.measurements if m.date <= period.end]
            latest = _latest(objective.measurements, period.end)
            earlier = _latest(objective.measurements, previous.end)
            title = objective.indicator or objective.statement or objective.id
            indicators.append(View(
                id=objective.id, title=title, statement=objective.statement, kind=kind,
                baseline=objective.baseline, target=objective.target, due=objective.due,
                due_text=_("due {date}").format(date=i18n.format_date(objective.due, i18n.current_language()))
                if objective.due else None,
                baseline_value=_value_text(kind, objective.baseline_value),
                target_value=_value_text(kind, objective.target_value),
                latest=_value_text(kind, latest.value) if latest else None,
                latest_date=latest.date if latest else None, latest_source=latest.source if latest else None,
                previous=_value_text(kind, earlier.value) if earlier else None,
                changed=bool(latest and (earlier is None or earlier.value != latest.value)),
                measured_in_period=bool(latest and latest.date >= period.start),
                reached=bool(latest and objective.target_value is not None and kind != "yes-no"
                             and not isinstance(latest.value, bool)
                             and _reached(latest.value, objective.baseline_value, objective.target_value)),
                chart=indicator_chart(f"indicator-{number}", _("{indicator}: measured values").format(indicator=title),
                                      kind,
                                      objective.baseline_value, objective.target_value, points, period)))

    decisions = []
    updated = {a.id for a in activities if a.updated_in_period}
    for item in overdue:
        if item.intervention_id not in updated:
            decisions.append(View(kind="overdue-without-update", text=_(
                "“{milestone}” ({activity}) was due on {date} and is not met, with no progress update in the period."
            ).format(milestone=item.description, activity=item.intervention, date=item.date.isoformat()),
                ask=_("Ask the lead for an update, or agree a new date.")))
    for activity in activities:
        if activity.lead is None:
            decisions.append(View(kind="no-lead", text=_("{activity} has no lead.").format(activity=activity.title),
                                  ask=_("Agree which member leads it.")))
    for activity in activities:
        if activity.status in ("off-track", "at-risk"):
            decisions.append(View(kind=activity.status, text=_("{activity} is {status}").format(
                activity=activity.title, status=activity.status_label.lower())
                                  + (f": {activity.next_step}" if activity.next_step else "."),
                                  ask=_("Decide whether to support, re-plan or pause it.")))
    return View(
        period=View(start=period.start, end=period.end, label=period.shown_label, title=period.title),
        previous=View(start=previous.start, end=previous.end, label=previous.shown_label, title=previous.title),
        as_of=as_of, illustrative=bool(city.profile.illustrative and city.profile.illustrative_as_of),
        activities=tuple(activities), by_status=by_status, tier_totals=tier_totals,
        tiers=tuple(View(id=t, label=label) for t, label in TIER_LABELS.items()),
        updated_count=len(updated), milestones_due=tuple(due), milestones_met=sum(1 for m in due if m.met),
        overdue=tuple(overdue), met_in_period=tuple(met_in_period), indicators=tuple(indicators),
        status_changes=tuple(a for a in activities if a.changed),
        indicator_changes=tuple(i for i in indicators if i.changed), decisions=tuple(decisions))


def _reached(value: float, baseline: Any, target: Any) -> bool:
    """Whether a value has reached its target, in the direction from baseline to target (down for a fall)."""
    if isinstance(target, bool):
        return False
    if baseline is not None and not isinstance(baseline, bool) and target < baseline:
        return value <= target
    return value >= target


def render_progress_report(city: City, report: CityReport, period: ReportingPeriod, edition: str = "public",
                           pdf: bool = True, today: dt.date | None = None, lang: str | None = None) -> str:
    """The progress report as one complete HTML page (``progress-report.html``).

    ``lang``: the page's language, as for :func:`cityframe.render.html.render_city` (None: the authoritative one).
    """
    context = build_context(city, report, edition, pdf=pdf, lang=lang)  # type: ignore[arg-type]
    with i18n.using(context["lang"]):
        return _render_progress_report(city, report, period, context, edition, pdf, today)


def _render_progress_report(city: City, report: CityReport, period: ReportingPeriod, context: dict[str, Any],
                            edition: str, pdf: bool, today: dt.date | None) -> str:
    (doc,) = [d for d in reports() if d.id == REPORT_ID]
    as_of = progress_today(city, today or dt.date.today())
    sections = []
    for n, section in enumerate(doc.sections, 1):
        missing = tuple(section_status(city, section).missing)
        sections.append(View(id=section.id, slug=section.slug, title=_(section.title), number=n,
                             template=f"progress/{section.slug}.html", missing=tuple(_(m) for m in missing),
                             filled=not missing))
    filled = sum(1 for s in sections if s.filled)
    document = View(id=doc.id, title=_(doc.title), href=page_name(doc.id, edition),  # type: ignore[arg-type]
                    pdf_href=page_name(doc.id, edition, "pdf") if pdf else None,  # type: ignore[arg-type]
                    folder="progress", sections=tuple(sections), filled=filled, total=len(sections),
                    complete=filled == len(sections), completeness=round(100 * filled / len(sections)),
                    status=context["status"])
    env = make_environment(city, lang=context["lang"])
    # Through the same guarded rendering as the other documents: limits, and a city's own errors with their place.
    return render_page(env, f"{REPORT_ID}.html", context, document=document,
                       progress=progress_view(city, period, as_of))


__all__ = ["PROGRESS_STATUS_LABELS", "REPORT_ID", "ReportingPeriod", "default_period", "indicator_chart",
           "parse_period", "progress_view", "quarter_of", "render_progress_report", "year_period"]
