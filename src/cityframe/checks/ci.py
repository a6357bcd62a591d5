"""What ``check`` prints for continuous integration: GitHub workflow commands, a step summary, JUnit XML.

Each format says what the text and JSON formats say (the same findings, the same sections), in the form a
platform turns into annotations or test results:

- GitHub Actions reads ``::error file=...,line=...,col=...,title=...::message`` lines from a step's output and
  shows each on that line of the pull request's diff, and renders the Markdown appended to the file named by
  ``$GITHUB_STEP_SUMMARY`` on the run's page
  (https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions).
- GitLab (``artifacts:reports:junit``) and Jenkins (``junit`` step) read JUnit XML: one test suite per city, one
  test case per required section and per error, each failing one carrying a ``<failure>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator

from ..errors import Finding
from .report import CityReport

# --- GitHub Actions --------------------------------------------------------------------------------------


def _escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF are escaped (GitHub's toolkit, ``escapeData``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """A workflow command's property value: also ``:`` and ``,`` (GitHub's toolkit, ``escapeProperty``)."""
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(kind: str, message: str, **properties: object) -> str:
    """``::kind key=value,...::message``, properties in the given order, empty ones left out."""
    props = ",".join(f"{key}={_escape_property(str(value))}" for key, value in properties.items()
                     if value not in (None, "", 0))
    return f"::{kind}{' ' + props if props else ''}::{_escape_data(message)}"


def github_finding(finding: Finding, *, strict: bool = False, prefix: str = "") -> str:
    """One finding as a workflow command on its file, line and column (a warning fails only with ``--strict``).

    ``prefix`` is the project folder relative to the repository root (``""`` when they are the same), since GitHub
    places annotations by the path from the repository root.
    """
    kind = "error" if finding.severity == "error" or strict else "warning"
    title = f"cityframe: {finding.path}" if finding.path else "cityframe"
    message = finding.message + (f" (hint: {finding.hint})" if finding.hint else "")
    return _command(kind, message, file=prefix + finding.file, line=finding.line or None,
                    col=(finding.col or None) if finding.line else None, title=title)


def github_lines(report: CityReport, *, strict: bool = False, prefix: str = "") -> Iterator[str]:
    """Every line ``check --format github`` prints for one city: findings, missing sections, then a verdict."""
    for finding in report.errors + report.warnings:
        yield github_finding(finding, strict=strict, prefix=prefix)
    folder = prefix + (report.city.display("city.yaml").rpartition("/")[0] if report.city else f"cities/{report.slug}")
    for doc in report.documents:
        for status in doc.sections:
            if status.status == "filled":
                continue
            files = status.section.files
            title = f"cityframe: {doc.document.title} {status.section.id} {status.section.title} is missing"
            message = "missing: " + "; ".join(status.missing) + (f" (edit {', '.join(files)})" if files else "")
            yield _command("error", message, file=f"{folder}/{files[0]}" if files else None,
                           title=title)
    verdict = "complete" if report.complete else "incomplete"
    yield (f"{_city_label(report)}: {len(report.errors)} error(s), {len(report.warnings)} warning(s), "
           f"{report.completeness:g}% of required sections filled in ({verdict})")


def _city_label(report: CityReport) -> str:
    return report.slug if report.name == report.slug else f"{report.name} ({report.slug})"


def _cell(text: str) -> str:
    """A Markdown table cell: a pipe would end it, a line break would end the row."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def step_summary(reports: Iterable[CityReport], *, strict: bool = False) -> str:
    """A Markdown table of each city's section completeness per document, for ``$GITHUB_STEP_SUMMARY``."""
    reports = list(reports)
    titles = list(dict.fromkeys(d.document.title for r in reports for d in r.documents))
    lines = ["## cityframe check", "",
             "| City | Errors | Warnings | " + " | ".join(titles) + (" | " if titles else "") + "Overall | Ready |",
             "|---|--:|--:|" + "--:|" * len(titles) + "--:|---|"]
    for report in reports:
        by_title = {d.document.title: d for d in report.documents}
        cells = [f"{by_title[t].completeness:g}%" if t in by_title else "not measured" for t in titles]
        ready = "yes" if report.ok(strict) else "no"
        lines.append(f"| {_cell(_city_label(report))} | {len(report.errors)} | {len(report.warnings)} | "
                     + "".join(f"{c} | " for c in cells) + f"{report.completeness:g}% | {ready} |")
    missing = [(r, d, s) for r in reports for d in r.documents for s in d.sections if s.status != "filled"]
    if missing:
        lines += ["", "Missing sections:", ""]
        lines += [f"- {_cell(_city_label(r))}, {d.document.title}, {s.section.id} {s.section.title}: "
                  f"{'; '.join(s.missing)}" for r, d, s in missing]
    unmeasured = [r for r in reports if not r.documents]
    if unmeasured:
        lines += ["", "Not measured until their data loads: "
                  + ", ".join(_cell(_city_label(r)) for r in unmeasured) + "."]
    return "\n".join(lines) + "\n"


# --- JUnit XML -------------------------------------------------------------------------------------------


def junit_xml(reports: Iterable[CityReport], *, strict: bool = False) -> str:
    """JUnit XML: a suite per city; a case per required section and per error.

    Warnings are cases too, failing only when ``strict``. Shape as read by GitLab and Jenkins
    (https://github.com/testmoapp/junitxml).
    """
    root = ET.Element("testsuites", name="cityframe check")
    totals = {"tests": 0, "failures": 0}
    for report in reports:
        suite = ET.SubElement(root, "testsuite", name=report.slug)
        cases = failures = 0
        for doc in report.documents:
            for status in doc.sections:
                case = ET.SubElement(suite, "testcase", classname=f"{report.slug}.{doc.document.id}",
                                     name=f"{status.section.id} {status.section.title}")
                cases += 1
                if status.status != "filled":
                    failures += 1
                    failure = ET.SubElement(case, "failure", type="missing-section",
                                            message="missing: " + "; ".join(status.missing))
                    failure.text = "edit " + ", ".join(status.section.files)
        for finding in report.errors + report.warnings:
            case = ET.SubElement(suite, "testcase", classname=f"{report.slug}.{finding.severity}s",
                                 name=f"{finding.file}:{finding.line}:{finding.col} {finding.path}".rstrip(),
                                 file=finding.file)
            if finding.line:
                case.set("line", str(finding.line))
            cases += 1
            if finding.severity == "error" or strict:
                failures += 1
                failure = ET.SubElement(case, "failure", type=finding.severity, message=finding.message)
                failure.text = str(finding)
            else:
                ET.SubElement(case, "system-out").text = str(finding)
        suite.set("tests", str(cases))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        totals["tests"] += cases
        totals["failures"] += failures
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
