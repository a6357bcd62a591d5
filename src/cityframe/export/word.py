"""The three documents as Word (.docx) files, for review with comments and tracked changes.

The public HTML pages are converted by pandoc (the Debian package ``pandoc``), which writes real Word structure:
the Heading 1-4 styles (Word's navigation pane shows the sections), numbered and bulleted lists with their own
numbering, definition lists, tables whose header row is marked to repeat on every page (``w:tblHeader``), table
captions, links and internal cross-references, and the document's title, description and language. The styles
are pandoc's with table grid lines, bold header rows and US Letter pages (``reference.docx``). The charts are
embedded as PNG pictures (drawn from their SVG by ``rsvg-convert``, Debian ``librsvg2-bin``) with alternative
text.

Before the conversion the page loses only what makes no sense in Word (the "skip to main content" link) and its
``<title>`` (which pandoc would print as an extra title line; it is written to the document properties instead).
Same input, same bytes: the zip entries and the properties carry ``SOURCE_DATE_EPOCH`` when it is set and no
creation date otherwise.
"""

from __future__ import annotations

import base64
import html
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from .public import ExportError

if TYPE_CHECKING:
    from ..checks.report import CityReport

PANDOC_HINT = ("install pandoc and rsvg-convert, e.g. 'apt-get install -y pandoc librsvg2-bin' on Debian or "
               "Ubuntu (see the README)")
REFERENCE_DOCX = Path(__file__).parent / "reference.docx"
"""The styles pandoc uses: its own, with table grid lines, bold header rows and US Letter pages
(``scripts/make-reference-docx`` makes it)."""
_ZIP_EPOCH = "315532800"  # 1980-01-01, the earliest date a zip entry can carry: fixed, so the bytes are too
_TIMEOUT = 120  # seconds for one document; Athens' plan takes about one


def export_docx(report: CityReport) -> dict[str, bytes]:
    """Each document of a valid city as ``{"prevention-plan.docx": bytes, ...}`` (public edition).

    Raises ``ExportError`` when pandoc or rsvg-convert is missing or pandoc fails.
    """
    from ..render.html import render_city

    pandoc, rsvg = _tool("pandoc"), _tool("rsvg-convert")
    pages = render_city(report.city, report, edition="public", pdf=False)
    return {name.removesuffix(".html") + ".docx": html_to_docx(page, pandoc=pandoc, rsvg=rsvg)
            for name, page in pages.items() if name != "index.html"}


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ExportError(f"'cityframe export docx' needs {name}, which is not installed", hint=PANDOC_HINT)
    return path


def html_to_docx(page: str, *, pandoc: str = "pandoc", rsvg: str = "rsvg-convert") -> bytes:
    """One cityframe HTML page as a .docx file's bytes."""
    title = _first(r"<title>(.*?)</title>", page)
    language = _first(r"<html[^>]*\slang=\"([^\"]+)\"", page) or "en"
    prepared = prepare_html(page, rsvg=rsvg)
    env = {**os.environ, "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", _ZIP_EPOCH)}
    with tempfile.TemporaryDirectory(prefix="cityframe-docx-") as folder:
        source, target = Path(folder, "page.html"), Path(folder, "page.docx")
        source.write_text(prepared, encoding="utf-8")
        try:
            done = subprocess.run(
                [pandoc, "--from=html", "--to=docx", f"--metadata=lang:{language}", f"--resource-path={folder}",
                 f"--reference-doc={REFERENCE_DOCX}",
                 "--output", str(target), str(source)],
                capture_output=True, text=True, timeout=_TIMEOUT, env=env, cwd=folder, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ExportError(f"pandoc did not run: {exc}", hint=PANDOC_HINT) from None
        if done.returncode != 0 or not target.is_file():
            raise ExportError(f"pandoc could not convert the page: {done.stderr.strip() or done.returncode}")
        warnings = [line for line in done.stderr.splitlines() if "[WARNING]" in line]
        if warnings:  # e.g. a chart it could not convert: a document missing a part is not a good export
            raise ExportError("pandoc left something out: " + "; ".join(warnings), hint=PANDOC_HINT)
        content = target.read_bytes()
    return _set_properties(content, title=html.unescape(title or ""),
                           dated="SOURCE_DATE_EPOCH" in os.environ)


def _first(pattern: str, text: str) -> str | None:
    match = re.search(pattern, text, re.S)
    return match[1] if match else None


_SVG = re.compile(r"<svg\b[^>]*>.*?</svg>", re.S)


def prepare_html(page: str, *, rsvg: str = "rsvg-convert") -> str:
    """The page as pandoc should read it: no skip link, no ``<title>``, each chart a PNG picture with alt text.

    pandoc reads an inline ``<svg>`` as an SVG picture whose alternative text is its whole data URI, and not every
    Word shows SVG; a PNG drawn at twice the chart's size (sharp in print), shown at its size, with ``alt`` from the
    chart's ``<title>`` and ``<desc>``, reads and prints everywhere.
    """
    page = re.sub(r"<a class=\"skip-link\"[^>]*>.*?</a>", "", page, flags=re.S)
    page = re.sub(r"<title>.*?</title>", "", page, count=1, flags=re.S)
    return _SVG.sub(lambda match: _chart_image(match[0], rsvg), page)


def _chart_image(svg: str, rsvg: str) -> str:
    parts = [html.unescape(re.sub(r"<[^>]+>", "", part)).strip()
             for part in (_first(r"<title\b[^>]*>(.*?)</title>", svg), _first(r"<desc\b[^>]*>(.*?)</desc>", svg))
             if part]
    alt = " ".join(p if p.endswith(".") else p + "." for p in parts if p)
    try:
        done = subprocess.run([rsvg, "--zoom=2", "--format=png"], input=svg.encode("utf-8"), capture_output=True,
                              timeout=_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ExportError(f"rsvg-convert did not run: {exc}", hint=PANDOC_HINT) from None
    if done.returncode != 0 or not done.stdout:
        raise ExportError(f"rsvg-convert could not draw a chart: {done.stderr.decode(errors='replace').strip()}")
    size = "".join(f' {name}="{value}"' for name in ("width", "height")
                   if (value := _first(rf"<svg\b[^>]*\s{name}=\"([0-9.]+)\"", svg)))
    data = base64.b64encode(done.stdout).decode("ascii")
    return f'<img src="data:image/png;base64,{data}"{size} alt="{html.escape(alt, quote=True)}">'


def _set_properties(docx: bytes, *, title: str, dated: bool) -> bytes:
    """Write the title into ``docProps/core.xml`` and, unless a date was asked for, drop the creation dates.

    Every other entry is copied byte for byte with its zip metadata, so the result stays reproducible.
    """
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(docx)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "docProps/core.xml":
                data = _core_properties(data.decode("utf-8"), title, dated).encode("utf-8")
            target.writestr(info, data)
    return out.getvalue()


def _core_properties(xml: str, title: str, dated: bool) -> str:
    escaped = html.escape(title, quote=False)
    xml, found = re.subn(r"<dc:title>.*?</dc:title>|<dc:title\s*/>", f"<dc:title>{escaped}</dc:title>", xml,
                         count=1, flags=re.S)
    if not found:  # pandoc always writes one; say so rather than write a document without its title
        raise RuntimeError("pandoc wrote no dc:title into docProps/core.xml")
    if not dated:
        xml = re.sub(r"<dcterms:(created|modified)\b[^>]*>[^<]*</dcterms:\1>", "", xml)
    return xml
