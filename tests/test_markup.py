"""The Markdown subset of text fields: what renders, what stays text, and what never becomes a link."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from cityframe.render.markup import readable_url, render_inline, render_markdown, safe_url
from cityframe.render.templates import format_date, format_money, join_words


def test_paragraphs_lists_emphasis_links_and_code() -> None:
    text = "First *one* and **two**.\n\n- a\n- b\n\n1. x\n2. y\n\n[site](https://example.org) `code`"
    assert render_markdown(text) == Markup(
        "<p>First <em>one</em> and <strong>two</strong>.</p>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"
        '<ol>\n<li>x</li>\n<li>y</li>\n</ol>\n<p><a href="https://example.org" data-print-url="example.org">site</a> '
        '<code>code</code></p>')


def test_line_breaks_and_mailto() -> None:
    assert render_markdown("a  \nb") == Markup("<p>a<br>\nb</p>")
    assert render_markdown("[write](mailto:team@example.org)") == Markup(
        '<p><a href="mailto:team@example.org" data-print-url="team@example.org">write</a></p>')


@pytest.mark.parametrize("text", [
    "# Heading", "> quote", "    indented code", "| a | b |\n|---|---|\n| 1 | 2 |", "---", "![alt](https://x.org/a.png)",
    "<b>bold</b>", "<!-- comment -->", "&lt;b&gt;",
])
def test_everything_else_stays_text(text: str) -> None:
    html = str(render_markdown(text))
    for tag in ("<h1", "<blockquote", "<pre", "<table", "<hr", "<img", "<b>", "<!--"):
        assert tag not in html


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)", "jav&#x09;ascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "file:///etc/passwd", "vbscript:msgbox", "/relative/path",
    "relative.html", "//evil.example/x", "ftp://example.org", "https://", "http:no-host",
])
def test_unsafe_links_are_dropped_and_stay_visible_text(url: str) -> None:
    html = str(render_markdown(f"[click]({url})"))
    assert "<a" not in html and "click" in html
    assert safe_url(url) is None


def test_raw_html_is_escaped_not_interpreted() -> None:
    html = str(render_markdown('<script>alert(1)</script><img src=x onerror="alert(2)"></style>'))
    assert "<script" not in html and "<img" not in html and "</style>" not in html
    assert "&lt;script&gt;" in html


def test_no_attribute_but_href_and_our_print_address_survives() -> None:
    html = str(render_markdown('[a](https://example.org "a title")'))
    assert html == '<p><a href="https://example.org" data-print-url="example.org">a</a></p>'


def test_inline_has_no_paragraphs_or_lists() -> None:
    html = str(render_inline("one *two*\n\n- three"))
    assert "<p>" not in html and "<li>" not in html and "<em>two</em>" in html


def test_empty_values_render_nothing() -> None:
    assert render_markdown(None) == Markup("") and render_inline("") == Markup("")


@given(st.text(max_size=300))
def test_any_text_gives_only_allowed_tags(text: str) -> None:
    import re

    for html in (str(render_markdown(text)), str(render_inline(text))):
        for tag in re.findall(r"</?([a-zA-Z][a-zA-Z0-9]*)", html):
            assert tag in {"p", "ul", "ol", "li", "em", "strong", "a", "br", "code"}, (text, html)
        for href in re.findall(r'href="([^"]*)"', html):
            assert href.startswith(("http://", "https://", "mailto:")), (text, html)


def test_readable_url() -> None:
    assert readable_url("https://www.example.org/") == "example.org"
    assert readable_url("http://example.org/a/b") == "example.org/a/b"
    assert readable_url("mailto:a@b.org") == "a@b.org"


def test_formatting_filters_need_no_locale_or_clock() -> None:
    import datetime as dt

    assert format_date(dt.date(2025, 3, 31)) == "March 31, 2025"
    assert format_date(dt.date(2025, 3, 31), "month") == "March 2025"
    assert format_money(12500) == "$12,500" and format_money(99.5) == "$99.50"
    assert join_words(["a", "b", "c"]) == "a, b and c" and join_words(["a"]) == "a"


# --- Markdown renders as written (issue 12, item 2) and links that deceive (issue 13, item 5) ---------------

def test_a_list_keeps_its_first_number() -> None:
    assert render_markdown("3. Listen\n4. Act") == Markup(
        '<ol start="3" style="counter-reset: list-item 2">\n<li>Listen</li>\n<li>Act</li>\n</ol>')
    assert render_markdown("1. One") == Markup("<ol>\n<li>One</li>\n</ol>")


def test_bare_web_and_email_addresses_become_links() -> None:
    html = str(render_markdown("Call https://example.org/help, see www.athensohio.com or write help@example.org."))
    assert '<a href="https://example.org/help">https://example.org/help</a>' in html
    assert '<a href="http://www.athensohio.com">www.athensohio.com</a>' in html
    assert '<a href="mailto:help@example.org">help@example.org</a>' in html
    assert "data-print-url" not in html  # the text already is the address
    assert str(render_inline("see https://example.org")) == 'see <a href="https://example.org">https://example.org</a>'


def test_a_link_whose_text_is_not_its_address_carries_the_address_to_print() -> None:
    assert 'data-print-url="example.org/report"' in str(render_markdown("[the report](https://example.org/report)"))
    assert "data-print-url" not in str(render_markdown("[example.org/report](https://example.org/report/)"))
    assert "data-print-url" not in str(render_markdown("<https://example.org/report>"))


@pytest.mark.parametrize("escaped", ["%E2%80%AE", "%E2%81%A6", "%0A", "%00", "%C2%A0", "%E2%80%8B", "%7F"])
def test_percent_encoded_controls_are_never_decoded_into_link_text(escaped: str) -> None:
    import unicodedata
    from urllib.parse import unquote

    hidden = unquote(escaped)
    url = f"https://example.org/{escaped}exe.txt"
    for html in (str(render_markdown(f"<{url}>")), str(render_markdown(url)), readable_url(url),
                 str(render_markdown(f"[file]({url})"))):
        assert hidden not in html, (escaped, html)
        assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in html if c != "\n"), html
    assert readable_url("https://example.org/caf%C3%A9") == "example.org/café"  # printable letters still read


def test_a_mailto_link_keeps_the_address_and_at_most_a_subject() -> None:
    html = str(render_markdown("[write](mailto:team@example.org?subject=Plan%20review&cc=x@evil.example&body=hi"
                               "&bcc=y@evil.example)"))
    assert 'href="mailto:team@example.org?subject=Plan%20review"' in html
    assert "evil" not in html and "body" not in html
    assert safe_url("mailto:a@example.org,b@example.org") is None  # one address
    assert safe_url("mailto:?to=a@example.org") is None
    assert safe_url("mailto:team@example.org") == "mailto:team@example.org"


def test_in_the_pdf_a_list_starts_at_its_number_and_a_link_is_followed_by_its_address(tmp_path) -> None:
    import subprocess
    from pathlib import Path

    from cityframe.render.pdf import render_pdf
    from conftest import REPO, require_executable

    pdftotext = require_executable("pdftotext")
    templates = REPO / "templates"
    css = (templates / "cityframe.css").read_text(encoding="utf-8")
    body = render_markdown("3. Listen\n4. Read [the 2024 report](https://example.org/report-2024) or "
                           "https://example.org/plain")
    html = f'<html lang="en"><head><title>T</title><style>{css}</style></head><body>{body}</body></html>'
    pdf = tmp_path / "list.pdf"
    pdf.write_bytes(render_pdf(html, base_url=templates, allowed_roots=[Path(templates)]))
    text = " ".join(subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True)
                    .stdout.split())
    assert "3. Listen 4. Read the 2024 report (example.org/report-2024) or https://example.org/plain" in text
    assert "plain (" not in text
