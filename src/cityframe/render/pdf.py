"""HTML -> tagged PDF (PDF/UA-1) with WeasyPrint, fetching nothing but data: URIs and files inside allowed folders.

WeasyPrint is imported inside the functions: ``import weasyprint`` costs about half a second, which ``check``,
``--help`` and ``build --format html`` should never pay.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcher

LOGGER = logging.getLogger(__name__)

PDF_VARIANT = "pdf/ua-1"
# Used only when the environment gives none: fontTools (WeasyPrint's fallback font subsetter, when Debian's
# libharfbuzz-subset0 is missing) stamps each subset font with SOURCE_DATE_EPOCH, or with the current time.
FIXED_SOURCE_DATE_EPOCH = "0"
ZERO_WIDTH_SPACE = "\u200b"


MANY_PAGES = 200
"""A document this long gets a warning with its page count (Athens' longest document has about 30 pages)."""


class RefusedURL(ValueError):
    """A resource the renderer may not fetch; WeasyPrint logs it and renders the document without it."""


def check_url(url: str, allowed_roots: Sequence[Path]) -> Path | None:
    """The local file a URL may be read from (``None`` for a ``data:`` URI); raise :class:`RefusedURL` otherwise.

    Only ``file:`` URLs whose path, after following every symlink, lies inside one of ``allowed_roots`` pass.
    """
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "data":
        return None
    if scheme != "file":
        raise RefusedURL(f"only file: and data: URLs are allowed, not {scheme or 'relative'}: URLs")
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise RefusedURL(f"file: URL on another host ({parts.netloc})")
    path = Path(url2pathname(parts.path))
    if ".." in path.parts:
        raise RefusedURL("path with '..'")
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # missing, or a symlink loop
        raise RefusedURL(f"no such file ({exc.__class__.__name__})") from None
    for root in allowed_roots:
        try:
            inside = resolved.is_relative_to(root.resolve())
        except OSError:
            continue
        if inside:
            if not resolved.is_file():
                raise RefusedURL("not a file")
            return resolved
    raise RefusedURL(f"{resolved} is outside the allowed folders")


_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "font/ttf": (b"\x00\x01\x00\x00", b"true", b"ttcf"),
    "font/otf": (b"OTTO",),
    "font/woff": (b"wOFF",),
    "font/woff2": (b"wOF2",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
}
_TYPES = {".ttf": "font/ttf", ".otf": "font/otf", ".woff": "font/woff", ".woff2": "font/woff2",
          ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
          ".svg": "image/svg+xml"}
MAX_ASSET_BYTES = 20_000_000
"""A font or picture a document uses is a few hundred KB; the largest shipped font is about 600 KB."""


def check_content(path: Path, body: bytes) -> str:
    """The content type of a file the PDF may use (a font or a picture), by its name and its first bytes.

    Raise :class:`RefusedURL` for anything else: a data file, a document, a font or picture whose bytes are not
    what its name says, or an SVG that declares entities (external entities read files; expansion explodes).
    """
    content_type = _TYPES.get(path.suffix.lower())
    if content_type is None:
        raise RefusedURL(f"{path.name} is not a font or a picture (documents use only those)")
    if content_type == "image/svg+xml":
        head = body[:4096].lower()
        if b"<!doctype" in head or b"<!entity" in body.lower():
            raise RefusedURL(f"{path.name} declares a DOCTYPE or entities, which can read files or explode")
        if b"<svg" not in head:
            raise RefusedURL(f"{path.name} is not an SVG picture")
        return content_type
    if not body.startswith(_SIGNATURES[content_type]):
        raise RefusedURL(f"{path.name} is not a {content_type.split('/')[1].upper()} file (its first bytes differ)")
    return content_type


def url_fetcher(allowed_roots: Sequence[Path]) -> URLFetcher:
    """A WeasyPrint URL fetcher that never touches the network and reads only fonts and pictures.

    They must lie under ``allowed_roots`` (the template folders) and be what their names say (see
    :func:`check_content`): never a city's data files, whatever a template asks for.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    roots = tuple(Path(root) for root in allowed_roots)

    class SafeURLFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            try:
                path = check_url(url, roots)
            except RefusedURL as exc:
                LOGGER.warning("refused to fetch %s: %s", _shorten(url), exc)
                raise
            if path is None:  # data: URI, decoded by urllib's DataHandler without any I/O
                return super().fetch(url, headers)
            try:
                if path.stat().st_size > MAX_ASSET_BYTES:
                    raise RefusedURL(f"{path.name} is larger than {MAX_ASSET_BYTES // 1_000_000} MB")
                body = path.read_bytes()
                content_type = check_content(path, body)
            except RefusedURL as exc:
                LOGGER.warning("refused to fetch %s: %s", _shorten(url), exc)
                raise
            return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})

    return SafeURLFetcher(timeout=1, allow_redirects=False)


def _shorten(url: str, limit: int = 120) -> str:
    return url if len(url) <= limit else url[:limit] + "..."


@contextmanager
def _source_date_epoch() -> Iterator[None]:
    """SOURCE_DATE_EPOCH from the environment if given, else a fixed value, restored afterwards."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = FIXED_SOURCE_DATE_EPOCH
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


def render_pdf(html: str, *, base_url: Path, allowed_roots: Sequence[Path]) -> bytes:
    """Render a complete HTML document as a tagged PDF/UA-1 file, the same bytes for the same HTML."""
    import weasyprint

    from .pdf_structure import finish, tag_languages, tall_rows

    tag_languages()

    # WeasyPrint draws <wbr> as a "\u200b" pseudo-element, in a box of its own, where line breaking never finds it:
    # the same character inside the text run is a break opportunity (web addresses wrap before their dots).
    html = html.replace("<wbr>", ZERO_WIDTH_SPACE)
    document = weasyprint.HTML(string=html, base_url=_folder_url(base_url), url_fetcher=url_fetcher(allowed_roots))
    with _source_date_epoch():
        # render() then write_pdf() is what HTML.write_pdf() does, with the page count in between.
        options = {**weasyprint.DEFAULT_OPTIONS, "pdf_variant": PDF_VARIANT}
        rendered = document.render(**options)
        tall = tall_rows(rendered)
        if tall:  # rare: laid out again, those rows allowed to break, so that the header row repeats beside them
            # A user stylesheet (WeasyPrint's "stylesheets"): only "!important" wins over the author's "avoid".
            rule = ", ".join(f"{row}, {row} > td, {row} > th" for row in tall) + " { break-inside: auto !important; }"
            rendered = document.render(**{**options, "stylesheets": [weasyprint.CSS(string=rule)]})
        if len(rendered.pages) >= MANY_PAGES:
            LOGGER.warning("the document has %d pages; a document of hundreds of pages is hard to read, print and "
                           "keep current (consider fewer entries, or a shorter text per entry)", len(rendered.pages))
        # No pdf_identifier: WeasyPrint then writes no /ID, and no dates unless the HTML's dcterms meta give them.
        return rendered.write_pdf(finisher=finish, **options)


def _folder_url(folder: Path) -> str:
    """A folder as a base URL; the trailing slash makes relative URLs resolve inside it, not beside it."""
    return Path(folder).resolve().as_uri().rstrip("/") + "/"


_NOTDEF = re.compile(r"^\.notdef glyph rendered for Unicode string unsupported by fonts: \"(?P<text>.*)\"")
PRINTED_AS_BOXES = "printed as boxes"
FONT_HINT = ("the fonts the README's install line installs are missing (fonts-noto-cjk, fonts-symbola, "
             "fonts-dejavu-core), or 'cityframe check' names the texts whose characters no font covers")


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []
        self.boxes: dict[str, None] = {}

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.name.startswith("weasyprint") and f"{RefusedURL.__name__}:" in message:
            return  # WeasyPrint's echo of a refusal already reported as "refused to fetch ..."
        if notdef := _NOTDEF.match(message):  # one line per character, naming no file: gathered into one
            self.boxes.update(dict.fromkeys(notdef["text"]))
            return
        if message not in self.messages:
            self.messages.append(message)

    def report(self) -> list[str]:
        if not self.boxes:
            return self.messages
        shown = ", ".join(f"{char} U+{ord(char):04X}" for char in list(self.boxes)[:8])
        more = ", ..." if len(self.boxes) > 8 else ""
        return [*self.messages, f"{len(self.boxes)} character(s) {PRINTED_AS_BOXES}, no font has them "
                f"({shown}{more}): {FONT_HINT}"]


def render_pdf_collecting(html: str, *, base_url: Path, allowed_roots: Sequence[Path]) -> tuple[bytes, list[str]]:
    """:func:`render_pdf`, plus the warnings (ours and WeasyPrint's) it logged, for a process that reports them."""
    collector = _Collector()
    loggers = [LOGGER, logging.getLogger("weasyprint")]
    saved = [(logger, logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.addHandler(collector)
        logger.propagate = False
    try:
        pdf = render_pdf(html, base_url=base_url, allowed_roots=allowed_roots)
        return pdf, collector.report()
    finally:
        for logger, propagate in saved:
            logger.removeHandler(collector)
            logger.propagate = propagate
