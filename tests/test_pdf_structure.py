"""PDF/UA structure and print layout, read back with pikepdf: links, tables across pages, headings at page feet.

Small documents written here with the real stylesheet test each rule fast; the ``test_slow_*`` tests build every
pilot city's three PDFs once and walk their structure trees. Which PDF/UA-1 (Matterhorn Protocol) checkpoints
these cover is written down in docs/pdf-accessibility.md.
"""

from __future__ import annotations

import io
import itertools
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
import pytest

from cityframe.render.pdf import render_pdf
from conftest import CITYFRAME, REPO, require_executable

TEMPLATES = REPO / "templates"
PILOTS = sorted(p.parent.name for p in (REPO / "cities").glob("*/city.yaml"))
DOCS = ("prevention-plan", "governance-charter", "resource-directory")
SLUG = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$")  # "document-control"; not a phone number ("1-800-273-8255")
HEADING = re.compile(r"^/H[1-6]?$")


# --- reading a tagged PDF -------------------------------------------------------------------------------------


@dataclass
class Element:
    """One structure element: its type, page, children, marked-content ids and annotations, in reading order."""

    tag: str
    page: int | None
    parent: Element | None = None
    kids: list[Element] = field(default_factory=list)
    content: list[tuple[int | None, int]] = field(default_factory=list)  # (page, MCID)
    annotations: list[pikepdf.Dictionary] = field(default_factory=list)
    attributes: dict[str, object] = field(default_factory=dict)

    def walk(self) -> Iterator[Element]:
        yield self
        for kid in self.kids:
            yield from kid.walk()

    def ancestors(self) -> Iterator[Element]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


@dataclass
class Tagged:
    root: Element
    pages: int
    annotations: list[tuple[int, pikepdf.Dictionary]]  # (page, /Link annotation) as listed in each page's /Annots
    pdf: pikepdf.Pdf  # kept open: the elements' annotations are its objects


def read_tagged(pdf_bytes: bytes) -> Tagged:
    pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    page_of = {page.obj.objgen: number for number, page in enumerate(pdf.pages)}

    def page_number(node: pikepdf.Dictionary) -> int | None:
        return page_of.get(node.Pg.objgen) if "/Pg" in node else None

    def build(node: pikepdf.Dictionary, parent: Element | None) -> Element:
        element = Element(str(node.get("/S")), page_number(node), parent)
        if "/A" in node and isinstance(node.A, pikepdf.Dictionary):
            element.attributes = {str(k): v for k, v in node.A.items()}
        if "/ID" in node:
            element.attributes["ID"] = str(node.ID)
        if "/Alt" in node:
            element.attributes["Alt"] = str(node.Alt)
        kids = node.get("/K")
        kids = [] if kids is None else (list(kids) if isinstance(kids, pikepdf.Array) else [kids])
        for kid in kids:
            if isinstance(kid, int):
                element.content.append((element.page, int(kid)))
            elif isinstance(kid, pikepdf.Dictionary):
                kind = kid.get("/Type")
                if kind == "/OBJR":
                    element.annotations.append(kid.Obj)
                elif kind == "/MCR":
                    element.content.append((page_number(kid) if "/Pg" in kid else element.page, int(kid.MCID)))
                elif "/S" in kid:
                    element.kids.append(build(kid, element))
        return element

    top = Element("/StructTreeRoot", None)
    for kid in pdf.Root.StructTreeRoot.K:
        top.kids.append(build(kid, top))
    annotations = [(number, annot) for number, page in enumerate(pdf.pages)
                   for annot in page.obj.get("/Annots", []) if annot.get("/Subtype") == "/Link"]
    return Tagged(top, len(pdf.pages), annotations, pdf)


def last_on_each_page(tagged: Tagged) -> dict[int, Element]:
    """For each page, the structure element that holds the last piece of content on it, in reading order."""
    last: dict[int, Element] = {}
    for element in tagged.root.walk():
        for page, _ in element.content:
            if page is not None:
                last[page] = element
    return last


def heading_of(element: Element) -> Element | None:
    for node in (element, *element.ancestors()):
        if HEADING.match(node.tag):
            return node
    return None


def style() -> str:
    return (TEMPLATES / "cityframe.css").read_text(encoding="utf-8")


def pdf_of(body: str) -> bytes:
    html = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Probe</title>'
            f'<style>{style()} :root {{ --accent: #1f4e79; --accent-rule: #1f4e79; }}</style></head>'
            f'<body><main>{body}</main></body></html>')
    return render_pdf(html, base_url=TEMPLATES, allowed_roots=[TEMPLATES])


def page_texts(pdf: bytes, tmp_path: Path) -> list[str]:
    pdftotext = require_executable("pdftotext")
    path = tmp_path / "probe.pdf"
    path.write_bytes(pdf)
    text = subprocess.run([pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


# --- links ----------------------------------------------------------------------------------------------------

CONTENTS = """<nav class="toc"><h2>Contents</h2><ol>
<li><a href="#document-control"><span class="num">1</span> <span class="toc-title">Document control</span></a></li>
<li><a href="#foreword"><span class="num">2</span> <span class="toc-title">Foreword</span></a></li></ol></nav>
<section id="document-control"><h2>Document control</h2><p>See <a href="https://example.org/a/b"><strong>the
register</strong> of plans</a>.</p></section><section id="foreword"><h2>Foreword</h2><p>Text.</p></section>"""


def test_each_link_has_one_annotation_under_its_link_element_named_by_its_visible_text() -> None:
    tagged = read_tagged(pdf_of(CONTENTS))
    links = [e for e in tagged.root.walk() if e.annotations]
    assert [e.tag for e in links] == ["/Link"] * 3
    assert [str(a.Contents) for e in links for a in e.annotations] == [
        "1 Document control", "2 Foreword", "the register of plans"]
    assert len(tagged.annotations) == 3  # no duplicate annotation per span, nor one for the page number


# --- tables -----------------------------------------------------------------------------------------------------


def long_table(rows: int, extra: str = "") -> str:
    body = "".join(f"<tr><th scope='row'>Row {i}</th><td>{'Several words of text. ' * 6}</td></tr>"
                   for i in range(rows))
    return (f"<div class='table-scroll'><table id='long-table'><caption>Long table</caption><thead><tr>"
            f"<th scope='col'>Name</th><th scope='col'>Description</th></tr></thead><tbody>{body}{extra}</tbody>"
            "</table></div>")


def table_summary(tagged: Tagged) -> list[dict[str, object]]:
    out = []
    for table in (e for e in tagged.root.walk() if e.tag == "/Table"):
        cells = list(table.walk())
        header_ids = {str(c.attributes["ID"]) for c in cells if c.tag == "/TH" and "ID" in c.attributes}
        headers = [str(h) for c in cells if c.tag == "/TD" for h in c.attributes.get("/Headers", [])]
        out.append({"theads": sum(c.tag == "/THead" for c in cells),
                    "column_headers": sum(c.tag == "/TH" and c.parent is not None and c.parent.parent is not None
                                          and c.parent.parent.tag == "/THead" for c in cells),
                    "rows": sum(c.tag == "/TR" for c in cells), "pages": {p for c in cells for p, _ in c.content},
                    "dangling": sorted(set(headers) - header_ids)})
    return out


def test_a_table_across_pages_is_one_table_with_its_header_row_tagged_once(tmp_path: Path) -> None:
    pdf = pdf_of("<h2>Table</h2>" + long_table(90))
    tagged = read_tagged(pdf)
    [table] = table_summary(tagged)
    assert len(table["pages"]) >= 3  # type: ignore[arg-type]
    assert table["theads"] == 1 and table["column_headers"] == 2 and table["rows"] == 91
    assert table["dangling"] == []  # every data cell's /Headers names a header cell of this one table
    texts = page_texts(pdf, tmp_path)
    assert all("Description" in text for text in texts)  # still printed on every page, as an artifact


def test_a_row_taller_than_a_page_keeps_its_header_row_on_every_page_it_spans(tmp_path: Path) -> None:
    tall = "<tr><th scope='row'>Tall</th><td>" + "<p>One of many paragraphs in a single cell.</p>" * 160 + "</td></tr>"
    pdf = pdf_of(long_table(3, tall))
    texts = page_texts(pdf, tmp_path)
    assert len(texts) >= 3
    assert [("Description" in text) for text in texts] == [True] * len(texts)
    [table] = table_summary(read_tagged(pdf))
    assert table["theads"] == 1 and table["dangling"] == []


# --- headings at the foot of a page -------------------------------------------------------------------------


def test_a_heading_is_never_the_last_thing_on_a_page() -> None:
    """A heading followed by a table, a card, a figure or a note moves to the next page with them."""
    filler = "<p>" + "Filler text for the page. " * 40 + "</p>"
    for follower in (long_table(4), "<div class='card'><h3>Card</h3><p>Body text.</p></div>",
                     "<div class='note' role='note'><p>A note.</p></div>"):
        for n in range(6, 12):
            tagged = read_tagged(pdf_of(filler * n + "<h2>Heading at the foot</h2>" + follower))
            for page, element in last_on_each_page(tagged).items():
                assert heading_of(element) is None, (follower[:30], n, page)


# --- every pilot city -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pilot_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every pilot city's three PDFs, built once by the CLI: '<city>/<document>' -> PDF file."""
    out = tmp_path_factory.mktemp("pilots")
    done = subprocess.run([*CITYFRAME, "build", "--all", "--project", str(REPO), "--out", str(out)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return {f"{city}/{doc}": out / city / f"{doc}.{ext}" for city in PILOTS for doc in DOCS for ext in ("pdf",)}


def test_slow_every_link_annotation_is_under_a_link_element_with_its_visible_text(pilot_pdfs: dict[str, Path]) -> None:
    problems = []
    for key, path in pilot_pdfs.items():
        tagged = read_tagged(path.read_bytes())
        tagged_annotations = {}
        for element in tagged.root.walk():
            for annotation in element.annotations:
                tagged_annotations[annotation.objgen] = element
        for page, annotation in tagged.annotations:
            element = tagged_annotations.get(annotation.objgen)
            contents = str(annotation.get("/Contents", ""))
            if element is None or element.tag != "/Link":
                problems.append(f"{key} page {page + 1}: a link annotation under {element and element.tag}")
            elif not contents.strip() or SLUG.match(contents) or contents == str(annotation.get("/Dest", "")) \
                    or contents.startswith("#"):
                problems.append(f"{key} page {page + 1}: link text {contents!r}")
    assert not problems, "\n".join(problems[:20])


def test_slow_one_table_element_per_html_table(pilot_pdfs: dict[str, Path]) -> None:
    problems = []
    for key, path in pilot_pdfs.items():
        html = path.with_suffix(".html").read_text(encoding="utf-8")
        tables = table_summary(read_tagged(path.read_bytes()))
        if len(tables) != html.count("<table"):
            problems.append(f"{key}: {len(tables)} Table elements for {html.count('<table')} tables")
        for number, table in enumerate(tables, 1):
            if table["theads"] > 1 or table["dangling"]:
                problems.append(f"{key}: table {number}: {table['theads']} header groups, "
                                f"headers {table['dangling']} not in the table")
    assert not problems, "\n".join(problems)


def test_slow_no_page_ends_with_a_heading(pilot_pdfs: dict[str, Path]) -> None:
    problems = []
    for key, path in pilot_pdfs.items():
        tagged = read_tagged(path.read_bytes())
        for page, element in sorted(last_on_each_page(tagged).items()):
            heading = heading_of(element)
            if heading is not None:
                problems.append(f"{key}: page {page + 1} ends with a {heading.tag[1:]}")
    assert not problems, "\n".join(problems)


# --- print layout ---------------------------------------------------------------------------------------------


def pages_of(pdf: bytes, tmp_path: Path, needle: str) -> list[int]:
    return [n for n, text in enumerate(page_texts(pdf, tmp_path)) if needle in text]


def test_a_directory_card_shorter_than_a_page_is_never_split(tmp_path: Path) -> None:
    filler = "<p>" + "Filler text for the page. " * 40 + "</p>"
    card = ("<div class='card resource'><h3>Card title</h3><p class='meta'>Local</p><p>First line of the card.</p>"
            "<dl class='fields'>" + "".join(f"<dt>Field {i}</dt><dd>Value {i}</dd>" for i in range(8))
            + "<dt>Checked</dt><dd>Tail of the card</dd></dl></div>")
    for n in range(6, 12):
        pdf = pdf_of(filler * n + card)
        assert pages_of(pdf, tmp_path, "Card title") == pages_of(pdf, tmp_path, "Tail of the card"), n


def test_the_signature_block_stays_with_the_adoption_sentence(tmp_path: Path) -> None:
    filler = "<p>" + "Filler text for the page. " * 40 + "</p>"
    section = ("<section id='adoption' class='doc-section'><h2>16 Adoption and signatures</h2>"
               "<p>This charter is to be adopted by City Council on March 15, 2027.</p><h3>Signatures</h3>"
               "<div class='signatures'>" + "".join(f"<div class='signature'><p class='signature-role'>Role {i}</p>"
                                                   "<p class='meta small'>Signature and date</p></div>"
                                                   for i in range(4)) + "</div></section>")
    for n in range(8, 14):
        pdf = pdf_of(filler * n + section)
        sentence = pages_of(pdf, tmp_path, "to be adopted by")
        assert sentence == pages_of(pdf, tmp_path, "Role 0") == pages_of(pdf, tmp_path, "Role 3"), n


def test_long_web_addresses_wrap_before_a_slash_or_a_dot_never_inside_a_word(tmp_path: Path) -> None:
    from cityframe.render.markup import url_breaks

    address = "www.stamfordct.gov/government/operations/human-resources"
    cell = f"<a href='https://{address}'>{url_breaks(address)}</a>"
    pdf = pdf_of("<table class='cols'><colgroup><col style='width: 14%'><col style='width: 86%'></colgroup>"
                 f"<tbody><tr><td>{cell}</td><td>Other</td></tr></tbody></table>")
    lines = [line.split("Other")[0].replace("\u200b", "").strip() for line in page_texts(pdf, tmp_path)[0].splitlines()
             if line.strip() and not line.strip().startswith(("·", "Page "))]  # not the running header and footer
    assert "".join(lines) == address
    assert len(lines) > 2
    for before, after in itertools.pairwise(lines):
        assert before[-1] in "/.-" or after[0] in "/.-", lines  # at a slash, a dot or a hyphen: never mid-word


def test_slow_every_figure_has_alternate_text(pilot_pdfs: dict[str, Path]) -> None:
    problems = []
    for key, path in pilot_pdfs.items():
        figures = [e for e in read_tagged(path.read_bytes()).root.walk() if e.tag == "/Figure"]
        problems += [f"{key}: a figure on page {(f.page or 0) + 1} without /Alt" for f in figures
                     if not str(f.attributes.get("Alt", "")).strip()]
        if key.endswith("prevention-plan"):
            assert len(figures) == 3, key  # the three charts once each: the phone timeline is not printed
    assert not problems, "\n".join(problems)
