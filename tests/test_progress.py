"""Progress data: dated updates on interventions, measured values of objectives' indicators, and their checks."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest

from cityframe.checks.report import assess
from cityframe.errors import UsageError
from cityframe.render.progress import parse_period, progress_view, render_progress_report
from conftest import CITYFRAME

TODAY = dt.date(2026, 11, 30)
UPDATES = """\
    progress:
      - {date: 2026-03-31, status: on-track, percent: 20, note: Form drafted, next_step: Legal review}
      - {date: 2026-06-30, status: at-risk, stage: legal review, next_step: Counsel sign-off}
"""
MEASUREMENTS = """\
          indicator_kind: percent
          baseline_value: 0
          target_value: 90
          measurements:
            - {date: 2026-06-30, value: 40, source: Reporting-channel log}
            - {date: 2026-09-30, value: 75.5, source: Reporting-channel log}
"""


def _without_progress(folder) -> None:
    """Athens' files without their illustrative progress data, so that each test adds its own."""
    path = folder / "interventions.yaml"
    text = re.sub(r"(?m)^    progress:.*\n(?:      .*\n)*", "", path.read_text(encoding="utf-8"))
    path.write_text(re.sub(r", met: \d{4}-\d\d-\d\d", "", text), encoding="utf-8")
    path = folder / "city.yaml"
    text = re.sub(r"(?m)^          (?:indicator_kind|baseline_value|target_value):.*\n", "",
                  path.read_text(encoding="utf-8"))
    text = re.sub(r"(?m)^          measurements:.*\n(?:            .*\n)*", "", text)
    path.write_text(re.sub(r"(?m)^(?:# The progress data.*\n)?illustrative_as_of:.*\n", "", text), encoding="utf-8")


def _project(scratch_project, updates: str = UPDATES, measurements: str = MEASUREMENTS, city_top: str = ""):
    project = scratch_project("athens")
    folder = project.city_dir("athens")
    _without_progress(folder)
    interventions = (folder / "interventions.yaml").read_text(encoding="utf-8")
    anchor = "    status: planned\n    illustrative: true\n"
    assert anchor in interventions
    (folder / "interventions.yaml").write_text(interventions.replace(anchor, anchor + updates, 1), encoding="utf-8")
    city = (folder / "city.yaml").read_text(encoding="utf-8")
    anchor = "          frequency: Quarterly\n"
    assert anchor in city
    city = city.replace(anchor, anchor + measurements, 1)
    if city_top:
        city = city.replace("schema_version: 1\n", "schema_version: 1\n" + city_top, 1)
    (folder / "city.yaml").write_text(city, encoding="utf-8")
    return project


def _messages(report) -> list[str]:
    """The findings, less athens' open notes for editors (warnings that these tests are not about)."""
    return [str(f) for f in report.errors + report.warnings if "note for editors" not in f.message]


def _line(project, file: str, text: str) -> int:
    lines = (project.city_dir("athens") / file).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


def test_valid_progress_data_checks_clean(scratch_project):
    report = assess(_project(scratch_project), "athens", today=TODAY)
    assert report.errors == []
    intervention = report.city.interventions.interventions[0]
    assert [u.status for u in intervention.progress] == ["on-track", "at-risk"]
    assert intervention.progress[0].percent == 20 and intervention.progress[1].stage == "legal review"
    objective = report.city.profile.plan.goals[0].objectives[1]
    assert objective.id == "reports-followed-up"
    assert [m.value for m in objective.measurements] == [40, 75.5]


def test_updates_must_be_in_date_order(scratch_project):
    swapped = UPDATES.replace("2026-06-30, status: at-risk", "2026-01-31, status: at-risk")
    project = _project(scratch_project, updates=swapped)
    report = assess(project, "athens", today=TODAY)
    line = _line(project, "interventions.yaml", "2026-01-31")
    assert _messages(report) == [
        f"cities/athens/interventions.yaml:{line}:16: interventions[0].progress[1].date: this progress update "
        "(2026-01-31) comes before the one above it (2026-03-31) (list each progress update in date order, "
        "oldest first)"]


def test_no_update_or_measurement_is_dated_in_the_future(scratch_project):
    project = _project(scratch_project, updates=UPDATES.replace("2026-06-30", "2027-01-15"),
                       measurements=MEASUREMENTS.replace("2026-09-30", "2026-12-01"))
    found = "\n".join(_messages(assess(project, "athens", today=TODAY)))
    assert ("interventions[0].progress[1].date: this progress update is dated 2027-01-15, in the future (today is "
            "2026-11-30)") in found
    assert ("plan.goals[0].objectives[1].measurements[1].date: this measurement is dated 2026-12-01, in the future"
            in found)


def test_values_must_be_of_the_indicators_kind(scratch_project):
    project = _project(scratch_project, measurements=MEASUREMENTS.replace("value: 75.5", "value: 120")
                       .replace("target_value: 90", "target_value: true"))
    found = _messages(assess(project, "athens", today=TODAY))
    assert any("measurements[1].value: 120 is not a number from 0 to 100, as the indicator_kind 'percent' asks" in m
               for m in found)
    assert any("objectives[1].target_value: true is not a number from 0 to 100" in m for m in found)


def test_a_count_is_a_whole_number(scratch_project):
    project = _project(scratch_project, measurements=MEASUREMENTS.replace("indicator_kind: percent",
                                                                           "indicator_kind: count"))
    found = _messages(assess(project, "athens", today=TODAY))
    (message,) = [m for m in found if "measurements" in m]
    assert "measurements[1].value: 75.5 is not a whole number of 0 or more, as the indicator_kind 'count' asks" \
        in message


def test_a_quoted_number_is_text_and_refused(scratch_project):
    project = _project(scratch_project, measurements=MEASUREMENTS.replace("value: 40", 'value: "40"'))
    found = "\n".join(_messages(assess(project, "athens", today=TODAY)))
    assert "measurements[0].value" in found


def test_measured_values_need_an_indicator_kind(scratch_project):
    project = _project(scratch_project, measurements=MEASUREMENTS.replace("          indicator_kind: percent\n", ""))
    found = _messages(assess(project, "athens", today=TODAY))
    assert any("the objective 'reports-followed-up' has measured values but no indicator_kind" in m
               and "add indicator_kind: count, percent, number or yes-no" in m for m in found)


def test_an_illustrative_city_may_write_its_progress_as_of_a_later_day(scratch_project):
    later = UPDATES.replace("2026-06-30", "2027-06-30")
    project = _project(scratch_project, updates=later, city_top="illustrative_as_of: 2027-12-31\n")
    assert assess(project, "athens", today=TODAY).errors == []
    path = project.city_dir("athens") / "interventions.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("2027-06-30, status", "2028-01-15, status"),
                    encoding="utf-8")
    assert any("is dated 2028-01-15, in the future (today is 2027-12-31)" in m
               for m in _messages(assess(project, "athens", today=TODAY)))


def test_illustrative_as_of_needs_an_illustrative_city(scratch_project):
    project = _project(scratch_project, city_top="illustrative_as_of: 2027-12-31\n")
    city = project.city_dir("athens") / "city.yaml"
    text = city.read_text(encoding="utf-8")
    start = text.index("illustrative: >-")
    end = text.index("city:\n")
    city.write_text(text[:start] + text[end:], encoding="utf-8")
    found = _messages(assess(project, "athens", today=TODAY))
    assert any("illustrative_as_of: illustrative_as_of is only for an illustrative city" in m for m in found)


def test_a_milestone_cannot_be_met_in_the_future(scratch_project):
    project = scratch_project("athens")
    _without_progress(project.city_dir("athens"))
    path = project.city_dir("athens") / "interventions.yaml"
    text = path.read_text(encoding="utf-8")
    old = "{date: 2027-06-30, description: Form and intake procedure approved by the City's legal counsel}"
    path.write_text(text.replace(old, old[:-1] + ", met: 2027-07-02}"), encoding="utf-8")
    found = _messages(assess(project, "athens", today=TODAY))
    assert any("interventions[0].milestones[0].met: this milestone is marked met on 2027-07-02, in the future" in m
               for m in found)


# --- the progress report ---------------------------------------------------------------------------------


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def test_periods_are_quarters_years_or_ranges():
    q3 = parse_period("2027-Q3")
    assert (q3.start, q3.end, q3.label) == (dt.date(2027, 7, 1), dt.date(2027, 9, 30), "2027-Q3")
    assert (q3.previous().label, q3.previous().end) == ("2027-Q2", dt.date(2027, 6, 30))
    assert parse_period("2027-Q1").previous().label == "2026-Q4"
    year = parse_period("2027")
    assert (year.start, year.end, year.previous().label) == (dt.date(2027, 1, 1), dt.date(2027, 12, 31), "2026")
    span = parse_period(None, "2027-07-01", "2027-07-31")
    assert (span.previous().start, span.previous().end) == (dt.date(2027, 5, 31), dt.date(2027, 6, 30))
    assert parse_period() is None
    for bad, words in (("2027-Q5", "is not a reporting period"), ("Q3 2027", "is not a reporting period")):
        with pytest.raises(UsageError, match=words):
            parse_period(bad)
    with pytest.raises(UsageError, match=re.escape("--to (2027-06-01) comes before --from")):
        parse_period(None, "2027-07-01", "2027-06-01")
    with pytest.raises(UsageError, match="--from and --to go together"):
        parse_period(None, "2027-07-01")
    with pytest.raises(UsageError, match="either --period or --from/--to"):
        parse_period("2027", "2027-07-01", "2027-07-31")
    with pytest.raises(UsageError, match="--from '2027-13-01' is not a date"):
        parse_period(None, "2027-13-01", "2027-12-31")


def test_the_reports_numbers_match_the_data(repo_project):
    report = assess(repo_project, "athens")
    assert report.errors == []
    city = report.city
    period = parse_period("2027-Q4")
    html = _text(render_progress_report(city, report, period, pdf=False))
    # Counted here straight from the data, the report's own way of counting aside.
    milestones = [m for i in city.interventions.interventions for m in i.milestones]
    due = [m for m in milestones if period.start <= m.date <= period.end]
    met = [m for m in due if m.met and m.met <= period.end]
    overdue = [m for m in milestones if m.date <= period.end and not (m.met and m.met <= period.end)]
    assert (len(due), len(met), len(overdue)) == (5, 1, 4)
    assert f"{len(met)} of {len(due)} milestones due in the period were met by December 31, 2027" in html
    assert f"{len(overdue)} milestone(s) due on or before December 31, 2027 were not met by then" in html
    statuses = {}
    for intervention in city.interventions.interventions:
        latest = [u for u in intervention.progress if u.date <= period.end]
        status = latest[-1].status if latest else "none"
        statuses[status] = statuses.get(status, 0) + 1
    assert statuses == {"on-track": 5, "at-risk": 3, "off-track": 1, "none": 1}
    view = progress_view(city, period, dt.date(2028, 3, 31))
    assert {row.id: row.total for row in view.by_status} == {"on-track": 5, "at-risk": 3, "off-track": 1,
                                                             "not-started": 1}
    assert "On track 2 1 2 5" in html and "At risk 1 2 0 3" in html and "All activities 4 3 3 10" in html
    updated = sum(1 for i in city.interventions.interventions
                  if any(period.start <= u.date <= period.end for u in i.progress))
    assert f"{updated} of 10 activities were updated in the period" in html
    trained = next(o for g in city.profile.plan.goals for o in g.objectives if o.id == "residents-trained")
    assert [m.value for m in trained.measurements if m.date <= period.end][-1] == 142
    assert "Latest value 142 (December 31, 2027, Training attendance records)" in html
    assert "Previous period 48" in html
    # What changed since 2027-Q3, and what the group must decide.
    assert "Hate propaganda documentation and removal protocol On track At risk" in html
    assert ("“Training module agreed with the consultation team” (Warning signs and referral training for front-line "
            "staff) was due on 2027-10-31 and is not met, with no progress update in the period.") in html
    assert "Digital resilience sessions for young people is off track: Hold the co-design sessions in January." \
        in html
    assert "an illustrative example of a year of delivery, not reported data" in html


def test_the_report_is_deterministic_and_built_only_with_progress_data(scratch_project, tmp_path):
    project = scratch_project("athens", "stamford")
    out = tmp_path / "out"
    command = [*CITYFRAME, "build", "athens", "stamford", "--format", "html", "--period", "2027-Q3",
               "--project", str(project.root), "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    first = (out / "athens" / "progress-report.html").read_bytes()
    assert b"Progress Report 2027-Q3" in first
    assert (out / "stamford" / "prevention-plan.html").exists()
    assert not (out / "stamford" / "progress-report.html").exists()  # no progress data, no report
    done = subprocess.run([*command, "--force"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    assert (out / "athens" / "progress-report.html").read_bytes() == first
    done = subprocess.run([*command[:-4], "--period", "2027-Q5", "--project", str(project.root)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "error: '2027-Q5' is not a reporting period" in done.stderr


def test_another_period_renders_again(scratch_project, tmp_path):
    project = scratch_project("athens")
    out = tmp_path / "out"
    for period, expected in (("2027-Q3", "July to September 2027"), ("2027", "the year 2027")):
        done = subprocess.run([*CITYFRAME, "build", "athens", "--format", "html", "--period", period, "--project",
                               str(project.root), "--out", str(out)], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert expected in (out / "athens" / "progress-report.html").read_text(encoding="utf-8")
