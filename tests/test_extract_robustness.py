"""extract() never raises and stays bounded, whatever it is given."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scraper.extract import extract, rules
from scraper.models import Article

TAGS = [
    "div",
    "p",
    "a",
    "b",
    "i",
    "span",
    "ul",
    "li",
    "table",
    "tr",
    "td",
    "article",
    "h1",
    "script",
    "style",
    "br",
    "pre",
    "blockquote",
    "nav",
    "footer",
    "meta",
    "title",
    "time",
]


def test_empty_input() -> None:
    for value in (b"", "", b"   ", "\x00"):
        assert isinstance(extract(value), Article)


def test_binary_input() -> None:
    data = bytes(range(256)) * 200
    assert isinstance(extract(data, "https://example.com/x"), Article)


def test_not_html_at_all() -> None:
    assert isinstance(extract(None), Article)  # type: ignore[arg-type]
    assert isinstance(extract(12345), Article)  # type: ignore[arg-type]


def test_deeply_nested_unclosed_divs() -> None:
    a = extract("<html><body>" + "<div>" * 40_000 + "deep text" + "</body></html>")
    assert isinstance(a, Article)


def test_deeply_nested_tags_hidden_in_a_json_ld_article_body() -> None:
    # JSON escapes hide the tags from the page's own bound; the body is bounded again
    body = json.dumps({"@type": "NewsArticle", "articleBody": "<div>" * 40_000 + "deep"})
    ld = body.replace("<", "\\u003c")
    page = f'<script type="application/ld+json">{ld}</script><div id="app">app</div>'
    assert extract(page).text == "app"


def test_deeply_nested_inline_tags() -> None:
    assert isinstance(extract("<p>" + "<b><i>" * 20_000 + "x"), Article)


def test_invalid_utf8() -> None:
    html = (
        b"<html><body><p>caf\xe9 \xff\xfe broken \xc3\x28 bytes, and more text.</p></body></html>"
    )
    assert "caf" in extract(html).text


def test_truncated_page() -> None:
    html = b"<html><head><title>T</title></head><body><article><p>Some text that is cut off"
    assert isinstance(extract(html), Article)


def test_twenty_megabyte_page() -> None:
    para = "<p>" + "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 20 + "</p>\n"
    html = "<html><body><article>" + para * (20_000_000 // len(para)) + "</article></body></html>"
    a = extract(html.encode())
    assert a.text.startswith("Lorem ipsum")


def test_a_page_of_a_hundred_thousand_blocks_is_cut() -> None:
    # headings and bylines by the hundred thousand: rendered up to rules.MAX_BLOCKS
    html = "<html><body>" + "<h2>Update</h2><p>Text of the update, short.</p>" * 100_000
    a = extract(html.encode() + b"</body></html>")
    assert 0 < a.text.count("Text of the update") <= rules.MAX_BLOCKS


def test_broken_json_ld_and_meta() -> None:
    html = """<html><head><script type="application/ld+json">{"@type": "NewsArticle",
    "author": {"name": null}, "datePublished": 12, "headline": ["x"]</script>
    <meta property="article:published_time" content="not a date">
    <meta name="author" content=""><base href="http://[bad"></head>
    <body><a href="http://[::1">x</a><a href="javascript:void(0)">y</a><p>t</p></body></html>"""
    assert isinstance(extract(html, "not a url"), Article)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_random_bytes_never_raise(data: bytes) -> None:
    assert isinstance(extract(data), Article)


@st.composite
def tag_soup(draw: st.DrawFn) -> str:
    parts = draw(
        st.lists(
            st.one_of(
                st.sampled_from(TAGS).map(lambda t: f"<{t}>"),
                st.sampled_from(TAGS).map(lambda t: f"</{t}>"),
                st.sampled_from(TAGS).map(lambda t: f'<{t} class="share nav" href="/x#y">'),
                st.text(max_size=40),
                st.just('<script type="application/ld+json">{"@graph": [</script>'),
                st.just("<!-- comment"),
            ),
            max_size=200,
        )
    )
    return "".join(parts)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tag_soup(), st.one_of(st.none(), st.just("https://example.com/a/b.html")))
def test_random_tag_soup_never_raises(html: str, url: str | None) -> None:
    a = extract(html, url)
    assert isinstance(a, Article)
    assert isinstance(extract(html.encode("utf-8", "surrogatepass"), url), Article)
