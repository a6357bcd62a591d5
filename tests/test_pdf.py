"""cityframe.render.pdf: the safe URL fetcher, tagged PDF/UA output, determinism; small HTML written here, no city."""

from __future__ import annotations

import io
import logging
import socket
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from cityframe.render.pdf import RefusedURL, check_url, render_pdf, url_fetcher

SECRET = "cityframe-secret-7f3a9c"  # written outside the allowed folders; must never reach a PDF


def _png(width: int = 4, height: int = 4) -> bytes:
    """A tiny valid red PNG, so that the allowed path is tested with a real image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Path]:
    """An allowed root with an image and a stylesheet, a secret outside it, and links of both kinds."""
    root = tmp_path / "templates"
    (root / "img").mkdir(parents=True)
    (root / "img" / "logo.png").write_bytes(_png())
    (root / "style.css").write_text("h1 { color: #123456 }", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET, encoding="utf-8")
    (root / "link-out.txt").symlink_to(outside / "secret.txt")
    (root / "dir-out").symlink_to(outside, target_is_directory=True)
    (root / "link-in.png").symlink_to(root / "img" / "logo.png")
    return {"root": root, "outside": outside, "secret": outside / "secret.txt"}


# --- the URL check: pure and fast ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "http://example.org/logo.png",
    "https://example.org/style.css",
    "ftp://example.org/file",
    "HTTP://EXAMPLE.ORG/",
    "gopher://example.org/",
    "javascript:alert(1)",
])
def test_network_urls_are_refused(url: str, folders: dict[str, Path]) -> None:
    with pytest.raises(RefusedURL, match="only file: and data:"):
        check_url(url, [folders["root"]])


def test_file_outside_the_allowed_folders_is_refused(folders: dict[str, Path]) -> None:
    with pytest.raises(RefusedURL, match="outside the allowed folders"):
        check_url(folders["secret"].as_uri(), [folders["root"]])
    with pytest.raises(RefusedURL, match="outside the allowed folders"):
        check_url("file:///etc/passwd", [folders["root"]])


@pytest.mark.parametrize("tail", ["../outside/secret.txt", "img/../../outside/secret.txt", "%2e%2e/outside/secret.txt",
                                  "img/%2E%2E/logo.png"])
def test_paths_with_dot_dot_are_refused(tail: str, folders: dict[str, Path]) -> None:
    url = folders["root"].as_uri() + "/" + tail
    with pytest.raises(RefusedURL, match=r"'\.\.'"):
        check_url(url, [folders["root"]])


def test_symlinks_that_lead_out_are_refused(folders: dict[str, Path]) -> None:
    root = folders["root"]
    with pytest.raises(RefusedURL, match="outside"):
        check_url((root / "link-out.txt").as_uri(), [root])
    with pytest.raises(RefusedURL, match="outside"):
        check_url((root / "dir-out" / "secret.txt").as_uri(), [root])


def test_other_hosts_missing_files_and_folders_are_refused(folders: dict[str, Path]) -> None:
    root = folders["root"]
    with pytest.raises(RefusedURL, match="another host"):
        check_url("file://fileserver/share/logo.png", [root])
    with pytest.raises(RefusedURL, match="no such file"):
        check_url((root / "missing.png").as_uri(), [root])
    with pytest.raises(RefusedURL, match="not a file"):
        check_url((root / "img").as_uri(), [root])


def test_files_inside_an_allowed_folder_and_data_uris_pass(folders: dict[str, Path]) -> None:
    root = folders["root"]
    logo = (root / "img" / "logo.png").resolve()
    assert check_url((root / "img" / "logo.png").as_uri(), [folders["outside"], root]) == logo
    assert check_url((root / "link-in.png").as_uri(), [root]) == logo  # a symlink that stays inside
    assert check_url((root / "img" / "logo.png").as_uri() + "?v=1#x", [root]) == logo
    assert check_url("data:image/png;base64,iVBORw0KGgo=", [root]) is None


def test_the_fetcher_logs_each_refusal_and_reads_allowed_files(folders: dict[str, Path],
                                                               caplog: pytest.LogCaptureFixture) -> None:
    fetcher = url_fetcher([folders["root"]])
    with caplog.at_level(logging.WARNING, logger="cityframe.render.pdf"), pytest.raises(RefusedURL):
        fetcher.fetch("https://example.org/tracker.png")
    assert "refused to fetch https://example.org/tracker.png" in caplog.text
    response = fetcher.fetch((folders["root"] / "img" / "logo.png").as_uri())
    assert response.read() == _png()
    assert response.content_type == "image/png"
    # Only fonts and pictures: the stylesheet is inlined into each page, never fetched (issue 13).
    with caplog.at_level(logging.WARNING, logger="cityframe.render.pdf"), pytest.raises(RefusedURL):
        fetcher.fetch((folders["root"] / "style.css").as_uri())
    assert "style.css is not a font or a picture (documents use only those)" in caplog.text
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"


# --- rendering ------------------------------------------------------------------------------------------------


def _all_pdf_bytes(pdf: bytes) -> bytes:
    """The file plus every stream decompressed, so that a search cannot miss compressed content."""
    chunks = [pdf]
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for obj in document.objects:
            if isinstance(obj, pikepdf.Stream):
                try:
                    chunks.append(obj.read_bytes())
                except pikepdf.PdfError:
                    chunks.append(obj.read_raw_bytes())
    return b"\n".join(chunks)


def test_local_files_outside_and_the_network_never_reach_the_pdf(folders: dict[str, Path],
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"the renderer opened a network connection: {args}")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    root, secret = folders["root"], folders["secret"]
    depth = "../" * len(root.parts)
    html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Probe</title>
    <link rel="stylesheet" href="style.css">
    <link rel="stylesheet" href="https://example.org/remote.css">
    <link rel="attachment" href="file:///etc/passwd">
    <link rel="attachment" href="{secret.as_uri()}">
    <style>
      body {{ background: url({depth}etc/passwd) }}
      h2 {{ background: url(../../../etc/passwd) }}
      p {{ background: url({depth}{secret.as_posix().lstrip('/')}) }}
      @import url("file:///etc/passwd");
      @font-face {{ font-family: X; src: url(file:///etc/passwd) }}
    </style></head>
    <body><h1>Probe</h1><h2>Images</h2>
    <img src="file:///etc/passwd" alt="passwd"><img src="{secret.as_uri()}" alt="secret">
    <img src="link-out.txt" alt="symlink out"><img src="dir-out/secret.txt" alt="folder link out">
    <img src="http://127.0.0.1:9/x.png" alt="remote"><img src="ftp://example.org/x.png" alt="ftp">
    <img src="img/logo.png" alt="allowed logo"><p><a rel="attachment" href="{secret.as_uri()}">secret</a></p>
    </body></html>"""
    with caplog.at_level(logging.WARNING, logger="cityframe.render.pdf"):
        pdf = render_pdf(html, base_url=root, allowed_roots=[root])
    content = _all_pdf_bytes(pdf)
    assert SECRET.encode() not in content
    for line in Path("/etc/passwd").read_text().splitlines()[:3]:
        assert line.encode() not in content
    assert b"root:x:0:0" not in content
    refused = [r.getMessage() for r in caplog.records if r.name == "cityframe.render.pdf"]
    assert any("/etc/passwd" in message for message in refused)
    assert any("https://example.org/remote.css" in message for message in refused)
    assert any("http://127.0.0.1:9/x.png" in message for message in refused)
    assert len(PdfReader(io.BytesIO(pdf)).attachments) == 0  # (pikepdf 10.18 crashes on WeasyPrint's attachments)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        images = [name for page in document.pages for name in page.get_images()]
        assert len(images) == 1, "the allowed image inside the templates folder is embedded, and only it"


@pytest.fixture(scope="module")
def tagged_pdf() -> bytes:
    html = """<!doctype html><html lang="es-US"><head><meta charset="utf-8">
    <title>Plan de prevención de Springfield</title></head>
    <body><h1>Plan de prevención</h1><p>Introducción.</p><h2>Objetivos</h2><p>Uno.</p>
    <h2>Recursos</h2><table><tr><th>Nombre</th></tr><tr><td>Línea 988</td></tr></table></body></html>"""
    return render_pdf(html, base_url=Path("."), allowed_roots=[])


def test_the_pdf_is_tagged_pdf_ua_with_language_title_and_bookmarks(tagged_pdf: bytes) -> None:
    with pikepdf.open(io.BytesIO(tagged_pdf)) as document:
        root = document.Root
        assert "/StructTreeRoot" in root
        assert bool(root.MarkInfo.Marked) is True
        assert str(root.Lang) == "es-US"
        assert bool(root.ViewerPreferences.DisplayDocTitle) is True
        assert str(document.docinfo["/Title"]) == "Plan de prevención de Springfield"
        assert "/CreationDate" not in document.docinfo and "/ModDate" not in document.docinfo
        metadata = document.open_metadata()
        assert metadata.get("dc:title") == "Plan de prevención de Springfield"
        assert metadata.get("pdfuaid:part") == "1"
    reader = PdfReader(io.BytesIO(tagged_pdf))
    assert [item.title for item in _flatten(reader.outline)] == ["Plan de prevención", "Objetivos", "Recursos"]


def _flatten(outline: list) -> list:
    items = []
    for entry in outline:
        items.extend(_flatten(entry) if isinstance(entry, list) else [entry])
    return items


def test_the_same_html_gives_the_same_bytes(tagged_pdf: bytes) -> None:
    html = """<!doctype html><html lang="es-US"><head><meta charset="utf-8">
    <title>Plan de prevención de Springfield</title></head>
    <body><h1>Plan de prevención</h1><p>Introducción.</p><h2>Objetivos</h2><p>Uno.</p>
    <h2>Recursos</h2><table><tr><th>Nombre</th></tr><tr><td>Línea 988</td></tr></table></body></html>"""
    assert render_pdf(html, base_url=Path("."), allowed_roots=[]) == tagged_pdf


def test_the_fonttools_fallback_is_deterministic_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without libharfbuzz-subset0 WeasyPrint subsets with fontTools, which stamps fonts with the time."""
    import fontTools.misc.timeTools as time_tools
    import weasyprint.pdf.fonts

    monkeypatch.setattr(weasyprint.pdf.fonts, "harfbuzz_subset", None)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # the fallback's own deprecation warning
    html = '<html lang="en"><head><title>T</title></head><body><p>Deterministic fonts.</p></body></html>'
    try:
        monkeypatch.setattr(time_tools.time, "time", lambda: 1_700_000_000.0)
        first = render_pdf(html, base_url=Path("."), allowed_roots=[])
        monkeypatch.setattr(time_tools.time, "time", lambda: 1_800_000_000.0)
        second = render_pdf(html, base_url=Path("."), allowed_roots=[])
    finally:
        logging.getLogger("weasyprint").setLevel(logging.NOTSET)
    assert first == second


def test_importing_the_pdf_and_build_modules_does_not_import_weasyprint() -> None:
    code = "import sys, cityframe.render.pdf, cityframe.build; assert 'weasyprint' not in sys.modules, 'imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_build_gets_each_warning_once(tmp_path: Path) -> None:
    from cityframe.render.pdf import render_pdf_collecting

    html = ('<html lang="en"><head><title>T</title><link rel="stylesheet" href="https://example.org/a.css">'
            '<style>p { colr: red }</style></head><body><p>x</p></body></html>')
    weasyprint_logger = logging.getLogger("weasyprint")
    handlers = list(weasyprint_logger.handlers)
    _, warnings = render_pdf_collecting(html, base_url=tmp_path, allowed_roots=[tmp_path])
    assert len(warnings) == 2
    assert warnings[0] == ("refused to fetch https://example.org/a.css: only file: and data: URLs are allowed, "
                           "not https: URLs")
    assert "unknown property" in warnings[1]
    assert weasyprint_logger.handlers == handlers and weasyprint_logger.propagate
