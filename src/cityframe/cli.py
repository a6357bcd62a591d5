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
from typing import TYPE_CHECKING, Annotated, Optional, TextIO

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from .checks.report import CityReport
    from .data.project import Project
    from .errors import Finding

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
    github = "github"
    junit = "junit"


class ListFormat(StrEnum):
    """Output format of ``list`` and ``catalog``."""

    text = "text"
    json = "json"


class DiffFormat(StrEnum):
    """Output format of ``diff``."""

    text = "text"
    markdown = "markdown"
    json = "json"


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    console = Console(stderr=stderr, highlight=False, soft_wrap=True)
    if not console.is_terminal and "COLUMNS" not in os.environ:  # piped or in CI: room for whole lines
        console.width = 200
    return console


def _write(text: str) -> None:
    """Write a whole output to stdout; a reader that leaves early (``| head``) is not an error."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


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
    slugs = _slugs_of(project, slugs)
    if all_cities:
        if not known and not project.not_cities():
            raise UsageError(f"there are no cities in {project.cities_dir}", hint="create one with 'cityframe new'")
        return known
    if slugs:
        for slug in slugs:
            project.city_dir(slug)
        return list(dict.fromkeys(slugs))
    if len(known) == 1:
        return known
    raise UsageError("name a city or pass --all", hint=f"cities here: {', '.join(known) or 'none yet'}")


def _slugs_of(project: Project, words: list[str]) -> list[str]:
    """Cities named by slug or by a file inside them (``cities/athens/stakeholders.yaml``).

    pre-commit passes the changed files this way; only an existing file counts as one, and a file outside
    ``cities/`` is a usage error.
    """
    from .errors import UsageError

    slugs = []
    for word in words:
        if not Path(word).is_file():  # a slug, or something that is neither (refused as a city name)
            slugs.append(word)
            continue
        try:
            inside = Path(os.path.abspath(word)).relative_to(os.path.abspath(project.cities_dir))
        except ValueError:
            raise UsageError(f"'{word}' is not inside {project.relative(project.cities_dir)}/",
                             hint="name a city (athens) or a file of one (cities/athens/city.yaml)") from None
        if not inside.parts:
            raise UsageError(f"'{word}' is the cities folder itself", hint="name a city, or pass --all")
        slugs.append(inside.parts[0])
    return list(dict.fromkeys(slugs))


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
    from .errors import visible

    text = visible(text)
    typer.echo(typer.style(text, **style) if style else text, err=err)  # type: ignore[arg-type]


def _print_report(report: CityReport, strict: bool = False) -> None:
    """Findings first (one ``file:line:col:`` line each, as editors and CI logs link them), then sections."""
    for finding in report.errors + report.warnings:
        _say(str(finding))
    if report.errors or report.warnings:
        _say()
    errors, warnings = len(report.errors), len(report.warnings)
    # Before the data validates, the city's name is unknown and the slug stands in for it: say it once.
    city = report.slug if report.name == report.slug else f"{report.name} ({report.slug})"
    _say(f"{city}: {errors} error(s), {warnings} warning(s)", bold=True)
    if report.editor_notes:
        notes = len(report.editor_notes)
        _say(f"  {notes} {'note' if notes == 1 else 'notes'} to resolve before publishing (listed above as warnings; "
             "--strict fails on them)")
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
    # The same verdict as the JSON's "ok": complete sections do not make a city with errors ready.
    if report.complete and not report.ok(strict):
        blocking = f"{errors} error(s)" if errors else f"{warnings} warning(s) (--strict)"
        typer.echo("  " + typer.style("not ready", fg="red", bold=True) + f": fix the {blocking} above")


@app.command()
def check(
    slugs: Annotated[Optional[list[str]], typer.Argument(  # noqa: UP045
        help="Cities to check, by name or by a file inside them (as pre-commit passes them).", show_default=False)
    ] = None,
    all_cities: Annotated[bool, typer.Option("--all", help="Check every city in cities/.")] = False,
    output_format: Annotated[
        Format, typer.Option("--format", help="text for people, json for programs, github for GitHub Actions "
                                              "annotations (and $GITHUB_STEP_SUMMARY), junit for GitLab and Jenkins.")
    ] = Format.text,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
    lang: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--lang", help="Check a language edition (es): also list, at file:line, the texts it lacks a translation "
                       "for.", show_default=False)] = None,
    project: ProjectOption = None,
) -> None:
    """Validate cities and show, per document, which required sections are filled in.

    Exit code 0 when every city is valid and complete, 1 when one is invalid or incomplete, 2 for usage errors,
    3 for an internal error (README, "Exit codes").

    Example: cityframe check athens --format json
    """
    with _user_errors():
        from .checks.report import assess
        from .checks.similarity import copied_narratives
        from .data.project import open_project

        proj = open_project(project)
        selected = _select(proj, slugs or [], all_cities)
        strays = proj.not_cities() if all_cities else []  # every folder is a city or a finding: none skipped
        reports = [assess(proj, slug, lang=_language(lang)) for slug in selected]
        for report in reports:
            if proj.override_folders(report.slug):  # Jinja is imported only for a city that has overrides
                from .render.html import check_overrides

                report.errors.extend(check_overrides(proj, report.slug, report))
        for report, finding in copied_narratives(proj, reports):
            report.warnings.append(finding)
        ok = all(r.ok(strict) for r in reports) and not strays
        try:
            if output_format is Format.json:
                _write(_check_json(reports, strict, ok, strays))
            elif output_format is Format.github:
                _write_github(proj, reports, strict, strays)
            elif output_format is Format.junit:
                from .checks.ci import junit_xml

                _print_not_cities(strays, stream=sys.stderr)  # JUnit has no place for them; the exit code is 1
                _write(junit_xml(reports, strict=strict))
            else:
                _print_not_cities(strays)
                for report in reports:
                    _print_report(report, strict)
                    _say()
            sys.stdout.flush()
        except BrokenPipeError:  # `cityframe check | head`: the verdict still decides the exit code
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        if not ok:
            raise typer.Exit(1)


def _check_json(reports: list[CityReport], strict: bool, ok: bool, strays: list[Finding]) -> str:
    from .checks.report import JSON_FORMAT_VERSION

    payload = {"format_version": JSON_FORMAT_VERSION, "format": JSON_FORMAT_VERSION, "strict": strict, "ok": ok,
               "cities": [r.as_dict(strict) for r in reports], "not_cities": [f.as_dict() for f in strays]}
    return json.dumps(payload, indent=2, default=str) + "\n"


def _write_github(project: Project, reports: list[CityReport], strict: bool, strays: list[Finding]) -> None:
    """Workflow commands on stdout; the completeness table appended to $GITHUB_STEP_SUMMARY when it is set."""
    from .checks.ci import github_lines, step_summary

    # GitHub places an annotation by its path from the repository root, which is the job's working directory.
    prefix = os.path.relpath(project.root, Path.cwd()).replace(os.sep, "/")
    prefix = "" if prefix == "." or prefix.startswith("..") else prefix + "/"
    from .checks.ci import github_finding

    _write("".join(github_finding(finding, prefix=prefix) + "\n" for finding in strays))
    _write("".join(line + "\n" for report in reports for line in github_lines(report, strict=strict,
                                                                              prefix=prefix)))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        try:
            with open(summary, "a", encoding="utf-8") as out:
                out.write(step_summary(reports, strict=strict))
        except OSError as exc:
            _say(f"::warning title=cityframe::could not append to GITHUB_STEP_SUMMARY ({exc.strerror})")


def _print_not_cities(strays: list[Finding], stream: TextIO | None = None) -> None:
    """The folders of cities/ that are not cities, one finding line each, before anything else."""
    if stream is not None:
        stream.write("".join(f"{finding}\n" for finding in strays))
        return
    for finding in strays:
        _say(str(finding))
    if strays:
        _say(f"{len(strays)} folder(s) in cities/ are not read as cities", bold=True)
        _say()


@app.command(name="list")
def list_cities(
    output_format: Annotated[ListFormat, typer.Option("--format", help="text for people, json for programs.")
                             ] = ListFormat.text,
    project: ProjectOption = None,
) -> None:
    """List the cities of the project with their completeness.

    Example: cityframe list --format json
    """
    with _user_errors():
        from .checks.report import JSON_FORMAT_VERSION, assess
        from .data.project import open_project
        from .errors import visible

        proj = open_project(project)
        rows = []
        for slug in proj.city_slugs():
            report = assess(proj, slug)
            rows.append({"slug": slug, "name": report.name,
                         "state": report.city.profile.city.state if report.city else None,
                         "valid": report.valid, "errors": len(report.errors), "warnings": len(report.warnings),
                         "complete": report.complete, "completeness": report.completeness})
        strays = proj.not_cities()
        if output_format is ListFormat.json:
            _write(json.dumps({"format_version": JSON_FORMAT_VERSION, "cities": rows,
                               "not_cities": [f.as_dict() for f in strays]}, indent=2) + "\n")
            if strays:
                raise typer.Exit(1)
            return
        from rich.table import Table

        table = Table("city", "name", "state", "valid", "complete")
        table.columns[0].no_wrap = True
        table.columns[0].min_width = max((len(r["slug"]) for r in rows), default=4)
        for row in rows:
            table.add_row(row["slug"], visible(row["name"]), row["state"] or "?",
                          "yes" if row["valid"] else f"no ({row['errors']} error(s))", f"{row['completeness']:g}%")
        _console().print(table)
        if strays:
            _say()
            _print_not_cities(strays)
            raise typer.Exit(1)


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
def catalog(
    output_format: Annotated[ListFormat, typer.Option("--format", help="text for people, json for programs.")
                             ] = ListFormat.text,
) -> None:
    """List the national catalog's resources, with the ids a city puts under include: (ids are never cut).

    Example: cityframe catalog --format json
    """
    with _user_errors():
        from .checks.report import JSON_FORMAT_VERSION
        from .data.load import load_catalog

        entries, problems = load_catalog()
        rows = [{"id": r.id, "name": r.name, "category": r.category, "geographic_scope": r.geographic_scope,
                 "states": list(r.states), "status": r.status,
                 "last_verified": str(r.last_verified) if r.last_verified else None}
                for r in entries.values()]
        if output_format is ListFormat.json:
            _write(json.dumps({"format_version": JSON_FORMAT_VERSION, "resources": rows,
                               "problems": [f.as_dict() for f in problems]}, indent=2) + "\n")
            return
        from rich.table import Table

        # The ids are what people copy into include:, so their column never shrinks or cuts: the others wrap.
        table = Table("id", "name", "category", "scope", "status", "last verified")
        table.columns[0].no_wrap = True
        table.columns[0].min_width = max((len(r["id"]) for r in rows), default=2)
        for row in rows:
            scope = row["geographic_scope"] + (f" ({', '.join(row['states'])})" if row["states"] else "")
            table.add_row(row["id"], row["name"], row["category"], scope, row["status"],
                          row["last_verified"] or "never")
        console = _console()
        console.print(table)
        for finding in problems:
            console.print(str(finding), markup=False)


@app.command()
def diff(
    words: Annotated[Optional[list[str]], typer.Argument(  # noqa: UP045
        metavar="[REV_A [REV_B]] [SLUG ...]", show_default=False,
        help="Two revisions (commits, tags, branches), then cities. REV_A defaults to the last tag, else the "
             "commit where plan.status became adopted, else the city's first commit; REV_B to the working tree.")
    ] = None,
    output_format: Annotated[DiffFormat, typer.Option(
        "--format", help="text for people, markdown for a pull-request comment or change log, json for programs.")
    ] = DiffFormat.text,
    project: ProjectOption = None,
) -> None:
    """What changed in a city's framework between two git revisions, in the plan's terms.

    Stakeholders and seats, interventions, milestones, budgets, threats, objectives, resources, and sections that
    became complete or incomplete.

    Examples: cityframe diff HEAD~1 HEAD athens; cityframe diff v1.0 --format markdown
    """
    with _user_errors():
        from .data.project import open_project
        from .diff import as_json, as_markdown, as_text, diff_cities, split_arguments

        proj = open_project(project)
        revisions, slugs = split_arguments(proj, words or [])
        diffs = diff_cities(proj, revisions, slugs)
        render = {DiffFormat.text: as_text, DiffFormat.markdown: as_markdown, DiffFormat.json: as_json}
        _write(render[output_format](diffs))


class StatusFormat(StrEnum):
    """Output format of ``status``."""

    text = "text"
    json = "json"
    html = "html"


@app.command()
def status(
    slugs: Annotated[Optional[list[str]], typer.Argument(  # noqa: UP045
        help="Cities to show (default: every city).", show_default=False)] = None,
    all_cities: Annotated[bool, typer.Option("--all", help="Every city in cities/ (the default).")] = False,
    output_format: Annotated[StatusFormat, typer.Option(
        "--format", help="text for a terminal, json for programs, html for one accessible page.")
    ] = StatusFormat.text,
    out: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "--out", help="Write to this file instead of printing (written whole or not at all).", dir_okay=False)
    ] = None,
    today: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--today", help="The day to judge overdue milestones and reviews by, as YYYY-MM-DD (default: today), "
                        "for reproducible output.")] = None,
    project: ProjectOption = None,
) -> None:
    """Where every city stands, for the staff who follow many cities.

    Per city: completeness per document, errors and warnings, interventions by status, overdue milestones, days
    since the data last changed (git), and the next review date and whether it has passed.

    Example: cityframe status --all --format html --out build/status.html
    """
    with _user_errors():
        import datetime as dt

        from .data.project import open_project
        from .errors import UsageError
        from .status import as_html, as_json, rows, statuses, write_atomically

        day = None
        if today is not None:
            try:
                day = dt.date.fromisoformat(today)
            except ValueError:
                raise UsageError(f"--today {today} is not a date", hint="write it as YYYY-MM-DD, e.g. 2028-01-31") \
                    from None
        proj = open_project(project)
        selected = _select(proj, slugs or [], all_cities or not slugs)
        cities = statuses(proj, selected, day)
        if output_format is StatusFormat.text and out is None:
            from rich.table import Table

            table_rows = rows(cities)
            table = Table(*(table_rows[0].keys() if table_rows else ("city",)))
            for column in table.columns:  # wrap on a narrow terminal, never cut a value with "…"
                column.overflow = "fold"
            table.columns[0].no_wrap = True
            for row in table_rows:
                table.add_row(*row.values())
            _console().print(table)
            for city in cities:  # the oldest few: the whole list is in the JSON and HTML
                for milestone in city.overdue[:3]:
                    _say(f"{city.slug}: overdue since {milestone.date}: {milestone.intervention}: "
                         f"{milestone.description}")
                if len(city.overdue) > 3:
                    _say(f"{city.slug}: ... and {len(city.overdue) - 3} more overdue milestones "
                         "(--format html or json lists them all)")
            return
        if output_format is StatusFormat.text:
            text = "".join("; ".join(f"{k}: {v}" for k, v in row.items()) + "\n" for row in rows(cities))
        else:
            text = as_html(cities) if output_format is StatusFormat.html else as_json(cities)
        if out is None:
            _write(text)
        else:
            write_atomically(out, text)
            _say(f"wrote {out}")


class OutputFormat(StrEnum):
    """What ``build`` writes."""

    html = "html"
    pdf = "pdf"
    all = "all"


class Edition(StrEnum):
    """Which contacts the documents show."""

    public = "public"
    internal = "internal"


def _language(lang: str | None) -> str | None:
    """``--lang`` as a language code, or a usage error that shows how to write one."""
    if lang is None:
        return None
    from .data.languages import is_language_code
    from .errors import UsageError, visible

    if not is_language_code(lang):
        hint = f"write it in lowercase: --lang {lang.lower()}" if is_language_code(lang.lower()) else \
            "write it as in HTML's lang, in lowercase: --lang es (Spanish), --lang en (English)"
        raise UsageError(f"'{visible(lang)}' is not a language code", hint=hint)
    return lang


@app.command()
def build(
    slugs: Annotated[Optional[list[str]], typer.Argument(help="Cities to build.", show_default=False)] = None,  # noqa: UP045
    all_cities: Annotated[bool, typer.Option("--all", help="Build every city in cities/.")] = False,
    output_format: Annotated[OutputFormat, typer.Option("--format", help="html, pdf or all.")] = OutputFormat.all,
    out: Annotated[Optional[Path], typer.Option("--out", help="Output folder (default: build/).",  # noqa: UP045
                                                file_okay=False)] = None,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Refuse to build incomplete data, or a public edition with open notes for editors.")] = False,
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
    lang: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--lang", help="A language edition (es) in build/SLUG/es/, or all: every edition city.yaml's languages: "
                       "names; default: the authoritative language.", show_default=False)] = None,
    project: ProjectOption = None,
) -> None:
    """Render the prevention plan, governance charter and resource directory as HTML and PDF.

    A city with progress data (dated progress: updates or measurements:) also gets progress-report.html|pdf for
    one reporting period: --period 2027-Q3, --period 2027, or --from 2027-07-01 --to 2027-09-30.

    Output goes to build/SLUG/: index.html, prevention-plan.html|pdf, governance-charter.html|pdf,
    resource-directory.html|pdf, and fonts/ for the HTML pages. Incomplete data builds a marked draft unless --strict.
    Another language's edition goes to build/SLUG/LANG/ (--lang es, or --lang all for every edition).
    Only what changed is rendered again (the record is build/.cityframe-build/SLUG.json); --force renders all.

    Example: cityframe build athens --format pdf
    """
    with _user_errors():
        from .build import build_cities
        from .data.project import open_project
        from .render.progress import parse_period

        reporting = parse_period(period, period_from, period_to)
        proj = open_project(project)
        selected = _select(proj, slugs or [], all_cities)
        strays = proj.not_cities() if all_cities else []
        _print_not_cities(strays)
        results = build_cities(proj, selected, formats=output_format.value, out=out, strict=strict,
                               edition=edition.value, console=_console(), workers=jobs, force=force,
                               period=reporting, lang=lang if lang == "all" else _language(lang))
        failed = [r for r in results if not r.ok]
        if failed or strays:
            raise typer.Exit(1)


export_app = typer.Typer(
    help="Write a city's framework in formats other tools read: Word, Open Referral HSDS, JSON (public edition).",
    no_args_is_help=True, rich_markup_mode=None)
app.add_typer(export_app, name="export")

OutOption = Annotated[
    Optional[Path],  # noqa: UP045 - typer reads the annotation at run time
    typer.Option("--out", help="Output folder; files go to OUT/SLUG/ (default: build/).", file_okay=False),
]


def _export_target(proj: Project, slug: str, out: Path | None) -> Path:
    from .build import output_root

    return output_root(proj, out) / slug


def _write_export(proj: Project, folder: Path, files: dict[str, bytes]) -> None:
    from .build import write_files

    try:
        written = write_files(folder, dict(sorted(files.items())))
    except OSError as exc:
        from .errors import CityframeError

        raise CityframeError(f"could not write {folder}: {exc.strerror or exc} (nothing written)") from None
    for path in written:
        _say(f"wrote {proj.relative(path)}")


@export_app.command("docx")
def export_docx(
    slug: Annotated[str, typer.Argument(help="The city to export.")],
    out: OutOption = None,
    project: ProjectOption = None,
) -> None:
    """Write the three documents as Word files (.docx) for review with comments and tracked changes.

    Needs pandoc and rsvg-convert (apt-get install -y pandoc librsvg2-bin). Writes OUT/SLUG/prevention-plan.docx,
    governance-charter.docx and resource-directory.docx, the public edition, with Word's heading styles.

    Example: cityframe export docx athens
    """
    with _user_errors():
        from .data.project import open_project
        from .export.public import load_valid_city
        from .export.word import export_docx as to_docx

        proj = open_project(project)
        proj.city_dir(slug)
        report = load_valid_city(proj, slug)
        _write_export(proj, _export_target(proj, slug, out), to_docx(report))


@export_app.command("hsds")
def export_hsds(
    slug: Annotated[str, typer.Argument(help="The city to export.")],
    out: OutOption = None,
    project: ProjectOption = None,
) -> None:
    """Write the resource directory as Open Referral HSDS 3.0, validated before it is written.

    Writes OUT/SLUG/hsds/: services.json and organizations.json (HSDS JSON records), and tabular/ (one CSV per
    table and datapackage.json). Ids are UUIDs derived from the city and the resource id: stable across exports.

    Example: cityframe export hsds athens --out exports
    """
    with _user_errors():
        from .data.project import open_project
        from .export.hsds import export_city
        from .export.public import load_valid_city

        proj = open_project(project)
        proj.city_dir(slug)
        report = load_valid_city(proj, slug)
        result = export_city(report.city)
        _write_export(proj, _export_target(proj, slug, out) / "hsds", result.files())
        _say(f"{slug}: {len(result.services)} service(s), {len(result.organizations)} organization(s), "
             "valid HSDS 3.0")


@export_app.command("json")
def export_json(
    slug: Annotated[Optional[str], typer.Argument(help="The city to export.", show_default=False)] = None,  # noqa: UP045
    out: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "--out", help="Write OUT/SLUG/framework.json instead of printing.", file_okay=False)] = None,
    schema: Annotated[bool, typer.Option("--schema", help="Print the JSON Schema of the export instead.")] = False,
    project: ProjectOption = None,
) -> None:
    """Print the validated framework as one JSON document (public edition), with a format_version.

    Its JSON Schema is docs/framework-export.schema.json (or: cityframe export json --schema).

    Example: cityframe export json athens > athens.json
    """
    with _user_errors():
        from .errors import UsageError
        from .export.framework import export_json as to_json
        from .export.framework import json_schema_text

        if schema:
            sys.stdout.write(json_schema_text())
            return
        if slug is None:
            raise UsageError("name a city", hint="for example: cityframe export json athens")
        from .data.project import open_project
        from .export.public import load_valid_city

        proj = open_project(project)
        proj.city_dir(slug)
        text = to_json(load_valid_city(proj, slug).city)
        if out is None:
            sys.stdout.write(text)
            sys.stdout.flush()
            return
        _write_export(proj, _export_target(proj, slug, out), {"framework.json": text.encode("utf-8")})


@app.command()
def serve(
    slug: Annotated[str, typer.Argument(help="The city to preview.", show_default=False)],
    port: Annotated[int, typer.Option("--port", help="The port (0: any free one).")] = 8000,
    host: Annotated[str, typer.Option("--host", help="The address to listen on; beyond 127.0.0.1 anyone on the "
                                      "network can read the drafts.")] = "127.0.0.1",
    open_browser: Annotated[bool, typer.Option("--open", help="Open the preview in a web browser.")] = False,
    period: Annotated[Optional[str], typer.Option("--period", help="The progress report's period (2027-Q3, "  # noqa: UP045
                                                  "2027); default: this quarter.", show_default=False)] = None,
    lang: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--lang", help="Preview a language edition (es), as build --lang makes it.", show_default=False)] = None,
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
        edition_lang = _language(lang)
        if edition_lang is not None:
            from .build import refuse_unknown_language

            refuse_unknown_language(edition_lang)
        proj = open_project(project)
        run(proj, slug, host=host, port=port, open_browser=open_browser, say=lambda text: _say(text),
            period=reporting, lang=edition_lang)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
