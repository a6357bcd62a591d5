"""Repairs to WeasyPrint's PDF structure tree, made before the file is written, so that it meets PDF/UA-1.

WeasyPrint (70) tags each page on its own, from the laid-out boxes. Three things then fall short of PDF/UA-1
(ISO 14289-1, checked by the Matterhorn Protocol's checkpoints named below):

- **Links.** ``-weasy-link`` is inherited, so every inline box inside an ``<a>`` (the number and title spans of a
  contents entry, the page number its ``::after`` writes) gets a link annotation of its own, tagged under a
  ``Span`` rather than the ``Link`` element (Matterhorn 28-011). Each such duplicate lies inside its ``<a>``'s own
  annotation, which already covers it: it is removed. The ``/Contents`` of every link annotation (its alternate
  description, Matterhorn 28-010) is the link's visible text instead of its target ("document-control").
- **Tables across pages.** Each page's fragment of a table becomes a ``Table`` element of its own, and the header
  row repeated on the next page is tagged again (Matterhorn 09-004 and 15-00x: one table, its cells' ``Headers``
  pointing at its header cells). The fragments are joined into the first one's ``Table`` (its ``TBody`` takes the
  later rows), the repeated header rows become artifacts (pagination, not content: Matterhorn 01-001), and the
  later cells' ``Headers`` point at the first header row's cells.
- Nothing else is changed; the output stays byte-identical for the same HTML.

The repair runs as WeasyPrint's documented ``finisher`` hook (``Document.write_pdf(finisher=...)``), on pydyf
objects, while the layout boxes that made each tag are still at hand: a table's fragments are known to be one
table because they come from the same HTML element, which a PDF read back with pikepdf no longer tells. It leans
on WeasyPrint's internal attributes (``box.link_annotation``, ``box.mark``, ``page._page_box``): tests over every
pilot city's PDFs (``tests/test_pdf_structure.py``) fail if a WeasyPrint release changes them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

_SPACE = re.compile(r"\s+")


def _number(reference: bytes | str) -> int:
    """The object number of a pydyf reference (``b"12 0 R"``)."""
    text = reference.decode() if isinstance(reference, bytes) else reference
    return int(text.split()[0])


class _Tree:
    """The pydyf objects of one PDF, looked up by reference."""

    def __init__(self, pdf: Any) -> None:
        self.pdf = pdf
        root = self.get(pdf.catalog["StructTreeRoot"])
        self.nums = self.get(root["ParentTree"])["Nums"]

    def get(self, reference: bytes | str) -> Any:
        return self.pdf.objects[_number(reference)]

    def parent_tree_entry(self, key: int) -> int | None:
        """Index in ``Nums`` of the value stored for ``key`` (a page or an annotation's StructParent)."""
        for index in range(0, len(self.nums), 2):
            if self.nums[index] == key:
                return index + 1
        return None

    def children(self, element: Any) -> Iterator[Any]:
        """The structure elements directly under ``element`` (not MCIDs or object references)."""
        for kid in element["K"]:
            if isinstance(kid, bytes | str):
                child = self.get(kid)
                if child.get("Type") == "/StructElem":
                    yield child

    def detach(self, element: Any) -> None:
        """Take ``element`` out of its parent, and the parent out of its own when it is left empty."""
        parent = self.get(element["P"])
        parent["K"][:] = [kid for kid in parent["K"] if kid != element.reference]
        if not parent["K"] and parent.get("S") not in ("/Document", None):
            self.detach(parent)

    def mcids(self, element: Any) -> Iterator[tuple[Any, int]]:
        """Every (page reference, MCID) of marked content under ``element``."""
        for kid in element["K"]:
            if isinstance(kid, int):
                yield element["Pg"], kid
            elif isinstance(kid, bytes | str):
                child = self.get(kid)
                if child.get("Type") == "/StructElem":
                    yield from self.mcids(child)


def _boxes(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", ()):
        yield from _boxes(child)


def _text(element: Any) -> str:
    """An element's text as read: white space collapsed, without the zero-width spaces that let addresses wrap."""
    return _SPACE.sub(" ", "".join(element.itertext()).replace("\u200b", "")).strip()


def _target(annotation: Any) -> str:
    """Where a link annotation leads: its destination name or its URI."""
    return _key(annotation.get("Dest") or annotation["A"].get("URI"))


# --- links --------------------------------------------------------------------------------------------------


def _fix_links(tree: _Tree, page: Any, page_box: Any) -> None:
    def walk(box: Any, outer: Any) -> None:
        annotation = getattr(box, "link_annotation", None)
        if annotation is not None and "StructParent" in annotation:
            if outer is not None and _target(outer) == _target(annotation):
                _remove_annotation(tree, page, annotation)
                annotation = outer
            else:
                if box.element is not None:
                    text = _text(box.element) or box.element.get("title") or ""
                    if text:
                        annotation["Contents"] = _pdf_string(text)
        else:
            annotation = outer
        for child in getattr(box, "children", ()):
            walk(child, annotation)

    walk(page_box, None)


def _pdf_string(text: str) -> Any:
    import pydyf

    return pydyf.String(text)


def _remove_annotation(tree: _Tree, page: Any, annotation: Any) -> None:
    """Take a duplicate link annotation off its page, its structure element and the parent tree."""
    page["Annots"][:] = [ref for ref in page["Annots"] if ref != annotation.reference]
    index = tree.parent_tree_entry(annotation["StructParent"])
    if index is not None:
        element = tree.get(tree.nums[index])
        element["K"][:] = [kid for kid in element["K"]
                           if not (isinstance(kid, bytes | str) and tree.get(kid).get("Obj") == annotation.reference)]
        del tree.nums[index - 1:index + 1]
    del annotation["StructParent"]


# --- tables -------------------------------------------------------------------------------------------------


def _table_element(tree: _Tree, table_box: Any) -> Any | None:
    """The ``Table`` structure element WeasyPrint made for one page's fragment of a table."""
    for box in _boxes(table_box):
        mark = getattr(box, "mark", None)
        if mark is not None and mark.get("Type") == "/StructElem":
            element = mark
            while element.get("S") != "/Table":
                if "P" not in element:
                    return None
                element = tree.get(element["P"])
            return element
    return None


def _join_tables(tree: _Tree, document: Any) -> None:
    from weasyprint.formatting_structure import boxes

    fragments: dict[int, list[Any]] = {}
    seen: set[int] = set()
    for page in document.pages:
        for box in _boxes(page._page_box):
            if isinstance(box, boxes.TableBox) and box.element is not None:
                element = _table_element(tree, box)
                if element is not None and id(element) not in seen:
                    seen.add(id(element))
                    fragments.setdefault(id(box.element), []).append(element)
    for parts in fragments.values():
        first, *rest = parts
        for part in rest:
            _join(tree, first, part)


def _header_cells(tree: _Tree, table: Any) -> list[Any]:
    return [cell for group in tree.children(table) if group.get("S") == "/THead"
            for row in tree.children(group) for cell in tree.children(row)]


def _join(tree: _Tree, first: Any, part: Any) -> None:
    """Move the rows of a later page's ``Table`` into ``first``; its repeated header row becomes an artifact."""
    header_ids = {}
    for old, new in zip(_header_cells(tree, part), _header_cells(tree, first), strict=False):
        if "ID" in old and "ID" in new:
            header_ids[_key(old["ID"])] = new["ID"]
    body = next((group for group in tree.children(first) if group.get("S") == "/TBody"), None)
    for group in list(tree.children(part)):
        if group.get("S") == "/THead" and _header_cells(tree, first):
            _make_artifact(tree, group)
            continue
        if group.get("S") == "/TBody" and body is not None:
            for row in tree.children(group):
                row["P"] = body.reference
                body["K"].append(row.reference)
                for cell in tree.children(row):
                    _remap_headers(cell, header_ids)
        else:
            group["P"] = first.reference
            first["K"].append(group.reference)
    part["K"][:] = []
    tree.detach(part)


def _remap_headers(cell: Any, header_ids: dict[Any, Any]) -> None:
    attributes = cell.get("A")
    if attributes is None or "Headers" not in attributes:
        return
    attributes["Headers"][:] = [header_ids.get(_key(header), header) for header in attributes["Headers"]]


def _key(string: Any) -> str:
    """A pydyf String's text, to compare header IDs by value."""
    return str(getattr(string, "string", string))


def _make_artifact(tree: _Tree, element: Any) -> None:
    """Mark the content under ``element`` (a repeated header row) as a pagination artifact, untagged."""
    by_page: dict[Any, set[int]] = {}
    for page, mcid in tree.mcids(element):
        by_page.setdefault(page, set()).add(mcid)
    for page_reference, mcids in by_page.items():
        page = tree.get(page_reference)
        stream = tree.get(page["Contents"])
        _artifacts_in(stream.stream, mcids)
        index = tree.parent_tree_entry(page["StructParents"]) if "StructParents" in page else None
        if index is not None:
            entries = tree.nums[index]
            for mcid in mcids:
                if mcid < len(entries):
                    entries[mcid] = "null"
    tree.get(element["P"])["K"][:] = [kid for kid in tree.get(element["P"])["K"] if kid != element.reference]


def _artifacts_in(items: list[Any], mcids: set[int]) -> None:
    """Rewrite ``/Tag <</MCID n>> BDC`` as ``/Artifact <</Type /Pagination>> BDC`` in a content stream's items."""
    import pydyf

    for index, item in enumerate(items):
        if isinstance(item, dict) and item.get("MCID") in mcids and index and index + 1 < len(items) \
                and items[index + 1] == b"BDC":
            items[index - 1] = "/Artifact"
            items[index] = pydyf.Dictionary({"Type": "/Pagination"})


# --- rows taller than a page -------------------------------------------------------------------------------


def tall_rows(document: Any) -> list[str]:
    """CSS selectors (``#table-id > tbody > tr:nth-child(n)``) of the table rows laid out over more than one page.

    Rows avoid breaking (``break-inside: avoid``), so a row on two pages is taller than a page. WeasyPrint then
    drops the table's header row on the pages it spans; laid out again with that row allowed to break, the header
    row repeats. A row of a table without an ``id`` cannot be named, and is left as it is.
    """
    from weasyprint.formatting_structure import boxes

    pages_of: dict[int, set[int]] = {}
    names: dict[int, str] = {}
    for number, page in enumerate(document.pages):
        for table in _boxes(page._page_box):
            if not isinstance(table, boxes.TableBox) or table.element is None or not table.element.get("id"):
                continue
            for group in table.children:
                if group.element is None or group.element_tag != "tbody":
                    continue
                rows = [child for child in group.element if isinstance(child.tag, str)]
                for row in group.children:
                    if row.element is None or row.element not in rows:
                        continue
                    pages_of.setdefault(id(row.element), set()).add(number)
                    names[id(row.element)] = (f"#{_css_identifier(table.element.get('id'))} > tbody > "
                                              f"tr:nth-child({rows.index(row.element) + 1})")
    return [names[key] for key, pages in pages_of.items() if len(pages) > 1]


def _css_identifier(text: str) -> str:
    """An id as a CSS identifier: every character that is not a letter, digit, ``-`` or ``_`` escaped."""
    return "".join(c if c.isalnum() or c in "-_" else f"\\{ord(c):x} " for c in text)


# --- languages of parts -------------------------------------------------------------------------------------


def tag_languages() -> None:
    """Give ``/Lang`` to the structure element of every HTML element with a ``lang`` attribute (not ``<html>``).

    WeasyPrint writes the document's ``/Lang`` only (from ``<html lang>``); a paragraph in Spanish inside an
    English plan needs its own (PDF/UA-1 7.2, Matterhorn 11-004; WCAG 3.1.2) so that screen readers switch voice,
    and its children inherit it. Which box made which element is only known while WeasyPrint builds the tree
    (``weasyprint.pdf.tags._build_box_tree`` yields the elements made for one box, calling itself for the
    children), so that function is wrapped once; ``tests/test_i18n*.py`` fail if a release changes it.
    """
    from weasyprint.pdf import tags

    build = tags._build_box_tree
    if getattr(build, "cityframe_languages", False):
        return

    def build_box_tree(box: Any, *args: Any) -> Iterator[Any]:
        real = getattr(box, "_box", box)  # an absolutely positioned box's placeholder
        element = getattr(real, "element", None)
        lang = element.get("lang") if element is not None and getattr(real, "element_tag", None) not in (
            "html", "body") else None
        for made in build(box, *args):
            if lang and "Lang" not in made:
                made["Lang"] = _pdf_string(lang)
            yield made

    build_box_tree.cityframe_languages = True  # type: ignore[attr-defined]
    tags._build_box_tree = build_box_tree


# --- entry point --------------------------------------------------------------------------------------------


def finish(document: Any, pdf: Any) -> None:
    """WeasyPrint ``finisher``: repair the structure tree of a tagged PDF in place (untagged PDFs are left)."""
    if "StructTreeRoot" not in pdf.catalog:
        return
    tree = _Tree(pdf)
    for number, page in enumerate(document.pages):
        page_object = tree.get(pdf.page_references[number])
        _fix_links(tree, page_object, page._page_box)
    _join_tables(tree, document)
