"""A city -> its HTML pages: the index and one complete document per entry of the sections manifest.

Each page is self-contained (the stylesheet inlined, the logo a data: URI) and serves both the screen and
WeasyPrint, which reads the ``@media print`` and ``@page`` rules; fonts are referenced relative to the built-in
templates folder, the base URL the PDF step resolves them against.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..checks.sections import documents
from .context import EDITIONS, build_context
from .templates import make_environment

if TYPE_CHECKING:
    from ..checks.report import CityReport
    from ..data.load import City

DOCUMENTS: dict[str, str] = {doc.id: doc.title for doc in documents()}
"""The documents, by the ids of ``sections.yaml``, in its order: ``{"prevention-plan": "Prevention Plan", ...}``."""

INDEX_TEMPLATE = "index.html"


def render_city(city: City, report: CityReport, edition: str = "public", pdf: bool = True,
                revision: str | None = None) -> dict[str, str]:
    """Every page of a city as complete HTML: ``index.html`` and ``<document id>.html`` for each document.

    ``pdf`` says whether the build also makes each document's PDF (``cityframe build`` does unless asked for HTML
    only): the index page then links them, and never links a PDF that is not built. ``revision`` is the git
    revision the data comes from (``3f2c1ab`` or ``3f2c1ab with uncommitted changes``), shown on the covers and in
    the PDF metadata; None (outside git) shows none.
    """
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}; expected one of {', '.join(EDITIONS)}")
    context = build_context(city, report, edition, pdf=pdf, revision=revision)  # type: ignore[arg-type]
    env = make_environment(city)
    pages = {"index.html": env.get_template(INDEX_TEMPLATE).render(context, document=None)}
    for doc in context["documents"]:
        pages[f"{doc.id}.html"] = env.get_template(f"{doc.id}.html").render(context, document=doc)
    return pages

