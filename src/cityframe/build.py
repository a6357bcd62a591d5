"""Build a city's documents: check the data, render every page and PDF in memory, then write them atomically.

Nothing is written until every document has rendered, and each file is replaced in one step (a complete
temporary file, fsynced, then ``os.replace``), so a failed or killed build leaves the previous files as they were,
and two builds of the same city at once never leave a half-written file.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import posixpath
import re
import secrets
import signal
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Literal
from urllib.parse import urljoin

from .build_state import (
    STATE_FOLDER,
    BuildState,
    changed,
    code_files,
    digest,
    files_under,
    sha256,
    up_to_date,
    weasyprint_version,
)
from .checks.sections import documents
from .data.project import Project, builtin_templates_dir
from .errors import CityframeError, UsageError, visible
from .render.context import output_name
from .render.pdf import PRINTED_AS_BOXES

if TYPE_CHECKING:
    from rich.console import Console

    from .checks.report import CityReport
    from .render.progress import ReportingPeriod

Formats = Literal["all", "html", "pdf"]
Edition = Literal["public", "internal"]
FORMATS = ("all", "html", "pdf")
EDITIONS = ("public", "internal")

# ".prevention-plan.pdf.tmp-<pid>-<random>": hidden, recognisable, and the pid tells whether its build still runs.
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.tmp-(?P<pid>\d+)-[0-9a-f]+$")
_STALE_AFTER = 24 * 3600  # seconds; a temporary file this old is removed even if its pid is alive (pid reuse)


@dataclass
class BuildResult:
    """What building one city did: ``ok``, the files written, and the messages shown to the user."""

    slug: str
    ok: bool
    outputs: list[Path] = field(default_factory=list)
    message: str = ""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    draft: bool = False
    folder: Path | None = None
    rendered: list[str] = field(default_factory=list)
    """The pages and PDFs this build rendered (``prevention-plan.pdf`` ...)."""
    up_to_date: list[str] = field(default_factory=list)
    """The outputs it found up to date and left as they were."""
    lang: str | None = None
    """The edition's language when it is not the authoritative one (its files are in ``<slug>/<lang>/``)."""

    @property
    def label(self) -> str:
        """``albuquerque`` or ``albuquerque (es)``: how messages name this build."""
        return f"{self.slug} ({self.lang})" if self.lang else self.slug


def output_root(project: Project, out: Path | str | None = None) -> Path:
    """The folder that receives ``<slug>/``: ``out`` or ``<project>/build``, never inside ``cities/``."""
    root = (Path(out) if out is not None else project.root / "build").absolute()
    _refuse_cities(project, root)
    return root


def _refuse_cities(project: Project, folder: Path) -> None:
    cities = project.cities_dir.resolve()
    resolved = folder.resolve()
    if resolved == cities or resolved.is_relative_to(cities):
        raise UsageError(f"refusing to write into {folder}: it is inside the project's cities/ folder",
                         hint="cities/ holds only the data you edit; choose another --out, e.g. build/")


def build_city(project: Project, slug: str, *, formats: Formats = "all", out: Path | str | None = None,
               strict: bool = False, edition: Edition = "public", console: Console | None = None,
               workers: int | None = None, force: bool = False, period: ReportingPeriod | None = None,
               lang: str | None = None) -> BuildResult:
    """Check one city and write its documents as HTML and/or PDF into ``<out or build>/<slug>/``.

    ``lang``: one language edition (``es`` goes to ``<slug>/es/``); None, the authoritative one. For every
    edition of the city at once (``all``), use :func:`build_cities`, which returns one result per edition.
    """
    return build_cities(project, [slug], formats=formats, out=out, strict=strict, edition=edition,
                        console=console, workers=workers, force=force, period=period, lang=lang)[0]


def edition_languages(project: Project, slug: str, lang: str | None) -> list[str | None]:
    """The language editions ``--lang`` asks of a city: None for the authoritative one, else a language code.

    ``all`` is every edition city.yaml's ``languages:`` names (the authoritative one first); a city whose files
    do not load gets its authoritative edition only (and its errors from that build).
    """
    if lang is None:
        return [None]
    if lang != "all":
        return [lang]
    from .data.load import city_languages
    from .data.sources import YamlError, read_yaml

    try:
        source = read_yaml(project.city_dir(slug) / "city.yaml", f"cities/{slug}/city.yaml")
    except (YamlError, OSError):
        return [None]
    languages = city_languages(source)
    return [None, *languages.all()[1:]]


def build_cities(project: Project, slugs: Sequence[str], *, formats: Formats = "all",
                 out: Path | str | None = None, strict: bool = False, edition: Edition = "public",
                 console: Console | None = None, workers: int | None = None,
                 force: bool = False, period: ReportingPeriod | None = None,
                 lang: str | None = None) -> list[BuildResult]:
    """Build several cities, sharing one pool of PDF workers; one city's failure does not stop the others.

    ``lang``: None (the authoritative edition), a language code (that edition, in ``<slug>/<lang>/``) or
    ``all`` (every edition the city names); one result per city and edition.

    Gather, then write (as pelican does): every city is checked and its HTML rendered first, and its PDFs are
    handed to the pool as soon as its HTML exists, longest first, so the workers never wait for the next city.
    Each city is written once all its PDFs are back. ``workers`` is the number of PDF processes (``-j``; default:
    the CPUs); 1 renders in this process. Outputs are the same bytes whatever the number of workers.

    Only what changed is rendered (see :mod:`cityframe.build_state`); ``force`` renders everything again.
    A city with progress data also gets the progress report, for ``period`` (default: the quarter of today).
    """
    if formats not in FORMATS:
        raise UsageError(f"unknown format '{formats}'", hint=f"use one of {', '.join(FORMATS)}")
    if edition not in EDITIONS:
        raise UsageError(f"unknown edition '{edition}'", hint=f"use one of {', '.join(EDITIONS)}")
    if workers is not None and workers < 1:
        raise UsageError(f"-j takes a number of processes of 1 or more, not {workers}",
                         hint="leave it out to use every CPU, or use -j 1 to render in one process")
    _refuse_bad_epoch(os.environ.get("SOURCE_DATE_EPOCH"))
    root = output_root(project, out)
    if lang is not None and lang != "all":
        refuse_unknown_language(lang)
    if workers is None:
        workers = os.cpu_count() or 2
    asked = {slug: edition_languages(project, slug, lang) for slug in slugs}
    with _PdfRenderer(max(1, workers)) as renderer:
        prepared = [_prepare(project, slug, root, formats=formats, strict=strict, edition=edition,
                             console=console, renderer=renderer, force=force, period=period, lang=code,
                             siblings=asked[slug])
                    for slug in slugs for code in asked[slug]]
        jobs = [job for city in prepared if isinstance(city, _Prepared) for job in city.jobs.values()]
        with _progress(console, "PDF", len(jobs)) as advance:
            renderer.finish(jobs, on_done=advance)
        return [city if isinstance(city, BuildResult) else _write(project, city, console=console)
                for city in prepared]


def has_words(lang: str) -> bool:
    """Whether cityframe's headings, labels and dates exist in ``lang`` (``es-MX`` has Spanish's)."""
    from .render.i18n import LANGUAGES

    return lang.split("-")[0].lower() in LANGUAGES


def refuse_unknown_language(lang: str) -> None:
    """A language cityframe has no words for (its headings, labels and dates) cannot have an edition.

    Raises :class:`UsageError` for such a ``lang`` (``fr``); ``es`` and ``es-MX`` pass.
    """
    from .data.languages import is_language_code
    from .render.i18n import LANGUAGES

    if not has_words(lang):
        shown_lang = lang if is_language_code(lang) else repr(lang)
        raise UsageError(f"cityframe cannot write an edition in '{shown_lang}': its headings, labels and dates exist "
                         f"in {', '.join(LANGUAGES)}",
                         hint=f"use --lang with one of {', '.join(LANGUAGES)}, or all (every edition the city "
                              "names in city.yaml's languages:)")


def _refuse_bad_epoch(value: str | None) -> None:
    """SOURCE_DATE_EPOCH (reproducible builds' clock) must be a whole number of seconds when it is set."""
    if value is None or re.fullmatch(r"[0-9]{1,12}", value.strip()):
        return
    from .data.sources import shown

    raise UsageError(f"the environment variable SOURCE_DATE_EPOCH is '{shown(value)}', not a number of seconds",
                     hint="unset it, or set it to whole seconds since 1970, for example "
                          "SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)")


def _say(console: Console | None, text: str) -> None:
    if console is not None:
        console.print(visible(text), markup=False, highlight=False)


@dataclass
class _Prepared:
    """A city checked and rendered to HTML, its PDFs under way: what remains is to collect and write."""

    result: BuildResult
    folder: Path
    edition: str
    missing: list[str]
    inputs: str
    state: BuildState
    files: dict[str, bytes]
    assets: dict[str, bytes]
    jobs: dict[str, _PdfJob]
    keys: dict[str, str]
    reused: list[str]
    strict: bool
    root: Path
    state_name: str


def _prepare(project: Project, slug: str, root: Path, *, formats: str, strict: bool, edition: str,
             console: Console | None, renderer: _PdfRenderer, force: bool,
             period: ReportingPeriod | None = None, lang: str | None = None,
             siblings: Sequence[str | None] = ()) -> BuildResult | _Prepared:
    from .checks.fonts import is_font_finding
    from .checks.report import assess

    report = assess(project, slug, lang=lang)
    if report.city is not None and lang == report.city.languages.authoritative:
        lang = None  # the authoritative edition, asked for by its code
    if lang is not None and not has_words(lang):  # an edition city.yaml names, built by --lang all
        from .render.i18n import LANGUAGES

        result = BuildResult(slug, ok=False, lang=lang, folder=root / slug / lang)
        result.errors = [f"cityframe's own words (headings, labels, dates) exist in {', '.join(LANGUAGES)}, not "
                         f"in '{lang}'"]
        result.message = (f"{result.label}: not built: cityframe cannot write an edition in '{lang}' yet (its "
                          f"headings, labels and dates exist in {', '.join(LANGUAGES)}); docs/translations.md says "
                          "how to add a language (nothing written)")
        _say(console, result.message)
        return result
    if lang is not None and report.city is not None and lang not in report.city.languages.all():
        result = BuildResult(slug, ok=False, lang=lang, folder=root / slug / lang)
        result.errors = [f"{report.city.display('city.yaml')}: {slug} has no '{lang}' edition: its languages: block "
                         f"names {', '.join(report.city.languages.all())}"]
        result.message = (f"{result.label}: not built: city.yaml names no '{lang}' edition (add the line "
                          f"'languages: {{authoritative: {report.city.languages.authoritative}, editions: "
                          f"[{', '.join([*report.city.languages.all(), lang])}]}}' to city.yaml; check --lang {lang} "
                          "lists the texts to translate) (nothing written)")
        _say(console, result.message)
        return result
    if project.override_folders(slug):
        from .render.html import check_overrides

        report.errors.extend(check_overrides(project, slug))
    # The same lines as 'check', so an editor or CI log links each one to file:line:col.
    for finding in report.errors + report.warnings:
        _say(console, str(finding))
    folder = root / slug / lang if lang else root / slug
    state_name = f"{slug}.{lang}" if lang else slug
    result = BuildResult(slug, ok=False, warnings=[str(f) for f in report.warnings], folder=folder, lang=lang)
    if report.errors or report.city is None:
        result.errors = [str(f) for f in report.errors]
        result.message = (f"{result.label}: not built: {len(report.errors)} error(s) in the city's data (nothing "
                          "written)")
        _say(console, result.message)
        return result
    missing = _missing_sections(report)
    # Notes for editors never reach a public document, but a strict build of one also says they are still open.
    notes = report.editor_notes if edition == "public" else []
    boxes = [str(f) for f in report.warnings if is_font_finding(f)] if formats in ("all", "pdf") else []
    if strict and (missing or notes or boxes):
        result.errors = missing + [str(f) for f in notes] + boxes
        reasons = []
        if missing:
            reasons.append(f"{len(missing)} required section(s) are missing")
        if notes:
            reasons.append(f"{len(notes)} {'note' if len(notes) == 1 else 'notes'} for editors to resolve before "
                           "publishing (listed above)")
        if boxes:  # the findings themselves were printed above, with their file and line
            reasons.append(f"{len(boxes)} text(s) have characters no font covers (they would print as boxes)")
        result.message = f"{result.label}: not built (--strict): {'; '.join(reasons)} (nothing written)"
        _say(console, result.message)
        for line in missing:
            _say(console, f"  {line}")
        return result
    result.draft = bool(missing)

    state = BuildState() if force else BuildState.load(root, state_name)
    period = _report_period(report, period)
    editions = _editions_beside(report, root, edition, siblings)
    inputs = _inputs_digest(project, report, state, formats=formats, edition=edition,
                            period=_period_key(report, period), editions=editions)
    expected = _expected_outputs(formats, edition, reports=bool(period))
    if not force and up_to_date(state, folder, expected, inputs):
        for name in expected:  # what rendering these outputs said, said again
            for warning in state.warnings(name):
                result.warnings.append(f"{name}: {warning}")
                _say(console, f"warning: {name}: {warning}")
        if strict and (boxes := [w for w in result.warnings if PRINTED_AS_BOXES in w]):
            result.errors = boxes
            result.message = f"{result.label}: not built (--strict): a PDF has characters no installed font has"
            _say(console, result.message)
            return result
        result.ok = True
        result.up_to_date = expected
        result.outputs = [folder / name for name in expected]
        state_text = f"a DRAFT ({len(missing)} required section(s) missing)" if missing else "complete"
        result.message = (f"{result.label}: up to date, nothing rendered ({len(expected)} file(s), {edition} "
                          f"edition, {state_text}; --force renders again)")
        _say(console, result.message)
        return result
    try:
        files, assets, jobs, keys, reused = _render_outputs(project, report, formats=formats, edition=edition,
                                                            renderer=renderer, state=state, folder=folder,
                                                            force=force, period=period, editions=editions)
    except CityframeError as exc:  # e.g. a city's template override that does not render
        result.errors = [str(exc)]
        result.message = f"{result.label}: not built: {exc} (nothing written)"
        _say(console, result.message)
        return result
    return _Prepared(result, folder, edition, missing, inputs, state, files, assets, jobs, keys, reused, strict,
                     root, state_name)


def _write(project: Project, city: _Prepared, *, console: Console | None) -> BuildResult:
    """Collect a prepared city's PDFs and write whatever changed, atomically, then the build record."""
    result, folder = city.result, city.folder
    files = dict(city.files)
    pdf_warnings = {name: city.state.warnings(name) for name in city.reused}  # said again when reused
    shown_folder = project.relative(folder)
    try:
        for name, job in city.jobs.items():
            try:
                pdf, pdf_warnings[name] = job.result()
            except OSError as exc:  # disk full, the file size limit (ulimit -f), a read-only temporary folder
                raise CityframeError(f"could not write {shown_folder}: {exc.strerror or exc} (while making the PDFs)",
                                     hint="free some disk space or raise the file size limit, then build again"
                                     ) from None
            except BrokenProcessPool:
                raise CityframeError(f"could not write {shown_folder}: a PDF process was stopped by the system (out "
                                     "of memory, or a limit on file size or time)",
                                     hint="free some memory or raise the limits, then build again") from None
            files[name] = pdf
        for name in sorted(pdf_warnings):
            for warning in pdf_warnings[name]:
                result.warnings.append(f"{name}: {warning}")
                _say(console, f"warning: {name}: {warning}")
    except CityframeError as exc:
        result.errors = [str(exc)]
        result.message = f"{result.label}: not built: {exc} (nothing written)"
        _say(console, result.message)
        return result
    state = city.state
    if city.strict and (boxes := [w for w in result.warnings if PRINTED_AS_BOXES in w]):
        result.errors = boxes
        result.message = (f"{result.label}: not built (--strict): a PDF has characters no installed font has "
                          "(nothing written)")
        _say(console, result.message)
        return result
    try:
        _refuse_cities(project, folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name in [*files, *city.assets]:  # before writing anything: a refusal leaves every file as it was
            _refuse_linked_folders(folder, (folder / name).parent)
        _refuse_linked_folders(city.root, city.root / STATE_FOLDER)
        to_write = changed(folder, files)
        to_copy = changed(folder, city.assets)
        for name, content in files.items():
            state.record(name, content, inputs=city.inputs, key=city.keys.get(name, ""),
                         warnings=pdf_warnings.get(name, ()))
        for name, content in city.assets.items():  # the fonts: a page is only up to date with them in place
            state.record(name, content, inputs=city.inputs)
        written = write_files(folder, dict(sorted(to_write.items())))
        written += write_files(folder, dict(sorted(to_copy.items())))
        write_files(city.root / STATE_FOLDER, {f"{city.state_name}.json": state.dumps()})
    except CityframeError as exc:  # a linked sub-folder of the output folder
        result.errors = [str(exc)]
        result.message = f"{result.label}: not built: {exc}"
        _say(console, result.message)
        return result
    except OSError as exc:
        result.errors = [f"could not write {folder}: {exc}"]
        result.message = f"{result.label}: not built: could not write {folder}: {exc.strerror or exc}"
        _say(console, result.message)
        return result
    result.ok = True
    result.outputs = [folder / name for name in sorted(files)] + [folder / name for name in sorted(city.assets)]
    result.rendered = sorted(city.jobs) + sorted(n for n in files if n.endswith(".html"))
    result.up_to_date = sorted(city.reused)
    for path in written:
        if path.parent == folder:
            _say(console, f"wrote {project.relative(path)}")
    unchanged = sorted(set(files) - set(to_write))
    if unchanged:
        _say(console, f"unchanged: {', '.join(unchanged)}")
    if to_copy:
        places = sorted({project.relative((folder / name).parent) for name in to_copy})
        _say(console, f"copied {len(to_copy)} file(s) the pages use (fonts) to {', '.join(places)}")
    state_text = (f"a DRAFT ({len(city.missing)} required section(s) missing; --strict refuses it)"
                  if city.missing else "complete")
    pdfs = f"; {len(city.jobs)} PDF(s) rendered, {len(city.reused)} up to date" if city.jobs or city.reused else ""
    result.message = f"{result.label}: built {len(files)} file(s), {city.edition} edition, {state_text}{pdfs}"
    _say(console, result.message)
    return result


def _editions_beside(report: CityReport, root: Path, edition: str, siblings: Sequence[str | None]) -> list[str]:
    """The language editions the index pages may link: built in this run, or already in the output folder.

    Never one that is not there: building English alone after a Spanish build still links the Spanish pages,
    but a city that never built its Spanish edition gets no link to a missing page.
    """
    city = report.city
    assert city is not None
    languages = city.languages.all()
    wanted = {languages[0] if code is None else code for code in siblings}
    index = output_name("index.html", edition)
    there = {code for code in languages
             if (root / report.slug / ("" if code == languages[0] else code) / index).is_file()}
    return [code for code in languages if code in wanted | there]


def _report_period(report: CityReport, period: ReportingPeriod | None) -> ReportingPeriod | None:
    """The period of the city's progress report, or None when it has no progress data (and so no report)."""
    from .checks.sections import has_progress

    if report.city is None or not has_progress(report.city):
        return None
    if period is not None:
        return period
    from .render.progress import default_period

    return default_period(report.city)


def _period_key(report: CityReport, period: ReportingPeriod | None) -> str | None:
    """What the progress report depends on besides the files: its period and the day its data is as of."""
    if period is None or report.city is None:
        return None
    import datetime as dt

    from .checks.rules import progress_today

    return f"{period.start}..{period.end} as of {progress_today(report.city, dt.date.today())}"


def _document_ids(reports: bool) -> list[str]:
    """The documents a build renders: the manifest's documents, then its reports when the city has progress."""
    from .checks.sections import reports as manifest_reports

    return [d.id for d in documents()] + ([d.id for d in manifest_reports()] if reports else [])


def _expected_outputs(formats: str, edition: str, reports: bool = False) -> list[str]:
    """The files a build of these options writes (besides the shared assets), in a fixed order."""
    names = []
    ids = _document_ids(reports)
    if formats in ("all", "html"):
        names += [output_name("index.html", edition), *(output_name(f"{d}.html", edition) for d in ids)]
    if formats in ("all", "pdf"):
        names += [output_name(f"{d}.pdf", edition) for d in ids]
    return names


def _inputs_digest(project: Project, report: CityReport, state: BuildState, *, formats: str, edition: str,
                   period: str | None = None, editions: Sequence[str] = ()) -> str:
    """Everything a city's pages are made from, as one digest (see :mod:`cityframe.build_state`)."""
    city_dir = project.city_dir(report.slug)
    files = {**files_under("city", city_dir), **files_under("project-templates", project.templates_dir),
             **files_under("templates", builtin_templates_dir()), **code_files()}
    findings = [str(f) for f in report.errors + report.warnings]
    sections = [(d.document.id, [(s.section.id, s.status, tuple(s.missing)) for s in d.sections])
                for d in report.documents]
    pdf = weasyprint_version() if formats in ("all", "pdf") else ""
    from .data.history import current_revision

    # The covers name the git revision the inputs come from: a commit with no change of content is news too.
    revision = current_revision(project, [f"cities/{report.slug}", "templates"])
    parts: list[object] = [findings, sections, str(revision) if revision else None]
    if period is not None:  # the progress report's period (only then, so other cities' digests stay as they were)
        parts.append(period)
    if len(editions) > 1:  # the language editions the index links (likewise, only for a city that has several)
        parts.append(("editions", *editions, report.city.lang if report.city else None))
    return digest(state.digest_files(files), formats, edition, pdf, os.environ.get("SOURCE_DATE_EPOCH"), *parts)


def _render_outputs(project: Project, report: CityReport, *, formats: str, edition: str, renderer: _PdfRenderer,
                    state: BuildState, folder: Path, force: bool, period: ReportingPeriod | None = None,
                    editions: Sequence[str] | None = None
                    ) -> tuple[dict[str, bytes], dict[str, bytes], dict[str, _PdfJob], dict[str, str], list[str]]:
    """A city's pages and assets in memory, and its PDFs handed to the renderer (or reused when up to date).

    Returns the files by name, the shared files the pages use, the PDF jobs under way by name, each PDF's key
    (the digest of its HTML and of what renders it) and the names of the PDFs reused as they are.
    """
    slug = report.slug
    wants_pdf = formats in ("all", "pdf")
    if wants_pdf:
        renderer.start()  # the workers import WeasyPrint while this process renders the HTML
    # The index page links the PDFs only when they are built, and the language editions only when they exist.
    pages = _render_html(report, edition, pdf=wants_pdf, editions=editions)
    if period is not None:
        from .render.progress import REPORT_ID, render_progress_report

        assert report.city is not None
        pages[f"{REPORT_ID}.html"] = render_progress_report(report.city, report, period, edition, pdf=wants_pdf)
    files: dict[str, bytes] = {}
    assets: dict[str, bytes] = {}
    if formats in ("all", "html"):
        files.update({output_name(name, edition): html.encode("utf-8") for name, html in pages.items()})
        assets = shared_assets(pages.values(), builtin_templates_dir())
    jobs: dict[str, _PdfJob] = {}
    keys: dict[str, str] = {}
    reused: list[str] = []
    if not wants_pdf:
        return files, assets, jobs, keys, reused
    renders: dict[str, str] = {}
    pdf_pages: dict[str, str] = {}
    renderer_inputs = state.digest_files({**files_under("templates", builtin_templates_dir()), **code_files()})
    for doc_id in _document_ids(period is not None):  # the index page has no PDF
        if f"{doc_id}.html" not in pages:
            raise RuntimeError(f"render_city returned no page '{doc_id}.html' (it returned {sorted(pages)})")
        name = output_name(f"{doc_id}.pdf", edition)
        html = pdf_pages[name] = pages[f"{doc_id}.html"]
        keys[name] = digest(sha256(html.encode("utf-8")), weasyprint_version(), os.environ.get("SOURCE_DATE_EPOCH"),
                            renderer_inputs)
        if not force and state.is_current(folder, name, key=keys[name]):
            files[name] = (folder / name).read_bytes()
            reused.append(name)
        else:
            renders[name] = html
    _refuse_embedded_files(project, slug, pdf_pages)
    # Fonts and pictures from the template folders only: never the city's data files (see render.pdf).
    roots = [builtin_templates_dir(), *project.override_folders(slug)]
    # Longest document first, so that the last one to finish is short.
    for name in sorted(renders, key=lambda n: len(renders[n]), reverse=True):
        jobs[name] = renderer.submit(renders[name], base_url=builtin_templates_dir(), allowed_roots=roots)
    return files, assets, {name: jobs[name] for name in renders}, keys, reused

class _Embeds(HTMLParser):
    """Finds elements with ``rel="attachment"``: WeasyPrint would embed the file they name in the PDF."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "rel" and value and "attachment" in value.lower().split():
                self.found.append(tag)


def _refuse_embedded_files(project: Project, slug: str, pages: Mapping[str, str]) -> None:
    """Refuse a page that would embed a file in its PDF (the built-in templates never do; an override might)."""
    for name, html in pages.items():
        parser = _Embeds()
        parser.feed(html)
        if parser.found:
            folders = [project.relative(f) for f in project.override_folders(slug)] or ["the templates"]
            raise CityframeError(f"{name}: a template in {' or '.join(folders)} makes an <{parser.found[0]}> element "
                                 'with rel="attachment", which would embed a file in the PDF; documents embed no files',
                                 hint="link to the file's public web address instead")


def _missing_sections(report: CityReport) -> list[str]:
    """One line per missing section, as ``check`` names them: ``P3 Statement of need (edit city.yaml): ...``."""
    lines = []
    for doc in report.documents:
        for status in doc.sections:
            if status.status == "filled":
                continue
            section = status.section
            lines.append(f"{doc.document.title}: {section.id} {section.title} (edit {', '.join(section.files)}): "
                         + "; ".join(status.missing))
    return lines


_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")\s]+)\1\s*\)""")
_LICENCES = ("OFL.txt", "LICENSE", "LICENSE.txt")


def shared_assets(pages: Iterable[str], templates: Path) -> dict[str, bytes]:
    """The files that the pages' CSS refers to relative to the built-in templates (their fonts), by path.

    The PDF step reads them from the templates folder; a page opened from the output folder needs its own copy.
    A font's licence file (``OFL.txt``) travels with it, as the licence asks.
    """
    from .render.pdf import RefusedURL, check_url

    base = templates.resolve().as_uri() + "/"
    assets: dict[str, bytes] = {}
    for html in pages:
        for match in _CSS_URL.finditer(html):
            reference = match[2].split("#", 1)[0].split("?", 1)[0]
            if not reference or reference.startswith("/") or ":" in reference or reference in assets:
                continue
            try:
                path = check_url(urljoin(base, reference), [templates])
            except RefusedURL:
                continue  # the PDF step reports it
            if path is None:
                continue
            assets[reference] = path.read_bytes()
            for licence in _LICENCES:
                name = posixpath.join(posixpath.dirname(reference), licence)
                if (path.parent / licence).is_file() and name not in assets:
                    assets[name] = (path.parent / licence).read_bytes()
    return assets


def _render_html(report: CityReport, edition: str, *, pdf: bool = True,
                 editions: Sequence[str] | None = None) -> dict[str, str]:
    from .data.history import current_revision
    from .render.html import render_city

    # The commit the inputs come from, and whether they differ from it (the output folder is no input).
    city = report.city
    assert city is not None  # only a city whose data loads is rendered
    revision = current_revision(city.project, [f"cities/{city.slug}", "templates"])
    pages = render_city(city, report, edition=edition, pdf=pdf, revision=str(revision) if revision else None,
                        editions=editions)
    for name in pages:
        if "/" in name or "\\" in name or name.startswith(".") or not name.endswith(".html"):
            raise RuntimeError(f"render_city returned an unsafe page name: {name!r}")
    return pages


@contextlib.contextmanager
def _progress(console: Console | None, description: str, total: int) -> Iterator[Callable[[str], None]]:
    """A progress bar over documents on a terminal; nothing at all otherwise."""
    if console is None or not console.is_terminal:
        yield lambda name: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda name: progress.advance(task)


# --- PDF rendering in worker processes ----------------------------------------------------------------------


def _init_worker(parent_pid: int) -> None:
    """Runs once in each PDF worker: die with the build, leave Ctrl-C to it, and import WeasyPrint early."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(Exception):  # Linux only; elsewhere the worker ends when its queue breaks
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the build was killed before the line above took effect
        os._exit(1)
    import weasyprint  # noqa: F401


def _worker_ready() -> None:
    """A no-op task: submitting one per worker starts the workers early."""


class _PdfJob:
    """One PDF to render: a future of the pool, or (with one worker) rendered here when its result is asked for."""

    def __init__(self, html: str, kwargs: dict[str, object], future: Future[tuple[bytes, list[str]]] | None) -> None:
        self.html = html
        self.kwargs = kwargs
        self.future = future
        self._result: tuple[bytes, list[str]] | None = None
        self._error: CityframeError | OSError | None = None

    def result(self) -> tuple[bytes, list[str]]:
        """The PDF and its warnings; raises what rendering raised."""
        if self.future is not None:
            return self.future.result()
        if self._error is not None:
            raise self._error
        if self._result is None:
            from .render.pdf import render_pdf_collecting

            try:
                self._result = render_pdf_collecting(self.html, **self.kwargs)  # type: ignore[arg-type]
            except (CityframeError, OSError) as exc:
                self._error = exc
                raise
        return self._result


class _PdfRenderer:
    """Renders PDFs in a pool of worker processes, started on first need and shared by every city of a build."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> _PdfRenderer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def start(self) -> None:
        """Start the workers now, so that importing WeasyPrint overlaps with rendering the HTML."""
        if self.workers <= 1 or self._pool is not None:
            return
        # fork: a worker is ready in milliseconds (spawn re-imports the CLI first); the pool is created before
        # any progress-bar thread exists.
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context(method),
                                         initializer=_init_worker, initargs=(os.getpid(),))
        for _ in range(self.workers):
            self._pool.submit(_worker_ready)

    def submit(self, html: str, *, base_url: Path, allowed_roots: Sequence[Path]) -> _PdfJob:
        """Start rendering one PDF in the pool (or, with one worker, when :meth:`finish` asks for it)."""
        kwargs: dict[str, object] = {"base_url": base_url, "allowed_roots": list(allowed_roots)}
        if self.workers <= 1:
            return _PdfJob(html, kwargs, None)
        self.start()
        assert self._pool is not None
        from .render.pdf import render_pdf_collecting

        return _PdfJob(html, kwargs, self._pool.submit(render_pdf_collecting, html, **kwargs))

    def finish(self, jobs: Sequence[_PdfJob], *, on_done: Callable[[str], None]) -> None:
        """Wait for every job (rendering here with one worker); a job's exception stays with it for its city."""
        if self.workers <= 1:
            for job in jobs:
                with contextlib.suppress(CityframeError, OSError):  # said with its city, in _write
                    job.result()
                on_done("")
            return
        from concurrent.futures import as_completed

        try:
            for _ in as_completed([job.future for job in jobs if job.future is not None]):
                on_done("")
        except BaseException:
            for job in jobs:
                if job.future is not None:
                    job.future.cancel()
            raise


# --- writing ------------------------------------------------------------------------------------------------


def write_files(folder: Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write every file into ``folder`` atomically: all temporaries complete and fsynced first, then replaced.

    A reader (or a build killed at any moment) sees each file either as it was or as it is now, never partial.
    Names may have folders (``fonts/NotoSans-Regular.ttf``), never ``..``.
    """
    targets = {}
    for name in files:
        parts = PurePosixPath(name).parts
        if not parts or PurePosixPath(name).is_absolute() or ".." in parts or "\\" in name:
            raise ValueError(f"not a file name inside the output folder: {name!r}")
        targets[name] = folder.joinpath(*parts)
    for parent in sorted({target.parent for target in targets.values()}):
        _refuse_linked_folders(folder, parent)
        parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(parent)
    written: list[tuple[Path, Path]] = []
    try:
        for name, content in files.items():
            final = targets[name]
            temporary = final.parent / f".{final.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
            written.append((temporary, final))
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(content)
                stream.flush()
                os.fsync(stream.fileno())
        for temporary, final in written:
            os.replace(temporary, final)
    except BaseException:
        for temporary, _ in written:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
        raise
    for parent in sorted({final.parent for _, final in written}):
        _fsync_folder(parent)
    return [final for _, final in written]


def _refuse_linked_folders(folder: Path, parent: Path) -> None:
    """Refuse to write through a linked sub-folder (``build/athens/fonts`` -> ``cities/``): never write elsewhere."""
    current = folder
    for part in parent.relative_to(folder).parts:
        current = current / part
        if current.is_symlink():
            raise CityframeError(f"refusing to write into {current}: it is a link (to {os.readlink(current)}), and "
                                 "cityframe writes only inside the output folder",
                                 hint="remove the link; the next build makes the folder")
        if current.exists() and not current.is_dir():
            raise CityframeError(f"refusing to write into {current}: it is not a folder",
                                 hint="remove it; the next build makes the folder")


def _fsync_folder(folder: Path) -> None:
    """Make the renames durable: without it a power cut can bring back the old names."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove temporary files left by builds that were killed; those of builds still running stay."""
    removed = []
    now = time.time()
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(folder):
            match = _TEMPORARY.match(entry.name)
            if not match or not entry.is_file(follow_symlinks=False):
                continue
            pid = int(match["pid"])
            with contextlib.suppress(FileNotFoundError):
                if pid == os.getpid() or (alive(pid) and now - entry.stat().st_mtime < _STALE_AFTER):
                    continue
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def alive(pid: int) -> bool:
    """Whether a process with this id runs (one of another user's counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


__all__ = ["BuildResult", "build_cities", "build_city", "output_name", "output_root",
           "remove_stale_temporaries", "shared_assets", "write_files"]
