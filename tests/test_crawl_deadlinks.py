"""The dead-link brake (``crawl/deadlinks.py``): when most links of a kind are dead."""

from __future__ import annotations

from scraper.crawl.deadlinks import DeadLinkBrake


def test_closes_once_most_of_the_first_twenty_are_dead() -> None:
    brake = DeadLinkBrake()
    assert [brake.after("link", 404) for _ in range(19)] == [None] * 19
    assert brake.off("link") is None  # 19 tried: too few to judge
    reason = brake.after("link", 410)
    assert reason == "links on index pages not followed: 20 of the first 20 were dead"
    assert brake.off("link") == reason
    assert brake.off("related") is None  # each kind of page on its own
    assert brake.after("link", 404) is None  # told once


def test_half_dead_is_not_most() -> None:
    brake = DeadLinkBrake()
    for n in range(20):
        assert brake.after("related", 404 if n % 2 else 200) is None  # 10 of 20
    assert brake.off("related") is None
    reason = brake.after("related", 404)  # 11 of 21
    assert reason == "links on article pages not followed: 11 of the first 21 were dead"


def test_only_404_and_410_are_dead() -> None:
    brake = DeadLinkBrake()
    for status in (500, 403, None, 301, 200) * 4:  # failures, but not dead links
        assert brake.after("link", status) is None
    assert brake.off("link") is None and brake.dead["link"] == 0
