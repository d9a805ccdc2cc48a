"""Input bounds applied before parsing, so that hostile pages cost bounded time."""

from __future__ import annotations

import re

from scraper.extract.rules import MAX_INPUT_BYTES

# The HTML parser's cost grows with the square of the depth of unclosed block
# elements ("<div>" * 40_000); beyond this depth the document is cut.
MAX_OPEN_BLOCKS = 4000
_WINDOW = 4096
_SUSPICIOUS = 250  # unclosed tags in one window
_BLOCK_TAG_PATTERN = (
    r"<(/?)(?:div|section|article|aside|nav|header|footer|main|ul|ol|dl|blockquote|p|h[1-6]|"
    r"table|form|fieldset|figure|details|center|address|pre|menu|dir|hgroup|summary|listing)\b"
)
_BLOCK_TAG = re.compile(_BLOCK_TAG_PATTERN, re.IGNORECASE)
_BLOCK_TAG_BYTES = re.compile(_BLOCK_TAG_PATTERN.encode(), re.IGNORECASE)


def bound_input(html: str | bytes) -> str | bytes:
    """The part of ``html`` worth parsing: at most MAX_INPUT_BYTES, bounded nesting depth."""
    if len(html) > MAX_INPUT_BYTES:
        html = html[:MAX_INPUT_BYTES]
    if isinstance(html, str):
        lt, close, tags = "<", "</", _BLOCK_TAG
    else:
        lt, close, tags = b"<", b"</", _BLOCK_TAG_BYTES
    # opening minus closing tags in a few windows, roughly: only a suspicious page
    # pays for the exact scan
    size = len(html)
    starts = {0, max(size // 2 - _WINDOW // 2, 0), max(size - _WINDOW, 0)}
    if all(
        html.count(lt, i, i + _WINDOW) - 2 * html.count(close, i, i + _WINDOW) < _SUSPICIOUS
        for i in starts
    ):
        return html
    depth = 0
    for m in tags.finditer(html):
        if m.group(1):
            depth = max(depth - 1, 0)
        else:
            depth += 1
            if depth > MAX_OPEN_BLOCKS:
                return html[: m.start()]
    return html
