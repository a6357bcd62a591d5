"""The ``cityframe`` command: a thin typer shell over the library (parse, call, print, map errors to exit codes).

Library modules are imported inside each command so that ``check`` and ``--help`` never pay for WeasyPrint.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from .checks.report import CityReport
    from .data.project import Project

app = typer.Typer(
    help="Local prevention frameworks as data: check a city's plan, charter and directory; build them as "
    "accessible HTML and PDF.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

ProjectOption = Annotated[
    Optional[Path],  # noqa: UP045 - typer reads the annotation at run time
    typer.Option("--project", "-p", help="The folder that holds cities/ (default: the nearest one upwards).",
                 file_okay=False),
]


class Format(StrEnum):
    """Output format of ``check``."""

    text = "text"
    json = "json"


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    console = Console(stderr=stderr, highlight=False, soft_wrap=True)
    if not console.is_terminal:  # piped or in CI: never cut ids to fit 80 columns
        console.width = 200
    return console


@contextmanager
def _user_errors() -> Iterator[None]:
    """The one place that turns cityframe's errors into a plain message and an exit code, never a traceback."""
    from .errors import CityframeError, DataError

    try:
        yield
    except DataError as exc:
        for finding in exc.findings:
            _say(str(finding), err=True)
        raise typer.Exit(1) from None
    except CityframeError as exc:
        _say(f"error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except BrokenPipeError:  # `cityframe check | head`: the reader left; not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0) from None
    except (typer.Exit, typer.Abort):
        raise
    except Exception as exc:
        if os.environ.get("CITYFRAME_DEBUG"):
            raise
        _say(f"internal error: {type(exc).__name__}: {exc}\n  this is a bug in cityframe, not in your data; "
             "run again with CITYFRAME_DEBUG=1 for the details and report them", err=True)
        raise typer.Exit(3) from None


def _version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"cityframe {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Local prevention frameworks as data.

    Workflow: cityframe new stamford --name Stamford --state CT; edit cities/stamford/*.yaml;
    cityframe check stamford; cityframe build stamford.
    """


def _select(project: Project, slugs: list[str], all_cities: bool) -> list[str]:
    from .errors import UsageError

    known = project.city_slugs()
    if all_cities:
        if not known:
            raise UsageError(f"there are no cities in {project.cities_dir}", hint="create one with 'cityframe new'")
        return known
    if slugs:
        for slug in slugs:
            project.city_dir(slug)
        return list(dict.fromkeys(slugs))
    if len(known) == 1:
        return known
    raise UsageError("name a city or pass --all", hint=f"cities here: {', '.join(known) or 'none yet'}")


@app.command()
def new(
    slug: Annotated[str, typer.Argument(help="The city's folder name: lowercase letters, digits, hyphens.")],
    name: Annotated[Optional[str], typer.Option(  # noqa: UP045 - typer reads the annotation at run time
        "--name", help="The city's name as residents write it; asked for on a terminal when left out, "
                       "otherwise the folder name in words (overland-park: Overland Park).")] = None,
    state: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--state", help="Two-letter state code, e.g. CT; asked for on a terminal when left out.")] = None,
    project: ProjectOption = None,
) -> None:
    """Scaffold cities/SLUG/ with the six files to fill in; never overwrites anything.

    Example: cityframe new stamford --name Stamford --state CT
    (in a workshop, 'cityframe new stamford' asks for the name and the state)
    """
    with _user_errors():
        from .data.project import Project, open_project
        from .errors import ProjectNotFound, UsageError
        from .scaffold import name_from_slug, new_city, refuse_target

        try:
            proj = open_project(project)
        except ProjectNotFound:
            if project is not None:
                raise
            proj = Project(Path.cwd())  # a new project starts here
        refuse_target(proj, slug)  # before asking anything: a name in use or a bad slug is said at once
        asks, guess = _interactive(), name_from_slug(slug)
        if name is None:
            name = typer.prompt("City name, as residents write it", default=guess) if asks else guess
        if state is None:
            if not asks:
                raise UsageError("the state is missing",
                                 hint=f"for example: cityframe new {slug} --name '{name}' --state CT")
            state = typer.prompt("State, as a two-letter code (for example CT)")
        written = new_city(proj, slug, name, state)
        for path in written:
            _say(f"created {proj.relative(path)}")
        _say(f"next: fill in cities/{slug}/*.yaml, then run 'cityframe check {slug}'")


def _interactive() -> bool:
    """Someone at a terminal who can answer a question (not CI, not a pipe)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _say(text: str = "", *, err: bool = False, **style: object) -> None:
    """Print a line, styled only on a terminal (click strips the colours otherwise); cheaper than rich for check."""
    typer.echo(typer.style(text, **style) if style else text, err=err)  # type: ignore[arg-type]


def _print_report(report: CityReport) -> None:
    """Findings first (one ``file:line:col:`` line each, as editors and CI logs link them), then sections."""
    for finding in report.errors + report.warnings:
        _say(str(finding))
    if report.errors or report.warnings:
        _say()
    errors, warnings = len(report.errors), len(report.warnings)
    # Before the data validates, the city's name is unknown and the slug stands in for it: say it once.
    city = report.slug if report.name == report.slug else f"{report.name} ({report.slug})"
    _say(f"{city}: {errors} error(s), {warnings} warning(s)", bold=True)
    if not report.documents:
        _say("  fix the errors above to see which sections are filled in")
        return
    for doc in report.documents:
        _say(f"  {doc.document.title}: {doc.completeness:g}% complete", bold=True)
        for status in doc.sections:
            title = f"{status.section.id:<4}{status.section.title}"
            if status.status == "filled":
                typer.echo("    " + typer.style("filled ", fg="green") + f"  {title}")
                continue
            typer.echo("    " + typer.style("MISSING", fg="red", bold=True)
                       + f"  {title}  (edit {', '.join(status.section.files)})")
            for missing in status.missing:
                _say(f"               - {missing}")
    verdict = typer.style("complete", fg="green") if report.complete else typer.style("incomplete", fg="red")
    typer.echo(f"  completeness: {report.completeness:g}% ({verdict})")


@app.command()
def check(
    slugs: Annotated[Optional[list[str]], typer.Argument(help="Cities to check.", show_default=False)] = None,  # noqa: UP045
    all_cities: Annotated[bool, typer.Option("--all", help="Check every city in cities/.")] = False,
    output_format: Annotated[
        Format, typer.Option("--format", help="text for people, json for programs.")
    ] = Format.text,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
    project: ProjectOption = None,
) -> None:
    """Validate cities and show, per document, which required sections are filled in.

    Exit code 0 when every city is valid and complete, 1 when one is invalid or incomplete, 2 for usage errors.

    Example: cityframe check athens --format json
    """
    with _user_errors():
        from .checks.report import JSON_FORMAT_VERSION, assess
        from .checks.similarity import copied_narratives
        from .data.project import open_project

        proj = open_project(project)
        reports = [assess(proj, slug) for slug in _select(proj, slugs or [], all_cities)]
        for report, finding in copied_narratives(proj, reports):
            report.warnings.append(finding)
        ok = all(r.ok(strict) for r in reports)
        try:
            if output_format is Format.json:
                payload = {"format": JSON_FORMAT_VERSION, "strict": strict, "ok": ok,
                           "cities": [r.as_dict() for r in reports]}
                sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")
            else:
                for report in reports:
                    _print_report(report)
                    _say()
            sys.stdout.flush()
        except BrokenPipeError:  # `cityframe check | head`: the verdict still decides the exit code
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        if not ok:
            raise typer.Exit(1)


@app.command(name="list")
def list_cities(project: ProjectOption = None) -> None:
    """List the cities of the project with their completeness.

    Example: cityframe list
    """
    with _user_errors():
        from rich.table import Table

        from .checks.report import assess
        from .data.project import open_project

        proj = open_project(project)
        table = Table("city", "name", "state", "valid", "complete")
        for slug in proj.city_slugs():
            report = assess(proj, slug)
            state = report.city.profile.city.state if report.city else "?"
            table.add_row(slug, report.name, state, "yes" if report.valid else f"no ({len(report.errors)} error(s))",
                          f"{report.completeness:g}%")
        _console().print(table)


@app.command()
def schema(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the schemas into.", file_okay=False)] = Path(
        "schemas"),
) -> None:
    """Write a JSON Schema (draft-07) per city file, for editor completion and validation.

    Example: cityframe schema --out schemas
    """
    with _user_errors():
        from .schema import write_schemas

        for path in write_schemas(out):
            typer.echo(f"wrote {path}")


@app.command()
def catalog() -> None:
    """List the national catalog's resources, with the ids a city puts under include:.

    Example: cityframe catalog
    """
    with _user_errors():
        from rich.table import Table

        from .data.load import load_catalog

        entries, problems = load_catalog()
        table = Table("id", "name", "category", "scope", "status", "last verified")
        for resource in entries.values():
            scope = resource.geographic_scope + (f" ({', '.join(resource.states)})" if resource.states else "")
            table.add_row(resource.id, resource.name, resource.category, scope, resource.status,
                          str(resource.last_verified or "never"))
        console = _console()
        console.print(table)
        for finding in problems:
            console.print(str(finding), markup=False)


class OutputFormat(StrEnum):
    """What ``build`` writes."""

    html = "html"
    pdf = "pdf"
    all = "all"


class Edition(StrEnum):
    """Which contacts the documents show."""

    public = "public"
    internal = "internal"


@app.command()
def build(
    slugs: Annotated[Optional[list[str]], typer.Argument(help="Cities to build.", show_default=False)] = None,  # noqa: UP045
    all_cities: Annotated[bool, typer.Option("--all", help="Build every city in cities/.")] = False,
    output_format: Annotated[OutputFormat, typer.Option("--format", help="html, pdf or all.")] = OutputFormat.all,
    out: Annotated[Optional[Path], typer.Option("--out", help="Output folder (default: build/).",  # noqa: UP045
                                                file_okay=False)] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Refuse to build incomplete data.")] = False,
    edition: Annotated[Edition, typer.Option("--edition", help="public (default) or internal.")] = Edition.public,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", help="PDF processes (default: every CPU).",  # noqa: UP045
                                                show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Render everything, even what is up to date.")] = False,
    period: Annotated[Optional[str], typer.Option("--period", help="The progress report's period: a quarter "  # noqa: UP045
                                                  "(2027-Q3) or a year (2027); default: this quarter.",
                                                  show_default=False)] = None,
    period_from: Annotated[Optional[str], typer.Option("--from", help="The progress report's first day "  # noqa: UP045
                                                       "(YYYY-MM-DD), with --to.", show_default=False)] = None,
    period_to: Annotated[Optional[str], typer.Option("--to", help="The progress report's last day (YYYY-MM-DD), "  # noqa: UP045
                                                     "with --from.", show_default=False)] = None,
    project: ProjectOption = None,
) -> None:
    """Render the prevention plan, governance charter and resource directory as HTML and PDF.

    A city with progress data (dated progress: updates or measurements:) also gets progress-report.html|pdf for
    one reporting period: --period 2027-Q3, --period 2027, or --from 2027-07-01 --to 2027-09-30.

    Output goes to build/SLUG/: index.html, prevention-plan.html|pdf, governance-charter.html|pdf,
    resource-directory.html|pdf, and fonts/ for the HTML pages. Incomplete data builds a marked draft unless --strict.
    Only what changed is rendered again (the record is build/SLUG/.cityframe-build.json); --force renders all.

    Example: cityframe build athens --format pdf
    """
    with _user_errors():
        from .build import build_cities
        from .data.project import open_project
        from .render.progress import parse_period

        reporting = parse_period(period, period_from, period_to)
        proj = open_project(project)
        selected = _select(proj, slugs or [], all_cities)
        results = build_cities(proj, selected, formats=output_format.value, out=out, strict=strict,
                               edition=edition.value, console=_console(), workers=jobs, force=force,
                               period=reporting)
        failed = [r for r in results if not r.ok]
        if failed:
            raise typer.Exit(1)


@app.command()
def serve(
    slug: Annotated[str, typer.Argument(help="The city to preview.", show_default=False)],
    port: Annotated[int, typer.Option("--port", help="The port (0: any free one).")] = 8000,
    host: Annotated[str, typer.Option("--host", help="The address to listen on; beyond 127.0.0.1 anyone on the "
                                      "network can read the drafts.")] = "127.0.0.1",
    open_browser: Annotated[bool, typer.Option("--open", help="Open the preview in a web browser.")] = False,
    period: Annotated[Optional[str], typer.Option("--period", help="The progress report's period (2027-Q3, "  # noqa: UP045
                                                  "2027); default: this quarter.", show_default=False)] = None,
    project: ProjectOption = None,
) -> None:
    """Preview a city's HTML live: rebuilt and reloaded in the browser each time a file is saved.

    Watches the city's folder, the templates and the national catalog. A data error shows over the last good
    page with its file:line:col; fix and save, and it goes away. The built files never contain the preview's
    reload script. Ctrl-C stops.

    Example: cityframe serve athens --open
    """
    with _user_errors():
        from .data.project import open_project
        from .render.progress import parse_period
        from .serve import serve as run

        reporting = parse_period(period)
        proj = open_project(project)
        run(proj, slug, host=host, port=port, open_browser=open_browser, say=lambda text: _say(text),
            period=reporting)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
