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

from .checks.sections import documents
from .data.project import Project, builtin_templates_dir
from .errors import CityframeError, UsageError, visible
from .render.context import output_name

if TYPE_CHECKING:
    from rich.console import Console

    from .checks.report import CityReport

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
               workers: int | None = None) -> BuildResult:
    """Check one city and write its documents as HTML and/or PDF into ``<out or build>/<slug>/``."""
    return build_cities(project, [slug], formats=formats, out=out, strict=strict, edition=edition,
                        console=console, workers=workers)[0]


def build_cities(project: Project, slugs: Sequence[str], *, formats: Formats = "all",
                 out: Path | str | None = None, strict: bool = False, edition: Edition = "public",
                 console: Console | None = None, workers: int | None = None) -> list[BuildResult]:
    """Build several cities in turn, sharing one pool of PDF workers; one city's failure does not stop the others.

    ``workers`` is the number of PDF processes (default: the CPUs, at most one per document); 1 renders in
    this process.
    """
    if formats not in FORMATS:
        raise UsageError(f"unknown format '{formats}'", hint=f"use one of {', '.join(FORMATS)}")
    if edition not in EDITIONS:
        raise UsageError(f"unknown edition '{edition}'", hint=f"use one of {', '.join(EDITIONS)}")
    _refuse_bad_epoch(os.environ.get("SOURCE_DATE_EPOCH"))
    root = output_root(project, out)
    pdf_count = sum(1 for _ in documents()) if formats in ("all", "pdf") else 0
    if workers is None:
        workers = min(os.cpu_count() or 2, pdf_count) or 1
    with _PdfRenderer(max(1, workers)) as renderer:
        return [_build_one(project, slug, root, formats=formats, strict=strict, edition=edition, console=console,
                           renderer=renderer) for slug in slugs]


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


def _build_one(project: Project, slug: str, root: Path, *, formats: str, strict: bool, edition: str,
               console: Console | None, renderer: _PdfRenderer) -> BuildResult:
    from .checks.report import assess

    report = assess(project, slug)
    if project.override_folders(slug):
        from .render.html import check_overrides

        report.errors.extend(check_overrides(project, slug))
    # The same lines as 'check', so an editor or CI log links each one to file:line:col.
    for finding in report.errors + report.warnings:
        _say(console, str(finding))
    result = BuildResult(slug, ok=False, warnings=[str(f) for f in report.warnings], folder=root / slug)
    if report.errors or report.city is None:
        result.errors = [str(f) for f in report.errors]
        result.message = f"{slug}: not built: {len(report.errors)} error(s) in the city's data (nothing written)"
        _say(console, result.message)
        return result
    missing = _missing_sections(report)
    if missing and strict:
        result.errors = missing
        result.message = (f"{slug}: not built (--strict): {len(missing)} required section(s) are missing "
                          "(nothing written)")
        _say(console, result.message)
        for line in missing:
            _say(console, f"  {line}")
        return result
    result.draft = bool(missing)

    folder = root / slug
    try:
        files, assets = _render_outputs(project, report, formats=formats, edition=edition, console=console,
                                        renderer=renderer, result=result)
    except CityframeError as exc:  # e.g. a city's template override that does not render
        result.errors = [str(exc)]
        result.message = f"{slug}: not built: {exc} (nothing written)"
        _say(console, result.message)
        return result

    try:
        _refuse_cities(project, folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name in [*files, *assets]:  # before writing anything: a refusal leaves every file as it was
            _refuse_linked_folders(folder, (folder / name).parent)
        unchanged = {name for name, content in assets.items() if _same_content(folder / name, content)}
        result.outputs = write_files(folder, dict(sorted(files.items())))
        result.outputs += write_files(folder, {n: c for n, c in sorted(assets.items()) if n not in unchanged})
        result.outputs += [folder / name for name in sorted(unchanged)]
    except CityframeError as exc:  # a linked sub-folder of the output folder
        result.errors = [str(exc)]
        result.message = f"{slug}: not built: {exc}"
        _say(console, result.message)
        return result
    except OSError as exc:
        result.errors = [f"could not write {folder}: {exc}"]
        result.message = f"{slug}: not built: could not write {folder}: {exc.strerror or exc}"
        _say(console, result.message)
        return result
    result.ok = True
    for path in result.outputs:
        if path.parent == folder:
            _say(console, f"wrote {project.relative(path)}")
    if len(assets) > len(unchanged):
        places = sorted({project.relative((folder / name).parent) for name in assets})
        _say(console, f"copied {len(assets) - len(unchanged)} file(s) the pages use (fonts) to {', '.join(places)}")
    state = f"a DRAFT ({len(missing)} required section(s) missing; --strict refuses it)" if missing else "complete"
    result.message = f"{slug}: built {len(files)} file(s), {edition} edition, {state}"
    _say(console, result.message)
    return result


def _render_outputs(project: Project, report: CityReport, *, formats: str, edition: str,
                    console: Console | None, renderer: _PdfRenderer,
                    result: BuildResult) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Every output file's content, in memory: the pages and PDFs by name, and the shared files the pages use."""
    slug = report.slug
    wants_pdf = formats in ("all", "pdf")
    if wants_pdf:
        renderer.start()  # the workers import WeasyPrint while this process renders the HTML
    pages = _render_html(report, edition, pdf=wants_pdf)  # the index page links the PDFs only when they are built
    files: dict[str, bytes] = {}
    assets: dict[str, bytes] = {}
    if formats in ("all", "html"):
        files.update({output_name(name, edition): html.encode("utf-8") for name, html in pages.items()})
        assets = shared_assets(pages.values(), builtin_templates_dir())
    if not wants_pdf:
        return files, assets
    jobs = {}
    for doc in documents():  # the index page has no PDF
        if f"{doc.id}.html" not in pages:
            raise RuntimeError(f"render_city returned no page '{doc.id}.html' (it returned {sorted(pages)})")
        jobs[output_name(f"{doc.id}.pdf", edition)] = pages[f"{doc.id}.html"]
    _refuse_embedded_files(project, slug, jobs)
    # Fonts and pictures from the template folders only: never the city's data files (see render.pdf).
    roots = [builtin_templates_dir(), *project.override_folders(slug)]
    folder = project.relative(result.folder) if result.folder else slug
    try:
        with _progress(console, f"{slug}: PDF", len(jobs)) as advance:
            rendered = renderer.render(jobs, base_url=builtin_templates_dir(), allowed_roots=roots,
                                       on_done=advance)
    except OSError as exc:  # disk full, the file size limit (ulimit -f), a temporary folder that is read-only
        raise CityframeError(f"could not write {folder}: {exc.strerror or exc} (while making the PDFs)",
                             hint="free some disk space or raise the file size limit, then build again") from None
    except BrokenProcessPool:
        raise CityframeError(f"could not write {folder}: a PDF process was stopped by the system (out of memory, "
                             "or a limit on file size or time)",
                             hint="free some memory or raise the limits, then build again") from None
    for name, (pdf, warnings) in rendered.items():
        files[name] = pdf
        for warning in warnings:
            result.warnings.append(f"{name}: {warning}")
            _say(console, f"warning: {name}: {warning}")
    return files, assets


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


def _same_content(path: Path, content: bytes) -> bool:
    try:
        return path.stat().st_size == len(content) and path.read_bytes() == content
    except OSError:
        return False


def _render_html(report: CityReport, edition: str, *, pdf: bool = True) -> dict[str, str]:
    from .render.html import render_city

    pages = render_city(report.city, report, edition=edition, pdf=pdf)
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

    def render(self, jobs: Mapping[str, str], *, base_url: Path, allowed_roots: Sequence[Path],
               on_done: Callable[[str], None]) -> dict[str, tuple[bytes, list[str]]]:
        """Every job's PDF and warnings, or the first exception once all workers stopped."""
        from .render.pdf import render_pdf_collecting

        results: dict[str, tuple[bytes, list[str]]] = {}
        if self.workers <= 1:
            for name, html in jobs.items():
                results[name] = render_pdf_collecting(html, base_url=base_url, allowed_roots=allowed_roots)
                on_done(name)
            return results
        self.start()
        assert self._pool is not None
        # Longest document first, so that the last one to finish is short.
        order = sorted(jobs, key=lambda name: len(jobs[name]), reverse=True)
        futures: dict[Future[tuple[bytes, list[str]]], str] = {
            self._pool.submit(render_pdf_collecting, jobs[name], base_url=base_url,
                              allowed_roots=list(allowed_roots)): name
            for name in order
        }
        try:
            from concurrent.futures import as_completed

            for future in as_completed(futures):
                results[futures[future]] = future.result()
                on_done(futures[future])
        except BaseException:
            for future in futures:
                future.cancel()
            raise
        return {name: results[name] for name in jobs}


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
                if pid == os.getpid() or (_alive(pid) and now - entry.stat().st_mtime < _STALE_AFTER):
                    continue
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


__all__ = ["BuildResult", "build_cities", "build_city", "output_name", "output_root",
           "remove_stale_temporaries", "shared_assets", "write_files"]
