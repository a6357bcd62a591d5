"""`cityframe serve`: the live preview rebuilds on a saved change, shows data errors over the last good page,
keeps its reload script out of built files, and stops cleanly. Every request goes to loopback only."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from cityframe.serve import EVENTS_PATH, Preview, inject_client, is_loopback
from conftest import CITYFRAME, require_executable, require_tool

TIMEOUT = 30.0


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


def _state(base: str) -> dict:
    """The first event of the stream: the preview's current state."""
    with urllib.request.urlopen(base + EVENTS_PATH.lstrip("/"), timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        line = response.readline().decode("utf-8")
    assert line.startswith("data: ")
    return json.loads(line[len("data: "):])


def _until(what, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        value = what()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("the preview did not update in time")
        time.sleep(0.05)


@pytest.fixture
def served(scratch_project) -> Iterator[tuple[str, Path, subprocess.Popen]]:
    """A copy of Athens served on a free loopback port: (base URL, city folder, process)."""
    project = scratch_project("athens")
    process = subprocess.Popen([*CITYFRAME, "serve", "athens", "--port", "0", "--period", "2027-Q4", "--project",
                                str(project.root)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "CITYFRAME_CACHE_DIR": ""})
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            match = re.search(r"Serving athens at (http://127\.0\.0\.1:\d+/)", line)
            if match:
                break
        else:
            raise AssertionError("serve did not start:\n" + "".join(lines))
        yield match[1], project.city_dir("athens"), process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # as Ctrl-C: the preview removes its temporary folder
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        process.wait(timeout=10)


def test_slow_serve_rebuilds_after_a_saved_change_and_stops_on_ctrl_c(served):
    base, city, process = served
    page = _get(base + "prevention-plan.html")
    assert "Report Hate Athens" in page and 'id="cityframe-preview"' in page
    assert _get(base).count('id="cityframe-preview"') == 1  # the index, with its script once
    assert "Progress Report 2027-Q4" in _get(base + "progress-report.html")
    interventions = city / "interventions.yaml"
    text = interventions.read_text(encoding="utf-8")
    assert "title: Report Hate Athens" in text
    interventions.write_text(text.replace("title: Report Hate Athens", "title: Report Hate in Athens Today", 1),
                             encoding="utf-8")
    _until(lambda: "Report Hate in Athens Today" in _get(base + "prevention-plan.html"))
    state = _until(lambda: (s := _state(base))["version"] > 1 and s)
    assert state["ok"] and state["errors"] == []
    # Only the page whose bytes changed is told to reload.
    assert state["pages"]["prevention-plan.html"] > state["pages"]["resource-directory.html"]
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    assert "changed: cities/athens/interventions.yaml" in output
    assert output.rstrip().endswith("stopped")
    assert "Traceback" not in output


def test_slow_serve_shows_a_data_error_over_the_last_good_page_until_it_is_fixed(served):
    base, city, process = served
    interventions = city / "interventions.yaml"
    good = interventions.read_text(encoding="utf-8")
    line = good.splitlines().index("    tier: primary") + 1
    interventions.write_text(good.replace("    tier: primary", "    tier: [primary", 1), encoding="utf-8")
    state = _until(lambda: (s := _state(base)) and not s["ok"] and s)
    (error,) = state["errors"]
    assert error.startswith(f"cities/athens/interventions.yaml:{line}:11: ")
    assert "'['" in error and "not closed" in error
    # The last good page stays, with the script that lays the errors over it.
    page = _get(base + "prevention-plan.html")
    assert "Report Hate Athens" in page and "cityframe-preview-overlay" in page
    interventions.write_text(good, encoding="utf-8")
    state = _until(lambda: (s := _state(base)) and s["ok"] and s)
    assert state["errors"] == []
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=20)
    assert f"cities/athens/interventions.yaml:{line}:11:" in output
    assert process.returncode == 0


def test_slow_the_overlay_appears_in_a_browser_and_goes_when_fixed(served):
    import importlib.util

    chromium = require_executable("chromium")
    require_tool(importlib.util.find_spec("playwright") is not None, "playwright (pip install playwright)")
    from playwright.sync_api import sync_playwright

    base, city, _ = served
    interventions = city / "interventions.yaml"
    good = interventions.read_text(encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        page = browser.new_page()
        page.goto(base + "prevention-plan.html")
        interventions.write_text(good.replace("    tier: primary", "    tier: [primary", 1), encoding="utf-8")
        overlay = page.wait_for_selector("#cityframe-preview-overlay", timeout=TIMEOUT * 1000)
        assert overlay is not None
        assert "cities/athens/interventions.yaml:" in overlay.inner_text()
        assert overlay.get_attribute("role") == "alert"
        assert "Report Hate Athens" in page.content()  # the last good page underneath
        interventions.write_text(good.replace("title: Report Hate Athens", "title: Report Hate Athens Now", 1),
                                 encoding="utf-8")
        page.wait_for_function("document.body.innerText.includes('Report Hate Athens Now')",
                               timeout=TIMEOUT * 1000)
        assert page.query_selector("#cityframe-preview-overlay") is None
        browser.close()


def test_the_reload_script_is_only_in_served_responses(scratch_project):
    project = scratch_project("athens")
    preview = Preview(project, "athens")
    try:
        assert preview.rebuild().ok
        built = (preview.folder / "prevention-plan.html").read_bytes()
        assert b"cityframe-preview" not in built
        served = inject_client(built, 3)
        assert served.count(b'id="cityframe-preview"') == 1
        assert served.index(b"cityframe-preview") < served.rindex(b"</body>")
        assert b"var loaded = 3;" in served
    finally:
        preview.stop()
    assert not preview.root.exists()


def test_a_language_edition_is_previewed_from_its_own_folder(scratch_project):
    project = scratch_project("albuquerque")
    preview = Preview(project, "albuquerque", lang="es")
    try:
        assert preview.rebuild().ok
        assert preview.folder == preview.root / "albuquerque" / "es"
        page = (preview.folder / "prevention-plan.html").read_text(encoding="utf-8")
        assert '<html lang="es">' in page and "Esta es una traducción" in page
    finally:
        preview.stop()
    preview = Preview(project, "albuquerque", lang="en")  # the authoritative one, asked for by its code
    try:
        assert preview.rebuild().ok
        assert preview.folder == preview.root / "albuquerque"
    finally:
        preview.stop()


def test_a_killed_previews_folder_is_removed_by_the_next(scratch_project, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    stale = tmp_path / "cityframe-serve-999999999-athens-abc"  # no process has this pid (above pid_max)
    stale.mkdir()
    mine = tmp_path / f"cityframe-serve-{os.getpid()}-athens-def"
    mine.mkdir()
    preview = Preview(scratch_project("athens"), "athens")
    try:
        assert not stale.exists() and mine.exists()
        assert preview.root.parent == tmp_path and preview.root.name.startswith(f"cityframe-serve-{os.getpid()}-")
    finally:
        preview.stop()


def test_loopback_is_the_only_quiet_host():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert is_loopback("127.0.0.2")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10") and not is_loopback("::")


def test_a_port_in_use_is_a_plain_error(scratch_project):
    project = scratch_project("athens")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([*CITYFRAME, "serve", "athens", "--port", str(port), "--project", str(project.root)],
                              capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert f"error: cannot serve on 127.0.0.1:{port}" in done.stderr
    assert "--port 8001" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unknown_city_is_a_plain_error(scratch_project):
    project = scratch_project("athens")
    done = subprocess.run([*CITYFRAME, "serve", "athen", "--port", "0", "--project", str(project.root)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "athens" in done.stderr and "Traceback" not in done.stderr
