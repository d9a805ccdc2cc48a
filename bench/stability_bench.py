"""Stability benchmark: small edits to a page must change its text by the edit alone.

Three edits per page, each checked against the text extracted before it:

- ``paragraph``: one paragraph of prose added after a paragraph in the middle of
  the article must give the previous text plus that paragraph, in its place;
- ``last``: the same after the article's last paragraph (an update at the end);
- ``sidebar``: removing the sidebars (``<aside>``, a "sidebar" class or id) that
  hold none of the article's paragraphs must leave the text as it was;
- ``comments``: the same for the comment blocks ("comment" in a class or id,
  ``#disqus_thread``);
- ``site-update``: the bench site's ``--revision 2`` edit (``../shared/bench/site.py``,
  which needs aiohttp): its "Update 2" paragraph after the story's first paragraph
  must be in the text, and nothing else may change.

A page counts for an edit when the edit applies (a paragraph to anchor on, a
sidebar to remove); the figure is the share of those whose text changes beyond
the edit (goal: 0).

    python bench/stability_bench.py                        # every corpus in ../shared/corpus
    python bench/stability_bench.py --shared /work/shared  # from a worktree elsewhere
    python bench/stability_bench.py --corpus ../shared/corpus/web --show 5
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.extract import extract

ADDED = (
    "This paragraph was added to the story after it was first published, and it reads "
    "like the rest of it: plain sentences, a comma or two, and no links at all."
)
_WORDS = re.compile(r"[\w-]+")


def _folded(node: LexborNode) -> str:
    return " ".join(node.text_lexbor().split())


def _squeezed(text: str) -> str:
    return "".join(text.split())


def _anchor(tree: LexborHTMLParser, paragraphs: list[str]) -> LexborNode | None:
    """The <p> whose text is the first of ``paragraphs`` found as one in the page."""
    wanted = set(paragraphs)
    for node in tree.css("body p"):
        text = _folded(node)
        if text in wanted:
            return node
    return None


def add_paragraph(html: str, text: str, at_end: bool) -> tuple[str, str] | None:
    """The page with a paragraph of prose added after one of the article's paragraphs,
    and the text that should then come out; None when no paragraph fits."""
    blocks = text.split("\n\n")
    long = [i for i, b in enumerate(blocks) if len(b) >= 80 and "\n" not in b]
    if not long:
        return None
    order = (
        sorted(long, key=lambda i: -i)
        if at_end
        else sorted(long, key=lambda i: abs(i - len(blocks) // 2))
    )
    tree = LexborHTMLParser(html)
    for index in order[:3]:
        node = _anchor(tree, [blocks[index]])
        if node is None or blocks.count(blocks[index]) > 1:
            continue
        added = LexborHTMLParser(f"<p>{ADDED}</p>").css_first("p")
        node.insert_after(added)
        expected = "\n\n".join([*blocks[: index + 1], ADDED, *blocks[index + 1 :]])
        return tree.html or "", expected
    return None


def _names(node: LexborNode) -> list[str]:
    attrs = node.attributes
    key = f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()
    return _WORDS.findall(key)


def _remove(html: str, text: str, doomed: Callable[[LexborNode], bool]) -> str | None:
    """The page without the outermost elements ``doomed`` accepts that hold none of the
    article's paragraphs; None when there is none."""
    tree = LexborHTMLParser(html)
    if tree.body is None:
        return None
    # compared without whitespace: a block's <br> is a newline in the text and
    # nothing in the element's text
    paragraphs = {_squeezed(b) for b in text.split("\n\n") if len(b) >= 40}
    removed = 0
    for node in tree.body.css("*"):
        if node.parent is None or not doomed(node):
            continue
        inner = node.css("p, li, h2, h3, blockquote, div")
        if any(_squeezed(p.text_lexbor()) in paragraphs for p in inner):
            continue
        if paragraphs and any(p in _squeezed(node.text_lexbor()) for p in paragraphs):
            continue
        node.decompose()
        removed += 1
    return (tree.html or "") if removed else None


def _is_sidebar(node: LexborNode) -> bool:
    return node.tag == "aside" or any("sidebar" in n for n in _names(node))


def _is_comments(node: LexborNode) -> bool:
    return any(n.startswith("comment") or n == "disqus_thread" for n in _names(node))


def edits(html: str, text: str) -> dict[str, tuple[str, str] | None]:
    """Each edit's page and expected text (None where it does not apply)."""
    out: dict[str, tuple[str, str] | None] = {
        "paragraph": add_paragraph(html, text, at_end=False),
        "last": add_paragraph(html, text, at_end=True),
    }
    for name, doomed in (("sidebar", _is_sidebar), ("comments", _is_comments)):
        edited = _remove(html, text, doomed)
        out[name] = (edited, text) if edited is not None else None
    return out


class SiteUpdate(NamedTuple):
    page: bytes  # the edited page
    text: str  # the update paragraph
    by_truth: bool  # after a paragraph the truth names (else the first long one)


def site_update(bench_site: ModuleType, raw: bytes, truth: dict | None) -> SiteUpdate | None:
    """The bench site's ``--revision 2`` edit (../shared/bench/site.py): its update
    paragraph after the story's first paragraph; the text should gain that paragraph
    and change no other way."""
    try:
        at = bench_site.story_paragraph_end(raw, truth)
        by_truth = at is not None
        if at is None:
            m = bench_site.LONG_P.search(raw)
            at = m.end() if m else None
    except AttributeError:
        return None
    if at is None:
        return None
    update = "Update 2: this story was revised after publication with new details from officials."
    edited = raw[:at] + f"<p>{update}</p>".encode() + raw[at:]
    # bytes, as the site serves them (the page's own encoding)
    return SiteUpdate(edited, update, by_truth)


def update_node(update: SiteUpdate) -> LexborNode | None:
    """The update's ``<p>`` as a reader's parser places it in the edited page."""
    for node in LexborHTMLParser(_decode(update.page)).css("body p"):
        if _folded(node) == update.text:
            return node
    return None


def visible(node: LexborNode) -> bool:
    """Is the update a paragraph a reader sees?  The site finds the story's paragraph
    by a pattern over the HTML, which also matches one inside a JSON-LD script's
    ``articleBody`` or an attribute: an update put there is no text of the page."""
    parent = node.parent
    while parent is not None:
        if parent.tag in ("script", "style", "template", "noscript", "textarea"):
            return False
        parent = parent.parent
    return True


def anchored_in(node: LexborNode, text: str) -> bool:
    """Does the update follow a paragraph of the extracted ``text``?  Where the truth
    names no paragraph of the story to follow, the site puts the update after the
    page's first long paragraph, which may be a comment's, a cookie notice's or a
    sidebar's: there the right text is the one before, and the edit is not counted."""
    before = node.prev
    while before is not None and before.tag == "-text":
        before = before.prev
    if before is None:
        return False
    paragraph = _folded(before)
    return bool(paragraph) and paragraph in " ".join(text.split())


def check(html: str) -> dict[str, bool | None]:
    """Per edit: True when the text changed by the edit alone, False when it changed
    more, None when the edit does not apply. The page is first serialized as the
    edits are (parsing and writing back may change it), and that is the baseline."""
    tree = LexborHTMLParser(html)
    html = tree.html or ""
    text = extract(html).text
    if not text:
        return {}
    return {
        name: None if edit is None else extract(edit[0]).text == edit[1]
        for name, edit in edits(html, text).items()
    }


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def main() -> int:
    here = Path(__file__).resolve().parent
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--shared",
        type=Path,
        default=here.parent.parent / "shared",
        help="the shared folder (corpora, the bench site); default ../shared",
    )
    ap.add_argument("--corpus", type=Path, action="append", help="folder of *.html.gz pages")
    ap.add_argument("--limit", type=int, help="first N pages of each corpus")
    ap.add_argument("--show", type=int, default=0, help="name N pages that failed each edit")
    a = ap.parse_args()
    corpora = a.corpus or sorted(p for p in (a.shared / "corpus").iterdir() if p.is_dir())
    spec = importlib.util.spec_from_file_location("bench_site", a.shared / "bench" / "site.py")
    bench_site = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(bench_site)  # type: ignore[union-attr]
    for corpus in corpora:
        pages = sorted(corpus.glob("*.html.gz"))[: a.limit]
        truths = {}
        if (corpus / "truth.jsonl").exists():
            for line in (corpus / "truth.jsonl").read_text(encoding="utf-8").splitlines():
                item = json.loads(line)
                truths[item["id"]] = item
        counts: dict[str, list[int]] = {}
        failed: dict[str, list[str]] = {}
        for path in pages:
            raw = gzip.decompress(path.read_bytes())
            result = check(_decode(raw))
            update = site_update(bench_site, raw, truths.get(path.name.split(".")[0]))
            if update is not None and result:
                node = update_node(update)
                before = extract(raw).text
                # counted where a reader sees it (not inside a script or a tag), and,
                # placed after the page's first long paragraph, where that is the text's
                if (
                    node is not None
                    and visible(node)
                    and (update.by_truth or anchored_in(node, before))
                ):
                    after = extract(update.page).text.split("\n\n")
                    result["site-update"] = update.text in after and [
                        b for b in after if b != update.text
                    ] == before.split("\n\n")
            for name, ok in result.items():
                if ok is None:
                    continue
                tally = counts.setdefault(name, [0, 0])
                tally[0] += 1
                if not ok:
                    tally[1] += 1
                    failed.setdefault(name, []).append(path.name.split(".")[0])
        print(f"\n{corpus.name} ({len(pages)} pages)")
        for name, (applied, bad) in counts.items():
            share = bad / applied if applied else 0.0
            print(
                f"  {name:<10} {applied:>4} pages  changed beyond the edit: {bad:>3} ({share:.1%})"
            )
            if a.show and failed.get(name):
                print("             " + " ".join(failed[name][: a.show]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
