"""A city's check report: its findings and, per document, which sections are filled and what is missing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..data.load import City, load_city
from ..data.project import Project
from ..errors import DataError, Finding
from .rules import EDITOR_NOTE, check_city
from .sections import Document, SectionStatus, document_status, documents

JSON_FORMAT_VERSION = 1
"""The version of ``check --format json`` (its ``format_version``); keys are only added within a version. The
published JSON Schema is ``docs/check-output.schema.json``."""


@dataclass
class DocumentReport:
    """One document's sections and their status."""

    document: Document
    sections: list[SectionStatus]

    @property
    def completeness(self) -> float:
        """The share of filled sections, in percent."""
        filled = sum(1 for s in self.sections if s.status == "filled")
        return round(100 * filled / len(self.sections), 1) if self.sections else 100.0

    def as_dict(self) -> dict[str, object]:
        """The stable JSON form (see docs/data-format.md, 'check --format json')."""
        return {
            "id": self.document.id,
            "title": self.document.title,
            "completeness": self.completeness,
            "sections": [
                {"id": s.section.id, "slug": s.section.slug, "title": s.section.title, "status": s.status,
                 "missing": s.missing, "files": s.section.files}
                for s in self.sections
            ],
        }


@dataclass
class CityReport:
    """Everything ``check`` says about one city."""

    slug: str
    name: str
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    documents: list[DocumentReport] = field(default_factory=list)
    city: City | None = None

    @property
    def editor_notes(self) -> list[Finding]:
        """The warnings that are open notes for the data's editors: to resolve before publishing."""
        return [f for f in self.warnings if EDITOR_NOTE in f.message]

    @property
    def valid(self) -> bool:
        """No errors (warnings allowed)."""
        return not self.errors

    @property
    def completeness(self) -> float:
        """The share of filled sections over all three documents, in percent; 0 when the data is invalid."""
        sections = [s for d in self.documents for s in d.sections]
        if not sections:
            return 0.0
        return round(100 * sum(1 for s in sections if s.status == "filled") / len(sections), 1)

    @property
    def complete(self) -> bool:
        """Every required section of every document is filled in."""
        return bool(self.documents) and all(s.status == "filled" for d in self.documents for s in d.sections)

    def ok(self, strict: bool = False) -> bool:
        """Valid and complete (and, when strict, without warnings)."""
        return self.valid and self.complete and not (strict and self.warnings)

    def as_dict(self, strict: bool = False) -> dict[str, object]:
        """The stable JSON form of a city's report (``docs/check-output.schema.json``)."""
        return {
            "slug": self.slug,
            "name": self.name,
            "ok": self.ok(strict),
            "valid": self.valid,
            "loaded": self.city is not None,
            "complete": self.complete,
            "completeness": self.completeness,
            "errors": [f.as_dict() for f in self.errors],
            "warnings": [f.as_dict() for f in self.warnings],
            "documents": [d.as_dict() for d in self.documents],
        }


def assess(project: Project, slug: str, today: dt.date | None = None, lang: str | None = None) -> CityReport:
    """Load, cross-check and measure the completeness of one city, collecting every finding.

    ``lang``: the language edition to check (None: the authoritative one); prose fields without a translation
    into it are warnings at their file and line.
    """
    try:
        city = load_city(project, slug, lang)
    except DataError as exc:
        return CityReport(slug, slug, errors=[f for f in exc.findings if f.severity == "error"],
                          warnings=[f for f in exc.findings if f.severity == "warning"])
    findings = check_city(city, today)
    if lang is not None and lang not in city.languages.all():
        findings.append(city.finding(
            "city.yaml", ("languages",), f"city.yaml names no '{lang}' edition, so build --lang {lang} will refuse "
            "to build it", severity="warning", at_key=True,
            hint=f"add it when its translations are ready: languages: {{authoritative: "
                 f"{city.languages.authoritative}, editions: [{', '.join([*city.languages.all(), lang])}]}}"))
    report = CityReport(
        slug, city.name,
        errors=[f for f in findings if f.severity == "error"],
        warnings=[f for f in findings if f.severity == "warning"],
        city=city,
    )
    report.documents = [DocumentReport(doc, document_status(city, doc)) for doc in documents()]
    return report
