"""cityframe: a city's local prevention framework as data, checked and rendered as accessible documents.

The library API, usable without the CLI::

    import cityframe
    report = cityframe.check("path/to/project", "athens")
    cityframe.build("path/to/project", "athens")
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .data.project import Project, open_project
from .errors import CityframeError, DataError, Finding, UsageError

if TYPE_CHECKING:
    from .build import BuildResult
    from .checks.report import CityReport
    from .data.load import City

__version__ = "0.1.0"
__all__ = ["CityframeError", "DataError", "Finding", "Project", "UsageError", "build", "check", "load_city",
           "open_project"]


def load_city(project: Path | str | Project | None, slug: str) -> City:
    """Load and validate one city; raise :class:`DataError` with every finding when its data is invalid."""
    from .data.load import load_city as _load

    return _load(open_project(project), slug)


def check(project: Path | str | Project | None, slug: str) -> CityReport:
    """Validate one city and measure which required sections are filled in."""
    from .checks.report import assess

    return assess(open_project(project), slug)


def build(project: Path | str | Project | None, slug: str, **options: Any) -> BuildResult:
    """Build one city's documents (see :func:`cityframe.build.build_city` for the options)."""
    from .build import build_city

    return build_city(open_project(project), slug, **options)
