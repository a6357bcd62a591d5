"""A city -> its HTML pages: the index and one complete document per entry of the sections manifest.

Each page is self-contained (the stylesheet inlined, the logo a data: URI) and serves both the screen and
WeasyPrint, which reads the ``@media print`` and ``@page`` rules; fonts are referenced relative to the built-in
templates folder, the base URL the PDF step resolves them against.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from jinja2 import nodes

from ..checks.sections import documents
from ..data.project import Project
from ..errors import Finding, LocatedError
from .context import EDITIONS, build_context
from .i18n import using
from .templates import (
    GuardedEnvironment,
    locate_template_error,
    make_environment,
    override_files,
    render_page,
    untrusted_file,
)

if TYPE_CHECKING:
    from ..checks.report import CityReport
    from ..data.load import City

DOCUMENTS: dict[str, str] = {doc.id: doc.title for doc in documents()}
"""The documents, by the ids of ``sections.yaml``, in its order: ``{"prevention-plan": "Prevention Plan", ...}``."""

INDEX_TEMPLATE = "index.html"


def render_city(city: City, report: CityReport, edition: str = "public", pdf: bool = True,
                revision: str | None = None, lang: str | None = None,
                editions: Sequence[str] | None = None) -> dict[str, str]:
    """Every page of a city as complete HTML: ``index.html`` and ``<document id>.html`` for each document.

    ``pdf`` says whether the build also makes each document's PDF (``cityframe build`` does unless asked for HTML
    only): the index page then links them, and never links a PDF that is not built. ``revision`` is the git
    revision the data comes from (``3f2c1ab`` or ``3f2c1ab with uncommitted changes``), shown on the covers and in
    the PDF metadata; None (outside git) shows none. ``lang``: the language of the pages (a BCP 47 code; the
    templates' own words and the dates follow it when cityframe ships that language, see
    :mod:`cityframe.render.i18n`); None is the language ``city`` was loaded for. ``editions``: the language
    editions built beside this one, which the index links (None: every edition city.yaml names).
    """
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}; expected one of {', '.join(EDITIONS)}")
    context = build_context(city, report, edition, pdf=pdf, revision=revision, lang=lang,  # type: ignore[arg-type]
                            editions=editions)
    env = make_environment(city, lang=context["lang"])
    with using(context["lang"]):
        pages = {"index.html": render_page(env, INDEX_TEMPLATE, context, document=None)}
        for doc in context["documents"]:
            pages[f"{doc.id}.html"] = render_page(env, f"{doc.id}.html", context, document=doc)
    return pages



_ATTACHMENT = re.compile(r"""\brel\s*=\s*(["']?)[^"'>]*\battachment\b""", re.IGNORECASE)
_FILE_URL = re.compile(r"""\bfile:(?!\s)""", re.IGNORECASE)


def check_overrides(project: Project, slug: str, report: CityReport | None = None) -> list[Finding]:
    """What is wrong with a city's template overrides (its ``templates/`` and the project's), as findings.

    Every file must be an ordinary file inside its folder (no link), every template must compile, name only
    templates that exist, and embed no file (``rel="attachment"``, ``file:`` URLs). With a ``report`` of valid
    data, the pages are also rendered, so that a missing include, a recursion or a refused operation is found by
    ``check`` rather than by the build.
    """
    findings: list[Finding] = []
    try:
        env = make_environment(project=project, slug=slug)
    except LocatedError as exc:
        return [exc.finding]
    for folder in project.override_folders(slug):
        for name, path in override_files(folder):
            try:
                found = untrusted_file(folder, name.split("/"), project) if name else None
            except LocatedError as exc:
                findings.append(exc.finding)
                continue
            if found is None or path.suffix.lower() not in (".html", ".css", ".svg", ".txt"):
                continue
            findings.extend(_static_problems(env, project, found))
    if findings or report is None or report.city is None or report.errors:
        return findings
    try:
        render_city(report.city, report)
    except LocatedError as exc:
        findings.append(exc.finding)
    return findings


def _static_problems(env: GuardedEnvironment, project: Project, path: Path) -> list[Finding]:
    """A template's syntax, the templates it names literally, and any file it would embed."""
    display = project.relative(path)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [Finding(display, 0, 0, "", f"cannot be read as UTF-8 text ({exc})", hint="save it again as UTF-8")]
    found = []
    for number, line in enumerate(source.splitlines(), start=1):
        if _ATTACHMENT.search(line):
            found.append(Finding(display, number, 1, "", 'a link with rel="attachment" would embed a file in the '
                                 "PDF; documents embed no files", hint="link to the file's public web address "
                                 "instead"))
        if _FILE_URL.search(line):
            found.append(Finding(display, number, 1, "", "a file: address; documents read no files by address",
                                 hint="put pictures and fonts inside the templates/ folder and name them "
                                      "relative to it"))
    if path.suffix.lower() != ".html":
        return found
    try:
        tree = env.parse(source, path.name, str(path))
    except jinja2.TemplateSyntaxError as exc:
        located = locate_template_error(exc, project, path.name)
        return [*found, located.finding] if located else found
    for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
        template = node.template
        if not isinstance(template, nodes.Const) or not isinstance(template.value, str):
            continue
        if getattr(node, "ignore_missing", False):
            continue
        try:
            env.loader.get_source(env, template.value)  # type: ignore[union-attr]
        except jinja2.TemplateNotFound:
            found.append(Finding(display, node.lineno, 1, "", f"uses the template '{template.value}', which does "
                                 "not exist (or is outside the templates folders)",
                                 hint="check the name: it is relative to a templates/ folder, for example "
                                      "plan/foreword.html; '..' is refused"))
        except LocatedError as exc:
            found.append(exc.finding)
    return found
