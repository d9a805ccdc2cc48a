"""Stability: a small edit to a saved page changes its text by the edit alone.

Adding a paragraph of prose to the article must give the previous text plus that
paragraph; removing a sidebar or a comment block must not change the text. The
edits are the stability bench's (``bench/stability_bench.py``), run here on the
saved pages.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "bench"))

from stability_bench import ADDED, add_paragraph, check, edits

from scraper.extract import extract

PAGES = sorted((Path(__file__).parent / "pages").glob("*.html"))


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_an_edit_changes_the_text_by_the_edit_alone(path: Path) -> None:
    result = check(path.read_text(encoding="utf-8"))
    assert result, "no text"
    assert result["paragraph"] and result["last"], result  # a paragraph always applies
    assert all(ok is not False for ok in result.values()), result


def test_the_edits_are_what_they_say() -> None:
    html = (PAGES[0]).read_text(encoding="utf-8")
    text = extract(html).text
    edited, expected = add_paragraph(html, text, at_end=True) or ("", "")
    assert expected.endswith(ADDED) or f"\n\n{ADDED}\n\n" in expected
    assert expected.replace(f"\n\n{ADDED}", "") == text
    assert ADDED in edited
    sidebar = (
        f"<html><body><article>{'<p>' + 'A sentence of the article, long enough. ' * 3 + '</p>'}"
        "</article><aside><p>Most read today</p></aside>"
        "<div id='comments'><p>First!</p></div></body></html>"
    )
    found = edits(sidebar, extract(sidebar).text)
    assert found["sidebar"] is not None and "Most read" not in found["sidebar"][0]
    assert found["comments"] is not None and "First!" not in found["comments"][0]
    # a wrapper named for the page's layout holds the article, its paragraph's lines
    # broken by <br>: it is no sidebar to remove
    lines = "<br>".join(["A line of the article, and long enough to count as its text."] * 3)
    wrapped = f"<html><body><div class='has-sidebar'><article><p>{lines}</p></article></div>"
    assert edits(wrapped, extract(wrapped).text)["sidebar"] is None


_PLACES = ["harbour", "council", "bridge", "school", "market", "library", "station", "park"]


def _near_tie(paragraphs: int, beside: str) -> str:
    """An article body (its class worth a bonus) holding ``beside`` and a bare group of
    paragraphs: the two score nearly alike, the group's score rising faster with each
    paragraph."""
    body = "".join(
        f"<p>The council met on day {i}, after a long delay, and voted on the plan for the "
        f"{_PLACES[i % len(_PLACES)]}, which residents, traders and the port had argued over "
        "for years.</p>"
        for i in range(paragraphs)
    )
    return (
        "<html><body><h1>Harbour plan</h1><div class='article-body'>"
        f"{beside}<div class='group'>{body}</div></div></body></html>"
    )


def test_a_near_tie_between_a_container_and_its_child_is_not_flipped_by_a_paragraph() -> None:
    # a caption beside the paragraphs, no prose: the inner group is the article, both
    # before a paragraph is added (the outer body still scoring higher) and after
    caption = "<div>The harbour at dusk, seen from the old bridge (archive picture)</div>"
    page = _near_tie(8, caption)
    assert "harbour at dusk" not in extract(page).text
    assert check(page)["paragraph"] and check(page)["last"]
    # a paragraph of prose beside them: the outer body is the article, whichever scores more
    prose = (
        "<p>Residents had waited for the vote since spring, and many of them came to the "
        "hall to hear it, with signs, flasks of tea and their children.</p>"
    )
    for count in (6, 8, 10):
        assert "Residents had waited" in extract(_near_tie(count, prose)).text
