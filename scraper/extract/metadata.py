"""Page metadata, read from the raw tree before any cleaning.

Each field is a cascade of small functions returning a value or None; the first
value wins.  The sources, in order, are written in ``scraper.extract``'s docstring.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.extract import dates
from scraper.extract.content import hidden_or_aside
from scraper.extract.links import Resolver
from scraper.extract.rules import ARTICLE_TYPES, DATE_ELEMENTS, MAX_JSONLD_CHARS, MAX_LINKS
from scraper.extract.tags import ROOT_IDS, TEXT_ID, tag_ids
from scraper.models import DayDate, Link


def clean(text: Any) -> str | None:
    """Whitespace-folded text, or None when empty or not a string."""
    if not isinstance(text, str):
        return None
    return " ".join(text.split()) or None  # str.split() and \s agree on whitespace


_MARKS = ("<body", "<script", "</script")
_BARE_BODY_CHARS = 5000


@dataclass
class Sources:
    """Everything the cascades read, gathered in one pass over the raw tree."""

    url: str | None
    meta: dict[str, list[str]] = field(default_factory=dict)
    jsonld: list[dict] = field(default_factory=list)
    article_ld: dict | None = None
    html_lang: str | None = None
    title_tag: str | None = None
    h1: list[str] = field(default_factory=list)
    h1_nodes: list[LexborNode] = field(default_factory=list)
    canonical: str | None = None
    itemprops: dict[str, list[str]] = field(default_factory=dict)
    tree: LexborHTMLParser | None = None
    site: str | None = None  # the site's name, once known: never an author
    html: str | bytes | None = None  # the source, for "is this name shown on the page"
    time_nodes: list[LexborNode] = field(default_factory=list)
    # the page's links (in_body set later), read with the rest: see ``gather``
    links: list[Link] = field(default_factory=list)
    title_node: LexborNode | None = None  # the <h1> the title came from, once known
    first_h1: LexborNode | None = None  # the page's first <h1>, text or not
    # the elements hidden or of an aside's role by their attributes (``hidden_or_aside``),
    # anywhere in the document: for ``content.clean_tree``
    hidden: list[LexborNode] = field(default_factory=list)
    _times: list[tuple[str, str]] | None = None
    _bylines: list[str] | None = None
    _date_texts: list[str] | None = None
    _near: tuple[list[str], list[str]] | None = None
    _near_dates: tuple[list[datetime], list[datetime]] | None = None
    _body_at: int | None = None  # where <body starts in html
    published_weak: bool = False  # the publication date, if any, is a guess (published_of)

    def times(self) -> list[tuple[str, str]]:
        """(datetime attribute, lowercased class context) of the page's ``<time>`` tags."""
        if self._times is None:
            self._times = _time_tags(self.time_nodes)
        return self._times

    def near_title(self) -> tuple[list[str], list[str]]:
        """Text chunks after and (nearest first) before the title's heading."""
        if self._near is None:
            anchor = self.title_node or (self.h1_nodes[0] if self.h1_nodes else None)
            self._near = _near_texts(anchor) if anchor is not None else ([], [])
        return self._near

    def date_texts(self) -> list[str]:
        """Short texts of the elements whose class or id says date."""
        if self._date_texts is None:
            scope = _byline_scope(self.title_node) if self.title_node is not None else self.tree
            self._date_texts = _date_texts(scope) if scope is not None else []
        return self._date_texts

    def bylines(self) -> list[str]:
        """Texts of the elements that look like bylines."""
        if self._bylines is None:
            # an <h1> that is not the title (a blog's name, a widget's) says nothing
            anchor = self.title_node
            scope = _byline_scope(anchor) if anchor is not None else self.tree
            self._bylines = _byline_texts(scope) if scope is not None else []
        return self._bylines

    def shown(self, name: str) -> bool:
        """Whether a name is written in the page's body outside scripts (or nothing to check)."""
        html = self.html
        if not html:
            return True
        as_bytes = isinstance(html, bytes)
        body, script, end = (b"<body", b"<script", b"</script") if as_bytes else _MARKS
        start = self._body_at
        if start is None:
            start = self._body_at = max(html.find(body), 0)
        if len(html) - start < _BARE_BODY_CHARS:
            return True  # a bare document (fragment, feed item) shows no byline to judge by
        # a name with accents may be written with entities: then its longest plain word
        words = [] if name.isascii() else [w for w in name.split() if len(w) >= 4 and w.isascii()]
        for text in (name, max(words, key=len) if words else ""):
            if not text:
                continue
            needle = text.encode("utf-8") if as_bytes else text
            pos = html.find(needle, start)
            for _ in range(20):
                if pos < 0:
                    break
                opened = html.rfind(script, start, pos)
                if opened < 0 or html.find(end, opened, pos) >= 0:
                    return True  # not inside a script
                pos = html.find(needle, pos + len(needle))
        return False

    def first(self, *keys: str) -> str | None:
        for key in keys:
            for value in self.meta.get(key, ()):
                value = clean(value)
                if value:
                    return value
        return None


# ---------------------------------------------------------------- gathering


def _ld_type(obj: dict) -> set[str]:
    kind = obj.get("@type")
    if isinstance(kind, str):
        return {kind.lower()}
    if isinstance(kind, list):
        return {k.lower() for k in kind if isinstance(k, str)}
    return set()


def _flatten_ld(data: Any, out: list[dict], depth: int = 0) -> None:
    stack = [(data, depth)]
    while stack and len(out) < 200:
        item, level = stack.pop()
        if level > 4:
            continue
        if isinstance(item, list):
            stack.extend((x, level + 1) for x in reversed(item))
        elif isinstance(item, dict):
            out.append(item)
            graph = item.get("@graph")
            if graph is not None:
                stack.append((graph, level + 1))
            main = item.get("mainEntity")
            if isinstance(main, dict | list):
                stack.append((main, level + 1))


# One full-tree query for the page's links, the body's machine metadata and the
# elements that cleaning drops by their attributes (each query walks the whole tree:
# one of them cost as much as the two's matches); the itemprops wanted are picked in
# Python (cheaper than one selector per value). The last part is
# rules.DROP_ATTR_CANDIDATES but its [itemprop=author], which [itemprop] covers.
# A node matching several of these comes once per match, one after the other.
_BODY_QUERY = (
    'a[href], h1, script[type="application/ld+json"], time[datetime], [itemprop], '
    '[hidden], [aria-hidden=true], [role], [rel=author], [style*="none"], [style*="hidden"]'
)
(_A_ID,) = tag_ids("a")
_ITEMPROPS = frozenset(
    ("headline", "author", "creator", "datePublished", "dateModified", "dateCreated", "uploadDate")
)


_MEDIA_ITEM = re.compile(r"(?:ImageObject|Photograph|VideoObject|MediaObject|AudioObject)/?$")


def _media_item(node: LexborNode) -> bool:
    """Whether the item a property belongs to (the nearest itemscope above it) is an image's
    or a video's: its author or creator is a photo credit."""
    parent = node.parent
    for _ in range(12):
        if parent is None:
            return False
        attrs = parent.attributes
        if "itemscope" in attrs:
            return _MEDIA_ITEM.search((attrs.get("itemtype") or "").strip()) is not None
        parent = parent.parent
    return False


def _itemprop(node: LexborNode, found: dict[str, list[str]]) -> None:
    attrs = node.attributes
    prop = (attrs.get("itemprop") or "").strip()
    if prop in ("author", "creator"):
        if _media_item(node):
            return
        name = node.css_first("[itemprop=name]")
        value = (
            (name.attributes.get("content") or name.text_lexbor()) if name else node.text_lexbor()
        )
    else:
        value = attrs.get("content") or attrs.get("datetime") or node.text_lexbor()
    value = clean(value)
    if value and len(found.get(prop, ())) < 10:
        found.setdefault(prop, []).append(value)


def _jsonld(scripts: list[str]) -> list[dict]:
    out: list[dict] = []
    for raw in scripts:
        if not raw or len(raw) > MAX_JSONLD_CHARS:
            continue
        raw = raw.strip().removeprefix("<!--").removesuffix("-->").strip().rstrip(";")
        try:
            data = json.loads(raw, strict=False)
        except (ValueError, RecursionError):
            continue
        _flatten_ld(data, out)
    return out


_META_KEYS = frozenset(("property", "name", "itemprop", "http-equiv"))


@dataclass
class HeadNodes:
    """The elements of the document's <head> that gather and the links' base read, found
    by one query of the head (a query per element cost its own walk and setup)."""

    metas: list[LexborNode] = field(default_factory=list)  # every <meta>, in order
    title: LexborNode | None = None  # the first of each
    canonical: LexborNode | None = None
    base: LexborNode | None = None


_HEAD_QUERY = 'meta, title, link[rel="canonical"], base[href]'


def read_head(tree: LexborHTMLParser) -> HeadNodes | None:
    """The head's <meta> elements, its first <title>, canonical link and <base href>;
    None when the document has no head."""
    head = tree.head
    if head is None:
        return None
    found = HeadNodes()
    for node in head.css(_HEAD_QUERY):
        tag = node.tag
        if tag == "meta":
            found.metas.append(node)
        elif tag == "title":
            if found.title is None:
                found.title = node
        elif tag == "link":
            if found.canonical is None:
                found.canonical = node
        elif found.base is None:
            found.base = node
    return found


def gather(
    tree: LexborHTMLParser,
    url: str | None,
    html: str | bytes | None = None,
    resolve: Resolver | None = None,
    in_head: HeadNodes | None = None,
) -> Sources:
    """One pass over the raw tree for everything the metadata cascades need, and the
    page's links (``src.links``: its anchors, in document order, made absolute by
    ``resolve``; none without it). ``in_head``: the head's elements (``read_head``), if
    read already."""
    src = Sources(url=url, tree=tree, html=html if isinstance(html, str | bytes) else None)
    meta = src.meta
    if in_head is None:
        in_head = read_head(tree)  # None: the document has no head
    # the head's <meta> elements, else (none there) the whole document's
    metas = in_head.metas if in_head is not None and in_head.metas else tree.css("meta[content]")
    for node in metas:
        attrs = node.attributes
        content = attrs.get("content")
        if content is None:
            continue
        for name, key in attrs.items():
            if key and name in _META_KEYS:
                key = key.strip().lower()
                found = meta.get(key)
                if found is None:
                    meta[key] = [content]
                else:
                    found.append(content)
    # OpenGraph's article properties written with the og: prefix ("og:article:published")
    # are the article's: read under their plain name too, after any given plainly
    for key in [k for k in meta if k.startswith("og:article:")]:
        meta.setdefault(key[3:], []).extend(meta[key])
    html = tree.root
    if html is not None:
        src.html_lang = clean(html.attributes.get("lang") or html.attributes.get("xml:lang"))
    title = (in_head.title if in_head is not None else None) or tree.css_first("title")
    link = in_head.canonical if in_head is not None else tree.css_first('link[rel="canonical"]')
    if title is not None:
        src.title_tag = clean(title.text_lexbor())
    if link is not None:
        src.canonical = clean(link.attributes.get("href"))
    scripts: list[str] = []
    # Each anchor's link made here, not from a list of the anchors' nodes kept for later:
    # a page's hundreds of node objects alive at once set off a collection of the garbage
    # collector's youngest generation.
    links = src.links
    known = resolve.cache if resolve is not None else None
    left = MAX_LINKS if resolve is not None else 0
    hidden = src.hidden
    last = anchor = -1
    for node in tree.css(_BODY_QUERY):
        node_id = node.mem_id
        if node_id == last:
            if node_id != anchor:
                continue  # the same node, matching another part of the query
            # an anchor's second match (an itemprop, a role ...): its attributes read once
            anchor = -1
            attrs = node.attributes
            if attrs.get("itemprop") in _ITEMPROPS:
                _itemprop(node, src.itemprops)
            if hidden_or_aside(attrs):
                hidden.append(node)
            continue
        last = node_id
        if node.tag_id == _A_ID:
            # its href read alone: cheaper than the dict of all its attributes
            href = node.attrs.get("href")
            if href is not None:
                anchor = node_id
                if left:
                    link_url = known.get(href, False)  # type: ignore[union-attr]
                    if link_url is False:
                        link_url = resolve(href)  # type: ignore[misc]
                    if link_url:
                        text = node.text_lexbor()
                        links.append(Link(link_url, " ".join(text.split()) if text else ""))
                        left -= 1
                continue  # if it matches another part too, its second match follows
            # an anchor without an href: matched by its other attributes
        tag = node.tag
        attrs = node.attributes
        if tag == "script":
            if (attrs.get("type") or "").lower() == "application/ld+json":
                scripts.append(node.text_lexbor())
            continue  # a script is dropped by its tag, and its itemprop says nothing
        elif tag == "h1":
            if src.first_h1 is None:
                src.first_h1 = node
            if len(src.h1) < 5:
                text = clean(node.text_lexbor())
                if text:
                    src.h1.append(text)
                    src.h1_nodes.append(node)
        elif tag == "time" and len(src.time_nodes) < 20 and "datetime" in attrs:
            src.time_nodes.append(node)
        if attrs.get("itemprop") in _ITEMPROPS:
            _itemprop(node, src.itemprops)
        if hidden_or_aside(attrs):
            hidden.append(node)
    src.jsonld = _jsonld(scripts)
    for obj in src.jsonld:
        if _ld_type(obj) & ARTICLE_TYPES:
            src.article_ld = obj
            break
    else:
        for obj in src.jsonld:
            if "headline" in obj or "articleBody" in obj:
                src.article_ld = obj
                break
    return src


def _time_tags(nodes: list[LexborNode]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for node in nodes:
        if _in_comment(node):
            continue  # a reader's comment's date, not the article's
        attrs = node.attributes
        context = f"{attrs.get('class') or ''} {attrs.get('itemprop') or ''}"
        if "pubdate" in attrs:
            context += " pubdate"
        parent = node.parent
        if parent is not None:
            context += " " + (parent.attributes.get("class") or "")
        value = attrs.get("datetime")
        if value:
            out.append((value, context.lower()))
    return out


_COMMENT_LEVELS = 8


def _in_comment(node: LexborNode) -> bool:
    """Whether an element is inside a reader's comment: an ancestor with a class or id
    token that starts with "comment" ("comment-metadata", "comment-96", "commentlist")."""
    parent = node.parent
    for _ in range(_COMMENT_LEVELS):
        if parent is None or parent.tag_id in ROOT_IDS:
            return False
        key = f"{parent.attrs.sget('class')} {parent.id or ''}"
        if "omment" in key and any(token.lower().startswith("comment") for token in key.split()):
            return True
        parent = parent.parent
    return False


def _date_texts(tree: LexborHTMLParser | LexborNode) -> list[str]:
    out: list[str] = []
    for node in tree.css(DATE_ELEMENTS)[:30]:
        key = f"{node.attributes.get('class') or ''} {node.attributes.get('id') or ''}".lower()
        if "modif" in key or "update" in key or "comment" in key:
            continue
        text = node.text_lexbor()
        if 6 <= len(text) <= 120:
            out.append(text)
    return out


# ---------------------------------------------------------------- text near the title

_SKIP_TEXT = frozenset("script style noscript template svg iframe select option button".split())
_SKIP_TEXT_IDS = tag_ids(" ".join(_SKIP_TEXT))
(_H1_ID,) = tag_ids("h1")
_NEAR_AFTER_CHARS = 600
_NEAR_BEFORE_CHARS = 300
_NEAR_MAX_STEPS = 400
_NEAR_BEFORE_STEPS = 40
_LINE_CHARS = 120  # a longer text chunk is running text
_LEAD_CHARS = 50  # of which only the start (a dateline) is read for dates


def _before(node: LexborNode | None) -> LexborNode | None:
    """The previous leaf in document order (descending into the previous sibling)."""
    while node is not None:
        prev = node.prev
        if prev is not None:
            while prev.tag_id not in _SKIP_TEXT_IDS:
                last = prev.last_child
                if last is None:
                    break
                prev = last
            return prev
        node = node.parent
        if node is None or node.tag_id in ROOT_IDS:
            return None
    return None


def _near_texts(anchor: LexborNode) -> tuple[list[str], list[str]]:
    """Visible text chunks following the anchor and preceding it (nearest first)."""
    return _texts_after(anchor), _texts_before(anchor)


def _texts_after(anchor: LexborNode) -> list[str]:
    after: list[str] = []
    chars = steps = 0
    node: LexborNode | None = anchor
    while node is not None:
        sibling = node.next
        while sibling is not None:
            skip = False
            for item in sibling.traverse(include_text=True):
                steps += 1
                tag_id = item.tag_id
                if tag_id == TEXT_ID:
                    if skip:  # a script's or style's content
                        skip = False
                        continue
                    text = (item.text_content or "").strip()
                    if text:
                        after.append(text)
                        chars += len(text)
                        if chars >= _NEAR_AFTER_CHARS:
                            return after
                elif tag_id in _SKIP_TEXT_IDS:
                    skip = item.first_child is not None
                elif tag_id == _H1_ID:
                    return after
                if steps >= _NEAR_MAX_STEPS:
                    return after
            sibling = sibling.next
        node = node.parent
        if node is None or node.tag_id in ROOT_IDS:
            break
    return after


def _texts_before(anchor: LexborNode) -> list[str]:
    before: list[str] = []
    chars = steps = 0
    node = _before(anchor)
    while node is not None and chars < _NEAR_BEFORE_CHARS and steps < _NEAR_BEFORE_STEPS:
        steps += 1
        if node.tag_id == TEXT_ID:
            text = (node.text_content or "").strip()
            if text:
                before.append(text)
                chars += len(text)
        node = _before(node)
    return before


_SAYS_AFTER = re.compile(
    r"\s*(?:says|said|wrote|sagt|schreibt|meint|dice|dijo|dit|écrit|zegt|scrive)\b", re.IGNORECASE
)


_BYLINE_SELECTOR = (
    '[class*="author"], [class*="byline"], [class~="fn"], [class~="vcard"], [class~="autor"], '
    '[id*="byline"], [rel="author"]'
)
_BYLINE_SCOPE_LEVELS = 3


def _byline_scope(anchor: LexborNode) -> LexborNode:
    """The title's container a few levels up: where its byline is, not the sidebar's."""
    scope = anchor
    for _ in range(_BYLINE_SCOPE_LEVELS):
        parent = scope.parent
        if parent is None or parent.tag in ("body", "html"):
            break
        scope = parent
    return scope


# the class of a photo's credit ("photo-author", "image__author", "credit")
_PHOTO_CLASS = re.compile(r"photo|foto|image|img|bild|picture|credit|caption", re.IGNORECASE)
_FIGURE_LEVELS = 4


def _photo_credit(node: LexborNode) -> bool:
    """Whether an author-named element credits a photo: its class says so, or it sits in a
    ``<figure>`` or ``<figcaption>``."""
    attrs = node.attributes
    if _PHOTO_CLASS.search(f"{attrs.get('class') or ''} {attrs.get('id') or ''}"):
        return True
    parent = node.parent
    for _ in range(_FIGURE_LEVELS):
        if parent is None:
            return False
        if parent.tag in ("figure", "figcaption"):
            return True
        parent = parent.parent
    return False


def _byline_texts(tree: LexborHTMLParser | LexborNode) -> list[str]:
    out: list[str] = []
    for node in tree.css(_BYLINE_SELECTOR)[:20]:
        if _photo_credit(node):
            continue
        after = node.next
        if after is not None and after.tag == "-text" and not (after.text_content or "").strip():
            after = after.next
        if after is not None and _SAYS_AFTER.match(
            after.text_lexbor() if after.tag != "-text" else after.text_content or ""
        ):
            continue  # "<b class=fn>Peter</b> <span>sagt:</span>" - a comment's author
        text = clean(node.text_lexbor())
        if text and len(text) < 200:
            out.append(text)
    return out


def _cascade(steps: Iterable[Callable[[Sources], Any]], src: Sources) -> Any:
    for step in steps:
        value = step(src)
        if value:
            return value
    return None


# ---------------------------------------------------------------- title

_TITLE_SEPARATORS = re.compile(r"\s+(?:[|\-–—:·•»«/]|::)\s+")
_KICKER = re.compile(r"(?<=\w):\s+")  # "Chronik: ...", "Rutger Bregman: ..."


# typographic quotes and dashes written plainly: "Editor’s Letter – Part 2" in the
# heading is "Editor's Letter - Part 2" in the meta tags
_PLAIN_MARKS = str.maketrans(
    {**dict.fromkeys("‘’‚‛′", "'"), **dict.fromkeys("“”„″", '"'), **dict.fromkeys("–—‒―", "-")}
)


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold().translate(_PLAIN_MARKS)


def _strip_site(title: str, site: str | None, h1: list[str], guess: bool = True) -> str:
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(title) if p.strip()]
    if len(parts) < 2:
        return title
    folded_h1 = {_norm(h) for h in h1}
    for part in parts:
        if _norm(part) in folded_h1:
            return part
    if site:
        site_n = _norm(site)
        kept = [p for p in parts if _norm(p) not in site_n and site_n not in _norm(p)]
        if kept and len(kept) < len(parts):
            # keep the original separators of what is left
            if len(kept) == 1:
                return kept[0]
            start = title.find(kept[0])
            end = title.rfind(kept[-1]) + len(kept[-1])
            if 0 <= start < end:
                return title[start:end]
    if not guess:
        return title
    first, last = parts[0], parts[-1]
    # "Title | Site": a short last part is the site; "Site | Title": a short first part
    if len(last) <= 30 and len(last) < len(first):
        return title[: title.rfind(last)].rstrip(" |-–—:·•»«/")
    if len(first) <= 30 and len(first) < len(last):
        return title[title.find(first) + len(first) :].lstrip(" |-–—:·•»«/")
    return title


def title_of(src: Sources, site: str | None) -> str | None:
    ld = src.article_ld or {}
    # JSON-LD text is sometimes HTML-escaped ("Signa in Sorge &#8211; Finanzdaten")
    headline = _unescaped(clean(ld.get("headline")) or clean(ld.get("name")))
    og = src.first("og:title", "twitter:title", "dc.title", "parsely-title", "sailthru.title")
    item = (src.itemprops.get("headline") or [None])[0]
    folded = {_norm(t) for t in (headline, og, item, src.title_tag) if t}
    # "<span>Nach Corona-Lockerungen</span> <span>Autohäuser rechnen ...</span>": the
    # heading without its kicker line, when it has one, is the title
    h1 = [
        (_without_kicker(node) or h, h, node) for h, node in zip(src.h1, src.h1_nodes, strict=False)
    ]
    for title, h, node in h1:
        n = _norm(h)
        if (
            n in folded
            or _norm(title) in folded
            or (src.title_tag and n and _opens(src.title_tag, n, folded))
        ):
            src.title_node = node
            return title
    # a heading that is one part of a title: "Chronik: Lotte Tobisch ist tot - ORF"
    # (it may be a blog's name as well: not an anchor for bylines and dates)
    split = [
        [p for part in _TITLE_SEPARATORS.split(t) for p in _KICKER.split(part)] for t in folded
    ]
    parts = {p for pieces in split for p in pieces}
    names = [n for n in (site and _norm(site), _host_name(src)) if n]
    for title, _, _ in h1:
        n = _norm(title)
        if n in parts and not _generic_title(title, site):
            return title
        # "SONNENENERGIE: Der WindRebell" on sonnenenergie.de: a short heading is the title
        # when all else in a title beside it names the site
        if names:
            for pieces in split:
                others = [p for p in pieces if p != n]
                if (
                    others
                    and len(others) < len(pieces)
                    and all(any(_names_site(p, name) for name in names) for p in others)
                ):
                    return title
    found = next((c for c in (headline, item, og, src.title_tag) if c), None)
    # a headline names the article: only a part that is the site's name goes from it; so
    # does a social title that the <title> repeats with more after it ("T" and "T - Site")
    guess = found not in (headline, item) and not (found == og and _extended_by(og, src.title_tag))
    found = _strip_site(found, site, src.h1, guess=guess) if found else None
    first = h1[0][0] if h1 else None
    if first and (not found or _generic_title(found, site)) and not _generic_title(first, site):
        return first
    return found


_SECOND_LEVEL = frozenset("co com org net ac gov edu or ne go gv gob nic".split())


def _host_name(src: Sources) -> str | None:
    """The site's name as its host spells it: "sonnenenergie" for www.sonnenenergie.de,
    "bayrische bembel" for bayrische-bembel.de."""
    url = src.url or src.canonical or src.first("og:url")
    if not url or "://" not in url:
        return None
    host = url.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0].lower()
    labels = host.removeprefix("www.").split(".")
    if len(labels) < 2:
        return None
    # example.co.uk, example.com.br: the name before the second-level domain
    name = labels[-3] if labels[-2] in _SECOND_LEVEL and len(labels) >= 3 else labels[-2]
    return name.replace("-", " ") if len(name) >= 3 else None


def _opens(title_tag: str, heading: str, titles: set[str]) -> bool:
    """Whether the <title> opens with the (normalised) heading: "Heading | Site", but not
    "Blog: Post" when the social or JSON-LD title is that post ("<h1>Blog</h1>")."""
    tag = _norm(title_tag)
    if not tag.startswith(heading):
        return False
    rest = tag[len(heading) :].lstrip(" |-–—:·•»«/")
    return not rest or rest == tag[len(heading) :] or rest not in titles


def _extended_by(title: str | None, longer: str | None) -> bool:
    """Whether ``longer`` is ``title`` with a part added after a separator ("T | Site")."""
    if not title or not longer or len(longer) <= len(title):
        return False
    t, n = _norm(title), _norm(longer)
    return (
        n.startswith(t) and bool(_TITLE_SEPARATORS.match(" " + n[len(t) :].lstrip() + " "))
    ) or (n.endswith(t) and bool(_TITLE_SEPARATORS.search(n[: -len(t)].rstrip() + " ")))


_KICKER_CHARS = 60
_TEXT_TAGS = frozenset(("-text",))
# emphasis inside a heading's sentence, not a line of its own
_EMPHASIS = frozenset("b i em strong u mark q cite abbr code sup sub".split())


def _without_kicker(node: LexborNode) -> str | None:
    """A heading's text after its kicker: a short first element that a line break follows
    (``<span>Dachzeile</span><br>Title``), or the first of the elements that hold all of its
    text (``<span class=kicker>Klimaschutz</span><span>: </span><span>Title</span>``)."""
    while True:  # into a lone wrapper: <h1><span>...</span></h1>
        kids = [
            k
            for k in node.iter(include_text=True)
            if (k.tag == "-text" and (k.text_content or "").strip())
            or not (k.tag or "-").startswith("-")  # no comments
        ]
        if len(kids) == 1 and kids[0].tag != "-text":
            node = kids[0]
            continue
        break
    if len(kids) < 2 or kids[0].tag in _TEXT_TAGS or kids[0].tag in _EMPHASIS:
        return None
    first = clean(kids[0].text_lexbor())
    if not first or len(first) > _KICKER_CHARS:
        return None
    second = kids[1]
    all_elements = all(k.tag not in _TEXT_TAGS for k in kids)
    if second.tag != "br" and not all_elements:
        return None
    rest = clean(
        " ".join(k.text_lexbor() if k.tag != "-text" else k.text_content or "" for k in kids[1:])
    )
    rest = rest.lstrip(" :-–—|·•") if rest else None
    if not rest or len(rest) <= len(first):
        return None
    return rest


def _unescaped(text: str | None) -> str | None:
    return html.unescape(text) if text and "&" in text and ";" in text else text


def _generic_title(title: str, site: str | None) -> bool:
    """A title that names the site or a section rather than the page."""
    folded = _norm(title)
    if site and (folded == _norm(site) or folded in _norm(site)):
        return True
    return len(title.split()) <= 2 and len(title) < 25


# ---------------------------------------------------------------- authors

_BY_PREFIX = re.compile(
    r"^\s*(?:(?:(?:written|posted|published|story|words|text|reporting)\s+by|"
    r"(?:text|veröffentlicht|eingestellt|geschrieben|verfasst|erstellt|gepostet|publiziert|"
    r"gespeichert)\s+von|(?:publicado|publicada|escrito|escrita)\s+por|"
    r"(?:publié|écrit|rédigé)\s+par|(?:pubblicato|scritto)\s+da|(?:geplaatst|geschreven)\s+door)"
    r"(?:\s*[:\s]\s*|(?=(?-i:[A-ZÀ-ÞĀ-Ž])))|"
    r"(?:text|texto|autor(?:in)?|author|auteur|autore)\s*:\s*|"
    r"(?:by|von|por|par|di|door|av|af|przez|de)\s*[:\s]\s*)",
    re.IGNORECASE,
)
# "Peter sagt:" - a comment's author, not the page's
_SAYS = re.compile(
    r"\b(?:says|said|wrote|sagt|schreibt|meint|dice|dijo|dit|écrit|zegt|scrive)\b\s*(?::|$|\d)",
    re.IGNORECASE,
)
_AUTHOR_SPLIT = re.compile(
    r"\s*(?:;|,|&|\band\b|\bund\b|\by\b|\bet\b|\be\b|\bi\b|/|\|)\s*", re.IGNORECASE
)
_ROLE_WORDS = re.compile(
    r"\b(?:staff|writer|editor|editors|reporter|correspondent|contributor|columnist|journalist|"
    r"photographer|producer|associated press|news service|newsroom|redaktion|redacción|"
    r"rédaction|redazione|agencies|agency|team|bureau|desk|senior|chief|updated|published|"
    r"minutes?|ago|am|pm|gmt|utc|est|edt|cet|cest|read|share|follow|twitter|facebook|"
    r"email|contact|more|articles|posts|view|profile|opinion|analysis|photos?|video|"
    r"illustration|guest|special to|via|from|for|the|in|by|posted|name|autor|autorin|author|"
    r"text|artikel|beitrag|beiträge|vor|stand|gesponsert|gesponserte|sponsored|inhalte|"
    r"pexels|unsplash|pixabay|shutterstock|istock|getty|publiziert|veröffentlicht|erstellt|"
    r"mehr|weitere|alle|all|anzeige|werbung|"
    r"aktualisiert|geschrieben|eingestellt|gepostet|publicado|actualizado|publié|pubblicato)\b",
    re.IGNORECASE,
)
_NAME_CHARS = re.compile(r"^[^\W\d_][\w.'’\- ]*$", re.UNICODE)
# Organisations and web sites, not people.
_ORGANISATION = re.compile(
    r"\b(?:gmbh|ag|e\.\s?v|ltd|inc|llc|corp|co\.\s?kg|kg|verlag|media|medien|online|magazin|"
    r"zeitung|tv|radio|press|presse|news|newspaper|group|company|unbenannt|unknown|admin|"
    r"administrator|webmaster|anonymous|anonym|guest|wordpressadmin|"
    r"bund|bundesverband|verband|verein|feuerwehr|abteilung|departement|department|ministerium|"
    r"ministry|amt|institut|institute|university|universität|hochschule|stiftung|foundation|"
    r"gesellschaft|association|club|kirche|church|partei|party|nachrichten|bank|gemeinde|"
    r"landkreis|council|diario|periódico|journal)\b|www\.|"
    r"\.(?:com|de|at|ch|org|net|es|fr|"
    r"it|co|uk|info|eu|io|nl|pl|ru)\b",
    re.IGNORECASE,
)
_DIGIT_TAIL = re.compile(r"\s+\d")
_NAME_WORD_CHARS = 24  # longer "words" are words run together, not a name
_INITIAL_END = re.compile(r"(?:^|\s)(?:\w|Jr|Sr|Jun|Sen)\.$")
# a date's or a label's word left at a byline's end ("Poppy Reid Feb", "Sara Zinnecker Stand")
_LABEL_TAIL = re.compile(
    r"\s+(?:stand|am|on|le|el|il|vom|den|updated|aktualisiert|veröffentlicht|published)$",
    re.IGNORECASE,
)


_DESK = re.compile(
    r"\b(?:redaktion|redacción|rédaction|redazione|redactie|staff|writer|team|desk|newsroom)\b",
    re.IGNORECASE,
)


def _desk_only(part: str) -> bool:
    """Whether the only role words of a name say newsroom ("Redaktion", "HLNF Staff Report")."""
    return _DESK.search(part) is not None and not _ROLE_WORDS.search(_DESK.sub(" ", part))


# a spaced dash between a name and what follows it ("Jane Doe - Berlin", "Jane Doe ‒ 3 May")
_NAME_DASH = re.compile(r"\s+[-–—‒―−~»]+(?:\s+|$)")


def _person_names(values: Iterable[str], site: str | None = None, desk: bool = False) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    site_key = (site or "").casefold()
    for value in values:
        value = clean(value)
        if not value or len(value) > 200:
            continue
        if "&" in value and ";" in value:
            value = html.unescape(value)
        if _SAYS.search(value):
            continue
        value = _BY_PREFIX.sub("", value)
        found: list[str] = []
        pieces = _NAME_DASH.split(value)
        if len(pieces) > 1:
            # "Jane Doe - Berlin", "Text – Jane Doe": the first piece naming people in full
            for piece in pieces:
                found = _names_in(piece, site_key, desk)
                if found and all(_full_name(n) for n in found):
                    break
                found = []
        for name in found or _names_in(value, site_key, desk):
            key = name.casefold()
            if key not in seen:
                seen.add(key)
                names.append(name)
    return names


def _names_in(value: str, site_key: str, desk: bool) -> list[str]:
    names: list[str] = []
    for index, part in enumerate(_AUTHOR_SPLIT.split(value)):
        part = _BY_PREFIX.sub("", part)
        part = _DIGIT_TAIL.split(part, maxsplit=1)[0].strip(" :-–—|·•()[]\"'")
        # "Jane Doe — veröffentlicht": the label goes, then the separator before it
        part = _LABEL_TAIL.sub("", part).rstrip(" :-–—|·•")
        last = part.rsplit(None, 1)[-1].lower().rstrip(".") if part else ""
        if last in dates.MONTHS:
            part = part[: -len(last) - 1].rstrip() if " " in part else ""
        if not _INITIAL_END.search(part):
            part = part.rstrip(". ")
        if not part or "@" in part or "://" in part:
            continue
        words = part.split()
        if not 1 <= len(words) <= 5 or not 3 <= len(part) <= 60 or not _NAME_CHARS.match(part):
            continue
        if _ORGANISATION.search(part):
            if index == 0:
                break  # "Departement für Wirtschaft, Bildung und Forschung": all one name
            continue
        if _ROLE_WORDS.search(part) and not (desk and _desk_only(part)):
            continue
        if any(len(w) > _NAME_WORD_CHARS for w in words) or (
            len(words) > 1 and any(w[0].islower() and w not in _PARTICLES for w in words[1:-1])
        ):
            continue  # words run together ("DoeFollowLike319"), a phrase ("Expertin für X")
        if site_key and _names_site(part.casefold(), site_key):
            continue
        names.append(part)
    return names


_TLD = re.compile(r"\.[a-z]{2,6}$")


def _squash(text: str) -> str:
    return "".join(c for c in text if c.isalnum())


def _names_site(name: str, site: str) -> bool:
    """Whether a (casefolded) name is the site's name or a run of its words, or holds it:
    "Ela" does not name the site "Elavegan"."""
    squashed = _squash(name)
    if squashed and squashed in (_squash(site), _squash(_TLD.sub("", site))):
        return True  # "Ultima Hora" and "ultimahora.com", "Deutsche Wirtschafts Nachrichten"
    short, long = (name, site) if len(name) <= len(site) else (site, name)
    at = long.find(short)
    while at >= 0:
        end = at + len(short)
        if (at == 0 or not long[at - 1].isalnum()) and (
            end == len(long) or not long[end].isalnum()
        ):
            return True
        at = long.find(short, at + 1)
    return False


_LD_ORGANISATIONS = frozenset(("organization", "newsmediaorganization", "corporation"))


def _ld_author_values(
    obj: Any, graph: list[dict] | None = None, organisations: list[str] | None = None
) -> list[str]:
    """The names of the authors in a JSON-LD author value; those typed as an organisation go
    to ``organisations`` (when given) instead."""
    out: list[str] = []
    items = obj if isinstance(obj, list) else [obj]
    for item in items[:20]:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            if "name" not in item and isinstance(item.get("@id"), str) and graph:
                # a reference to a Person elsewhere in the @graph (Yoast and others)
                ref = item["@id"]
                item = next((o for o in graph if o.get("@id") == ref and o is not item), item)
            kinds = _ld_type(item)
            if kinds & _LD_ORGANISATIONS and "person" not in kinds:
                if organisations is not None and isinstance(item.get("name"), str):
                    organisations.append(item["name"])
                continue
            name = item.get("name")
            if isinstance(name, str):
                out.append(name)
            elif isinstance(name, list):
                out.extend(n for n in name if isinstance(n, str))
            elif isinstance(item.get("givenName"), str):
                out.append(f"{item['givenName']} {item.get('familyName') or ''}")
    return out


def _authors_ld(src: Sources) -> list[str]:
    ld = src.article_ld or {}
    organisations: list[str] = []
    values = _ld_author_values(ld.get("author") or ld.get("creator"), src.jsonld, organisations)
    names = _shown_names(_person_names(values, src.site), src)
    if names or not organisations:
        return names
    # an author typed Organization that names a person in full, as the byline does
    persons = [n for n in _person_names(organisations, src.site) if _full_name(n)]
    return persons if persons and all(_in_byline(n, src) for n in persons) else []


_BYLINE_EXTRA_WORDS = 4  # "By", a date: what a byline line holds beside the name


def _in_byline(name: str, src: Sources) -> bool:
    """Whether a name is written as a byline: a short line at the title that holds it with
    a few words at most ("By Jane Doe", "Jane Doe | 3 May 2021"), or a byline element."""
    folded = name.casefold()
    words = len(name.split()) + _BYLINE_EXTRA_WORDS
    after, before = src.near_title()
    for text in after[:_NEAR_BYLINE_CHUNKS] + before[:4] + src.bylines():
        if folded in text.casefold() and len(text.split()) <= words:
            return True
    return False


def _shown_names(names: list[str], src: Sources) -> list[str]:
    """Names from machine metadata, if the page shows them (else the byline is not the page's)."""
    return names if all(src.shown(n) for n in names) else []


_AUTHOR_META = (
    "author",
    "article:author",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "dcterms.creator",
    "byl",
    "og:article:author",
    "article:author_name",
    "cxenseparse:author",
    "citation_author",
)


def _authors_meta(src: Sources) -> list[str]:
    values: list[str] = []
    for key in _AUTHOR_META:
        values.extend(v for v in src.meta.get(key, ()) if "://" not in v)
    return _shown_names(_person_names(values, src.site), src)


def _authors_microdata(src: Sources) -> list[str]:
    values = src.itemprops.get("author", []) + src.itemprops.get("creator", [])
    return _person_names(values, src.site)


# A line that opens with a byline word, or ends with "by Jane Doe" ("Posted on May 2 by ...")
_BYLINE_OPEN = re.compile(
    r"^(?:(?:(?:written|posted|published|story|words|text|reporting)\s+by|by|von|por|par|door|"
    r"(?:veröffentlicht|eingestellt|geschrieben|verfasst|erstellt|gepostet|text|ein\s+\w+)\s+von|"
    r"(?:texto|texte|textos)\s+(?:de|por)|"
    r"(?:publicado|escrito)\s+por|(?:publié|écrit)\s+par|(?:pubblicato|scritto)\s+da|"
    r"autor(?:in)?|author|auteur|autore)\b|(?:text|texto|texte|redaktion)\s*:)\s*:?\s*",
    re.IGNORECASE,
)
_BYLINE_TAIL = re.compile(r"\s(?:by|von|por|par)\s+(?=(?-i:[A-ZÀ-ÞĀ-Ž]))(.{3,60})$", re.IGNORECASE)
# what a photo's credit says before its "by" ("Photo by", "Foto von", "Imagen por")
_CREDIT_BEFORE = re.compile(
    r"\b(?:photos?|photograph(?:s|y)?|fotos?|fotograf(?:ie|ía|ia)?|bild(?:er)?|images?|imagen|"
    r"pictures?|illustrations?|illustrationen|grafik(?:en)?|graphics?|videos?|kamera|camera|"
    r"credits?|crédito)\s*[:,]?\s*$",
    re.IGNORECASE,
)
_NEAR_BYLINE_CHUNKS = 12
_LEADING_MARKS = re.compile(r"^[\s\-–—|·•/]+")
_PARENTHESES = re.compile(r"\s*\([^)]*\)")  # "Jane Doe (Pressesprecherin)"
# where a byline line ends: a wide gap or a separator ("Text von A   Illustration von B")
_BYLINE_END = re.compile(r"\s{3,}|\s[|·•]\s")
_OTHER_CREDIT = re.compile(
    r"\s+(?:illustrations?|illustrationen|fotos?|photos?|photography|bilder?|grafiken?|"
    r"images?|kamera|camera)\b.*$",
    re.IGNORECASE,
)
# a short line of a date and a name ("11.12.2019 - Amelie Loevenich", "Jane Doe | 3. Mai 2021")
_DATE_NAME_LINE = re.compile(r"^\W*(?P<a>.*?)\W*\s[-–—|·•,/]\s\W*(?P<b>.*?)\W*$")
_PARTICLES = frozenset(
    "de da di do dos das del della van von der den ten ter la le du zu y e al bin".split()
)


def _full_name(name: str) -> bool:
    """Two to five words, capitalised but for particles ("Sanne de Vries")."""
    words = name.split()
    if not 2 <= len(words) <= 5 or not (words[0][0].isupper() and words[-1][0].isupper()):
        return False
    return all(w[0].isupper() or w in _PARTICLES for w in words)


def _text_byline(text: str, site: str | None) -> list[str]:
    return [n for n in _person_names([text], site) if _full_name(n)]


_HANDLE = re.compile(r"^[^\W_][\w.\-]{1,39}$")
_PLACEHOLDER = re.compile(
    r"^(?:admin|administrator|webmaster|anonymous|anonym|unknown|guest|wordpressadmin|user|"
    r"editor|redaktion|team|staff)$",
    re.IGNORECASE,
)


def _handle(text: str, site: str | None) -> list[str]:
    """A user name ("zahlenzauberin", "Isabella.DiBiase", "LD") as a byline gives it:
    one token with a letter, not a placeholder, a date's word or the site's name."""
    text = text.strip(" :-–—|·•,;()[]\"'")
    if not _HANDLE.match(text) or not any(c.isalpha() for c in text) or _PLACEHOLDER.match(text):
        return []
    folded = text.casefold()
    if folded.rstrip(".") in dates.MONTHS or (site and _names_site(folded, site.casefold())):
        return []
    if _ROLE_WORDS.search(text):  # "Anzeige", "Redaktion"
        return []
    return [text]


_SENTENCE_WORDS = 5


def _sentence(text: str) -> bool:
    """Words of a sentence, not of a byline's opening ("Posted on May 2, 2020 by")."""
    return len(text.split()) >= _SENTENCE_WORDS and not any(c.isdigit() for c in text)


def _authors_near_title(src: Sources) -> list[str]:
    """A "By Jane Doe" line just under (or over) the title."""
    after, before = src.near_title()
    for chunks in (after[:_NEAR_BYLINE_CHUNKS], before[:4]):
        for i, chunk in enumerate(chunks):
            if len(chunk) > 120:
                continue
            chunk = _LEADING_MARKS.sub("", chunk)
            opened = _BYLINE_OPEN.match(chunk)
            if opened:
                rest = _PARENTHESES.sub("", chunk[opened.end() :])
                own = not rest and i + 1 < len(chunks)
                if own:
                    rest = chunks[i + 1]  # "Von" <a>Jane Doe</a>
                names = _text_byline(_BYLINE_END.split(rest, maxsplit=1)[0], src.site)
                if not names and own:
                    # "Von" <a>zahlenzauberin</a>: a user name in an element of its own
                    names = _handle(rest, src.site)
                if names:
                    return names
                continue
            if len(chunk) <= 60:
                line = _DATE_NAME_LINE.match(chunk)
                if line:
                    for name, other in ((line["a"], line["b"]), (line["b"], line["a"])):
                        if dates.find_date(other, short_years=True) and not any(
                            c.isdigit() for c in name
                        ):
                            names = _text_byline(name, src.site)
                            if names:
                                return names
            tail = _BYLINE_TAIL.search(chunk)
            if tail and (
                _sentence(chunk[: tail.start()]) or _CREDIT_BEFORE.search(chunk[: tail.start()])
            ):
                # "Die Polizei fand die Leiche von Jane Doe": a caption's words;
                # "Photo by Jane Doe": a photo's credit
                tail = None
            if tail:
                names = _text_byline(tail.group(1), src.site)
                if not names and dates.find_date(chunk[: tail.start()], short_years=True):
                    # "06.11.2023 13:30 von Olga": a dated line names its author, even one word
                    names = [n for n in _person_names([tail.group(1)], src.site) if " " not in n]
                if names:
                    return names
    return []


def _authors_dom(src: Sources) -> list[str]:
    for text in src.bylines():
        names = _person_names([text], src.site)
        if names:
            return names
    return []


def _authors_desk(src: Sources) -> list[str]:
    """No person named: a newsroom's byline ("von Redaktion", "By Staff Writer") as given."""
    ld = src.article_ld or {}
    sources = [
        _ld_author_values(ld.get("author") or ld.get("creator"), src.jsonld),
        [v for key in _AUTHOR_META for v in src.meta.get(key, ()) if "://" not in v],
    ]
    for values in sources:
        names = _shown_names(_person_names(values, src.site, desk=True), src)
        if names:
            return names
    for text in src.bylines():
        names = _person_names([text], src.site, desk=True)
        if names:
            return names
    return []


_LABEL_LINE_CHARS = 60
_LABEL_SCAN_LINES = 3000


def _authors_labelled(src: Sources) -> list[str]:
    """A byline anywhere in the body, as a line of its own: "Von Jane Doe", or a label and
    the name after it ("Autor:" <a>Jane Doe</a>, "erstellt von" <a>Dominique</a>); the last
    resort, when nothing at the title or in the metadata names anyone."""
    body = src.tree.body if src.tree is not None else None
    if body is None:
        return []
    # whitespace-only text nodes left out (skip_empty): they only make empty lines
    text = body.text(separator="\n", skip_empty=True)
    lines = [line for line in map(str.strip, text.split("\n")) if line]
    del lines[_LABEL_SCAN_LINES:]
    # the short lines that start as a byline word does (a comprehension: the loop below
    # over every line cost as much as the rest of the step)
    heads = _BYLINE_HEADS
    short = _LABEL_LINE_CHARS
    found = [
        i for i, line in enumerate(lines) if len(line) <= short and line[:2].casefold() in heads
    ]
    for i in found:
        line = lines[i]
        opened = _BYLINE_OPEN.match(line)
        if not opened:
            continue
        rest = line[opened.end() :]
        if opened.group().strip(" :").isupper() or rest.isupper():
            continue  # "VON DER SEE Werbeagentur", "By U.S. CUSTOMS": a brand's or a heading's
        if rest:
            names = _text_byline(_BYLINE_END.split(rest, maxsplit=1)[0], src.site)
        elif i + 1 < len(lines):
            bare = line.casefold() in _BARE_LABELS
            if bare and i and not dates.find_date(lines[i - 1], short_years=True):
                continue  # "Powered" "by" <a>WordPress</a>, "Theme" "by": no date, no byline
            if " " not in line and not bare and not line.endswith(":"):
                continue  # "author" <a>Margaret Atwood</a> in a list: a label says "Autor:"
            following = lines[i + 1]
            names = _text_byline(following, src.site)
            if not names and not bare:
                names = _handle(following, src.site)  # "Autor:" <a>gnaddrig</a>
        else:
            names = []
        if names:
            return names
    return []


_BARE_LABELS = frozenset(("by", "von", "por", "par", "door"))
# the first two letters, case folded, of every opening _BYLINE_OPEN matches
_BYLINE_HEADS = frozenset("wr po pu st wo te re by vo pa do ve ei ge er es éc sc au".split())


# the byline at the title before microdata, which may name the authors of teasers too
AUTHOR_STEPS = (
    _authors_ld,
    _authors_meta,
    _authors_near_title,
    _authors_microdata,
    _authors_dom,
    _authors_desk,
    _authors_labelled,
)


def authors_of(src: Sources) -> list[str]:
    found = _cascade(AUTHOR_STEPS, src) or []
    if len(found) == 1 and " " not in found[0]:
        # "Todd" in the metadata, "By Todd Bates" at the title: the name in full
        shown = _authors_near_title(src)
        if len(shown) == 1 and shown[0].split()[0].casefold() == found[0].casefold():
            return shown
    return found


def authors_from_bylines(lines: list[str], site: str | None) -> list[str]:
    """Authors named by "By ..." lines found in the main text, when nothing else named them."""
    for line in lines:
        opened = _BYLINE_OPEN.match(line)
        # "Text von Jane Doe Illustration von John Roe": the writer's credit only
        rest = _OTHER_CREDIT.sub("", line[opened.end() :] if opened else line)
        names = _text_byline(rest, site)
        if names:
            return names
    return []


# ---------------------------------------------------------------- dates

_PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "article:published",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "publication_date",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.date",
    "dcterms.created",
    "dcterms.issued",
    "dc.date.created",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
    "originalpublicationdate",
    "citation_publication_date",
    "citation_date",
    "last-modified-date",
    "created",
    "article_date_original",
    "cxenseparse:recs:publishtime",
    "displaydate",
    "date_published",
    "published_time",
    "published_date",
    "uploaddate",
    "cxenseparse:publishtime",
    "dc:date",
    "prism.publicationdate",
    "citation_online_date",
    "shareaholic:article_published_time",
)
_MODIFIED_META = (
    "article:modified_time",
    "og:article:modified_time",
    "og:updated_time",
    "article:modified",
    "datemodified",
    "dcterms.modified",
    "last-modified",
    "lastmod",
    "modified_time",
    "dc.date.modified",
)


def _published_ld(src: Sources) -> datetime | None:
    ld = src.article_ld or {}
    found = dates.parse_iso(ld.get("datePublished")) or dates.parse_iso(ld.get("dateCreated"))
    if found or src.article_ld is not None:
        return found
    # no article object: a video's or a podcast's date (a WebPage's is often a shop or form page's)
    for obj in src.jsonld[:50]:
        if _ld_type(obj) & _LD_MEDIA_TYPES:
            for key in ("datePublished", "uploadDate", "dateCreated"):
                found = dates.parse_iso(obj.get(key))
                if found:
                    return found
    return None


_LD_MEDIA_TYPES = frozenset(("videoobject", "audioobject", "podcastepisode"))
_LD_PUBLISHED_KEYS = ("datePublished", "dateCreated", "uploadDate")


def _first_date(values: dict[str, list[str]], keys: Iterable[str]) -> datetime | None:
    """The first value under these keys, in their order, that reads as a date."""
    for key in keys:
        for value in values.get(key, ()):
            found = dates.parse_iso(value)
            if found:
                return found
    return None


# keys that say only "date": a CMS's creation or indexing date as often as the publication's
_GENERIC_DATE_META = frozenset(("date", "dc.date", "dcterms.date", "dc:date", "created"))


def _published_meta(src: Sources) -> datetime | None:
    return _first_date(src.meta, (k for k in _PUBLISHED_META if k not in _GENERIC_DATE_META))


def _published_generic_meta(src: Sources) -> datetime | None:
    return _first_date(src.meta, (k for k in _PUBLISHED_META if k in _GENERIC_DATE_META))


def _published_microdata(src: Sources) -> datetime | None:
    return _first_date(src.itemprops, ("datePublished", "dateCreated", "uploadDate"))


def _published_time_tag(src: Sources) -> datetime | None:
    ranked = sorted(
        src.times(),
        key=lambda tc: 0 if any(w in tc[1] for w in ("pub", "date", "entry", "post")) else 1,
    )
    for value, context in ranked:
        if "modif" in context or "update" in context:
            continue
        found = dates.parse_iso(value)
        if found:
            return found
    return None


def _near_title_dates(src: Sources) -> tuple[list[datetime], list[datetime]]:
    """Dates written after the title (in order) and before it (nearest first)."""
    if src._near_dates is None:
        src._near_dates = _find_near_title_dates(src)
    return src._near_dates


def _find_near_title_dates(src: Sources) -> tuple[list[datetime], list[datetime]]:
    after, before = src.near_title()
    day_first = (src.html_lang or "").lower() not in ("en-us", "en")
    # short lines (datelines, bylines) whole; only the start of running text
    after_text = " ".join(c if len(c) <= _LINE_CHARS else c[:_LEAD_CHARS] for c in after)
    before_text = " ".join(c if len(c) <= _LINE_CHARS else c[-_LEAD_CHARS:] for c in before[::-1])
    found_after = dates.find_dates(after_text, short_years=True, day_first=day_first)
    found_before = dates.find_dates(before_text, short_years=True, day_first=day_first)
    return (
        [d for _, d in sorted(found_after, key=lambda pd: pd[0])],
        [d for _, d in sorted(found_before, key=lambda pd: -pd[0])],
    )


def _published_near_title(src: Sources) -> datetime | None:
    after, before = _near_title_dates(src)
    return after[0] if after else before[0] if before else None


def _published_url(src: Sources) -> datetime | None:
    return dates.date_from_url(src.url) or dates.date_from_url(src.canonical)


def _published_byline(src: Sources) -> datetime | None:
    for text in src.bylines()[:3]:
        found = dates.find_date(text, short_years=True)
        if found:
            return found
    return None


def _published_dom(src: Sources) -> datetime | None:
    for text in src.date_texts():
        found = dates.parse_text(text)
        if found:
            return found
    return None


# "Erschienen am: 01.11.2023", "Published on March 3, 2021", "gepostet am", "Datum:"
_DATE_LABEL = re.compile(
    r"\b(?:published|posted|updated|erschienen|veröffentlicht|publiziert|gepostet|aktualisiert|"
    r"gespeichert|geschrieben|eingestellt|datum|publicado|actualizado|publié|mis à jour|"
    r"pubblicato|aggiornato|gepubliceerd|bijgewerkt)\b(?:\s+(?:am|on|le|el|il|op))?\s*:?\s*",
    re.IGNORECASE,
)
_LABEL_WINDOW = 40
_LABEL_SCAN_CHARS = 30_000


def _published_labelled(src: Sources) -> datetime | None:
    """A date labelled as the publication's anywhere in the body (footers, old blogs)."""
    body = src.tree.body if src.tree is not None else None
    if body is None:
        return None
    text = body.text(separator=" ")
    # a literal scan for the years first: a regex of all the labels is slow on long texts
    for m in dates.YEAR.finditer(text, 0, _LABEL_SCAN_CHARS):
        start = max(0, m.start() - _LABEL_WINDOW)
        label = _DATE_LABEL.search(text, start, m.start()) or _passive_label(text, start, m)
        if label:
            after = text[label.end() : label.end() + _LABEL_WINDOW]
            found = dates.find_date(after, short_years=True)
            if found:
                return found
    return None


# "Dieser Beitrag wurde am 19. Mai 2010 um 23:03 Uhr gepostet": the label after the date
_PASSIVE_ON = re.compile(r"\bwurde\s+am\s+", re.IGNORECASE)
_PASSIVE_VERB = re.compile(
    r"\b(?:veröffentlicht|gepostet|publiziert|eingestellt|geschrieben|verfasst)\b", re.IGNORECASE
)


def _passive_label(text: str, start: int, year: re.Match[str]) -> re.Match[str] | None:
    """ "wurde am" before a date whose sentence ends in "veröffentlicht" (or a synonym)."""
    on = _PASSIVE_ON.search(text, start, year.start())
    if on and _PASSIVE_VERB.search(text, year.end(), year.end() + 2 * _LABEL_WINDOW):
        return on
    return None


PUBLISHED_STEPS = (
    _published_ld,
    _published_meta,
    _published_microdata,
    _published_generic_meta,
    _published_time_tag,
    _published_url,
    _published_near_title,
    _published_byline,
    _published_dom,
    _published_labelled,
)


_SHOWN_STEPS = PUBLISHED_STEPS.index(_published_dom)
_URL_DATE_SLACK = timedelta(days=2)


def published_of(src: Sources) -> datetime | None:
    found = _cascade(PUBLISHED_STEPS[:_SHOWN_STEPS], src)
    if found is None:
        # no machine date, none in the URL, at the title or in a byline: the date
        # elements' and labels' guesses, which the article's own dateline outranks
        src.published_weak = True
        found = _cascade(PUBLISHED_STEPS[_SHOWN_STEPS:], src)
    in_url = _published_url(src)
    if found is not None and in_url is not None and found - in_url > _URL_DATE_SLACK:
        # a path is written when the page is made: a later machine date is a republication
        return in_url
    if found is not None and src.h1_nodes:
        # The date the page shows at its title is the one it presents itself with:
        # machine dates are often a CMS's (an import, a later update, a midnight in
        # UTC that is the next day where the page is published).
        shown = _published_near_title(src)
        after, before = _near_title_dates(src)
        days = {d.date() for d in after + before}
        if (
            shown is not None
            and found.date() not in days
            and _swapped(found.date()) not in days
            and not _time_tag_shows(src, found.date())
        ):
            return _with_time(src, shown)
    return _with_time(src, found)


def _with_time(src: Sources, found: datetime | None) -> datetime | None:
    """A day given without a time, as a machine date of the same day gives it with its time
    (a JSON-LD "2021-03-04" beside an ``article:published_time`` "2021-03-04T09:30+01:00")."""
    if not isinstance(found, DayDate):
        return found
    ld = src.article_ld or {}
    values = [ld.get("datePublished"), ld.get("dateCreated")]
    values += [v for key in _PUBLISHED_META for v in src.meta.get(key, ())]
    values += src.itemprops.get("datePublished", []) + src.itemprops.get("dateCreated", [])
    values += [
        v for v, context in src.times() if "modif" not in context and "update" not in context
    ]
    # then the page's other JSON-LD objects (its WebPage, a video): their publication's time
    values += [obj.get(key) for obj in src.jsonld[:20] for key in _LD_PUBLISHED_KEYS]
    day = found.date()
    for value in [v for v in values if isinstance(v, str)][:50]:
        timed = dates.parse_iso(value)
        if timed is not None and not isinstance(timed, DayDate) and timed.date() == day:
            return timed
    return found


def _time_tag_shows(src: Sources, day: date) -> bool:
    """Whether a ``<time>`` element shows this day in its text: the page writes it too."""
    for node in src.time_nodes:
        found = dates.parse_iso(node.attributes.get("datetime"))
        if found is not None and found.date() == day:
            text = node.text_lexbor()
            if dates.find_date(text, short_years=True):
                return True
    return False


def _swapped(day: date) -> date | None:
    """The day with day and month swapped: how "11/01/2021" reads in the other order
    (a machine date on such a day settles which order the page writes)."""
    if day.day > 12 or day.day == day.month:
        return None
    return day.replace(month=day.day, day=day.month)


def modified_of(src: Sources) -> datetime | None:
    ld = src.article_ld or {}
    return (
        dates.parse_iso(ld.get("dateModified"))
        or _first_date(src.meta, _MODIFIED_META)
        or _first_date(src.itemprops, ("dateModified",))
    )


# ---------------------------------------------------------------- the rest


def _ld_text(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str | dict)), None)
    if isinstance(value, dict):
        value = value.get("name") or value.get("url") or value.get("@id")
    return clean(value)


def site_name_of(src: Sources) -> str | None:
    found = src.first(
        "og:site_name",
        "application-name",
        "apple-mobile-web-app-title",
        "twitter:site",
        "publisher",
        "dc.publisher",
        "cxenseparse:site",
    )
    if found and found.startswith("@"):
        found = None
    if found:
        return found
    ld = src.article_ld or {}
    found = _ld_text(ld.get("publisher"))
    if found:
        return found
    for obj in src.jsonld:
        if _ld_type(obj) & {"website", "organization", "newsmediaorganization"}:
            name = clean(obj.get("name"))
            if name:
                return name
    return None


def description_of(src: Sources) -> str | None:
    return src.first(
        "og:description", "description", "twitter:description", "dc.description"
    ) or clean((src.article_ld or {}).get("description"))


def image_of(src: Sources) -> str | None:
    found = src.first(
        "og:image",
        "og:image:url",
        "og:image:secure_url",
        "twitter:image",
        "twitter:image:src",
        "thumbnailurl",
    )
    if found:
        return found
    ld = src.article_ld or {}
    image = ld.get("image") or ld.get("thumbnailUrl")
    if isinstance(image, list):
        image = image[0] if image else None
    if isinstance(image, dict):
        image = image.get("url") or image.get("contentUrl")
    return clean(image)


def canonical_of(src: Sources) -> str | None:
    return src.canonical or src.first("og:url") or clean((src.article_ld or {}).get("url"))


def section_of(src: Sources) -> str | None:
    found = src.first(
        "article:section",
        "og:article:section",
        "parsely-section",
        "sailthru.section",
        "section",
        "cxenseparse:section",
    )
    if found:
        return found
    section = (src.article_ld or {}).get("articleSection")
    if isinstance(section, list):
        section = section[0] if section else None
    return clean(section)


def tags_of(src: Sources) -> list[str]:
    values: list[str] = []
    values.extend(src.meta.get("article:tag", ()))
    values.extend(src.meta.get("og:article:tag", ()))
    if not values:
        for key in ("keywords", "news_keywords", "parsely-tags", "sailthru.tags"):
            for v in src.meta.get(key, ()):
                values.extend(v.split(","))
            if values:
                break
    if not values:
        kw = (src.article_ld or {}).get("keywords")
        if isinstance(kw, str):
            values.extend(kw.split(","))
        elif isinstance(kw, list):
            values.extend(k for k in kw if isinstance(k, str))
    out: list[str] = []
    seen: set[str] = set()
    for v in values:
        v = clean(v)
        if v and len(v) <= 80 and v.casefold() not in seen:
            seen.add(v.casefold())
            out.append(v)
    return out[:50]


def declared_language(src: Sources) -> str | None:
    ld = src.article_ld or {}
    for value in (
        src.html_lang,
        src.first("og:locale", "content-language", "language", "dc.language"),
        _ld_text(ld.get("inLanguage")),
    ):
        if value:
            code = value.replace("_", "-").split(",")[0].strip().lower()
            primary = code.split("-")[0]
            if 2 <= len(primary) <= 3 and primary.isalpha():
                return primary
    return None


def ld_article_body(src: Sources) -> str | None:
    """The article's text as its JSON-LD ``articleBody`` gives it (plain text or HTML),
    else the text of a recipe, a how-to, a question and its answers or a review that the
    JSON-LD spells out (``ld_item_body``)."""
    body = (src.article_ld or {}).get("articleBody")
    if isinstance(body, list):  # some CMSs give one string per paragraph
        body = "\n\n".join(part for part in body if isinstance(part, str))
    if isinstance(body, str) and not body.isspace():
        return body
    return ld_item_body(src.jsonld)


# schema.org's items whose text is in properties other than articleBody: what a page
# that scripts render (a recipe site, a Q&A site) shows, as HTML for render_text
_STEPS = ("recipeInstructions", "step")  # Recipe, HowTo
_ANSWERS = ("acceptedAnswer", "suggestedAnswer")  # Question
_LD_PARTS = 200  # texts taken at most from one item


def ld_item_body(objects: list[dict]) -> str | None:
    """The first recipe's, how-to's, question's or review's text in JSON-LD, as HTML:
    its description, a recipe's ingredients as a list, each step (HowToStep, or the
    steps of a HowToSection under its name), a question and its answers, a review's
    body. None when no such item has text."""
    for obj in objects:
        kinds = _ld_type(obj)
        parts: list[str] = []
        if kinds & {"recipe", "howto"}:
            _ld_paragraph(obj.get("description"), parts)
            ingredients = obj.get("recipeIngredient") or obj.get("ingredients")
            if isinstance(ingredients, list):
                items = [_ld_inline(i) for i in ingredients[:_LD_PARTS] if isinstance(i, str)]
                if any(items):
                    parts.append("<ul>" + "".join(f"<li>{i}</li>" for i in items if i) + "</ul>")
            for key in _STEPS:
                _ld_steps(obj.get(key), parts, 0)
        elif "question" in kinds:
            _ld_paragraph(obj.get("text"), parts)
            for key in _ANSWERS:
                answers = obj.get(key)
                for answer in answers if isinstance(answers, list) else [answers]:
                    if isinstance(answer, dict):
                        _ld_paragraph(answer.get("text"), parts)
        elif "review" in kinds:
            _ld_paragraph(obj.get("reviewBody"), parts)
        if parts:
            return "".join(parts[:_LD_PARTS])
    return None


def _ld_steps(value: Any, parts: list[str], depth: int) -> None:
    """A recipe's or a how-to's steps: text (a line a step), a list of texts, HowToStep
    items (their text, else their name), HowToSection items (their name as a heading,
    then their steps)."""
    if depth > 3 or len(parts) >= _LD_PARTS:
        return
    if isinstance(value, str):
        _ld_paragraph(value, parts)
    elif isinstance(value, list):
        for item in value[:_LD_PARTS]:
            _ld_steps(item, parts, depth + 1)
    elif isinstance(value, dict):
        if "howtosection" in _ld_type(value) or "itemListElement" in value:
            name = _ld_inline(value.get("name"))
            if name:
                parts.append(f"<h3>{name}</h3>")
            _ld_steps(value.get("itemListElement"), parts, depth + 1)
        else:
            _ld_paragraph(value.get("text") or value.get("name"), parts)


def _ld_paragraph(value: Any, parts: list[str]) -> None:
    """A text of JSON-LD as paragraphs: HTML as it is, plain text a paragraph a line."""
    if not isinstance(value, str) or not value.strip():
        return
    if "<" in value and ">" in value:
        parts.append(f"<div>{value}</div>")
        return
    for line in html.unescape(value).splitlines():
        if line.strip():
            parts.append(f"<p>{html.escape(line.strip())}</p>")


def _ld_inline(value: Any) -> str:
    """A short text of JSON-LD (a name, an ingredient) as escaped HTML, entities read."""
    if not isinstance(value, str):
        return ""
    return html.escape(" ".join(html.unescape(value).split()))


_HOME_PATH = re.compile(
    r"/*(?:[a-z]{2}(?:[-_][a-z]{2})?/+)?(?:(?:index|home|default|start)\.(?:html?|php|aspx?|jsp))?",
    re.IGNORECASE,
)


def home_page(url: str | None) -> bool:
    """Whether a URL is its site's home page ("https://example.com/", ".../index.html",
    ".../de/"): no path beyond that and no query."""
    if not url or "://" not in url:
        return False
    rest = url.split("://", 1)[1].split("#", 1)[0]
    if "?" in rest:
        return False
    path = rest.split("/", 1)[1] if "/" in rest else ""
    return _HOME_PATH.fullmatch(path) is not None


def declares_article(src: Sources) -> bool:
    """Whether the page says it is an article (JSON-LD, og:type, article:published_time);
    a site's home page that says so is not believed (a theme's default, the latest post's)."""
    if home_page(src.url):
        return False
    if src.article_ld is not None and _ld_type(src.article_ld) & ARTICLE_TYPES:
        return True
    if (src.first("og:type") or "").lower() == "article":
        return True
    return bool(src.meta.get("article:published_time"))


def node_text(node: LexborNode | None) -> str | None:
    return clean(node.text_lexbor()) if node is not None else None
