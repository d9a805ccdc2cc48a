"""Lexbor's numeric ids of HTML's tags: comparing a node's id builds no tag name.

HTML's own tags have fixed ids in lexbor, so they are read once, at import.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

TEXT_ID, DOCUMENT_ID, COMMENT_ID = 2, 3, 4  # LXB_TAG__TEXT, __DOCUMENT, __EM_COMMENT


def tag_ids(names: str) -> frozenset[int]:
    """Lexbor's ids of the tag names, separated by commas or spaces."""
    tree = LexborHTMLParser("")
    return frozenset(tree.create_node(tag).tag_id for tag in names.replace(",", " ").split())


ROOT_IDS = tag_ids("html, body")
