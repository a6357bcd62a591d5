"""The Jinja environment: search path city -> project -> built-in, strict about undefined names, safe by default.

A city (``cities/<slug>/templates/``) or a project (``templates/`` at its root) overrides any built-in template by
putting a file of the same name in its own folder. An override can extend the template it replaces through a
prefix, as pelican's themes do::

    {% extends "builtin:plan/vision-and-objectives.html" %}
    {% block goals %}<p>Our own introduction.</p>{{ super() }}{% endblock %}

``project:`` names the same template as seen from the project (its override, else the built-in one). The
environment is sandboxed, autoescapes everything and raises on any undefined name, so a typo in an override
fails the build with the template's name and line instead of printing nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import re
import signal
import stat
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from ..data.languages import Passage
from ..data.project import Project, builtin_templates_dir
from ..errors import Finding, LocatedError
from . import i18n
from .compiled import bytecode_cache
from .markup import passage, print_url, readable_url, render_inline, render_markdown, safe_url, url_breaks

if TYPE_CHECKING:
    from ..data.load import City

PREFIX_DELIMITER = ":"
BUILTIN_PREFIX = "builtin"
PROJECT_PREFIX = "project"


MAX_TEMPLATE_BYTES = 1_000_000
"""A template is a few KB; a larger file in a templates folder is a mistake (or an attack on the renderer)."""
MAX_TEXT = 1_000_000
"""The most characters a template may build in one text, and the most items in one list (the whole Athens
prevention plan is about 150,000 characters); larger ones are refused for safety."""
MAX_PAGE = 20_000_000
"""The most characters one page may have."""
MAX_RANGE_ITEMS = 100_000
"""The most numbers ``range`` may give one document, summed over every call (nested loops multiply)."""
MAX_POWER = 1_000
"""The largest exponent ``**`` takes: ``10 ** 10 ** 9`` would compute for hours."""
RENDER_SECONDS = 20.0
"""The time one document may take to render (Athens' longest takes well under a second)."""
RENDER_MEMORY = 400 * 1024 * 1024
"""The memory (bytes of address space) rendering one document may add, where the platform can limit it."""


def _display(path: Path | str, project: Project | None) -> str:
    """A template's file as city staff see it (``cities/athens/templates/plan/foreword.html``)."""
    path = Path(path)
    builtin = builtin_templates_dir().resolve()
    if path.is_relative_to(builtin):
        return f"{path.relative_to(builtin).as_posix()} (a built-in template)"
    return project.relative(path) if project is not None else path.as_posix()


def _refuse(display: str, message: str, hint: str, line: int = 0) -> LocatedError:
    return LocatedError(Finding(display, line, 1 if line else 0, "", message, hint=hint))


def untrusted_file(folder: Path, pieces: Sequence[str], project: Project | None) -> Path | None:
    """The regular file ``folder/pieces...``, or ``None`` when there is none; refuse a link or anything else.

    Every step is looked at with ``lstat`` (links are not followed): a template, a stylesheet or an include in a
    city's or project's ``templates/`` must be an ordinary file inside that folder, so that it cannot show the
    city's data files, a system file or a device in a public document. Raises :class:`LocatedError`.
    """
    current = folder
    steps = [current, *(folder.joinpath(*pieces[: i + 1]) for i in range(len(pieces)))]
    for index, current in enumerate(steps):
        try:
            info = os.lstat(current)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            raise _refuse(_display(current, project), f"cannot be read ({exc.strerror or exc})",
                          "check that it is a file you may read") from None
        shown_path = _display(current, project)
        if stat.S_ISLNK(info.st_mode):
            raise _refuse(shown_path, f"is a link (to {os.readlink(current)}); a template or asset must be an "
                          "ordinary file inside the templates/ folder", "replace the link with a copy of the file "
                          "itself; links are refused so that no template can show a data file or a system file")
        last = index == len(steps) - 1
        if not last and not stat.S_ISDIR(info.st_mode):
            return None
        if last and stat.S_ISDIR(info.st_mode):
            return None
        if last and not stat.S_ISREG(info.st_mode):
            raise _refuse(shown_path, "is not an ordinary file (it is a device, a pipe or a socket)",
                          "replace it with the template file")
        if last and info.st_size > MAX_TEMPLATE_BYTES:
            raise _refuse(shown_path, f"is larger than {MAX_TEMPLATE_BYTES // 1_000_000} MB, the most a template "
                          "may be", "a template is usually a few KB; check that this is the right file")
    if not current.resolve().is_relative_to(folder.resolve()):  # pragma: no cover - lstat saw no link
        raise _refuse(_display(current, project), "resolves outside the templates/ folder",
                      "keep templates inside the folder")
    return current


class GuardedLoader(jinja2.BaseLoader):
    """Templates from a list of folders, first match wins; untrusted folders serve only regular files.

    ``folders`` holds ``(folder, trusted)`` pairs: the built-in templates are trusted (they ship with cityframe),
    a city's and a project's are not (see :func:`untrusted_file`).
    """

    def __init__(self, folders: Sequence[tuple[Path, bool]], project: Project | None) -> None:
        self.folders = list(folders)
        self.project = project

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        """The template's text, file and an always-fresh check; :class:`LocatedError` for a link."""
        pieces = split_template_path(template)  # refuses '..' with TemplateNotFound
        for folder, trusted in self.folders:
            if trusted:
                path: Path | None = folder.joinpath(*pieces)
                if not path.is_file():  # type: ignore[union-attr]
                    continue
            else:
                path = untrusted_file(folder, pieces, self.project)
                if path is None:
                    continue
            # O_NOFOLLOW: a link put in place after the check above is refused by the system, not followed.
            flags = os.O_RDONLY | (0 if trusted else getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
            try:
                with os.fdopen(os.open(path, flags), "rb") as handle:  # type: ignore[arg-type]
                    raw = handle.read(MAX_TEMPLATE_BYTES + 1)
            except OSError as exc:
                raise _refuse(_display(path, self.project), f"cannot be read ({exc.strerror or exc})",  # type: ignore[arg-type]
                              "check that it is a file you may read") from None
            try:
                source = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise _refuse(_display(path, self.project), "is not UTF-8 text",  # type: ignore[arg-type]
                              "save it again as UTF-8") from None
            return source, str(path), lambda: True
        raise jinja2.TemplateNotFound(template)

    def list_templates(self) -> list[str]:
        """The override files' names (the built-in ones are not listed)."""
        found = set()
        for folder, trusted in self.folders:
            if not trusted:
                found.update(name for name, _ in override_files(folder))
        return sorted(found)


def override_files(folder: Path) -> Iterator[tuple[str, Path]]:
    """Every entry under an override folder, by template name, without following links (they are reported)."""
    if folder.is_symlink() or not folder.is_dir():
        yield "", folder
        return
    for root, dirs, files in os.walk(folder):  # os.walk does not descend into linked folders
        dirs.sort()
        for name in sorted(files + [d for d in dirs if os.path.islink(os.path.join(root, d))]):
            path = Path(root) / name
            yield path.relative_to(folder).as_posix(), path


def search_path(city: City | None) -> list[Path]:
    """The folders a template name is looked up in, first match wins: the city's, the project's, the built-in."""
    if city is None:
        return [builtin_templates_dir().resolve()]
    return [*city.project.override_folders(city.slug), builtin_templates_dir().resolve()]

def format_date(value: dt.date | None, style: str = "long", lang: str = "en") -> str:
    """A date as residents read it, without the clock: ``March 31, 2025`` (``style="month"``: ``March 2025``).

    In another ``lang``: ``31 de marzo de 2025`` (see :func:`cityframe.render.i18n.format_date`).
    """
    return i18n.format_date(value, i18n.text_language(lang), style)


@jinja2.pass_context
def date_filter(context: Any, value: dt.date | None, style: str = "long") -> str:
    """The ``date`` filter: :func:`format_date` in the page's language (the context's ``lang``)."""
    return format_date(value, style, context.get("lang", "en"))


def format_money(value: float | None) -> str:
    """US dollars with thousands separators and no cents unless there are some: ``$12,500``."""
    if value is None:
        return ""
    if float(value).is_integer():
        return f"${int(value):,}"
    return f"${value:,.2f}"


def format_number(value: int | float | None) -> str:
    """A count with thousands separators."""
    if value is None:
        return ""
    return f"{value:,}"


def join_words(values: Any, last: str | None = None, lang: str | None = None) -> str:
    """``a, b and c``; ``a; b; and c`` when an item holds a comma or the joining word, which would blur the items.

    "Black students and families and Students of color" reads as three groups or two; with semicolons it is two.
    ``last`` defaults to "and" in ``lang`` (None: the language being rendered, see
    :func:`cityframe.render.i18n.using`): Spanish "a, b y c" ("e" before a word that starts with an i sound).
    """
    items = [str(v) for v in values if v]
    if last is None:
        lang = i18n.text_language(lang) if lang else i18n.current_language()
        last = i18n.gettext(lang, i18n.N_("and"))
        if lang == "es" and items and re.match(r"(?i)h?i(?![aeiouáéíóú])", items[-1]):
            last = "e"
    if len(items) <= 1:
        return "".join(items)
    if any("," in item or f" {last} " in f" {item} " or ";" in item for item in items):
        return f"{'; '.join(items[:-1])}; {last} {items[-1]}"
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


ARTICLE_FREE = ("the ", "a ", "an ")


def with_article(name: Any, lang: str | None = None) -> str:
    """``the Office of the Mayor``: a body named after "by" or "to" reads with its article, unless it has one.

    English only (``lang``, None: the language being rendered): another language's article depends on the
    name's gender and number, which cityframe does not know, so the name is left as written.
    """
    text = str(name or "").strip()
    if (i18n.text_language(lang) if lang else i18n.current_language()) != "en":
        return text
    if not text or text.lower().startswith(ARTICLE_FREE):
        return text
    return f"the {text}"


def aside(value: Any) -> str:
    """`` (value)``, or ``, value`` when the value holds brackets itself: never "(resolution (proposed))"."""
    text = str(value or "").strip()
    if not text:
        return ""
    if any(mark in text for mark in "()[]"):
        return f", {text}"
    return f" ({text})"


@jinja2.pass_context
def _join_words_filter(context: Any, values: Any, last: str | None = None) -> str:
    """The ``join_words`` filter, joining with "and" in the page's language."""
    return join_words(values, last, context.get("lang", "en"))


@jinja2.pass_context
def _with_article_filter(context: Any, name: Any) -> str:
    """The ``with_article`` filter, in the page's language."""
    return with_article(name, context.get("lang", "en"))


class TemplateLimit(jinja2.TemplateRuntimeError):
    """A template asked for more than a document needs (text, items, time or memory); refused for safety."""


_WIDTH_METHODS = {"center", "ljust", "rjust", "zfill", "expandtabs"}
_PERCENT_WIDTHS = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\d*)(?:\.(\d*))?")
_BRACE_WIDTHS = re.compile(r"\{[^{}]*?:[^{}]*?(\d+)(?:\.(\d+))?[^{}]*\}")


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, list, tuple)) else 0


def _checked(value: Any, what: str = "a text or list") -> Any:
    """``value``, unless it is a text or list larger than :data:`MAX_TEXT`."""
    if _size(value) > MAX_TEXT:
        raise TemplateLimit(f"{what} of {_size(value):,} characters or items, more than the {MAX_TEXT:,} a "
                            "template may build")
    return value


def _refuse_size(size: int) -> None:
    if size > MAX_TEXT:
        raise TemplateLimit(f"a text or list of {size:,} characters or items, more than the {MAX_TEXT:,} a template "
                            "may build")


def _refuse_widths(fmt: str) -> None:
    """Refuse a format string whose field widths (``%400000000s``, ``{:>400000000}``) would build a huge text."""
    for match in (*_PERCENT_WIDTHS.finditer(fmt), *_BRACE_WIDTHS.finditer(fmt)):
        for group in match.groups():
            if group and (len(group) > 7 or int(group) > MAX_TEXT):
                _refuse_size(int(group) if len(group) < 12 else MAX_TEXT * 10)


def _refuse_replace(text: Any, old: Any, new: Any, count: Any = None) -> None:
    if not isinstance(text, str) or not isinstance(old, str) or not isinstance(new, str):
        return
    matches = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        matches = min(matches, count)
    _refuse_size(len(text) + matches * (len(new) - len(old)))


class GuardedEnvironment(SandboxedEnvironment):
    """Jinja's sandbox with limits on what a template can build.

    ``*``, ``+``, ``%`` and ``**`` are checked before they run, and every call's, filter's and block's result
    after (see :data:`MAX_TEXT`).
    """

    intercepted_binops = frozenset({"*", "+", "%", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """``left operator right``, refused when its result would be too large."""
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int):
                    _refuse_size(len(seq) * max(times, 0))
        elif operator == "+" and isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
            _refuse_size(len(left) + len(right))
        elif operator == "%" and isinstance(left, str):
            _refuse_widths(left)
        elif operator == "**" and isinstance(left, int) and isinstance(right, int) and abs(left) > 1 \
                and right > MAX_POWER:
            raise TemplateLimit(f"a power with the exponent {right:,}, more than the {MAX_POWER:,} a template may use")
        return _checked(super().call_binop(context, operator, left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """A call from a template, refused when a string method's width would build a huge text."""
        method = getattr(__obj, "__wrapped__", __obj)
        owner, name = getattr(method, "__self__", None), getattr(method, "__name__", "")
        if isinstance(owner, str):
            if name in _WIDTH_METHODS and args and isinstance(args[0], int):
                _refuse_size(args[0] * (len(owner.splitlines()) + 1 if name == "expandtabs" else 1))
            elif name in ("format", "format_map"):
                _refuse_widths(owner)
            elif name == "replace" and len(args) >= 2:
                _refuse_replace(owner, *args[:3])
        return _checked(SandboxedEnvironment.call(__self, __context, __obj, *args, **kwargs))


def _guard_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter whose result is checked, and whose width arguments are checked before it runs."""
    offset = 1 if getattr(function, "jinja_pass_arg", None) else 0

    @functools.wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        values = args[offset:]
        if name == "center" and len(values) > 1 and isinstance(values[1], int):
            _refuse_size(values[1])
        elif name == "indent" and values:
            width = values[1] if len(values) > 1 else kwargs.get("width", 4)
            width = len(width) if isinstance(width, str) else width
            if isinstance(width, int):
                _refuse_size(len(str(values[0])) + width * (str(values[0]).count("\n") + 1))
        elif name == "format" and values and isinstance(values[0], str):
            _refuse_widths(values[0])
        elif name == "replace" and len(values) >= 3:
            _refuse_replace(*values[:4])
        return _checked(function(*args, **kwargs))

    return guarded


class _RangeBudget:
    """``range`` as the sandbox gives it, counting the numbers each document takes (nested loops multiply)."""

    def __init__(self) -> None:
        self.left = MAX_RANGE_ITEMS

    def __call__(self, *args: int) -> range:
        numbers = range(*args)
        self.left -= len(numbers)
        if self.left < 0:
            raise TemplateLimit(f"loops over range() give more than {MAX_RANGE_ITEMS:,} numbers in one document, "
                                "more than any document needs")
        return numbers


def _concat(parts: Iterable[str]) -> str:
    """Jinja's ``concat`` (blocks, macros, ``set`` blocks) with a size limit on the text it joins."""
    pieces = list(parts)
    size = sum(len(piece) for piece in pieces)
    if size > MAX_PAGE:
        raise TemplateLimit(f"a block of {size:,} characters, more than the {MAX_PAGE:,} a page may have")
    return "".join(pieces)


def _mark_passage(value: Any) -> Any:
    """Jinja ``finalize``: a text printed with ``{{ ... }}`` in another language than the page's names it (WCAG 3.1.2).

    In an attribute or ``<title>``, where no element may go, templates print ``|plain`` instead.
    """
    return passage(value) if isinstance(value, Passage) else value


def plain_text(value: Any) -> Any:
    """``value`` without its language mark (for attributes and ``<title>``, which take text only)."""
    return str.__str__(value) if isinstance(value, str) else value


def make_environment(city: City | None = None, *, project: Project | None = None,
                     slug: str | None = None, lang: str = "en") -> GuardedEnvironment:
    """The environment that renders a city's pages (or the built-in templates alone, without a city).

    ``project`` and ``slug`` stand in for ``city`` when the city's data does not validate (``check`` still
    compiles its templates). ``lang``: the language of the templates' own words (``{% trans %}``, ``_()``), one
    of :data:`cityframe.render.i18n.LANGUAGES` (any other BCP 47 code gives English); the compiled templates
    are the same for every language, only the installed catalog differs. Raises :class:`LocatedError`.
    """
    if city is not None:
        project, slug = city.project, city.slug
    builtin = builtin_templates_dir().resolve()
    overrides = project.override_folders(slug) if project is not None and slug is not None else []
    for folder in overrides:
        if folder.is_symlink():
            raise _refuse(_display(folder, project), f"is a link (to {os.readlink(folder)}); the templates/ folder "
                          "must be an ordinary folder", "replace the link with a copy of the folder")
        if not folder.is_dir():
            raise _refuse(_display(folder, project), "is not a folder", "templates/ holds template overrides: "
                          "make it a folder, or remove it")
    shared = [f for f in overrides if project is not None and f == project.templates_dir]
    loader = jinja2.ChoiceLoader([
        jinja2.PrefixLoader({
            BUILTIN_PREFIX: jinja2.FileSystemLoader(str(builtin)),
            PROJECT_PREFIX: GuardedLoader([*((f, False) for f in shared), (builtin, True)], project),
        }, delimiter=PREFIX_DELIMITER),
        GuardedLoader([*((f, False) for f in overrides), (builtin, True)], project),
    ])
    env = GuardedEnvironment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        bytecode_cache=bytecode_cache(),
        finalize=_mark_passage,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(  # type: ignore[attr-defined]
        i18n.translations(i18n.text_language(lang)), newstyle=True)
    env.concat = _concat  # type: ignore[method-assign]
    env.filters.update(
        md=render_markdown,
        md_inline=render_inline,
        passage=passage,
        plain=plain_text,
        date=date_filter,
        money=format_money,
        number=format_number,
        safe_url=safe_url,
        readable_url=readable_url,
        print_url=print_url,
        url_breaks=url_breaks,
        join_words=_join_words_filter,
        with_article=_with_article_filter,
        aside=aside,
    )
    env.filters = {name: _guard_filter(name, function) for name, function in env.filters.items()}
    env.globals.pop("lipsum", None)  # lipsum(n=10**8) builds gigabytes of words
    env.globals["range"] = _RangeBudget()
    env.cityframe_project = project  # type: ignore[attr-defined]

    def inline_asset(name: str) -> Markup:
        """A text asset (the stylesheet) from the search path, for a ``<style>`` element."""
        source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        if "</" in source:
            raise jinja2.TemplateError(f"{name} must not contain '</': it is inlined into a <style> element")
        return Markup(source)

    env.globals["inline_asset"] = inline_asset
    return env


# --- rendering one page, with a time budget and every error located -----------------------------------------


def render_page(env: GuardedEnvironment, name: str, context: Mapping[str, Any], **extra: Any) -> str:
    """Render the template ``name`` as one page; any problem is a :class:`LocatedError` at the template's line.

    Limits: :data:`MAX_PAGE` characters, :data:`RENDER_SECONDS` of time and :data:`RENDER_MEMORY` of memory
    (the last two where the platform can measure them: the main thread of a Unix process).
    """
    env.globals["range"] = _RangeBudget()
    project = getattr(env, "cityframe_project", None)
    try:
        with _time_budget(name), _memory_budget():
            template = env.get_template(name)
            generator = template.generate(context, **extra)
            pieces: list[str] = []
            size = 0
            for piece in generator:
                pieces.append(piece)
                size += len(piece)
                if size > MAX_PAGE:
                    # Located where the innermost template was writing: throwing into the page's generator would
                    # land in the built-in template that includes the city's one (Jinja loops over an include).
                    limit = TemplateLimit(f"the page grew over {MAX_PAGE:,} characters, more than any document "
                                          "needs")
                    limit.where = _writing_at(generator)
                    generator.close()
                    raise limit
            return "".join(pieces)
    except LocatedError:
        raise
    except BaseException as exc:
        located = locate_template_error(exc, project, name)
        if located is None:
            raise
        raise located from None


def locate_template_error(exc: BaseException, project: Project | None, page: str) -> LocatedError | None:
    """``exc`` (raised while rendering ``page``) as a located error of the city's, or ``None`` for a bug of ours."""
    builtin = builtin_templates_dir().resolve()
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        return _refuse(_display(exc.filename, project), f"a syntax error in the template: {exc.message}",
                       "check that every {% ... %} and {{ ... }} is closed and spelled as in the built-in "
                       "templates", line=exc.lineno or 0)
    where = getattr(exc, "where", None) or _last_template_frame(exc)
    if where is None:
        file, line = str(builtin / page), 0
    else:
        file, line = where
    override = not Path(file).resolve().is_relative_to(builtin)
    display = _display(file, project)
    safety = "refused for safety: "
    if isinstance(exc, jinja2.TemplateNotFound):
        return _refuse(display, f"uses the template '{exc.name}', which does not exist (or is outside the "
                       "templates folders)", "check the name: it is relative to a templates/ folder, for example "
                       "plan/foreword.html; '..' is refused", line=line)
    if isinstance(exc, jinja2.UndefinedError):
        return _refuse(display, f"uses a name that is not defined: {exc.message}",
                       "check the spelling against the built-in templates: they use every name a template can "
                       "read", line=line)
    if isinstance(exc, jinja2.exceptions.SecurityError):
        return _refuse(display, safety + str(exc.message),
                       "a template may only read the values cityframe gives it", line=line)
    if isinstance(exc, TemplateLimit):
        return _refuse(display, safety + str(exc.message),
                       "a document needs far less; look for a loop or a repetition that never stops", line=line)
    if isinstance(exc, RecursionError):
        return _refuse(display, "includes, extends or calls itself without end",
                       "a template must not include or extend itself, and a macro must stop calling itself",
                       line=line)
    if isinstance(exc, MemoryError):
        return _refuse(display, f"{safety}rendering {page} needed more than {RENDER_MEMORY // 2**20} MB of "
                       "memory", "a document needs far less; look for a loop or a repetition that never stops",
                       line=line)
    if isinstance(exc, jinja2.TemplateError) or (override and isinstance(exc, Exception)):
        message = exc.message if isinstance(exc, jinja2.TemplateError) and exc.message else \
            f"{type(exc).__name__}: {exc}"
        return _refuse(display, f"could not be rendered: {message}",
                       "compare the template with the built-in one it replaces", line=line)
    return None


def _writing_at(generator: Any) -> tuple[str, int] | None:
    """The template file and line where a paused page ``generator`` is writing, innermost include first.

    Follows ``yield from`` (blocks, extends) and the ``gen`` an ``{% include %}`` loops over, down to the
    deepest paused template frame; Jinja's own line table gives the template line.
    """
    found = None
    current = generator
    for _depth in range(500):
        frame = getattr(current, "gi_frame", None)
        if frame is None:
            break
        template = frame.f_globals.get("__jinja_template__")
        if template is not None and template.filename:
            found = (template.filename, template.get_corresponding_lineno(frame.f_lineno))
        inner = current.gi_yieldfrom
        if inner is None:
            included = frame.f_locals.get("gen")
            inner = included if hasattr(included, "gi_frame") else None
        current = inner
    return found


def _last_template_frame(exc: BaseException) -> tuple[str, int] | None:
    """The innermost template file and line in ``exc``'s traceback (Jinja rewrites it to template lines)."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not filename.endswith((".py", ".pyc")) and not filename.startswith("<"):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


@contextlib.contextmanager
def _time_budget(page: str) -> Iterator[None]:
    """Raise :class:`TemplateLimit` inside the template when rendering ``page`` takes over RENDER_SECONDS."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def time_up(signum: int, frame: Any) -> None:
        raise TemplateLimit(f"rendering {page} took longer than {RENDER_SECONDS:g} seconds, more than any "
                            "document needs")

    previous = signal.signal(signal.SIGALRM, time_up)
    signal.setitimer(signal.ITIMER_REAL, RENDER_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _memory_budget() -> Iterator[None]:
    """Let the process grow by at most RENDER_MEMORY while a page renders (Linux: RLIMIT_AS), then restore."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        with open("/proc/self/statm") as statm:
            used = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (ImportError, OSError, ValueError):
        yield
        return
    limit = used + RENDER_MEMORY
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft != resource.RLIM_INFINITY and soft <= limit:
        yield
        return
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
