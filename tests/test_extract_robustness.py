"""Extraction on hostile input: ``extract_strict`` (``extract`` without its catch-all)
never raises and stays bounded, and ``extract``'s catch-all is reached by no page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scraper.extract import extract, extract_strict, guard, rules
from scraper.models import Article

if TYPE_CHECKING:
    from selectolax.lexbor import LexborNode

PAGES = Path(__file__).parent / "pages"
SAVED = sorted(PAGES.glob("*.html"))

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


def test_empty_input_is_an_empty_article() -> None:
    for value in (b"", "", b"   ", "\x00"):
        assert extract_strict(value) == Article()


def test_what_is_not_a_page_is_an_empty_article() -> None:
    # the only inputs extract itself turns away; everything else goes to extract_strict
    assert extract(None) == Article()  # type: ignore[arg-type]
    assert extract(12345) == Article()  # type: ignore[arg-type]


@pytest.mark.parametrize("page", SAVED, ids=[p.name for p in SAVED])
def test_no_saved_page_needs_the_catch_all(page: Path) -> None:
    html = page.read_bytes()
    strict = extract_strict(html, "https://example.com/a/page.html")
    assert strict.text
    assert extract(html, "https://example.com/a/page.html") == strict


def test_binary_input() -> None:
    a = extract_strict(bytes(range(256)) * 200, "https://example.com/x")
    assert a.title is None and a.links == []


def test_nesting_is_cut_where_the_parse_budget_runs_out() -> None:
    # the bound is exact: the k-th <div> (from 0) costs the parser k (the open elements
    # it looks down); the first one past the budget is cut with all after it
    k = next(k for k in range(1, 10**5) if k * (k + 1) // 2 > guard.PARSE_BUDGET)
    assert guard.bound_input("<div>" * k + "deep") == "<div>" * k + "deep"
    assert guard.bound_input("<div>" * (k + 1) + "deep") == "<div>" * k

    def page(depth: int) -> str:
        return "<html><body><p>First words.</p>" + "<div>" * depth + "deep text</body></html>"

    assert extract_strict(page(4000)).text == "First words.\n\ndeep text"
    assert extract_strict(page(40_000).encode()).text == "First words."


@pytest.mark.parametrize(
    "unit",
    [
        "<div></p>",  # a stray end tag closes nothing
        "<div></section>",
        "<div>a few words of text",  # too few tags in a window to look suspicious
        "<span><p></p>",  # inline elements open, blocks closed: each <p> looks down
    ],
)
def test_what_the_parser_keeps_open_is_counted(unit: str) -> None:
    cut = guard.bound_input("<body>" + unit * 40_000 + "<p>end</p>")
    assert "end" not in cut and len(cut) < len(unit) * 40_000
    assert extract_strict("<body>" + unit * 40_000 + "<p>end</p>").text.count("end") == 0


def test_closed_and_implied_elements_are_not_counted() -> None:
    # each part, 7,000 times, with tags that look down the open elements after each
    # one: counted as open, any of them would pass the budget (7,000**2 / 2 > 20 M)
    n = 7000
    parts = [
        "<p>x<br><img src=a><b>b</b>" * n,  # a <p> ends the one before; void elements
        "<ul>" + "<li><div>item</div>" * n + "</ul>",  # so does an <li>
        "<ul>" + "<li><p>item <b>x</b>" * n + "</ul>",  # past the <p> left open in it
        "<p><span>x " * n,  # a <p> ends the one before past a <span> left open
        "<table><tr>" + "<td><div>a</div>" * n + "</table>",  # and a <td>
        "<table>" + "<tr><td><p>a<td><p>b" * n + "</table>",  # a <tr> ends row and cell
        "<svg>" + "<path d='M0'/><g></g>" * n + "</svg>",  # self-closed in an <svg>
        "<script>" + "<div>" * n + "</script>" + "<div>y</div>" * n,  # a script's text
        "<!--" + "<div>" * n + "-->" + "<div>y</div>" * n,  # a comment
    ]
    filler = "<br>" * 40_000  # tags enough for the exact scan to run
    for part in parts:
        page = f"<body>{filler}{part}<p>end"
        assert guard.bound_input(page) == page, part[:30]


def test_deeply_nested_tags_hidden_in_a_json_ld_article_body() -> None:
    # JSON escapes hide the tags from the page's own bound; the body is bounded again
    body = json.dumps({"@type": "NewsArticle", "articleBody": "<div>" * 40_000 + "deep"})
    ld = body.replace("<", "\\u003c")
    page = f'<script type="application/ld+json">{ld}</script><div id="app">app</div>'
    assert extract_strict(page).text == "app"


def test_deeply_nested_inline_tags() -> None:
    assert extract_strict("<p>" + "<b><i>" * 20_000 + "x").text == "x"


def _depth(node: LexborNode | None, top: int) -> int:
    levels = 0
    while node is not None and node.mem_id != top:
        levels, node = levels + 1, node.parent
    return levels


def test_deep_nesting_keeps_its_text_but_not_its_elements() -> None:
    """Past rules.MAX_DEPTH levels an element keeps its text and loses the elements in
    it (per-element work grew with the square of the depth); a tree a few levels less
    deep is left exactly as it is."""
    from selectolax.lexbor import LexborHTMLParser

    from scraper.extract.content import scan_tags

    def tree(levels: int) -> LexborHTMLParser:
        spans = "".join(f"<span class=c{i}>w{i} " for i in range(levels))
        return LexborHTMLParser(f"<html><body><p>x {spans}</p><p>after</p></body></html>")

    deep = tree(3 * rules.MAX_DEPTH)
    body = deep.body
    assert body is not None
    text = body.text_lexbor()
    scan_tags(body)
    assert body.text_lexbor() == text  # w0 ... w767, then "after", in order
    top = body.mem_id
    deepest = max(_depth(node, top) for node in body.traverse())
    assert deepest <= rules.MAX_DEPTH + rules.DEPTH_SAMPLE + 2
    shallow = tree(rules.MAX_DEPTH - 8)
    before = shallow.html
    assert shallow.body is not None
    scan_tags(shallow.body)
    assert shallow.html == before


def test_nested_hidden_elements_go_with_the_outermost() -> None:
    """Hidden spans nested in one another by the ten thousand (each was walked up to
    the body, one by one): the article around them stays, none of their text does."""
    para = "<p>" + "A sentence of the article, long enough to count here. " * 4 + "</p>"
    html = f"<html><body><article>{para}<p>Seen. {'<span hidden>gone ' * 20_000}</p>{para}"
    text = extract_strict(html + "</article></body></html>").text
    assert text.count("A sentence of the article") == 8
    assert "Seen." in text and "gone" not in text


def test_outermost_in_the_body() -> None:
    from selectolax.lexbor import LexborHTMLParser

    from scraper.extract.content import _outermost_in

    tree = LexborHTMLParser(
        "<html><head><link id=h></head><body><div id=a><span id=b></span></div>"
        "<p id=c><i id=d><b id=e></b></i></p><div id=f></div></body></html>"
    )
    assert tree.body is not None
    nodes = [tree.css_first(f"#{k}") for k in "habdef"]
    picked = _outermost_in(tree.body, [n for n in nodes if n is not None])
    assert [n.id for n in picked] == ["a", "d", "f"]


def test_invalid_utf8() -> None:
    html = (
        b"<html><body><p>caf\xe9 \xff\xfe broken \xc3\x28 bytes, and more text.</p></body></html>"
    )
    assert extract_strict(html).text.startswith("caf\u00e9 ")


def test_truncated_page() -> None:
    html = b"<html><head><title>T</title></head><body><article><p>Some text that is cut off"
    a = extract_strict(html)
    assert (a.title, a.text) == ("T", "Some text that is cut off")


def test_twenty_megabyte_page() -> None:
    para = "<p>" + "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 20 + "</p>\n"
    html = "<html><body><article>" + para * (20_000_000 // len(para)) + "</article></body></html>"
    a = extract_strict(html.encode())
    assert a.text.startswith("Lorem ipsum")


def test_a_page_of_a_hundred_thousand_blocks_is_cut() -> None:
    # headings and bylines by the hundred thousand: rendered up to rules.MAX_BLOCKS
    html = "<html><body>" + "<h2>Update</h2><p>Text of the update, short.</p>" * 100_000
    a = extract_strict(html.encode() + b"</body></html>")
    assert 0 < a.text.count("Text of the update") <= rules.MAX_BLOCKS


def test_broken_json_ld_and_meta() -> None:
    html = """<html><head><script type="application/ld+json">{"@type": "NewsArticle",
    "author": {"name": null}, "datePublished": 12, "headline": ["x"]</script>
    <meta property="article:published_time" content="not a date">
    <meta name="author" content=""><base href="http://[bad"></head>
    <body><a href="http://[::1">x</a><a href="javascript:void(0)">y</a><p>t</p></body></html>"""
    a = extract_strict(html, "not a url")
    assert a.text == "t" and a.authors == [] and a.published is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_random_bytes_never_raise(data: bytes) -> None:
    assert isinstance(extract_strict(data), Article)


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
    assert isinstance(extract_strict(html, url), Article)
    assert isinstance(extract_strict(html.encode("utf-8", "surrogatepass"), url), Article)
