"""``cityframe serve``: a live preview for workshops, the city's HTML rebuilt and reloaded as its files are saved.

As mkdocs' ``serve`` does, the preview reuses the build: :func:`cityframe.build.build_city` writes the HTML into a
temporary folder (its incremental record there means only what changed is written again), and this module
serves that folder over HTTP, watches the city's folder, the project's and the built-in templates and the national
catalog with ``watchfiles``, and rebuilds on every saved change. The process stays alive, so imports, validators
and compiled templates stay warm: a change costs only cityframe's own work.

Open pages learn about a rebuild through server-sent events (``/__cityframe/events``), read by a small script
that the server adds to the HTML it sends; the built files on disk never contain it. A page reloads only when its
own bytes changed. When the data has an error, nothing is written (the build's rule), so the last good page stays
in place and the script lays an overlay over it with each finding's ``file:line:col`` and message; the overlay
goes away with the next good build.

The server binds to loopback (127.0.0.1) unless ``--host`` says otherwise, and then warns: a preview shows drafts.
"""

from __future__ import annotations

import contextlib
import html
import ipaddress
import json
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

from .build import BuildResult, alive, build_city
from .data.load import CATALOG_FILE
from .data.project import Project, builtin_templates_dir
from .errors import UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from .render.progress import ReportingPeriod

EVENTS_PATH = "/__cityframe/events"
PREFIX = "cityframe-serve-"
_STALE = re.compile(r"^cityframe-serve-(?P<pid>\d+)-")
KEEPALIVE_SECONDS = 10.0
LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    """Whether binding to ``host`` keeps the preview on this computer (127.0.0.0/8, ::1, ``localhost``)."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class PreviewState:
    """What the open pages are told: a counter of builds, each page's last change, and the current errors."""

    version: int = 0
    pages: dict[str, int] = field(default_factory=dict)
    """Page name -> the version at which its bytes last changed."""
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_json(self) -> str:
        """The event payload: ``{"version", "pages", "errors", "ok"}``."""
        return json.dumps({"version": self.version, "pages": self.pages, "errors": self.errors,
                           "ok": not self.errors}, sort_keys=True)


# The script added to the HTML the preview server sends (never to a built file). It listens for builds, reloads
# the page when its own bytes changed, and shows the current data errors in an overlay over the last good page.
_CLIENT = """<script id="cityframe-preview">(function () {
  var loaded = %(version)d;
  var page = decodeURIComponent(location.pathname.split("/").pop()) || "index.html";
  function overlay(errors) {
    var old = document.getElementById("cityframe-preview-overlay");
    if (old) { old.remove(); }
    if (!errors.length) { return; }
    var box = document.createElement("div");
    box.id = "cityframe-preview-overlay";
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:2147483647;" +
      "background:#fff;color:#111;border-top:6px solid #b00020;padding:1rem 1.25rem;" +
      "font:1rem/1.4 system-ui,sans-serif;box-shadow:0 -4px 16px rgba(0,0,0,.3)";
    var title = document.createElement("h2");
    title.style.cssText = "margin:0 0 .5rem;font-size:1.15rem;color:#b00020";
    title.textContent = "Not updated: the data has " + errors.length + " error(s). The page below is the last " +
      "good version.";
    box.appendChild(title);
    var list = document.createElement("ul");
    list.style.cssText = "margin:0;padding-left:1.25rem;font-family:ui-monospace,monospace;white-space:pre-wrap";
    errors.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      list.appendChild(item);
    });
    box.appendChild(list);
    document.body.appendChild(box);
  }
  var source = new EventSource("%(events)s");
  source.onmessage = function (event) {
    var state = JSON.parse(event.data);
    if ((state.pages[page] || 0) > loaded) { location.reload(); return; }
    overlay(state.errors);
  };
})();</script>"""


def inject_client(page: bytes, version: int) -> bytes:
    """A page with the preview script added before ``</body>`` (at the end if it has none)."""
    script = (_CLIENT % {"version": version, "events": EVENTS_PATH}).encode("utf-8")
    at = page.rfind(b"</body>")
    return page + script if at < 0 else page[:at] + script + page[at:]


def error_page(errors: Iterable[str]) -> bytes:
    """A minimal page for when no good build exists yet; the overlay script is added like on any page."""
    items = "".join(f"<li>{html.escape(e)}</li>" for e in errors)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Not built yet</title></head>'
            f"<body><main><h1>Not built yet</h1><p>Fix the data and save: this page reloads by itself.</p>"
            f"<ul>{items}</ul></main></body></html>").encode()


def remove_stale_previews() -> list[Path]:
    """Remove the temporary folders of previews that were killed (their process is gone); returns them."""
    removed = []
    with contextlib.suppress(OSError):
        for entry in Path(tempfile.gettempdir()).iterdir():
            match = _STALE.match(entry.name)
            if match and entry.is_dir() and not entry.is_symlink() and not alive(int(match["pid"])):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
    return removed



class Preview:
    """A city's live preview: the temporary output folder, the current state, and the rebuild."""

    def __init__(self, project: Project, slug: str, *, console: Console | None = None,
                 edition: str = "public", period: ReportingPeriod | None = None, lang: str | None = None) -> None:
        self.project = project
        self.period = period
        self.slug = slug
        self.console = console
        self.edition = edition
        self.lang = lang
        """The language edition previewed (``es``), or None for the authoritative one."""
        remove_stale_previews()
        self.root = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-{slug}-"))
        self.folder = self.root / slug / lang if lang else self.root / slug
        self.state = PreviewState()
        self.changed = threading.Condition()
        self.stopping = False

    def watched(self) -> list[Path]:
        """The folders whose changes rebuild the preview: the city's, the templates' and the catalog's."""
        folders = [self.project.city_dir(self.slug), self.project.templates_dir, builtin_templates_dir(),
                   CATALOG_FILE.parent]
        unique: list[Path] = []
        for folder in folders:
            if folder.is_dir() and folder.resolve() not in {f.resolve() for f in unique}:
                unique.append(folder)
        return unique

    def _pages(self) -> dict[str, bytes]:
        if not self.folder.is_dir():
            return {}
        return {p.name: p.read_bytes() for p in sorted(self.folder.glob("*.html"))}

    def rebuild(self) -> BuildResult:
        """Check and render the city's HTML into the preview folder, then tell the open pages what changed."""
        started = time.perf_counter()
        before = self._pages()
        result = build_city(self.project, self.slug, formats="html", out=self.root, edition=self.edition,  # type: ignore[arg-type]
                            console=None, workers=1, period=self.period, lang=self.lang)
        if result.ok and result.folder is not None:
            self.folder = result.folder  # the authoritative edition asked for by its code lives in <slug>/
        after = self._pages()
        with self.changed:
            self.state.version += 1
            for name, content in after.items():
                if before.get(name) != content:
                    self.state.pages[name] = self.state.version
            self.state.errors = [] if result.ok else (result.errors or [result.message])
            self.state.seconds = time.perf_counter() - started
            self.changed.notify_all()
        return result

    def wait(self, seen: int, timeout: float) -> PreviewState | None:
        """The state once its version passes ``seen`` (None on timeout or when stopping)."""
        with self.changed:
            self.changed.wait_for(lambda: self.stopping or self.state.version > seen, timeout=timeout)
            if self.stopping or self.state.version <= seen:
                return None
            return self.state

    def snapshot(self) -> tuple[int, str]:
        """The current version and its event payload, read together."""
        with self.changed:
            return self.state.version, self.state.as_json()

    def stop(self) -> None:
        """Wake every waiting event stream so that it ends, and remove the temporary folder."""
        with self.changed:
            self.stopping = True
            self.changed.notify_all()
        shutil.rmtree(self.root, ignore_errors=True)


def _handler(preview: Preview) -> type[SimpleHTTPRequestHandler]:
    class Handler(SimpleHTTPRequestHandler):
        """Files of the preview folder; HTML with the preview script; the event stream."""

        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(preview.folder), **kwargs)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:
            pass  # a request log would bury the rebuild messages

        def end_headers(self) -> None:
            self.send_header("Cache-Control", "no-store")
            super().end_headers()

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0].split("#", 1)[0]
            if path == EVENTS_PATH:
                self._events()
                return
            local = Path(self.translate_path(path))
            if local.is_dir():
                local = local / "index.html"
            if local.suffix == ".html":
                version, _ = preview.snapshot()
                if local.is_file():
                    body = local.read_bytes()
                elif local.name == "index.html" or not preview.folder.is_dir():
                    body = error_page(preview.state.errors)
                else:
                    self.send_error(HTTPStatus.NOT_FOUND, "No such page in this preview")
                    return
                body = inject_client(body, version)
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            super().do_GET()

        def _events(self) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.end_headers()
            seen, payload = preview.snapshot()
            try:
                self.wfile.write(f"data: {payload}\n\n".encode())
                self.wfile.flush()
                while not preview.stopping:
                    state = preview.wait(seen, KEEPALIVE_SECONDS)
                    if state is None:
                        self.wfile.write(b": keep-alive\n\n")
                    else:
                        seen, payload = preview.snapshot()
                        self.wfile.write(f"data: {payload}\n\n".encode())
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return  # the page was closed or reloaded

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(project: Project, slug: str, *, host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False,
          console: Console | None = None, say: Callable[[str], None] = print,
          stop: threading.Event | None = None, period: ReportingPeriod | None = None,
          lang: str | None = None) -> None:
    """Serve a city's live preview until Ctrl-C (or ``stop`` is set); returns cleanly, the temporary folder gone.

    ``period`` is the progress report's (for a city with progress data; default: the current quarter).
    ``lang``: a language edition to preview (``es``), as ``build --lang`` makes it; None, the authoritative one.

    Raises :class:`UsageError` when the city does not exist or the port cannot be bound.
    """
    import watchfiles

    if not project.city_dir(slug).is_dir():
        from .data.load import load_city  # raises the usual "no city named ..." error with its suggestions

        load_city(project, slug)
    preview = Preview(project, slug, console=console, period=period, lang=lang)
    restore = _stop_on_sigterm()
    try:
        try:
            server = _Server((host, port), _handler(preview))
        except OSError as exc:
            raise UsageError(f"cannot serve on {host}:{port}: {exc.strerror or exc}",
                             hint="another program may use this port: try --port 8001, or --port 0 for any free "
                             "one") from None
        bound_host, bound_port = server.server_address[:2]
        shown = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
        url = f"http://{shown}:{bound_port}/"
        if not is_loopback(host):
            say(f"warning: serving beyond this computer on {host}: anyone who can reach it sees the draft "
                "documents; use --host 127.0.0.1 to keep it local")
        thread = threading.Thread(target=server.serve_forever, name="cityframe-serve", daemon=True)
        try:
            # The first yield (after rust_timeout without changes) says the watcher is live: build then, so that
            # no change saved during the first build is missed, and announce the address only once it serves.
            for changes in watchfiles.watch(*preview.watched(), stop_event=stop, debounce=400, step=30,
                                            yield_on_timeout=True, rust_timeout=200):
                if not thread.is_alive():
                    _report(say, preview.rebuild(), preview)
                    thread.start()
                    say(f"Serving {slug} at {url} (watching "
                        f"{', '.join(project.relative(p) for p in preview.watched())}); press Ctrl-C to stop")
                    if open_browser:
                        import webbrowser

                        webbrowser.open(url)
                    continue
                if not changes:
                    continue
                names = sorted({project.relative(Path(p)) for _, p in changes})
                say(f"changed: {', '.join(names)}")
                _report(say, preview.rebuild(), preview)
        except KeyboardInterrupt:
            pass
        finally:
            preview.stop()
            if thread.is_alive():
                server.shutdown()
                thread.join(timeout=5)
            server.server_close()
        say("stopped")
    finally:
        preview.stop()
        restore()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _stop_on_sigterm() -> Callable[[], None]:
    """Make SIGTERM (a closed terminal, ``kill``) end the preview like Ctrl-C, so its temporary folder goes too."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.signal(signal.SIGTERM, _interrupt)
    return lambda: signal.signal(signal.SIGTERM, previous)


def _report(say: Callable[[str], None], result: BuildResult, preview: Preview) -> None:
    state = preview.state
    if result.ok:
        changed = sorted(name for name, version in state.pages.items() if version == state.version)
        what = f"{len(changed)} page(s) changed: {', '.join(changed)}" if changed else "no page changed"
        say(f"rebuilt in {state.seconds * 1000:.0f} ms; {what}")
    else:
        say(f"not rebuilt ({state.seconds * 1000:.0f} ms): the last good pages stay, with these errors over them:")
        for line in state.errors:
            say(f"  {line}")


__all__ = ["EVENTS_PATH", "Preview", "PreviewState", "inject_client", "is_loopback", "serve"]
