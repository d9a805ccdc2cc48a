"""Extraction: the seed page golden test, metadata, links, markdown, blocks, encoding."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin

import pytest

from scraper.extract import extract
from scraper.extract.content import Block, is_boilerplate
from scraper.extract.encoding import decode_html
from scraper.extract.language import detect_language
from scraper.models import Article

PAGES = Path(__file__).parent / "pages"
SEED_URL = "https://time.com/4563888/vladimir-putin-donald-trump-russia/"


@pytest.fixture(scope="module")
def seed() -> Article:
    return extract((PAGES / "time_seed.html").read_bytes(), SEED_URL)


def test_seed_text_is_exactly_the_article(seed: Article) -> None:
    expected = (PAGES / "time_seed.expected.txt").read_text(encoding="utf-8")
    assert seed.text == expected


def test_seed_boilerplate_is_gone(seed: Article) -> None:
    for junk in (
        "Read More",
        "6 minute read",
        "More Must-Reads",
        "Contact us",
        "russia\n",
        "Share on Facebook",
        "Advertisement",
        "Getty Images",
        "By Simon Shuster",
    ):
        assert junk not in seed.text


def test_seed_metadata(seed: Article) -> None:
    assert seed.title == "What Vladimir Putin Is Expecting From Donald Trump"
    assert seed.authors == ["Simon Shuster"]
    assert seed.published == datetime(2016, 11, 9, 17, 19, 24, tzinfo=UTC)
    assert seed.modified == datetime(2016, 11, 9, 18, 2, 11, tzinfo=UTC)
    assert seed.site_name == "TIME"
    assert seed.language == "en"
    assert seed.section == "World"
    assert seed.tags == ["russia"]
    assert seed.canonical_url == SEED_URL
    assert seed.image and seed.image.endswith("putin-trump.jpg")
    assert seed.description
    assert seed.page_type == "article"


def test_seed_links(seed: Article) -> None:
    urls = [link.url for link in seed.links]
    assert "https://time.com/section/world/" in urls  # relative, made absolute
    assert not any(u.startswith(("mailto:", "javascript:", "#")) for u in urls)
    body = [link for link in seed.links if link.in_body]
    assert [link.text for link in body] == ["Vladimir Putin", "Donald Trump"]
    nav = next(link for link in seed.links if link.text == "Politics")
    assert not nav.in_body


def test_seed_markdown(seed: Article) -> None:
    assert seed.markdown.startswith(
        "[Vladimir Putin](https://time.com/tag/vladimir-putin/) kno*ws* better"
    )
    assert "*All the Kremlin’s Men*" in seed.markdown


def test_inline_tags_do_not_split_words() -> None:
    html = (
        "<html><body><article><p>A long enough sentence with a <b>wo</b>rd, and <i>an</i>"
        "<span>other</span> one, written so that the paragraph is long enough.</p></article>"
    )
    text = extract(html).text
    assert "word," in text and "another" in text


def test_text_and_metadata_come_composed_nfc() -> None:
    # "é" as "e" and a combining accent, and the Bengali letter U+09DF, which NFC
    # writes as two code points (U+09AF U+09BC): as bytes and as text, the same output
    decomposed, bengali = "Cafe\u0301", "\u0995\u09c1\u09b7\u09cd\u099f\u09bf\u09df\u09be"
    html = (
        f"<html><head><title>{decomposed} {bengali}</title>"
        f'<meta name="description" content="{decomposed}"></head><body><article>'
        f"<p>The {decomposed} on the corner, {bengali}, is long enough to be the text.</p>"
        "</article></body></html>"
    )
    for page in (html, html.encode()):
        a = extract(page)
        assert "Caf\u00e9 on the corner" in a.text and "Caf\u00e9" in a.markdown
        assert "\u0995\u09c1\u09b7\u09cd\u099f\u09bf\u09af\u09bc\u09be" in a.text
        assert a.title is not None and a.title.startswith("Caf\u00e9 ")
        assert a.description == "Caf\u00e9"


def test_blocks_are_joined_by_blank_lines_in_document_order() -> None:
    html = (
        "<body><article><h2>Heading</h2><p>First paragraph, long enough to count as text.</p>"
        "<ul><li>one item of the list</li><li>two items of the list</li></ul>"
        "<blockquote>A quote, also long enough to be a block.</blockquote>"
        "<pre>code  line\n  indented</pre><p>Last paragraph, long enough to count.</p>"
        "</article></body>"
    )
    a = extract(html)
    assert a.text.split("\n\n") == [
        "Heading",
        "First paragraph, long enough to count as text.",
        "one item of the list",
        "two items of the list",
        "A quote, also long enough to be a block.",
        "code  line\n  indented",
        "Last paragraph, long enough to count.",
    ]
    assert "## Heading" in a.markdown
    assert "- one item of the list" in a.markdown
    assert "> A quote" in a.markdown
    assert "```\ncode  line\n  indented\n```" in a.markdown


@pytest.mark.parametrize(
    "line",
    [
        "Read More: Something else entirely",
        "Lesen Sie auch: Ein anderer Artikel",
        "Lea también: Otra noticia",
        "6 minute read",
        "Contact us at letters@example.com",
        "Write to Jane Doe at jane.doe@example.com",
        "Sign up for our newsletter",
        "Photo: Jane Doe/Getty Images",
        "By Jane Doe",
        "Advertisement",
        "(Credit: Jane Doe / Example)",
        "The winner at the 1975 final. | © Jane Doe/Example Archive",
        "Jane Doe contributed reporting from Hong Kong.",
        "Like this story? Share it with a friend!",
        "Let our news meet your inbox. The stories that matter, delivered weekday mornings.",
        "1 - 5 of 36",
        "Caption",
        "Iklan",
        "личный архив Анны Петровой",
        "sexta-feira, 22 de outubro de 2010 às 20:13",  # a dateline alone
        "November 20, 2019 - 11:28 AMT",
        "12.10.2015, 19:16 Uhr",
        "(Reporting by Jane Doe; Editing by John Roe)",
        "We’d like to hear what you think about this or any of our articles. Here are some tips."
        " And here's our email: letters@example.com.",
        "Her book is out now. Follow her on Twitter @janedoe. Follow us on Twitter @example.",
        "Citation: A study (2019, November 18) retrieved 20 November 2019 from https://example.com",
        "The rocket stage in its hall after the engines were fitted. (credit: NASA/Jane Doe)",
        "Aktualisiert am 17.01.2021.",
        "Permalink: https://example.com/p/123",
        "READ MORE: Something else",
        "Was this article helpful?",
        "Follow us on our Telegram channel for more",
        "This post may contain affiliate links.",
        "Sie sind aktuell nicht eingeloggt.",
        "Crédits photos : Jane Doe",
        "Mail the desk: desk@example.com",
    ],
)
def test_boilerplate_lines(line: str) -> None:
    assert is_boilerplate(Block("p", line, line))


@pytest.mark.parametrize(
    "line",
    [
        "By contrast, the senator said the plan would not pass this year.",
        "Readers were told the bridge would reopen on Monday.",
        "Updated figures came out on 17.01.2021. They showed a rise in prices.",
        "Close to a thousand people came to the square on Sunday evening.",
        "+81 158-23-2012",  # a phone number, not a date
        "2001 2013 2017",
        "In March 2019 the council voted.",
        "He had another piece of evidence, a shaky one: a mail sent from a soldier of the militia,"
        " with a photo of four men seen from behind. Its sender: someone1234@example.com.",
    ],
)
def test_sentences_are_not_boilerplate(line: str) -> None:
    assert not is_boilerplate(Block("p", line, line))


def test_metadata_cascade_and_cleanup() -> None:
    html = """<html><head>
    <title>Big News Today - The Daily Example</title>
    <meta property="og:site_name" content="The Daily Example">
    <meta name="author" content="By Jane Doe and John Smith, Staff Writers">
    <script type="application/ld+json">{"@graph": [{"@type": "WebSite", "name": "X"},
      {"@type": ["NewsArticle"], "datePublished": "2021-03-04T05:06:07+02:00"}]}</script>
    </head><body><h1>Big News Today</h1><p>Text long enough to be the body of the page.</p>
    </body></html>"""
    a = extract(html, "https://example.com/2021/03/04/big-news")
    assert a.title == "Big News Today"
    assert a.authors == ["Jane Doe", "John Smith"]
    assert a.published is not None and a.published.isoformat() == "2021-03-04T05:06:07+02:00"


def test_authors_from_json_ld_objects_and_dates_from_url() -> None:
    html = """<html><head><script type="application/ld+json">
    [{"@type": "BlogPosting", "headline": "Hello",
      "author": [{"@type": "Person", "name": "Ana Ruiz"}, {"name": "ana ruiz"}, "@handle"]}]
    </script></head><body><p>Body text of the post, long enough.</p></body></html>"""
    a = extract(html, "https://blog.example.org/2019/07/02/hello/")
    assert a.authors == ["Ana Ruiz"]
    assert a.published == datetime(2019, 7, 2, tzinfo=UTC)


def test_implausible_dates_are_rejected() -> None:
    html = (
        '<html><head><meta property="article:published_time" content="2999-01-01">'
        "</head><body><p>text</p></body></html>"
    )
    assert extract(html).published is None


def test_index_page() -> None:
    items = "".join(
        f'<li><a href="/story/{i}">Headline number {i} of the day</a></li>' for i in range(60)
    )
    a = extract(f"<html><body><ul>{items}</ul></body></html>", "https://example.com/")
    assert a.page_type == "index"
    assert len(a.links) == 60 and a.links[0].url == "https://example.com/story/0"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/", "index"),
        ("https://example.com/index.php", "index"),
        ("https://example.com/de/", "index"),
        ("https://example.com/?p=31228", "article"),  # a post by its id
        ("https://example.com/news/a-story", "article"),
    ],
)
def test_home_page_declared_an_article_is_not_believed(url: str, expected: str) -> None:
    items = "".join(
        f'<li><a href="/story/{i}">Headline number {i} of the day</a></li>' for i in range(60)
    )
    lead = "<p>" + "The latest post of the site, as its teaser gives it. " * 6 + "</p>"
    head = '<meta property="og:type" content="article">'
    a = extract(f"<html><head>{head}</head><body>{lead}<ul>{items}</ul></body></html>", url)
    assert a.page_type == expected


def test_language_declared_and_detected() -> None:
    assert extract('<html lang="de-AT"><body><p>x</p></body></html>').language == "de"
    assert (
        detect_language(
            "Der Hund und die Katze sind nicht im Haus, aber es ist auch "
            "schon spät und wir werden nach Hause gehen."
        )
        == "de"
    )
    assert (
        detect_language(
            "El perro y el gato no están en la casa, pero ya es tarde y "
            "nos vamos para la casa con los amigos."
        )
        == "es"
    )


def test_decode_html() -> None:
    text = "Grüße – “quotes”"
    assert decode_html(text.encode("utf-8")) == text
    assert decode_html(b"\xef\xbb\xbf" + text.encode("utf-8")) == text
    latin = f'<meta charset="iso-8859-1"><p>{"Grüße"}</p>'.encode("latin-1")
    assert "Grüße" in decode_html(latin)
    assert "Grüße" in decode_html("<p>Grüße</p>".encode("cp1252"), declared="windows-1252")
    # the HTTP header wins over the meta declaration when it is valid
    body = '<meta charset="utf-8"><p>Grüße</p>'.encode("latin-1")
    assert "Grüße" in decode_html(body, declared="latin-1")
    assert decode_html(b"abc", declared="no-such-charset") == "abc"
    assert decode_html("ü".encode() + b"\xc3") == "ü"  # cut inside a character


def test_bytes_not_utf8_are_decoded() -> None:
    paragraph = "Die Straße war voller Menschen, die über das Wetter sprachen. " * 10
    page = f"<html><head><title>Grüße aus Köln</title></head><body><article><p>{paragraph}</p>"
    # no declaration: the parser's replacement characters send the page to detection
    article = extract((page + "</article></body></html>").encode("cp1252"))
    assert article.title == "Grüße aus Köln"
    assert "Straße" in article.text and "\ufffd" not in article.text
    # a stray byte that is not UTF-8 outside the article leaves its UTF-8 text alone
    stray = (page + "</article><script>var x = '\xe9';</script></body></html>").encode("utf-8")
    stray = stray.replace("'é'".encode(), b"'\xe9'")
    article = extract(stray)
    assert article.title == "Grüße aus Köln" and "über das Wetter" in article.text


@pytest.mark.parametrize(
    "base",
    [
        "https://example.com/blog/2020/post.html?page=2#top",
        "https://example.com/blog/",
        "https://example.com",
        "http://example.com:8080/a/b",
        # where urljoin's own reading (empty and dot segments) is the answer
        "https://web.archive.org/web/2011/http://example.de/index.php?site=news",
        "https://example.com/a/./b/../c",
    ],
)
def test_relative_links_resolve_as_urljoin_does(base: str) -> None:
    hrefs = [
        "page.html",
        "sub/dir/page.php?id=3&x=y#frag",
        "Kevin%20Mayer,%20the%20Disney+",
        "www.twitter.com/someone",
        "./here",
        "../up/one",
        "a/../b",
        ".hidden",
        "?only=query",
        "x:y",
        "page#",
        "page?",
        "a//b",
    ]
    body = "".join(f'<a href="{h}">link {i}</a>' for i, h in enumerate(hrefs))
    links = extract(f"<html><body>{body}</body></html>", url=base).links
    assert {link.text: link.url for link in links} == {
        f"link {i}": urljoin(base, h) for i, h in enumerate(hrefs)
    }
