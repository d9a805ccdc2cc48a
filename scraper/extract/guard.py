"""Input bounds applied before parsing, so that hostile pages cost bounded time."""

from __future__ import annotations

import re

from scraper.extract.rules import MAX_INPUT_BYTES

# The HTML parser's work grows with the product of the open elements' depth and the
# tags that look down the stack of open elements: a block's start tag (is a <p> open?)
# and an end tag (is one of its name open?) ("<div>" * 40_000: 4 s; "<span>" * 30_000
# then "<p></p>" * 30_000: 7 s). The document is cut at the tag where that work, as
# the open elements' depth at each such tag, passes this (about 0.1 s of parsing; the
# corpora's pages need at most 0.5% of it, every fourth page measured).
PARSE_BUDGET = 20_000_000
_WINDOW = 4096
_SUSPICIOUS = 250  # unclosed tags in one window
# Tags counted in _SAMPLE bytes of every _STRIDE (a sixteenth of the page: a count of the
# whole page cost 2.6% of extract()); from MANY_TAGS tags on (the corpora's largest
# page: 19,600, whose scan would take 40 ms) the exact scan runs. Below it, the worst
# found is a list nested 14,750 deep, sparse enough for the windows: 3.4 s (620 KB).
_SAMPLE = 1024
_STRIDE = 16 * 1024
MANY_TAGS = 30_000

_TAG_TEXT = r"<(/?)([A-Za-z][^\s/>]*)|<!--"
_TAG = re.compile(_TAG_TEXT)
# bytes are scanned decoded as Latin-1 (a character a byte, the same positions), with
# whitespace as bytes know it
_TAG_LATIN1 = re.compile(_TAG_TEXT, re.ASCII)
_VOID = frozenset(
    "area base br col embed hr img input keygen link meta param source track wbr "
    "basefont bgsound frame image html head body".split()
)  # html, head and body are not counted: they are there once, whatever the page says
_RAW = frozenset("script style textarea title xmp iframe noembed noframes noscript".split())
_RAW_END = {name: re.compile("</" + name, re.IGNORECASE) for name in _RAW}
_FOREIGN = frozenset(("svg", "math"))
# A start tag of these ends an open element of its group (a <p>, <li>, <dt> ... the one
# before it), looking down past phrasing elements and the p, div and address an <li>'s
# end passes, as HTML's parser does; at most _LOOK_DOWN of them, then it is kept open
# (an overcount, which only costs a page a cut that comes early, never one that misses).
_P = ("p",)  # a block's start tag (_CLOSES_P), a <p>'s included, ends an open <p>
_SIBLINGS = {
    "li": ("li",),
    "dt": ("dt", "dd"),
    "dd": ("dt", "dd"),
    "option": ("option",),
}
_PASSABLE = frozenset(
    "a abbr b bdi bdo big cite code data dfn em font i kbd label mark nobr q rp rt ruby s "
    "samp small span strike strong sub sup time tt u var p div address".split()
)
_LOOK_DOWN = 8
# In a table, a cell's or a row's start tag ends the open cell or row (and what is open in
# it) up to the table, looking down at most _TABLE_LOOK_DOWN open elements.
_TABLE_PARTS = {
    "td": ("td", "th"),
    "th": ("td", "th"),
    "tr": ("tr", "td", "th"),
    "tbody": ("tbody", "thead", "tfoot", "tr", "td", "th"),
    "thead": ("tbody", "thead", "tfoot", "tr", "td", "th"),
    "tfoot": ("tbody", "thead", "tfoot", "tr", "td", "th"),
}
_TABLE_LOOK_DOWN = 64
_CLOSES_P = frozenset(
    "div section article aside nav header footer main ul ol dl blockquote p h1 h2 h3 h4 "
    "h5 h6 table form fieldset figure details center address pre menu dir hgroup summary "
    "listing".split()
)


def bound_input(html: str | bytes) -> str | bytes:
    """The part of ``html`` worth parsing: at most MAX_INPUT_BYTES, bounded nesting depth."""
    if len(html) > MAX_INPUT_BYTES:
        html = html[:MAX_INPUT_BYTES]
    lt, close = ("<", "</") if isinstance(html, str) else (b"<", b"</")
    # opening minus closing tags in a few windows, roughly, and the tags in a sixteenth
    # of the page: only a suspicious page pays for the exact scan
    size = len(html)
    starts = {0, max(size // 2 - _WINDOW // 2, 0), max(size - _WINDOW, 0)}
    if all(
        html.count(lt, i, i + _WINDOW) - 2 * html.count(close, i, i + _WINDOW) < _SUSPICIOUS
        for i in starts
    ) and (
        sum(html.count(lt, i, i + _SAMPLE) for i in range(0, size, _STRIDE)) * _STRIDE
        < MANY_TAGS * _SAMPLE
    ):
        return html
    if isinstance(html, str):
        end = _parse_end(html, _TAG)
    else:
        end = _parse_end(html.decode("latin-1"), _TAG_LATIN1)
    return html if end == len(html) else html[:end]


def _parse_end(html: str, tags: re.Pattern[str]) -> int:
    """Where ``html`` is cut: the tag where the parser's work (``PARSE_BUDGET``) runs out, the
    elements kept open as the parser keeps them: an end tag closes only an element of
    its name that is open (a stray "</p>" or "</section>" closes nothing), a <p>, <li>,
    <td> ... closes the one before it, a block closes an open <p>; void elements,
    comments and the text of scripts and styles open nothing."""
    stack: list[str] = []
    work = 0
    open_count: dict[str, int] = {}
    pos = 0
    search = tags.search
    while (m := search(html, pos)) is not None:
        pos = m.end()
        name_part = m.group(2)
        if name_part is None:  # a comment: up to its end
            end = html.find("-->", pos)
            if end < 0:
                break
            pos = end + 3
            continue
        name = name_part.lower()
        if m.group(1):  # an end tag
            work += len(stack)
            if work > PARSE_BUDGET:
                return m.start()
            if open_count.get(name):
                while stack:
                    top = stack.pop()
                    open_count[top] -= 1
                    if top == name:
                        break
            continue
        if name in _VOID:
            continue
        if name in _RAW:  # its text up to its end tag is no markup
            end_tag = _RAW_END[name].search(html, pos)
            if end_tag is None:
                break
            pos = end_tag.end()
            continue
        if any(open_count.get(f) for f in _FOREIGN):
            gt = html.find(">", pos)
            if gt > 0 and html[gt - 1] == "/":
                continue  # <path .../> in an <svg>: closed at once
        if name in _CLOSES_P:
            work += len(stack)
            if work > PARSE_BUDGET:
                return m.start()
        if stack:
            if name in _TABLE_PARTS:
                if open_count.get("table"):
                    _end_table_part(stack, open_count, _TABLE_PARTS[name])
            elif name in _SIBLINGS:
                _end_sibling(stack, open_count, _SIBLINGS[name])
            if name in _CLOSES_P or name in _SIBLINGS:  # a block or an item ends an open <p>
                _end_sibling(stack, open_count, _P)
        stack.append(name)
        open_count[name] = open_count.get(name, 0) + 1
    return len(html)


def _pop_to(stack: list[str], open_count: dict[str, int], index: int) -> None:
    """Close the open elements from ``index`` up."""
    for name in stack[index:]:
        open_count[name] -= 1
    del stack[index:]


def _end_sibling(stack: list[str], open_count: dict[str, int], group: tuple[str, ...]) -> None:
    """Close the nearest open element of ``group``, looking down past phrasing elements."""
    for index in range(len(stack) - 1, max(len(stack) - _LOOK_DOWN, 0) - 1, -1):
        if stack[index] in group:
            _pop_to(stack, open_count, index)
            return
        if stack[index] not in _PASSABLE:
            return


def _end_table_part(stack: list[str], open_count: dict[str, int], parts: tuple[str, ...]) -> None:
    """Close the lowest open element of ``parts`` above the nearest open <table>."""
    lowest = None
    for index in range(len(stack) - 1, max(len(stack) - _TABLE_LOOK_DOWN, 0) - 1, -1):
        name = stack[index]
        if name == "table":
            break
        if name in parts:
            lowest = index
    else:
        return  # no table within reach: nothing is closed (an overcount)
    if lowest is not None:
        _pop_to(stack, open_count, lowest)
