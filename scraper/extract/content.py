"""Main content: clean the tree, choose the article's container, render and filter its blocks.

Everything here works on a parsed tree that metadata and links have already
been read from, because cleaning destroys nodes.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.extract import guard, rules
from scraper.extract.dates import MONTHS, find_dates
from scraper.extract.tags import COMMENT_ID, DOCUMENT_ID, ROOT_IDS, TEXT_ID, tag_ids

_BR = "\ue000"  # a line break inside a block, until whitespace is folded


# characters that show nothing: zero-width spaces and joiners, a word joiner, a byte
# order mark, a soft hyphen (a paragraph of nothing else is an editor's empty line)
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad "  # and the folded space


def _fold(raw: str) -> str:
    """Whitespace folded to single spaces, <br> kept as newlines: at most one empty line
    in a row, a line of only invisible characters empty. Nothing visible: ""."""
    text = " ".join(raw.split())
    if _BR not in text:
        return text if text.strip(_INVISIBLE) else ""
    lines: list[str] = []
    for line in text.split(_BR):
        line = line.strip()
        if line.strip(_INVISIBLE):
            lines.append(line)
        elif lines and lines[-1]:  # "<br><br><br>": one empty line
            lines.append("")
    return "\n".join(lines).strip()


@dataclass(slots=True)
class Block:
    """One paragraph-like piece of text, with its markdown rendering."""

    kind: str  # "p", "h", "li", "quote", "pre", "row"
    text: str
    md: str
    link_chars: int = 0
    links: list[tuple[str, str]] = field(default_factory=list)  # (absolute url, anchor text)
    row: bool = False  # a table row's cells

    @property
    def link_density(self) -> float:
        return self.link_chars / len(self.text) if self.text else 0.0


# ---------------------------------------------------------------- cleaning


def _decompose_all(nodes: list[LexborNode]) -> None:
    # reversed document order: descendants go before their ancestors
    for node in reversed(nodes):
        node.decompose()


@dataclass(slots=True)
class TagScan:
    """``clean_tree``'s elements by tag (``scan_tags``), in document order."""

    doomed: list[LexborNode] = field(default_factory=list)  # dropped whatever they hold
    asides: list[LexborNode] = field(default_factory=list)  # dropped unless much of the text
    large: list[LexborNode] = field(default_factory=list)  # headers, forms ... checked again


def scan_tags(body: LexborNode) -> TagScan:
    """The elements ``clean_tree`` judges by their tag, and the nesting bounded first:
    an element ``rules.MAX_DEPTH`` levels above a deeper node keeps its text but no
    elements (nested spans, cells, items by the thousand: work that reads an element's
    text or walks up to the body, element by element, grew with the square of the
    depth, 39 s for a 120 KB page). Every ``rules.DEPTH_SAMPLE``-th node is measured,
    so a deep region of more nodes than that is found; one of fewer costs little.
    Call it before anything reads the tree (metadata included)."""
    scan, deep = _scan_tags(body, sample=True)
    if deep:
        for node in _outermost_in(body, deep):  # none is inside one before it
            text = node.text_lexbor()
            while (child := node.first_child) is not None:
                child.decompose()
            node.insert_child(text)
        scan = _scan_tags(body, sample=False)[0]
    # the small headers, forms ... go whatever they hold (document order kept: removing
    # only detaches, the order of the removals does not matter)
    sized, scan.large = scan.large, []
    for node in sized:
        (scan.doomed if _small(node) else scan.large).append(node)
    return scan


def _scan_tags(body: LexborNode, sample: bool) -> tuple[TagScan, list[LexborNode]]:
    scan = TagScan()
    doomed, asides, large = scan.doomed, scan.asides, scan.large
    deep: list[LexborNode] = []  # elements MAX_DEPTH levels above a node
    top = body.mem_id
    nodes = body.traverse()
    chunk = rules.DEPTH_SAMPLE if sample else None  # None: all in one
    node: LexborNode | None = None
    while True:
        before = node
        # Elements by tag: a walk comparing tag ids costs half of a selector of 18 tag
        # names. Every verdict is taken before anything is removed, and removing only
        # detaches nodes, so the order of the removals does not matter.
        for node in itertools.islice(nodes, chunk):  # nothing more per node than that
            tag_id = node.tag_id
            if tag_id in _DROP_TAG_IDS:
                if tag_id in _DROP_UNLESS_MAIN_IDS:
                    asides.append(node)
                elif tag_id in _DROP_IF_SMALL_IDS:
                    large.append(node)  # sorted once the nesting is bounded (scan_tags)
                else:
                    doomed.append(node)
        if node is before or node is None or chunk is None:
            break
        up = _above(node, rules.MAX_DEPTH, top)  # the depth of a chunk's last node
        if up is not None:
            deep.append(up)
    return scan, deep


def _above(node: LexborNode, levels: int, top: int) -> LexborNode | None:
    """The node ``levels`` levels above ``node``; None when the node whose mem_id is
    ``top`` (or the document's top) is nearer."""
    up: LexborNode | None = node
    for _ in range(levels):
        up = up.parent
        if up is None or up.mem_id == top:
            return None
    return up


def clean_tree(
    body: LexborNode,
    h1: LexborNode | None = None,
    hidden: list[LexborNode] | None = None,
    scan: TagScan | None = None,
) -> int:
    """Drop subtrees that never hold article text: scripts, navigation, boilerplate classes.
    ``h1``: the page's first <h1>, read before (its header is the article's).

    ``hidden``: the page's elements that ``hidden_or_aside`` judges by their attributes
    (hidden, a navigation's role ...), as ``metadata.gather`` found them with the rest of
    its query, anywhere in the document; None: looked up here.
    ``scan``: ``scan_tags(body)``, taken before; None: taken here.
    Returns the length of the text left after navigation, asides and footers went.
    """
    if scan is None:
        scan = scan_tags(body)
    asides, large = scan.asides, scan.large
    doomed = list(scan.doomed)
    if hidden is None:
        last = -1
        for node in body.css(rules.DROP_ATTR_CANDIDATES):
            node_id = node.mem_id
            if node_id == last:
                continue  # the same element again, matching another attribute
            last = node_id
            if node.tag_id not in _DROP_TAG_IDS and hidden_or_aside(node.attributes):
                doomed.append(node)
    else:
        # one whole-tree query fewer: each costs a walk of the tree in lexbor
        doomed.extend(_outermost_in(body, [n for n in hidden if n.tag_id not in _DROP_TAG_IDS]))
    _decompose_all(doomed)
    text = body.text_lexbor()
    if "©" in text:  # the credit of a picture (the cheap test: a third of pages have one)
        figures = _credited_pictures(body)
        if figures:
            _decompose_all(figures)
            text = body.text_lexbor()
    total = len(text)
    main_share = total * rules.BOILERPLATE_MAX_SHARE
    for node in asides:  # document order: an outer aside goes before the ones inside it
        if node.parent is not None and (size := len(node.text_lexbor())) <= main_share:
            node.decompose()
            total -= size
    for node in reversed(large):
        # one inside a removed element is detached (removing detaches every node inside)
        if node.parent is not None and _small(node):
            node.decompose()
    limit = max(rules.SMALL_TEXT_CHARS, int(total * rules.BOILERPLATE_MAX_SHARE))
    # In document order an element comes before everything inside it, and removing
    # an element detaches everything inside it: each element is judged on its
    # intact subtree (only elements before it, none inside it, went), and what is
    # inside a removed element is skipped unread.
    kinds: dict[str, int] = {}  # "class id" -> kind, for this page
    tokens: dict[str, int] = {}  # one class or id token -> kind, for this page
    # A walk rather than a selector's list of every element with a class or an id
    # (as cheap, but a page's hundreds of node objects alive at once set off a
    # collection of the garbage collector's youngest generation on most pages).
    # The walk cannot go on past a removed element, so the removals wait for its
    # end: what is inside an element marked for removal (the elements up to the
    # next one after it, ``_after``) is skipped unread, and no verdict reads
    # anything outside the element's own subtree, its parent and its siblings'
    # text, which the removals before it do not change.
    # the ancestors of the <h1> left: a small <header> holding it and a lead paragraph
    # stays (``_small``), and so does an element named "header" that does
    titled: set[int] = set()
    node = h1
    while node is not None and node.mem_id != body.mem_id:
        titled.add(node.mem_id)
        node = node.parent
    if node is None:  # removed with what held it (detached): no header of it is left
        titled.clear()
    gone: list[LexborNode] = []
    resume: int | None = -1  # the mem_id where the walk goes on after a removal; None: the end
    top = body.mem_id
    for node in body.traverse():
        if resume != -1:
            if resume is None:
                break
            if node.mem_id != resume:
                continue  # inside an element marked for removal
            resume = -1
        attrs = node.attributes
        if "class" not in attrs and "id" not in attrs:
            continue
        key = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
        kind = kinds.get(key)
        if kind is None:
            kind = kinds[key] = _attr_kind(key.lower(), tokens)
        if not kind or node.tag_id in ROOT_IDS or attrs.get("itemprop") == "articleBody":
            continue
        if node.id and _anchor_slug(node) and not _attr_kind(key.rsplit(" ", 1)[0].lower()):
            continue  # only its id, a subheading's anchor ("sharing-with-a-single-developer")
        if node.tag_id in _INLINE_IDS and _in_sentence(node):
            continue  # "<p><span class=dateline>BERLIN -</span> The ...": part of the sentence
        if (
            node.tag_id in _P_IDS
            and node.id
            and not _attr_kind(key.rsplit(" ", 1)[0].lower(), tokens)
            and len(node.text_lexbor()) >= rules.PROSE_CHARS
            and _link_density(node) < rules.PROSE_MAX_LINK_DENSITY
        ):
            # a paragraph's id names one paragraph (a CMS's random key: vox.com's
            # <p id="NavzzU">), not a region of the page: its prose stays
            continue
        size = len(node.text_lexbor())
        if size <= (limit if kind == _STRONG else rules.WEAK_MAX_CHARS):
            if size >= rules.PROSE_MIN_PARAGRAPHS * rules.PROSE_CHARS and _holds_prose(node, key):
                continue
            if kind == _WEAK and node.mem_id in titled and _holds_lead(node):
                continue  # the article's header: its title and its deck
            gone.append(node)
            resume = _after(node, top)
    for node in gone:  # disjoint subtrees: the order does not matter
        node.decompose()
    return total


def _holds_lead(node: LexborNode) -> bool:
    """Whether an element holds a lead paragraph (``_is_lead``)."""
    return any(_is_lead(p) for p in node.css("p"))


def _is_lead(node: LexborNode) -> bool:
    """Whether an element's text is a lead's: ``rules.GOOD_UNIT_CHARS`` or more, nearly
    free of links."""
    return (
        len(node.text_lexbor()) >= rules.GOOD_UNIT_CHARS
        and _link_density(node) < rules.LEAD_MAX_LINK_DENSITY
    )


def _within(node: LexborNode | None, top: int, limit: int = -1) -> bool:
    """Whether a node is the one whose mem_id is ``top`` or inside it, looking at no more
    than ``limit`` nodes up from it (-1: no limit)."""
    while node is not None and limit != 0:
        if node.mem_id == top:
            return True
        node, limit = node.parent, limit - 1
    return False


def _outermost_in(top: LexborNode, nodes: list[LexborNode]) -> list[LexborNode]:
    """Those of ``nodes`` inside ``top`` and not inside another of them (removing one
    removes what it holds), when ``nodes`` are in document order. Out of order, one may
    also come out before another that holds it, never after it, so changing them in the
    order given is safe (``scan_tags``). Each node above them is looked at once (a node's
    answer is its parent's), so nested ones cost no walk of their own up to ``top``:
    100,000 hidden spans nested in one another are 100,000 steps, not 5e9."""
    verdict: dict[int, bool] = {top.mem_id: True}  # mem_id -> inside top and no node above
    picked: list[LexborNode] = []
    for node in nodes:
        path: list[int] = []
        up: LexborNode | None = node
        while up is not None and (seen := verdict.get(up.mem_id)) is None:
            path.append(up.mem_id)
            up = up.parent
        inside = up is not None and seen  # the top, or a node below it and no picked one
        for mem_id in path:
            verdict[mem_id] = inside
        if inside:
            picked.append(node)
            verdict[node.mem_id] = False  # what is inside it goes with it
    return picked


def _after(node: LexborNode, top: int) -> int | None:
    """The mem_id of the node that ``top``'s ``traverse()`` yields after ``node``'s subtree
    (the next node that is not text), None when there is none."""
    while True:
        sib = node.next
        while sib is not None:
            if sib.tag_id != TEXT_ID:
                return sib.mem_id
            sib = sib.next
        parent = node.parent
        if parent is None or parent.mem_id == top:
            return None
        node = parent


def _credited_pictures(body: LexborNode) -> list[LexborNode]:
    """Pictures laid out as figures without the tag: the nearest wrapper of an <img> that
    has text holds a "©" credit, under ``rules.FIGURE_MAX_CHARS`` of text and no paragraph
    (``<div class=visual><picture/><div>Enlarge <strong>A caption.</strong> © Jane
    Doe</div></div>``). Its caption repeats what the picture shows, not the article."""
    found: list[LexborNode] = []
    last = -1
    for image in body.css("img"):
        wrapper = image.parent
        text = ""
        for _ in range(rules.FIGURE_LEVELS):
            if wrapper is None or wrapper.tag_id in ROOT_IDS:
                break
            text = wrapper.text_lexbor()
            if text and not text.isspace():
                break
            wrapper = wrapper.parent
        if (
            wrapper is None
            or wrapper.mem_id == last
            or "©" not in text
            or len(text) > 4 * rules.FIGURE_MAX_CHARS
            or wrapper.tag_id in _NOT_FIGURE_IDS
            or wrapper.tag_id in ROOT_IDS
        ):
            continue
        if len(" ".join(text.split())) <= rules.FIGURE_MAX_CHARS and wrapper.css_first("p") is None:
            found.append(wrapper)
            last = wrapper.mem_id
    return found


# an image's wrapper of these tags is text, a link or the article itself, not a figure
_NOT_FIGURE_IDS = tag_ids("p, a, span, li, td, article, main, body")
_INLINE_IDS = tag_ids("a, span, em, i, b, strong, time, abbr, small")


def _in_sentence(node: LexborNode) -> bool:
    """Whether an inline element is part of a paragraph's sentence: its <p> has text of
    its own (outside any element) beside it; a link, on both sides of it ("position on
    <a class=meta-loc>Sudan</a> and lift", not "... Fragen. <a class=more>mehr</a>")."""
    parent = node.parent
    if parent is None or parent.tag != "p":
        return False
    if node.tag_id in _LINK_IDS:
        return _own_text(node.prev, before=True) and _own_text(node.next, before=False)
    child, left = parent.child, rules.MAX_SIBLINGS_READ
    while child is not None and left:
        if child.tag_id == TEXT_ID and len((child.text_content or "").strip()) >= 2:
            return True
        child, left = child.next, left - 1
    return False


_LINK_IDS = tag_ids("a")
_P_IDS = tag_ids("p")


def _own_text(sib: LexborNode | None, before: bool) -> bool:
    """Whether a text node of the parent's own, with letters or digits, is among these
    siblings (walking back from ``sib`` when ``before``, forward otherwise), up to
    ``rules.MAX_SIBLINGS_READ`` of them (a <p> of thousands of links read no further)."""
    left = rules.MAX_SIBLINGS_READ
    while sib is not None and left:
        if sib.tag_id == TEXT_ID and any(c.isalnum() for c in sib.text_content or ""):
            return True
        sib, left = (sib.prev if before else sib.next), left - 1
    return False


_WORDS_RE = re.compile(r"[^\W_]+")


def _anchor_slug(node: LexborNode) -> bool:
    """Whether the element's id spells its first heading's words: an anchor for a
    section, not a description of it."""
    parts = _WORDS_RE.findall(node.id.lower())
    if len(parts) < rules.SLUG_MIN_WORDS:
        return False
    heading = node if node.tag in _HEADINGS else node.css_first("h1, h2, h3, h4, h5, h6")
    if heading is None:
        return False
    return _WORDS_RE.findall(heading.text_lexbor().lower())[: len(parts)] == parts


_HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))


def _holds_prose(node: LexborNode, key: str) -> bool:
    """Whether an element named like boilerplate is prose all the same: a few long
    paragraphs, nearly free of links, that make up most of its text ("read-more-content"
    around the article's second half). Comments, dialogs, newsletter and author boxes
    are excepted: their text can look like that too."""
    if rules.PROSE_NAMES_NOT_KEPT.search(key.lower()):
        return False
    size = len(node.text_lexbor())
    if _link_density(node) >= rules.PROSE_MAX_LINK_DENSITY:
        return False
    long_chars = count = 0
    for p in node.css("p"):
        length = len(p.text_lexbor())
        if length >= rules.PROSE_CHARS:
            long_chars += length
            count += 1
    return count >= rules.PROSE_MIN_PARAGRAPHS and long_chars >= rules.PROSE_SHARE * size


_DROP_IF_SMALL_IDS = tag_ids(rules.DROP_IF_SMALL_TAGS)
_DROP_UNLESS_MAIN_IDS = tag_ids(rules.DROP_UNLESS_MAIN_TAGS)
_DROP_TAG_IDS = tag_ids(rules.DROP_TAGS) | _DROP_IF_SMALL_IDS | _DROP_UNLESS_MAIN_IDS


def hidden_or_aside(attrs: dict) -> bool:
    """Hidden, or a navigation, search, dialog or author role, by its attributes. Every
    element judged so matches ``rules.DROP_ATTR_CANDIDATES``."""
    if "hidden" in attrs or attrs.get("aria-hidden") == "true":
        return True
    if attrs.get("itemprop") == "author" or attrs.get("rel") == "author":
        return True
    role = attrs.get("role")
    if role and role in rules.DROP_ROLES:
        return True
    style = attrs.get("style")
    if style and ("none" in style or "hidden" in style):
        style = style.replace(" ", "").lower()
        return any(value in style for value in rules.HIDING_STYLES)
    return False


def _small(node: LexborNode) -> bool:
    """A header, form, address or noscript too small to hold article text (a header's
    lead paragraph counts as article text)."""
    if len(node.text_lexbor()) >= rules.SMALL_TEXT_CHARS:
        return False
    if node.tag == "header":
        if _inside_article(node):
            return False  # the article's own header: its deck, a section's heading
        for p in node.css("p"):
            if len(p.text_lexbor()) >= rules.GOOD_UNIT_CHARS:
                return False
    return True


def _inside_article(node: LexborNode) -> bool:
    """Whether an element is inside an <article> or <main>."""
    parent = node.parent
    while parent is not None:
        if parent.tag_id in _ARTICLE_IDS:
            return True
        parent = parent.parent
    return False


_ARTICLE_IDS = tag_ids("article, main")


def _variants(words: list[str]) -> set[str]:
    return {w for word in words for w in (word, word.replace("-", ""))}


_NONE, _WEAK, _STRONG = 0, 1, 2
_PREFIXES = _variants(rules.BOILERPLATE_PREFIXES)
_PREFIX_ONE = tuple(w for w in _PREFIXES if "-" not in w)
_PREFIX_MORE = tuple(w for w in _PREFIXES if "-" in w)
_WORDS = frozenset(_variants(rules.BOILERPLATE_WORDS))
_WEAK_WORDS = frozenset(_variants(rules.WEAK_BOILERPLATE_WORDS))
# first parts of the entries above made of several parts
_LEADS = (
    frozenset(
        w.split("-")[0]
        for w in (*_PREFIX_MORE, *_WORDS, *_WEAK_WORDS, *rules.NEUTRAL_PARTS)
        if "-" in w
    )
    | rules.NEUTRAL_PREFIX_PARTS
    | rules.LAYOUT_PARTS
)


# A word part that can start a vocabulary entry: a whole word, the first part of
# one made of several parts, or a part whose first three letters start a prefix.
# A token without such a part names no boilerplate.
_EXACT = frozenset(w.split("-")[0] for w in (*_PREFIXES, *_WORDS, *_WEAK_WORDS)) | frozenset(
    w for w in (*_WORDS, *_WEAK_WORDS) if "-" not in w
)
_PREFIX_HEADS = frozenset(w[:3] for w in _PREFIX_ONE)
# the prefixes by their first three letters, and those of several parts by their first part
_PREFIX_ONE_BY_HEAD = {
    head: tuple(w for w in _PREFIX_ONE if w.startswith(head)) for head in _PREFIX_HEADS
}
_PREFIX_MORE_BY_LEAD = {
    lead: tuple(w for w in _PREFIX_MORE if w.split("-")[0] == lead)
    for lead in {w.split("-")[0] for w in _PREFIX_MORE}
}


def _attr_kind(key: str, memo: dict[str, int] | None = None) -> int:
    """Whether a lowercased "class id" string names boilerplate: strongly, weakly or not.

    ``memo`` keeps the verdicts on single tokens for the rest of the page.
    """
    if memo is None:
        memo = {}
    tokens = key.split()
    kind = _NONE
    for token in tokens:
        token_kind = memo.get(token)
        if token_kind is None:
            if "-" in token or "_" in token:
                token_kind = _bem_kind(token)
            else:  # one part (most tokens): _part_kind, inlined
                token_kind = (
                    _STRONG
                    if token in _WORDS or token.startswith(_PREFIX_ONE_BY_HEAD.get(token[:3], ()))
                    else _WEAK
                    if token in _WEAK_WORDS
                    else _NONE
                )
            memo[token] = token_kind
        if token_kind > kind:
            kind = token_kind
    if kind == _NONE or (_maybe_content_name(key) and rules.CONTENT_ATTR.search(key)):
        return _NONE
    if (
        kind == _STRONG
        and len(tokens) > 1
        and any(
            memo[t] != _STRONG
            and not rules.CONTENT_PARTS.isdisjoint(t.replace("_", "-").split("-"))
            for t in tokens
        )
    ):
        # "entry share", "article node-promoted": a content class with a modifier
        # that names boilerplate only drops the element when it is small
        return _WEAK
    return kind


def _bem_kind(token: str) -> int:
    """The kind of one token, where a word only in a BEM modifier ("block--with-ads",
    "Section--Ads") is weak: the modifier styles the block, it does not name it."""
    if "--" not in token:
        return _vocabulary_kind(token)
    block, _, modifier = token.partition("--")
    kind = _vocabulary_kind(block) if block else _NONE
    if kind == _STRONG:
        return kind
    return max(kind, min(_vocabulary_kind(modifier), _WEAK))


def _maybe_content_name(key: str) -> bool:
    """Whether ``rules.CONTENT_ATTR`` can match: each of its words holds one of these."""
    return "body" in key or "conten" in key or "text" in key or "post" in key or "arti" in key


def _vocabulary_kind(token: str) -> int:
    """The kind of one token, with a cheap test first for the many that have no vocabulary part."""
    if "-" not in token and "_" not in token:
        if token in _EXACT or token[:3] in _PREFIX_HEADS:
            return _part_kind(token)
        return _NONE
    parts = token.replace("_", "-").split("-")
    for part in parts:
        if part in _EXACT or part[:3] in _PREFIX_HEADS:
            return _token_kind(token, parts)
    return _NONE


def _token_kind(token: str, parts: list[str] | None = None) -> int:
    if parts is None:
        parts = token.replace("_", "-").split("-")
    if len(parts) == 1:
        return _part_kind(token)
    if parts[0] in rules.HOOK_PREFIXES:
        return _NONE
    if "" in parts:
        parts = [p for p in parts if p]
    count = len(parts)
    kind = _NONE
    i = 0
    while i < count:
        part = parts[i]
        if part in _LEADS and i + 1 < count:
            two = f"{part}-{parts[i + 1]}"
            if two in rules.NEUTRAL_PARTS or (
                part in rules.LAYOUT_PARTS and parts[i + 1] in rules.LAYOUT_NOUNS
            ):
                i += 2
                continue
            if part in rules.NEUTRAL_PREFIX_PARTS:
                i += 1
                continue
            three = f"{two}-{parts[i + 2]}" if i + 2 < count else ""
            more = _PREFIX_MORE_BY_LEAD.get(part, ())
            if (
                two in _WORDS
                or two.startswith(more)
                or (three and (three in _WORDS or three.startswith(more)))
            ):
                return _STRONG
            if two in _WEAK_WORDS:
                kind = _WEAK
        # _part_kind, inlined: this loop runs for every part of every new token
        if part in _WORDS or part.startswith(_PREFIX_ONE_BY_HEAD.get(part[:3], ())):
            return _STRONG
        if part in _WEAK_WORDS:
            kind = _WEAK
        i += 1
    return kind


def _part_kind(part: str) -> int:
    if part in _WORDS or part.startswith(_PREFIX_ONE_BY_HEAD.get(part[:3], ())):
        return _STRONG
    return _WEAK if part in _WEAK_WORDS else _NONE


# ---------------------------------------------------------------- container


def _class_id(attrs: dict) -> str:
    """The lowercased "class id" string of an element's attributes."""
    return f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()


def _class_weight(node: LexborNode) -> float:
    attrs = node.attributes
    key = _class_id(attrs)
    weight = 0.0
    if key != " ":
        if rules.NEGATIVE_ATTR.search(key):
            weight -= rules.CLASS_WEIGHT
        if rules.POSITIVE_ATTR.search(key):
            weight += rules.CLASS_WEIGHT
    if attrs.get("itemprop") == "articleBody":
        weight += rules.ARTICLE_BODY_BONUS
    return weight + rules.TAG_BONUS.get(node.tag or "", 0.0)


def _link_density(node: LexborNode) -> float:
    text = len(node.text_lexbor())
    if not text:
        return 1.0
    return sum(len(a.text_lexbor()) for a in node.css(_LINK_SELECTOR)) / text


# every <a> but a target (<a name=...> or <a id=...> without href: its text is content)
_LINK_SELECTOR = "a:not(:not([href]):is([name], [id]))"


def _units(body: LexborNode) -> Iterator[tuple[LexborNode, str]]:
    """The scoring units (paragraph-like elements with their text, and block elements with
    text of their own), in document order, among the first ``rules.MAX_SCORED_UNITS``
    elements of their tags. A walk that yields them one by one: a selector's list of
    every such element, alive at once, set off a garbage collection on many pages."""
    left = rules.MAX_SCORED_UNITS
    for node in body.traverse():
        tag_id = node.tag_id
        if tag_id in _UNIT_IDS:
            yield node, node.text_lexbor()
        elif tag_id in _DIV_UNIT_IDS:
            own = node.text(deep=False)
            if len(own) >= rules.MIN_UNIT_CHARS and len(own.strip()) >= rules.MIN_UNIT_CHARS:
                yield node, own
        else:
            continue
        left -= 1
        if not left:
            return


_UNIT_IDS = tag_ids(",".join(sorted(rules.UNIT_TAGS)))
_DIV_UNIT_IDS = tag_ids(rules.DIV_UNIT_SELECTOR)
_TOP_IDS = tag_ids("html") | {DOCUMENT_ID}
_LEVEL_SHARES = (1.0, 1 / 2, 1 / 6)  # of a unit's score for its parent and 2 ancestors


def above_title(body: LexborNode, h1: LexborNode | None) -> frozenset[int]:
    """The elements before the page's first <h1> (``h1``, read before cleaning, which may
    drop the header holding it): no lead of the article comes from there. Given as the
    preceding siblings of the <h1> and of its ancestors, each standing for its subtree
    (``_is_above``): cheaper than every element before it."""
    node = h1
    if node is None:
        return frozenset()
    found = []
    top = body.mem_id
    while node is not None and node.mem_id != top:
        sib = node.prev
        while sib is not None:
            found.append(sib.mem_id)
            sib = sib.prev
        node = node.parent
    return frozenset(found)


def _is_above(node: LexborNode, above: frozenset[int]) -> bool:
    """Whether an element is before the page's first <h1> (see ``above_title``)."""
    if not above:
        return False
    while node is not None:
        if node.mem_id in above:
            return True
        node = node.parent
    return False


def choose_container(
    body: LexborNode, above_title: frozenset[int] = frozenset(), h1: LexborNode | None = None
) -> list[LexborNode]:
    """The node(s) holding the article: the best-scored candidate and its worthy siblings.

    When they hold too little of the page's paragraph text, the ancestor that
    gains the most paragraph text for the least other text replaces them. Lead
    paragraphs before them join them (``_leads``, and ``_title_leads`` after the
    page's first <h1>, ``h1``, when cleaning left it).
    """
    scores: dict[int, list] = {}  # mem_id -> [node, score]
    chains: dict[int, list[list]] = {}  # a unit's parent -> score entries of it and 2 ancestors
    good: list[tuple[LexborNode, int]] = []  # paragraph-like units and their lengths
    for unit, text in _units(body):
        length = len(text.strip())
        if length < rules.MIN_UNIT_CHARS:
            continue
        if length >= rules.GOOD_UNIT_CHARS:
            good.append((unit, length))
        score = 1.0 + text.count(",") + min(length / 100.0, 3.0)
        parent = unit.parent
        if parent is None:
            continue
        entries = chains.get(parent.mem_id)
        if entries is None:  # the parent's first unit: its entry and its ancestors'
            entries = chains[parent.mem_id] = []
            node = parent
            for _ in range(3):
                if node is None or node.tag_id in _TOP_IDS:
                    break
                entry = scores.get(node.mem_id)
                if entry is None:
                    entry = scores[node.mem_id] = [node, _class_weight(node)]
                entries.append(entry)
                node = node.parent
        for entry, share in zip(entries, _LEVEL_SHARES, strict=False):
            entry[1] += score * share
    if not scores:
        return [body]
    top = sorted(scores.values(), key=lambda e: e[1], reverse=True)[: rules.TOP_CANDIDATES]
    best_adjusted = float("-inf")
    for entry in top:
        # a candidate below 0.75 of the best can neither win nor count as strong
        if entry[1] >= best_adjusted * 0.75 or best_adjusted <= 0:
            entry[1] *= 1.0 - min(_link_density(entry[0]), 1.0)
            best_adjusted = max(best_adjusted, entry[1])
    top.sort(key=lambda e: e[1], reverse=True)
    best, best_score = top[0]
    climbed = _shared_ancestor(best, best_score, top)
    # else a near-tie between the best and an ancestor or a descendant of it: one
    # paragraph more would flip it, so a structural choice decides (_nested_choice)
    best = climbed if climbed.mem_id != best.mem_id else _nested_choice(best, best_score, top)
    while best.tag_id in _TABLE_PART_IDS and best.parent is not None:
        # a data table's cells outscore the prose around it (a list of films, its
        # introduction, see-also list and notes): the table is part of the article
        best = best.parent
    best_score = scores.get(best.mem_id, [best, best_score])[1]
    chosen = _same_class(body, best) or _with_siblings(best, max(best_score, 0.0), scores)
    chosen = _widen(chosen, best, good)
    leads = _leads(chosen[0], above_title)
    if h1 is not None:
        leads[:0] = _title_leads(body, h1, (leads or chosen)[0], chosen)
    return leads + chosen


_TABLE_PART_IDS = tag_ids("table, thead, tbody, tfoot, tr")


def _in_media(node: LexborNode, top: LexborNode) -> bool:
    """Whether a node up to ``top`` is a picture's caption or credit, or a print notice."""
    top_id = top.mem_id
    for _ in range(12):
        if node is None:
            return False
        if rules.MEDIA_ATTR.search(_class_id(node.attributes)):
            return True
        if node.mem_id == top_id:
            return False
        node = node.parent
    return False


_DECK_TAGS = frozenset(("h2", "h3", "h4"))
_LEAD_SELECTOR = "p, h2, h3, h4"


def _is_deck(node: LexborNode) -> bool:
    """A subheading that summarises the article (a deck, standfirst, subtitle), named
    on itself or on a wrapper holding nothing else (``<div class="bajada"><h2>``)."""
    if rules.DECK_ATTR.search(_class_id(node.attributes)) is not None:
        return True
    parent = node.parent
    if parent is not None and parent.tag_id == _HGROUP_ID:
        # a heading after the <h1> in its <hgroup>: the title's subheading
        sib = node.prev
        while sib is not None:
            if sib.tag_id == _H1_ID:
                return True
            sib = sib.prev
    return (
        parent is not None
        and parent.tag_id in _DECK_WRAPPER_IDS
        and rules.DECK_ATTR.search(_class_id(parent.attributes)) is not None
        and len(parent.text_lexbor().strip()) == len(node.text_lexbor().strip())
    )


_DECK_WRAPPER_IDS = tag_ids("div, section, header")
_HGROUP_ID = next(iter(tag_ids("hgroup")))
_H1_ID = next(iter(tag_ids("h1")))


def _summary_list(sib: LexborNode) -> LexborNode | None:
    """The list of the article's key points before it: a <ul> or <ol> in ``sib``, alone
    in a wrapper that a deck class names (``<div class=teaser-text><ul>``)."""
    found = sib if sib.tag_id in _LIST_IDS else sib.css_first("ul, ol")
    if found is None:
        return None
    size = len(found.text_lexbor().strip())
    node = found
    while node is not None:
        if (
            rules.DECK_ATTR.search(_class_id(node.attributes)) is not None
            and len(node.text_lexbor().strip()) == size
        ):
            return found
        if node.mem_id == sib.mem_id:
            return None
        node = node.parent
    return None


_LIST_IDS = tag_ids("ul, ol")


def _leads(first: LexborNode, above_title: frozenset[int]) -> list[LexborNode]:
    """Lead paragraphs just before the container, a few levels up (a standfirst in the
    article's header): paragraphs of the nearest preceding siblings with text, after
    the page's first <h1> when it has one (a lead follows the title; a notice over the
    page's header does not)."""
    leads: list[LexborNode] = []
    node = first
    levels = 0
    run = False  # lead paragraphs found at this level: more of them may precede
    for _ in range(rules.LEAD_MAX_CLIMB):
        if node is None or node.tag_id in ROOT_IDS or levels >= rules.LEAD_LEVELS:
            break
        sib, seen = node.prev, 0
        while sib is not None and (seen < rules.LEAD_SIBLINGS or run):
            tag = sib.tag
            if tag and tag[0] != "-":
                text = sib.text_lexbor()
                if len(text.strip()) > 0:
                    seen += 1
                    if len(text) > rules.LEAD_MAX_CHARS:
                        break
                    if tag == "p" or (tag in _DECK_TAGS and _is_deck(sib)):
                        paragraphs = [sib]
                    else:
                        paragraphs = [
                            p for p in sib.css(_LEAD_SELECTOR) if p.tag == "p" or _is_deck(p)
                        ]
                    if (
                        not paragraphs
                        and text.rstrip().endswith(rules.SENTENCE_ENDS)
                        and sib.css_first(rules.LEAD_BLOCKS) is None
                    ):
                        paragraphs = [sib]  # a lead in a <div> of its own
                    found = [p for p in paragraphs if _is_lead(p) and not _in_media(p, sib)]
                    if not found:
                        summary = _summary_list(sib)
                        if summary is not None and _is_lead(summary):
                            found = [summary]
                    if run and (not found or sib.css_first("h1") is not None):
                        return leads  # the run of the article's first paragraphs ends here
                    if found and _is_above(found[0], above_title):
                        return leads
                    if found:
                        # the paragraphs just before are the article's first ones too
                        # ("<p>...</p><p>...</p><div id=read-more>" the rest)
                        leads[:0] = found
                        run = True
                    elif run:
                        return leads
            sib = sib.prev
        if run:
            return leads
        if seen or _has_text_after(node):  # a bare wrapper is no level of its own
            levels += 1
        node = node.parent
    return leads


def _title_leads(
    body: LexborNode, h1: LexborNode, first: LexborNode, chosen: list[LexborNode]
) -> list[LexborNode]:
    """Lead paragraphs between the page's <h1> and the article's first node, when
    they make up most of the text there (a deck in the page's header, far from the
    container): prose paragraphs, nearly free of links, outside captions. Link text
    there (a menu of topics, a column of most-read links) does not count as text."""
    path = set()
    node = first
    while node is not None:
        path.add(node.mem_id)
        node = node.parent
    if h1.mem_id in path:
        return []
    chosen_ids = {c.mem_id for c in chosen}
    node = h1
    while node.mem_id not in path:  # up to the ancestor it shares with the article
        if node.mem_id in chosen_ids:
            return []  # the title is in the article
        node = node.parent
        if node is None:  # removed with what held it (a site's logo): the next <h1>
            node = h1 = body.css_first("h1")
            if node is None:
                return []
    between: list[LexborNode] = []
    node, steps = h1, 0
    while steps < rules.TITLE_LEAD_STEPS:
        steps += 1
        nxt = node.next
        while nxt is None:
            node = node.parent
            if node is None or node.tag_id in ROOT_IDS:
                return []
            nxt = node.next
        node = nxt
        while node.mem_id in path and node.mem_id != first.mem_id:
            node = node.child  # an ancestor of the article: into it
            if node is None:
                return []
        if node.mem_id == first.mem_id:
            break
        if node.tag and node.tag[0] != "-":
            between.append(node)
    else:
        return []
    total = raw_total = 0.0
    leads: list[LexborNode] = []
    for sib in between:
        text = sib.text_lexbor()
        if not text or text.isspace():
            continue
        size = len(" ".join(text.split()))
        raw_total += size
        if raw_total > rules.TITLE_LEAD_MAX_RAW_CHARS:
            return []
        total += size * (1.0 - min(_link_density(sib), 1.0))  # links: a menu, not text
        if total > rules.TITLE_LEAD_MAX_CHARS:
            return []
        paragraphs = [sib] if sib.tag == "p" else sib.css("p")
        leads += [
            p
            for p in paragraphs
            if _is_lead(p)
            and p.text_lexbor().rstrip().endswith(rules.SENTENCE_ENDS)
            and not _in_media(p, sib)
        ]
    if not leads:
        return []
    # styled as the article's paragraphs mostly are (a deck has a class of its own)
    counts: dict[str | None, int] = {}
    for root in chosen:
        for p in root.css("p")[: rules.TITLE_LEAD_STYLES]:
            style = p.attributes.get("class")
            counts[style] = counts.get(style, 0) + 1
    most = max(counts.values(), default=0)
    leads = [p for p in leads if most and counts.get(p.attributes.get("class")) == most]
    lead_chars = sum(len(" ".join(p.text_lexbor().split())) for p in leads)
    if not leads or lead_chars < rules.TITLE_LEAD_SHARE * total:
        return []
    return leads


def _has_text_after(node: LexborNode) -> bool:
    sib = node.next
    while sib is not None:
        if sib.tag and sib.tag[0] != "-" and sib.text_lexbor().strip():
            return True
        sib = sib.next
    return False


def _widen(chosen: list[LexborNode], best: LexborNode, good: list) -> list[LexborNode]:
    """The chosen nodes, or an ancestor when they miss much of the page's paragraph text."""
    total = sum(length for _, length in good)
    if not total:
        return chosen
    lengths = {unit.mem_id: length for unit, length in good}
    selector = f"{rules.UNIT_SELECTOR}, {rules.DIV_UNIT_SELECTOR}"
    covered = sum(
        lengths.get(node.mem_id, 0) for root in chosen for node in (root, *root.css(selector))
    )
    if covered >= total * rules.MIN_COVERAGE:
        return chosen
    inside: dict[int, int] = {}  # mem_id -> paragraph chars below
    for unit, length in good:
        node, hops = unit, 0
        while node is not None and hops < 60:
            key = node.mem_id
            inside[key] = inside.get(key, 0) + length
            node, hops = node.parent, hops + 1
    best_node, best_value = (
        None,
        float(covered)
        - rules.WIDEN_COST * max(sum(len(node.text_lexbor()) for node in chosen) - covered, 0),
    )
    node, hops = best.parent, 0
    while node is not None and node.tag != "html" and hops < 60:
        have = inside.get(node.mem_id, 0)
        if have > covered and have > best_value:
            value = have - rules.WIDEN_COST * max(len(node.text_lexbor()) - have, 0)
            if value > best_value:
                best_node, best_value = node, value
        if node.tag == "body":
            break
        node, hops = node.parent, hops + 1
    return [best_node] if best_node is not None else chosen


def _same_class(body: LexborNode, best: LexborNode) -> list[LexborNode] | None:
    """An article body split into several same-class blocks (between ads): all of them."""
    classes = (best.attributes.get("class") or "").split()
    if not classes or best.tag not in ("div", "section", "article"):
        return None
    selector = best.tag + "".join(
        "." + c for c in classes if c.replace("-", "").replace("_", "").isalnum()
    )
    try:
        twins = body.css(selector)
    except Exception:
        return None
    if len(twins) < 2 or len(twins) > 50:
        return None
    kept = [
        t for t in twins if len(t.text_lexbor()) >= rules.MIN_UNIT_CHARS and _link_density(t) < 0.3
    ]
    if len(kept) < 2:
        return None
    # no twin may contain another
    ids = {t.mem_id for t in kept}
    for t in kept:
        node, hops = t.parent, 0
        while node is not None and hops < 40:
            if node.mem_id in ids:
                return None
            node, hops = node.parent, hops + 1
    return kept


def _contains(outer: LexborNode, inner: LexborNode) -> bool:
    """Whether ``inner`` is a descendant of ``outer`` (within 60 levels)."""
    return _within(inner.parent, outer.mem_id, 60)


def _depth(node: LexborNode) -> int:
    depth = 0
    while node is not None:
        node, depth = node.parent, depth + 1
    return depth


def _folded_len(node: LexborNode) -> int:
    return len(" ".join(node.text_lexbor().split()))


def _prose_outside(outer: LexborNode, inner: LexborNode, enough: float) -> bool:
    """Whether the prose paragraphs (``rules.GOOD_UNIT_CHARS`` or more, nearly free of
    links, outside captions) in ``outer`` and not in ``inner`` have ``enough`` characters.
    The count stops there, and a paragraph's cheap test (its length) comes before the
    walks up from it: on a page of hundreds of nested blocks, each of thousands of
    paragraphs was walked up to 60 levels and 12 more for captions, for every pair."""
    total = 0
    inner_id = inner.mem_id
    for p in outer.css("p"):
        size = len(" ".join(p.text_lexbor().split()))
        if (
            size >= rules.GOOD_UNIT_CHARS
            and p.mem_id != inner_id
            and not _contains(inner, p)
            and _link_density(p) < rules.LEAD_MAX_LINK_DENSITY
            and not _in_media(p, outer)
        ):
            total += size
            if total >= enough:
                return True
    return False


def _nested_choice(best: LexborNode, best_score: float, top: list[list]) -> LexborNode:
    """The container among the best candidate and those nested with it (its ancestors
    and descendants) that score nearly as well (``rules.NESTED_MARGIN``): the outermost,
    narrowed to an inner one while what the outer holds beyond it is mostly not prose
    (a caption, a video's teaser, labels). A paragraph added inside the inner one raises
    its score more than its ancestors' and flipped the plain choice of the higher score;
    it does not change the text beyond it."""
    chain = [best]
    for node, score in top:
        if node.mem_id == best.mem_id or score < best_score * rules.NESTED_MARGIN:
            continue
        if _contains(best, node) or _contains(node, best):
            chain.append(node)
    if len(chain) < 2:
        return best
    chain.sort(key=_depth)  # outermost first
    current = chain[0]
    size = _folded_len(current)
    for inner in chain[1:]:
        inner_size = _folded_len(inner)
        extra = size - inner_size
        if extra > 0 and not _prose_outside(current, inner, rules.NESTED_PROSE_SHARE * extra):
            current, size = inner, inner_size
    return current


def _shared_ancestor(best: LexborNode, best_score: float, top: list[list]) -> LexborNode:
    """Climb to an ancestor when several strong candidates live under it."""
    strong = {e[0].mem_id for e in top[1:] if e[1] >= best_score * 0.75}
    if len(strong) < 2:
        return best
    node, steps = best.parent, 0
    while node is not None and node.tag not in ("body", "html") and steps < 12:
        inside = 0
        for e in top[1:]:
            if e[0].mem_id in strong and _within(e[0], node.mem_id, 30):
                inside += 1
        if inside >= 2:
            return node
        node, steps = node.parent, steps + 1
    return best


def _with_siblings(best: LexborNode, best_score: float, scores: dict) -> list[LexborNode]:
    parent = best.parent
    if parent is None or best.tag in ("body", "html"):
        return [best]
    threshold = max(rules.SIBLING_MIN_SCORE, best_score * rules.SIBLING_SHARE)
    chosen: list[LexborNode] = []
    for sib in parent.iter():
        if sib.mem_id == best.mem_id:
            chosen.append(sib)
            continue
        entry = scores.get(sib.mem_id)
        if entry is not None and entry[1] >= threshold and _link_density(sib) < 0.3:
            chosen.append(sib)
        elif sib.tag == "p":
            text = sib.text_lexbor().strip()
            density = _link_density(sib)
            if (len(text) > 80 and density < 0.25) or (
                0 < len(text) <= 80 and density == 0 and re.search(r"\.( |$)", text)
            ):
                chosen.append(sib)
    return chosen


# ---------------------------------------------------------------- rendering


class _Renderer:
    """Walks subtrees iteratively and cuts their text into blocks (with markdown)."""

    def __init__(
        self,
        resolve: Callable[[str], str | None],
        sections: Callable[[str], str | None] | None = None,
    ) -> None:
        self.resolve = resolve
        self.sections = sections
        self.blocks: list[Block] = []
        self.text: list[str] = []
        self.md: list[str] = []
        self.link_chars = 0
        self.links: list[tuple[str, str]] = []
        self.generation = 0
        self.heading = 0
        self.quote = 0
        self.pre = 0
        self.lists: list[list] = []  # [tag, counter]
        self.rows = 0  # open <tr> elements
        self.li_prefix: str | None = None
        self.anchors: list[tuple[str | None, int, int, int]] = []

    # -- blocks
    def flush(self) -> None:
        self.generation += 1
        if not self.text:  # most block boundaries: nothing since the last one
            if self.md:
                self.md.clear()
            return
        raw = "".join(self.text)
        self.text.clear()
        if raw.isspace() and not self.pre:  # whitespace between block tags
            self.md.clear()
            return
        md_raw = "".join(self.md)
        self.md.clear()
        link_chars, links = self.link_chars, self.links
        self.link_chars, self.links = 0, []
        if self.pre:
            text = raw.replace(_BR, "\n").strip("\n")
            if not text.strip():
                return
            md = "```\n" + text + "\n```"
            kind = "pre"
        else:
            text = _fold(raw)
            if not text:
                return
            md = text if md_raw == raw else _fold(md_raw)  # the same when nothing was marked up
            if self.heading:
                kind, md = "h", "#" * self.heading + " " + md
            elif self.li_prefix is not None:
                kind, md = "li", self.li_prefix + md
                self.li_prefix = None
            elif self.lists:
                kind = "li"
            else:
                kind = "p"
        if self.anchors and self.anchors[-1][0]:  # inside a link: <a><h3>teaser</h3></a>
            link_chars = len(text)
        if self.quote:
            md = "\n".join("> " * self.quote + line for line in md.split("\n"))
            if kind == "p":
                kind = "quote"
        self.blocks.append(Block(kind, text, md, link_chars, links, self.rows > 0))
        if len(self.blocks) >= rules.MAX_BLOCKS:
            raise _Full  # no article has so many: a hostile page, cut here

    def enter(self, node: LexborNode, tag: str) -> bool:
        """Handle an element's start; False when its subtree is skipped."""
        if tag in rules.SKIP_TAGS:
            return False
        if tag == "br":
            self.text.append(_BR)
            self.md.append(_BR)
            return False
        if tag in rules.BLOCK_TAGS:
            if (
                tag == "div"
                and self.text
                and (parent := node.parent) is not None
                and parent.tag not in rules.BLOCK_TAGS
                and not all(map(str.isspace, self.text))
                and not node.text_lexbor().strip()
            ):
                # a box with no text inside a line's inline element (an extension's
                # badge in a citation's <cite>): no line break
                return False
            self.flush()
            if tag in rules.HEADING_TAGS:
                self.heading = int(tag[1])
            elif tag == "li":
                depth = max(len(self.lists) - 1, 0)
                if self.lists and self.lists[-1][0] == "ol":
                    self.lists[-1][1] += 1
                    self.li_prefix = "   " * depth + f"{self.lists[-1][1]}. "
                else:
                    self.li_prefix = "   " * depth + "- "
            elif tag in ("ul", "ol"):
                self.lists.append([tag, 0])
            elif tag == "blockquote":
                self.quote += 1
            elif tag == "pre":
                self.pre += 1
            elif tag == "tr":
                self.rows += 1
            return True
        if tag in rules.CELL_TAGS:
            if self.text:
                self.text.append(" ")
                self.md.append(" | ")
            return True
        if tag == "a":
            attrs = node.attributes
            href = attrs.get("href")
            if href is None and "name" not in attrs and "id" not in attrs:
                href = ""  # a script's button: link text without a URL
            # a target (<a name=...>, <a id=...> without href) keeps None: not a link
            self.anchors.append((href, len(self.text), len(self.md), self.generation))
        else:
            self._mark(tag)
        return True

    def _mark(self, tag: str) -> None:
        """Markdown for emphasis, strong and inline code, the same on both sides."""
        mark = _INLINE_MARKS.get(tag)
        if mark is not None and not (tag == "code" and self.pre):
            self.md.append(mark)

    def exit(self, tag: str) -> None:
        if tag in rules.BLOCK_TAGS:
            self.flush()
            if tag in rules.HEADING_TAGS:
                self.heading = 0
            elif tag in ("ul", "ol"):
                if self.lists:
                    self.lists.pop()
            elif tag == "blockquote":
                self.quote = max(self.quote - 1, 0)
            elif tag == "pre":
                self.pre = max(self.pre - 1, 0)
            elif tag == "tr":
                self.rows = max(self.rows - 1, 0)
            elif tag == "li":
                self.li_prefix = None
        elif tag == "a":
            if not self.anchors:
                return
            href, text_at, md_at, generation = self.anchors.pop()
            if generation != self.generation or href is None:
                return  # <a name=...>, <a id=...>: a target, not a link
            anchor = "".join(self.text[text_at:]).strip()
            if not anchor:
                return
            folded = " ".join(anchor.split())
            if not (self.heading and href.startswith("#")) and not (
                self.lists and href[:1] == "#" and self._names_section(href[1:], anchor)
            ):
                # a heading's link to its own section (a table of contents' target,
                # an anchor widget) does not make it a teaser's link, nor does a list
                # item's link to a section that it names: a table of contents
                self.link_chars += len(folded)
            url = self.resolve(href) if href else None
            if url:
                self.links.append((url, folded))
                self.md.insert(md_at, "[")
                self.md.append(f"]({url})")
        else:
            self._mark(tag)

    def _names_section(self, target: str, anchor: str) -> bool:
        """Whether a link to ``#target`` names the section there (its heading's words)."""
        if self.sections is None or not target:
            return False
        key = _section_key(anchor)
        return bool(key) and _section_key(self.sections(target) or "") == key

    def walk(self, root: LexborNode) -> None:
        root_tag = root.tag or ""
        if not self.enter(root, root_tag):
            return
        text, md, enter, exit_ = self.text, self.md, self.enter, self.exit
        node = root.child
        depth = 1  # of node below root
        # tag ids compared, names read only for the tags acted on: an id costs no string
        while node is not None:
            tag_id = node.tag_id
            if tag_id == TEXT_ID:
                value = node.text_content
                if value:
                    text.append(value)
                    md.append(value)
            elif tag_id not in _ACTIVE_IDS:  # <span>, <font>, <img>, comments ...: their text only
                if tag_id != COMMENT_ID:
                    child = node.child
                    if child is not None and node.tag is not None:
                        node = child
                        depth += 1
                        continue
            elif enter(node, tag := node.tag):
                child = node.child
                if child is not None:
                    node = child
                    depth += 1
                    continue
                exit_(tag)
            # next sibling, or climb closing elements on the way
            while True:
                nxt = node.next
                if nxt is not None:
                    node = nxt
                    break
                depth -= 1
                if depth <= 0:
                    node = None
                    break
                node = node.parent
                if node is None:
                    break
                if node.tag_id in _ACTIVE_IDS:
                    exit_(node.tag)
        self.exit(root_tag)
        self.flush()


_INLINE_MARKS = {"em": "*", "i": "*", "strong": "**", "b": "**", "code": "`"}
# the tags the renderer does something for on entering or leaving; the others only
# have their content walked
_ACTIVE_TAGS = (
    rules.SKIP_TAGS | rules.BLOCK_TAGS | rules.CELL_TAGS | frozenset(("br", "a", *_INLINE_MARKS))
)
# their lexbor ids (all HTML's own tags: fixed ids), and those of text and comment nodes
_ACTIVE_IDS = tag_ids(",".join(sorted(_ACTIVE_TAGS)))


_NUMBERING = re.compile(r"^\s*\d+(?:\.\d+)*\.?\s+")
_SIGN_AT_END = re.compile(r"(?:\s*\[[^\]]*\])?[\W_]*$")


def _section_key(text: str) -> str:
    """A heading's or a contents entry's words: numbering, a bracketed end and a
    permalink's sign gone ("3.1 Setting up", "Setting up[edit]", "Setting up¶": "setting up")."""
    return " ".join(_SIGN_AT_END.sub("", _NUMBERING.sub("", text)).casefold().split())


def section_headings(body: LexborNode) -> Callable[[str], str | None]:
    """The text of the heading of the section an id (or an ``<a name>``) marks: the
    element itself, a heading around it, its first heading or the heading right after
    it; None when there is none. Looked up on demand (tables of contents are rare): one
    query of the page a target for the first ``rules.SECTION_QUERIES``, then one pass
    indexing every target (a long contents or reference list: a query each was a tenth
    of a large encyclopedia page's extraction)."""
    memo: dict[str, str | None] = {}
    index: dict[str, LexborNode] | None = None

    def target_node(target: str) -> LexborNode | None:
        nonlocal index
        if index is None and len(memo) < rules.SECTION_QUERIES:
            try:
                return body.css_first(f'[id="{target}"], a[name="{target}"]')
            except Exception:  # no valid selector string: the index finds it
                pass
        if index is None:
            index = {}
            # document order: the first element with an id, or an <a> with a name,
            # wins, as the query's first match does
            for node in body.css("[id], a[name]"):
                attrs = node.attributes
                for key in (attrs.get("id"), attrs.get("name") if node.tag == "a" else None):
                    if key is not None and key not in index:
                        index[key] = node
        return index.get(target)

    def heading_of(target: str) -> str | None:
        found = memo.get(target, False)
        if found is not False:
            return found
        text = None
        if '"' not in target and "\\" not in target and len(memo) < 1000:
            node = target_node(target)
            heading = _heading_at(node) if node is not None else None
            text = heading.text_lexbor() if heading is not None else None
        memo[target] = text
        return text

    return heading_of


def _heading_at(node: LexborNode) -> LexborNode | None:
    up = node
    for _ in range(3):  # the target, or a heading around it (<h2><span id=...>)
        if up is None:
            break
        if up.tag in _HEADINGS:
            return up
        up = up.parent
    sib = node.next  # <a name="x"></a><h2>...
    while sib is not None and sib.tag_id == TEXT_ID and not (sib.text_content or "").strip():
        sib = sib.next
    if sib is not None and sib.tag in _HEADINGS:
        return sib
    return node.css_first("h1, h2, h3, h4, h5, h6")  # <div class=section id=x><h2>


class _Full(Exception):
    """The renderer holds ``rules.MAX_BLOCKS`` blocks."""


def render(
    roots: list[LexborNode],
    resolve: Callable[[str], str | None],
    sections: Callable[[str], str | None] | None = None,
) -> list[Block]:
    """Blocks of text, in document order, for the given subtrees (the first
    ``rules.MAX_BLOCKS`` of them). ``sections`` gives the heading of the section an id
    names (``section_headings``)."""
    renderer = _Renderer(resolve, sections)
    try:
        for root in roots:
            renderer.walk(root)
    except _Full:
        pass
    return renderer.blocks


def render_text(body: str, resolve: Callable[[str], str | None]) -> list[Block]:
    """Blocks of an article body given as a string (JSON-LD ``articleBody``): HTML
    when it holds tags, else plain text with its line breaks between paragraphs."""
    if "<" in body and ">" in body:
        # bounded like a page: JSON escapes ("\u003cdiv>") hide its tags from the page's guard
        fragment = LexborHTMLParser(guard.bound_input(body)).body
        return render([fragment], resolve) if fragment is not None else []
    blocks = []
    for line in html.unescape(body).splitlines():
        text = " ".join(line.split())
        if text:
            blocks.append(Block("p", text, text))
    return blocks


# ---------------------------------------------------------------- filtering


def is_byline(block: Block) -> bool:
    """A short "By Jane Doe" line."""
    text = block.text
    return (
        len(text) <= rules.BYLINE_MAX_CHARS
        and not text.endswith((".", "!", "?"))
        and rules.BYLINE_BLOCK.match(text) is not None
    )


def _boilerplate_line(lowered: str) -> bool:
    """A whole short line of boilerplate (lowercased): promo, credit, notice, prompt."""
    return bool(
        rules.BOILERPLATE_BLOCK.match(lowered)
        or (
            lowered[:1] in "(["  # a notice in brackets: "(Alle Angaben ohne Gewähr)", "[Anzeige]"
            and lowered[-1:] in ")]"
            and rules.BOILERPLATE_BLOCK.match(lowered[1:-1].strip()) is not None
        )
        or ("contributed" in lowered and rules.CONTRIBUTED.match(lowered))
        or (lowered.endswith(")") and rules.CREDIT_AT_END.search(lowered))
    )


def is_boilerplate(block: Block) -> bool:
    """A block that is a promo, share/subscribe prompt, credit, byline or link list."""
    text = block.text
    length = len(text)
    limit = (
        rules.MAX_LINK_DENSITY_SHORT if length < rules.SHORT_BLOCK_CHARS else rules.MAX_LINK_DENSITY
    )
    if block.kind != "h" and block.link_density > limit:
        return True
    if length <= rules.BOILER_MAX_CHARS:
        lowered = text.lower()
        if _boilerplate_line(lowered):
            return True
        if (
            length <= rules.PROMO_MAX_CHARS
            and any(map(lowered.__contains__, rules.PROMO_WORDS))  # no generator frame
            and rules.PROMO_BLOCK.search(lowered)
        ):
            return True
        if length <= rules.CREDIT_MAX_CHARS and rules.CREDIT_BLOCK.search(lowered):
            return True
        if "@" in text and (
            (length <= rules.CREDIT_MAX_CHARS or rules.CONTACT_CUE.search(lowered))
            and rules.CONTACT_BLOCK.search(text)
        ):
            return True  # an e-mail address in a short block, or asking for mail: a contact line
        if "follow" in lowered and rules.FOLLOW_PROMPT.search(lowered):
            return True
    if length <= rules.DATELINE_MAX_CHARS and block.kind == "p" and _is_dateline(text):
        return True
    return is_byline(block)


_LETTERS = re.compile(r"[^\W\d_]+")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


# a label of up to three words and a colon before a date ("Stand:", "Datum:",
# "Erscheinungsdatum:", "DATE :", "Veröffentlichung:")
_DATE_LABEL = re.compile(r"[^\W\d_]+(?:[ -][^\W\d_]+){0,2}\s*:\s*")


def _is_dateline(text: str) -> bool:
    """A date (and time) alone, or after a label and a colon ("Stand: 25.01.2022"): a date,
    and only month or weekday names, fillers or a time zone for words."""
    if _YEAR.search(text) is None:
        return False
    label = _DATE_LABEL.match(text)
    if label:
        text = text[label.end() :]
    for word in _LETTERS.findall(text):
        lowered = word.lower()
        if lowered in MONTHS or lowered in rules.WEEKDAYS or lowered in rules.DATELINE_FILLERS:
            continue
        if word.isupper() and 2 <= len(word) <= 5:  # a time zone: AMT, CET, GMT
            continue
        return False
    return bool(find_dates(text))  # a phone number or a list of years is not a date


def _recirc_label(text: str) -> bool:
    """A short line that is nothing but a recirculation or comment heading."""
    lowered = text.lower()
    found = rules.RECIRC_HEADING.match(lowered)
    return found is not None and not lowered[found.end() :].strip(" :.…»>-–—")


def _linked_sentence(block: Block, out: list[Block], blocks: list[Block], index: int) -> bool:
    """A sentence mostly covered by one inline link ("<a>The report shows ...</a> last
    year."), between paragraphs of prose: part of the article, not a teaser."""
    text = block.text
    if (
        block.kind != "p"
        or len(block.links) != 1
        or block.link_chars >= len(text)
        or not text.endswith(rules.SENTENCE_STOPS)
        or ":" in text[: rules.LINKED_LABEL_CHARS]
        or not out
        or index + 1 >= len(blocks)
    ):
        return False
    if is_boilerplate(replace(block, link_chars=0)):
        return False  # a promo, credit or byline whatever its links
    after = blocks[index + 1]
    return _prose(out[-1]) and _prose(after) and not is_boilerplate(after)


def _sentence_with_links(block: Block) -> bool:
    """A short paragraph of one sentence that opens with words of its own and links a
    name or two in it ("But a new report released on Monday by <a>Stanford University's
    Center on Poverty and Inequality</a> calls that into question.", "A Ghost Story is
    available to rent on <a>iTunes</a>, <a>Vudu</a> and <a>YouTube</a>."): the article's
    sentence, not a link line, though its links make up a third of its text or more."""
    text = block.text
    if (
        block.kind != "p"
        or not block.links
        or len(text) >= rules.SHORT_BLOCK_CHARS
        or block.link_density > rules.SENTENCE_MAX_LINK_DENSITY
        or not text.endswith(rules.SENTENCE_STOPS)
    ):
        return False
    first = block.links[0][1]
    at = text.find(first) if first else -1
    if at < 0 or len(_WORDS_RE.findall(text[:at])) < rules.SENTENCE_OPENING_WORDS:
        return False  # a label or a promo's first words ("Weitere Infos unter <a>...")
    if any(stop in text[:-1] for stop in _INNER_STOPS):
        return False  # two sentences: a teaser's, a prompt after it ("... Read more <a>")
    return not is_boilerplate(replace(block, link_chars=0))


_INNER_STOPS = (". ", "! ", "? ")


def _data_row(block: Block, out: list[Block]) -> bool:
    """A table row right after a kept row, of several cells and with words outside its
    links ("<a>Journey to the Center of Time</a> | 1967 | Remake of ..."), boilerplate
    only by its links: a row of the same table's data, not a menu's or a pager's."""
    if not block.row or not out or not out[-1].row or " | " not in block.md:
        return False
    linked = sum(_alpha_chars(anchor) for _, anchor in block.links)
    if _alpha_chars(block.text) <= linked:
        return False  # every word a link: a menu or a pager laid out as a table
    return not is_boilerplate(replace(block, link_chars=0))


def _alpha_chars(text: str) -> int:
    return sum(1 for char in text if char.isalpha())


def _prose(block: Block) -> bool:
    return (
        block.kind == "p"
        and len(block.text) >= rules.GOOD_UNIT_CHARS
        and block.link_density < rules.LEAD_MAX_LINK_DENSITY
    )


_ENTRY_HEADINGS = 3


def _entry_heading(blocks: list[Block], index: int) -> bool:
    """A heading that is mostly a link, a prose paragraph right after it."""
    return (
        blocks[index].kind == "h"
        and blocks[index].link_density > rules.MAX_LINK_DENSITY
        and index + 1 < len(blocks)
        and _prose(blocks[index + 1])
    )


def _without_boilerplate_end(block: Block) -> Block:
    """A block without a last line (after a <br>) that is boilerplate alone ("...
    <br>Verraten Sie gerne in den Kommentaren: ...")."""
    lines = block.text.split("\n")
    last = lines[-1]
    if len(last) > rules.BOILER_MAX_CHARS or not _boilerplate_line(last.lower()):
        return block
    md_lines = block.md.split("\n")
    md = "\n".join(md_lines[:-1]) if len(md_lines) == len(lines) else block.md
    return replace(block, text="\n".join(lines[:-1]).rstrip(), md=md.rstrip())


def keep_blocks(blocks: list[Block], bylines: list[str] | None = None) -> list[Block]:
    """Drop boilerplate blocks and recirculation sections; trailing headings go too.

    Dropped "By ..." lines are appended to ``bylines`` when given.
    """
    out: list[Block] = []
    dropping = teasers = False
    keep_chars = rules.RECIRC_KEEP_CHARS
    entries = -1  # list entries' headings on the page, counted when one is met
    for index, block in enumerate(blocks):
        text = block.text
        if block.kind == "h":
            lowered = text.lower()
            if len(text) < 100 and rules.RECIRC_HEADING.match(lowered):
                dropping = True
                keep_chars = (
                    rules.RECIRC_KEEP_CHARS
                    if rules.COMMENT_HEADING.match(lowered)
                    else rules.RECIRC_PROSE_CHARS
                )
                continue
            if block.link_density > rules.MAX_LINK_DENSITY:
                # a heading that is a link, between prose paragraphs, one of several such,
                # is a list article's entry ("21) <a>Star Wars: The Last Jedi</a>", a
                # trailer, a paragraph on it): kept
                # (not under a recirculation heading or label: there it is a teaser)
                if (
                    dropping
                    or teasers
                    or not out
                    or not (_prose(out[-1]) or _sentence_with_links(out[-1]))
                    or not _entry_heading(blocks, index)
                ):
                    continue
                if entries < 0:
                    entries = sum(1 for i in range(len(blocks)) if _entry_heading(blocks, i))
                if entries < _ENTRY_HEADINGS:
                    continue
            if len(text) <= rules.BOILER_MAX_CHARS and _boilerplate_line(lowered):
                continue
            dropping = False
            out.append(block)
            continue
        if len(text) < rules.RECIRC_LABEL_CHARS and _recirc_label(text):
            # a section title set as a paragraph ("Kommentierte Artikel", "Lea también"):
            # it goes, and so do the teasers (mostly link text) right under it
            teasers = True
            continue
        if teasers:
            if block.link_density >= rules.TEASER_LINK_DENSITY:
                continue
            teasers = False
        if dropping:
            if len(text) >= keep_chars and block.link_density < 0.2:
                dropping = False
            else:
                continue
        if (
            not is_boilerplate(block)
            or _linked_sentence(block, out, blocks, index)
            or _data_row(block, out)
            or _sentence_with_links(block)
        ):
            if "\n" in text and block.kind == "p":
                block = _without_boilerplate_end(block)
            out.append(block)
        elif bylines is not None and len(bylines) < rules.MAX_BYLINES and is_byline(block):
            bylines.append(block.text)
    while out and out[-1].kind == "h":
        out.pop()
    return out
