"""Hostile text in every field: the built pages run no script, load nothing they should not, and show it as text.

A city whose every free-text and URL field holds an injection attempt (script tags, event handlers,
``javascript:`` and ``data:text/html`` links, ``file:///etc/passwd``, CSS that closes the stylesheet) is built in
both editions; each HTML page is then opened in headless Chromium and its live DOM inspected, and each PDF's text
and links are read back. SLOW: two full builds and a browser (about half a minute).
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from cityframe.data.models import FILE_MODELS
from conftest import CITYFRAME, build_editions, require_tool

BASE_CITY = Path(__file__).parent / "bad_inputs" / "_valid-city"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]
SLUG = "hostile"

TEXT_PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</style><style>body{display:none}</style>",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "[click me](javascript:alert(1))",
    "[open](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[passwords](file:///etc/passwd)",
    "![x](file:///etc/passwd)",
    '<a href="javascript:alert(1)">link</a>',
    "<svg onload=alert(1)><iframe src=file:///etc/passwd></iframe>",
    "<object data=file:///etc/passwd></object><embed src=file:///etc/passwd>",
    '<link rel=stylesheet href="file:///etc/passwd">',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "x}body{display:none}@import url(file:///etc/passwd);{",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "{{ 7*7 }} {% raw %}{{ config }}{% endraw %}",
]
URL_PAYLOADS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    'https://example.org/" onmouseover="alert(1)',
    "https://example.org/<script>alert(1)</script>",
    "vbscript:msgbox(1)",
]
EMAIL_PAYLOADS = ['x"><svg/onload=alert(1)>@evil.example', "javascript:alert(1)//@evil.example"]
URL_FIELDS = {"url", "website"}


def _leaves(data: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(data, dict):
        return [leaf for key, value in data.items() for leaf in _leaves(value, (*path, key))]
    if isinstance(data, list):
        return [leaf for n, value in enumerate(data) for leaf in _leaves(value, (*path, n))]
    return [path] if isinstance(data, str) else []


def _set(data: Any, path: tuple, value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def make_hostile(data: dict, model: type, counter: list[int]) -> dict:
    """Every string the model accepts as free text replaced by a payload (ids and allowed values stay)."""
    data = copy.deepcopy(data)
    for path in _leaves(data):
        key = path[-1] if isinstance(path[-1], str) else path[-2]
        if key in URL_FIELDS:
            payloads = URL_PAYLOADS
        elif key == "email":
            payloads = EMAIL_PAYLOADS
        else:
            payloads = TEXT_PAYLOADS
        before = copy.deepcopy(data)
        _set(data, path, payloads[counter[0] % len(payloads)])
        try:
            model.model_validate(data)
        except ValidationError:
            data = before  # an id, an allowed value, a date: not free text
            continue
        counter[0] += 1
    return data


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory) -> dict[str, Path]:
    """The hostile city, checked (valid) and built in both editions; the output folder of each."""
    root = tmp_path_factory.mktemp("hostile") / "project"
    folder = root / "cities" / SLUG
    folder.mkdir(parents=True)
    counter = [0]
    for file, model in FILE_MODELS.items():
        data = yaml.safe_load((BASE_CITY / file).read_text(encoding="utf-8"))
        text = yaml.safe_dump(make_hostile(data, model, counter), allow_unicode=True, sort_keys=False, width=1000)
        (folder / file).write_text(text, encoding="utf-8")
    assert counter[0] > 100, "the hostile city must hold many payloads"
    check = subprocess.run([*CITYFRAME, "check", SLUG,
                            "--project", str(root), "--format", "json"], capture_output=True, text=True, timeout=120)
    assert check.returncode in (0, 1) and '"errors": []' in check.stdout, check.stdout + check.stderr
    return build_editions(SLUG, root, timeout=600)


def _files(outputs: dict[str, Path], suffix: str) -> list[Path]:
    return sorted(p for folder in outputs.values() for p in folder.iterdir() if p.suffix == suffix)


DOM_PROBE = """() => {
  const bad = [];
  for (const s of document.querySelectorAll('script')) bad.push('script element: ' + s.outerHTML.slice(0, 80));
  for (const tag of ['iframe', 'object', 'embed', 'frame', 'base', 'form', 'meta[http-equiv]'])
    for (const e of document.querySelectorAll(tag)) bad.push(tag + ' element: ' + e.outerHTML.slice(0, 80));
  for (const e of document.querySelectorAll('link'))
    if (!/^(stylesheet|icon)$/i.test(e.rel) || !/^(data:|file:)/i.test(e.href) || /passwd/.test(e.href))
      bad.push('link element: ' + e.outerHTML.slice(0, 80));
  for (const e of document.querySelectorAll('*')) {
    for (const a of e.attributes) {
      const name = a.name.toLowerCase();
      const value = a.value.replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase();
      if (name.startsWith('on')) bad.push(e.tagName + ' has ' + name);
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc', 'poster', 'background']
            .includes(name)) {
        if (value.startsWith('javascript:') || value.startsWith('vbscript:') || value.startsWith('data:text/html')
            || value.startsWith('file:'))
          bad.push(e.tagName + ' ' + name + '=' + a.value.slice(0, 80));
      }
      if (name === 'style' && /javascript:|expression\\(|url\\(/.test(value)) bad.push(e.tagName + ' style=' + value);
    }
  }
  const hidden = getComputedStyle(document.body).display === 'none'
    || getComputedStyle(document.body).visibility === 'hidden';
  if (hidden) bad.push('the page body is hidden by injected CSS');
  return {bad, text: document.body.innerText};
}"""


def test_slow_hostile_html_runs_no_script_in_chromium(hostile_build: dict[str, Path]) -> None:
    require_tool(CHROMIUM.exists(), str(CHROMIUM))
    from playwright.sync_api import sync_playwright

    pages = _files(hostile_build, ".html")
    assert len(pages) >= 8
    problems: list[str] = []
    shown_as_text = set()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            for path in pages:
                page = browser.new_page()
                requests: list[str] = []
                dialogs: list[str] = []
                page.on("request", lambda request, seen=requests: seen.append(request.url))
                page.on("dialog", lambda dialog, seen=dialogs: (seen.append(dialog.message), dialog.dismiss()))
                page.goto(path.as_uri(), wait_until="load")
                page.wait_for_timeout(100)
                result = page.evaluate(DOM_PROBE)
                page.close()
                problems += [f"{path.name}: {bad}" for bad in result["bad"]]
                problems += [f"{path.name}: an alert ran: {message}" for message in dialogs]
                for url in requests:
                    if url == path.as_uri() or url.startswith("data:"):
                        continue
                    if "passwd" in url or not url.startswith("file://"):
                        problems.append(f"{path.name}: requested {url[:120]}")
                shown_as_text |= {p for p in TEXT_PAYLOADS if p in result["text"]}
        finally:
            browser.close()
    assert not problems, "\n".join(problems)
    # The payloads are there, as visible text: the pages were built from the hostile data, not from defaults.
    assert "<script>alert(1)</script>" in shown_as_text
    assert '"><img src=x onerror=alert(1)>' in shown_as_text


class _Tags(HTMLParser):
    """Every start tag and its attributes, as an HTML parser (not a regular expression) sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def test_slow_hostile_html_source_has_no_live_markup(hostile_build: dict[str, Path]) -> None:
    """The same, read from the files with Python's HTML parser: needs no browser and names the offending tag."""
    dangerous = re.compile(r"^(javascript|vbscript|data:text/html|file:)", re.I)
    for path in _files(hostile_build, ".html"):
        parser = _Tags()
        parser.feed(path.read_text(encoding="utf-8"))
        styles = 0
        for tag, attrs in parser.tags:
            assert tag not in ("script", "iframe", "object", "embed", "base", "form"), f"{path.name}: <{tag}>"
            styles += tag == "style"
            for name, value in attrs:
                assert not name.startswith("on"), f"{path.name}: <{tag} {name}={value!r}>"
                if name in ("href", "src", "action", "formaction", "data", "srcdoc", "poster"):
                    cleaned = re.sub(r"[\s\x00-\x1f]", "", value or "")
                    assert not dangerous.match(cleaned), f"{path.name}: <{tag} {name}={value!r}>"
        assert styles <= 1, f"{path.name}: {styles} <style> elements; the data must not open one"


def test_slow_hostile_pdfs_leak_no_file_and_link_nowhere_dangerous(hostile_build: dict[str, Path]) -> None:
    import pikepdf
    from pypdf import PdfReader

    passwd = Path("/etc/passwd").read_text(errors="replace") if Path("/etc/passwd").exists() else "root:x:0:0"
    first_entry = passwd.splitlines()[0] if passwd else "root:x:0:0"
    pdfs = _files(hostile_build, ".pdf")
    assert len(pdfs) >= 6
    for path in pdfs:
        text = "".join(page.extract_text() or "" for page in PdfReader(path).pages)
        assert "root:x:0:0" not in text and first_entry not in text, path.name
        assert "<script>alert(1)</script>" in text.replace("\n", "") or "alert(1)" in text, \
            f"{path.name}: the hostile text should be shown as text"
        with pikepdf.open(path) as pdf:
            names = pdf.Root.get("/Names")
            assert names is None or ("/JavaScript" not in names and "/EmbeddedFiles" not in names), path.name
            assert "/OpenAction" not in pdf.Root or "/JS" not in str(pdf.Root.OpenAction), path.name
            assert "/AA" not in pdf.Root, path.name
            for number, page in enumerate(pdf.pages, start=1):
                for annotation in page.get("/Annots") or []:
                    action = annotation.get("/A")
                    if action is None:
                        continue
                    kind = str(action.get("/S"))
                    assert kind in ("/URI", "/GoTo"), f"{path.name} p{number}: action {kind}"
                    if kind == "/URI":
                        uri = str(action.get("/URI"))
                        assert re.match(r"^(https?://|mailto:|tel:|sms:)", uri, re.I), f"{path.name} p{number}: {uri}"


def test_hostile_logo_path_is_refused_by_check(tmp_path: Path) -> None:
    """A logo pointing at a system file never reaches a document: check refuses it first."""
    root = tmp_path / "project"
    shutil.copytree(BASE_CITY, root / "cities" / SLUG)
    city = root / "cities" / SLUG / "city.yaml"
    city.write_text(city.read_text().replace("  accent_color:", "  logo: /etc/passwd\n  accent_color:"))
    done = subprocess.run([*CITYFRAME, "check", SLUG,
                           "--project", str(root)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 1
    assert "city.logo" in done.stdout and "root:x:0:0" not in done.stdout + done.stderr
