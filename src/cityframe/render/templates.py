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

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from ..data.project import builtin_templates_dir
from .markup import readable_url, render_inline, render_markdown, safe_url, url_breaks

if TYPE_CHECKING:
    from ..data.load import City

PREFIX_DELIMITER = ":"
BUILTIN_PREFIX = "builtin"
PROJECT_PREFIX = "project"


def search_path(city: City | None) -> list[Path]:
    """The folders a template name is looked up in, first match wins: the city's, the project's, the built-in."""
    builtin = builtin_templates_dir().resolve()
    folders: list[Path] = []
    if city is not None:
        own = city.folder / "templates"
        if own.is_dir():
            folders.append(own)
        project = city.project.templates_dir
        if project.is_dir() and project.resolve() != builtin:
            folders.append(project)
    folders.append(builtin)
    return folders


def _project_path(city: City | None) -> list[Path]:
    builtin = builtin_templates_dir().resolve()
    if city is not None:
        project = city.project.templates_dir
        if project.is_dir() and project.resolve() != builtin:
            return [project, builtin]
    return [builtin]


def format_date(value: dt.date | None, style: str = "long") -> str:
    """A date as residents read it, without locale or clock: ``March 31, 2025`` (or ``March 2025``)."""
    if value is None:
        return ""
    month = _MONTHS[value.month - 1]
    if style == "month":
        return f"{month} {value.year}"
    if style == "iso":
        return value.isoformat()
    return f"{month} {value.day}, {value.year}"


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


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


def join_words(values: Any, last: str = "and") -> str:
    """``a, b and c``."""
    items = [str(v) for v in values if v]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def make_environment(city: City | None = None) -> SandboxedEnvironment:
    """The environment that renders a city's pages (or the built-in templates alone, without a city)."""
    loader = jinja2.ChoiceLoader([
        jinja2.PrefixLoader({
            BUILTIN_PREFIX: jinja2.FileSystemLoader(str(builtin_templates_dir().resolve())),
            PROJECT_PREFIX: jinja2.FileSystemLoader([str(p) for p in _project_path(city)]),
        }, delimiter=PREFIX_DELIMITER),
        jinja2.FileSystemLoader([str(p) for p in search_path(city)]),
    ])
    env = SandboxedEnvironment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(
        md=render_markdown,
        md_inline=render_inline,
        date=format_date,
        money=format_money,
        number=format_number,
        safe_url=safe_url,
        readable_url=readable_url,
        url_breaks=url_breaks,
        join_words=join_words,
    )

    def inline_asset(name: str) -> Markup:
        """A text asset (the stylesheet) from the search path, for a ``<style>`` element."""
        source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        if "</" in source:
            raise jinja2.TemplateError(f"{name} must not contain '</': it is inlined into a <style> element")
        return Markup(source)

    env.globals["inline_asset"] = inline_asset
    return env
