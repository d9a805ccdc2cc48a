"""Article extraction: ``extract(html, url) -> Article``, a pure function that never raises
(``extract_strict``: the same without its catch-all, for the tests).

The stages, in order:

1. Bound the input: at most ``rules.MAX_INPUT_BYTES``; a document whose open
   elements would cost the parser more than ``guard.PARSE_BUDGET`` is cut there. After
   parsing, an element ``rules.MAX_DEPTH`` levels deep keeps its text but no elements
   (``content.scan_tags``).
2. Bytes go to the parser as UTF-8 unless a BOM or a ``<meta charset>`` /
   http-equiv in the first KB says otherwise (then ``encoding.decode_html``
   decodes them). When the article then holds U+FFFD (the parser's replacement
   for bytes that are not UTF-8) and the body is not valid UTF-8, the body is
   decoded by ``decode_html`` (BOM, valid UTF-8, ``<meta>``, charset-normalizer)
   and extracted again.
3. Parse once with lexbor.
4. Metadata from the raw tree (``metadata``), each field a cascade whose first
   value wins:
   - title: an ``<h1>`` agreeing with JSON-LD headline / og:title / ``<title>``
     (typographic quotes and dashes read as plain ones), or one part of one of
     them ("Chronik: <h1> - Site"), else JSON-LD headline, microdata headline,
     og/twitter title, ``<title>`` (each without its " | Site" part), else the
     first ``<h1>``;
   - authors: JSON-LD author (@graph references resolved), then author meta tags
     (author, article:author, parsely, sailthru, dc.creator ...) - these two only if
     the page shows the name -, microdata, "By/Von/Por ..." text at the title, class
     bylines near the title, a newsroom's byline, a byline line anywhere in the body
     ("Autor:" Name, "erstellt von" Name), "By ..." / "Text: ..." lines dropped from
     the main text - cleaned to person names (a photo's credit names none; a JSON-LD
     author typed Organization that names a person the byline shows is one);
   - published: JSON-LD datePublished, meta tags (article:published_time, dc.date,
     parsely-pub-date ...), microdata, ``<time datetime>`` (not a reader comment's),
     the URL, the date written at the title (which also wins over a machine date it
     does not show), a date in a byline ("Author: X am 29.12.2010"), date-like
     elements, a labelled date ("Erschienen am", "wurde am <date> veröffentlicht") in
     the body, which a dateline set apart at the start of one of the main text's
     first paragraphs outranks ("(21. November 2022) ...", "2021-10-16 | ...": step 8);
     a URL's date wins over a machine date more than two days after it (a
     republication); modified from
     dateModified / article:modified_time;
   - site name, description, image, canonical URL, section, tags: JSON-LD,
     OpenGraph and article:*, Twitter cards, other meta tags.
5. Links from the raw tree (``links``), found in the metadata's pass over it:
   every ``<a href>``, made absolute
   against ``<base href>`` / the URL; javascript:, mailto: and bare fragments skipped.
6. Clean (``content.clean_tree``): drop scripts, navigation, asides, footers,
   hidden elements and elements whose class/id word parts say boilerplate
   (``rules``), unless they hold a large share of the page's text; a content
   class beside a boilerplate one ("entry share"), layout words ("one-sidebar")
   and script hooks ("js-nav") only drop small elements or none, and so does a word
   only in a BEM modifier ("Section--Ads"); an element of two or more
   long, link-free paragraphs is prose whatever its name, an id spelling its
   section's heading names nothing, and an inline element in a paragraph's
   sentence ("<span class=dateline>CAIRO -</span> Gunmen ...", a link with the
   sentence's words on both sides: "on <a class=meta-loc>Sudan</a> and") stays; a small
   ``<header>`` inside ``<article>``/``<main>`` is the article's own and stays.
7. Choose the main container (``content.choose_container``): paragraphs score
   their parent and grandparent (length, commas), class/id vocabularies and
   semantic tags add or subtract, link density scales down; the best candidate,
   climbing to an ancestor shared by several strong candidates, and out of a
   data table (its cells outscore the prose around it), plus its
   worthy siblings; widened to the ancestor that gains most paragraph text
   when they hold under 60% of the page's, and preceded by the lead paragraph
   or deck just before them, and the run of paragraphs before it (up to 3 levels
   up, wrappers with no other text not counted; never a paragraph above the
   page's first ``<h1>``, the run never into a title's header; a deck named on
   its heading or on a wrapper holding only it, in English, Spanish, French or
   German: "standfirst", "bajada", "copete", "chapeau", "Vorspann"); and, further
   off, the prose paragraphs between the page's first ``<h1>`` and them when they
   make up most of the text there and are styled as most of the article's
   paragraphs are (a deck with a class of its own, or without a sentence's end,
   stays out).
8. Render the container into blocks in document order, text and markdown in
   one walk (``content.render``; a box with no text inside a line's inline element
   does not break the line), then drop boilerplate blocks: link-heavy
   blocks (a heading's link to its own section does not count; a heading
   that is a link stays when a prose paragraph follows it, one kept precedes it
   and the page has three or more such: a list article's entries; a sentence
   mostly one link between prose paragraphs stays, and so does a table row of
   several cells, after a kept row, with words outside its links, and so does a
   list item linking to a section of the page that it names: a table of
   contents), promos ("Read more:",
   "Lesen Sie auch"), reading times, share and subscribe prompts,
   credits, bylines ("Von: Jane Doe"), datelines alone or after a label ("Stand:
   25.01.2022"), and sections under recirculation or comment headings
   (``content.keep_blocks``). If too little is left, or the container's text is
   under a fifth of the cleaned body's letters (a product page's or a front page's
   blocks side by side, a post written in ``<span>``s that a print notice in
   ``<div>``s outscores), the whole cleaned body is rendered and filtered instead.
   When the page's JSON-LD ``articleBody`` is several times longer than what the
   markup gave (a page that its scripts render), that body is rendered and
   filtered instead.
9. Language: declared (html lang, og:locale, content-language, JSON-LD
   inLanguage), else detected from the text (``language``).
10. Page type: "article" (declared as one, but for a site's home page, or a
    substantial main text), "index" (mostly links), else None.
11. Text, markdown and metadata in Unicode's composed form (NFC): a page that
    writes "é" as "e" and a combining accent, or a Bengali "য়" as one code point
    where NFC has two, gives the text that pages spelling it the other way give.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from scraper.extract import content, dates, guard, language, links, metadata
from scraper.extract.encoding import decode_html, is_utf8, parse_input
from scraper.extract.rules import (
    ARTICLE_MIN_CHARS,
    BYLINE_MAX_CHARS,
    DATELINE_BLOCKS,
    DATELINE_START_CHARS,
    INDEX_LINK_TEXT_SHARE,
    INDEX_MIN_LINKS,
    LD_BODY_SHARE,
    MAIN_MIN_SHARE,
    MAX_INPUT_BYTES,
    MIN_MAIN_CHARS,
)
from scraper.models import Article

if TYPE_CHECKING:
    from selectolax.lexbor import LexborNode

__all__ = ["decode_html", "extract", "extract_strict"]


def extract(html: bytes | str, url: str | None = None) -> Article:
    """The article in a page: main text, markdown, metadata and links. Never raises:
    input that is neither bytes nor text, or a bug (``extract_strict`` raising), gives an
    empty ``Article``."""
    if not isinstance(html, str | bytes | bytearray | memoryview):
        return Article()
    try:
        return extract_strict(html, url)
    except Exception:  # the safety net: the tests hold that no page reaches it
        return Article()


def extract_strict(html: bytes | str, url: str | None = None) -> Article:
    """``extract`` without its safety net: an exception here is a bug (the tests fuzz this)."""
    if isinstance(html, str):
        return _composed(_extract(guard.bound_input(html), url))
    raw = guard.bound_input(bytes(html[:MAX_INPUT_BYTES]))
    source = parse_input(raw)
    article = _extract(source, url)
    if source is raw and _replaced(article) and not is_utf8(raw):
        # the parser replaced bytes that are not UTF-8: decode the page instead
        article = _extract(decode_html(raw), url)
    return _composed(article)


def _composed(article: Article) -> Article:
    """The article's text, markdown and metadata in Unicode's composed form (NFC)."""
    article.text = _nfc(article.text)
    article.markdown = _nfc(article.markdown)
    for name in ("title", "description", "site_name", "section"):
        value = getattr(article, name)
        if value:
            setattr(article, name, _nfc(value))
    article.authors = [_nfc(name) for name in article.authors]
    article.tags = [_nfc(tag) for tag in article.tags]
    return article


def _nfc(text: str) -> str:
    # ASCII is composed already, and a string knows whether it is ASCII without a look
    # at its characters (normalize's own check reads each one)
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _replaced(article: Article) -> bool:
    """Whether any text of the article holds U+FFFD (the parser's replacement character)."""
    fields = (
        article.text,
        article.markdown,
        article.title,
        article.description,
        article.site_name,
        article.section,
        article.canonical_url,
        article.image,
        *article.authors,
        *article.tags,
    )
    if any(value and "\ufffd" in value for value in fields):
        return True
    return any("\ufffd" in link.text or "\ufffd" in link.url for link in article.links)


def _extract(html: bytes | str, url: str | None) -> Article:
    from selectolax.lexbor import LexborDocumentOptions, LexborHTMLParser

    if not html or html.isspace():
        return Article()
    # without DOM mutation events: the tree as written (they only mirror
    # <selectedcontent>), and parsing and removing nodes cost a little less
    tree = LexborHTMLParser(html, options=LexborDocumentOptions.WO_EVENTS)
    body = tree.body
    # first: it bounds the body's nesting, which all that reads the tree relies on
    scan = content.scan_tags(body) if body is not None else None
    head = metadata.read_head(tree)
    resolve = links.Resolver(
        links.base_of(head.base, url) if head is not None else links.base_url(tree, url)
    )
    src = metadata.gather(tree, url, html, resolve, head)
    site = src.site = metadata.site_name_of(src)
    article = Article(
        title=metadata.title_of(src, site),
        authors=metadata.authors_of(src),
        published=metadata.published_of(src),
        modified=metadata.modified_of(src),
        description=metadata.description_of(src),
        site_name=site,
        canonical_url=metadata.canonical_of(src),
        image=metadata.image_of(src),
        section=metadata.section_of(src),
        tags=metadata.tags_of(src),
    )
    article.links = src.links
    if body is None:
        article.language = metadata.declared_language(src)
        return article
    h1 = src.first_h1  # the body's first <h1>: gather's query reads them all
    above_title = content.above_title(body, h1)
    raw_chars = content.clean_tree(body, h1, src.hidden, scan)
    bylines: list[str] = []
    chosen = content.choose_container(body, above_title, h1)
    sections = content.section_headings(body)
    blocks = content.keep_blocks(content.render(chosen, resolve, sections), bylines)
    chosen_chars = sum(len(b.text) for b in blocks)
    if chosen_chars < MIN_MAIN_CHARS or (
        chosen_chars < MAIN_MIN_SHARE * raw_chars  # raw_chars bounds the letters: cheap first
        and chosen_chars < MAIN_MIN_SHARE * _nonspace_chars(body)
    ):
        whole = content.keep_blocks(content.render([body], resolve, sections), bylines)
        whole_chars = sum(len(b.text) for b in whole)
        if whole_chars > chosen_chars and (
            chosen_chars < MIN_MAIN_CHARS or chosen_chars < MAIN_MIN_SHARE * whole_chars
        ):
            blocks = whole
    ld_body = metadata.ld_article_body(src)
    if ld_body and len(ld_body) > LD_BODY_SHARE * max(sum(len(b.text) for b in blocks), 1):
        ld_blocks = content.keep_blocks(content.render_text(ld_body, resolve), bylines)
        if sum(len(b.text) for b in ld_blocks) >= MIN_MAIN_CHARS:
            blocks = ld_blocks
    if article.title:
        folded = article.title.casefold()
        # the title's heading, also under a kicker line in it ("Einheit der Woche<br>Title")
        blocks = [
            b for b in blocks if b.kind != "h" or b.text.rsplit("\n", 1)[-1].casefold() != folded
        ]
    if article.authors:
        # a line that is only an author's name (an author box's heading): a byline
        names = {name.casefold() for name in article.authors}
        blocks = [
            b
            for b in blocks
            if len(b.text) > BYLINE_MAX_CHARS or b.text.strip(_NAME_STRIP).casefold() not in names
        ]
    if src.published_weak and blocks:
        # "(21. November 2022) Energieverbraucher erhalten ...", "2021-10-16 | Botschaft":
        # the article's own dateline at the start of its text
        for block in blocks[:DATELINE_BLOCKS]:
            lead = block.kind == "p" and _DATELINE_LEAD.match(block.text)
            found = lead and dates.find_dates(lead.group(1))
            if found:
                article.published = min(found)[1]
                break
    if not article.authors and bylines:
        article.authors = metadata.authors_from_bylines(bylines, site)
    article.text = "\n\n".join(b.text for b in blocks)
    article.markdown = "\n\n".join(b.md for b in blocks)
    links.mark_body_links(article.links, {pair for b in blocks for pair in b.links})
    article.language = metadata.declared_language(src) or language.detect_language(article.text)
    article.page_type = _page_type(src, article, raw_chars)
    return article


_NAME_STRIP = " -–—|,·•"
# a paragraph's start set apart by a bracket or a bar or dash: "(21. November 2022) ...",
# "Karlsruhe, (12.11.2021). ...", "2021-10-16 | Botschaft"
_DATELINE_LEAD = re.compile(rf"(.{{0,{DATELINE_START_CHARS}}}?)(?:\)|\s[|–—-]\s)")


def _nonspace_chars(node: LexborNode) -> int:
    """How many characters of the node's text are not whitespace."""
    text = node.text_lexbor()
    return len(text) - text.count(" ") - text.count("\n") - text.count("\t")


def _page_type(src: metadata.Sources, article: Article, raw_chars: int) -> str | None:
    text_chars = len(article.text)
    if metadata.declares_article(src) and text_chars >= MIN_MAIN_CHARS:
        return "article"
    link_chars = sum(len(link.text) for link in article.links)
    if (
        len(article.links) >= INDEX_MIN_LINKS
        and raw_chars
        and link_chars / raw_chars >= INDEX_LINK_TEXT_SHARE
        and text_chars < ARTICLE_MIN_CHARS * 3
    ):
        return "index"
    if text_chars >= ARTICLE_MIN_CHARS:
        return "article"
    return None
