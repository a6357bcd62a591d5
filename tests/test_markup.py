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
        '<ol>\n<li>x</li>\n<li>y</li>\n</ol>\n<p><a href="https://example.org">site</a> <code>code</code></p>')


def test_line_breaks_and_mailto() -> None:
    assert render_markdown("a  \nb") == Markup("<p>a<br>\nb</p>")
    assert render_markdown("[write](mailto:team@example.org)") == Markup(
        '<p><a href="mailto:team@example.org">write</a></p>')


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


def test_no_attribute_but_href_survives() -> None:
    html = str(render_markdown('[a](https://example.org "a title")'))
    assert html == '<p><a href="https://example.org">a</a></p>'


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
