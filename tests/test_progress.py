"""Progress data: dated updates on interventions, measured values of objectives' indicators, and their checks."""

from __future__ import annotations

import datetime as dt

from cityframe.checks.report import assess

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


def _project(scratch_project, updates: str = UPDATES, measurements: str = MEASUREMENTS, city_top: str = ""):
    project = scratch_project("athens")
    folder = project.city_dir("athens")
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
    return [str(f) for f in report.errors + report.warnings]


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
    path = project.city_dir("athens") / "interventions.yaml"
    text = path.read_text(encoding="utf-8")
    old = "{date: 2027-06-30, description: Form and intake procedure approved by the City's legal counsel}"
    path.write_text(text.replace(old, old[:-1] + ", met: 2027-07-02}"), encoding="utf-8")
    found = _messages(assess(project, "athens", today=TODAY))
    assert any("interventions[0].milestones[0].met: this milestone is marked met on 2027-07-02, in the future" in m
               for m in found)
