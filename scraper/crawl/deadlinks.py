"""The dead-link brake: stop following a kind of link once most of them are dead.

Pages copied from elsewhere carry relative links that resolve to nothing on
this site; following them all would hammer the site with requests for pages it
does not have.  Links are counted by the kind of page they were found on
(``LINK_SOURCES``); once ``DEAD_LINKS_TRIED`` of a kind were fetched and more
than ``DEAD_LINKS_SHARE`` of them were dead (404, 410), no more of that kind
are followed in this run: those queued and those found later are skipped,
with the reason.
"""

from __future__ import annotations

DEAD = (404, 410)
DEAD_LINKS_TRIED, DEAD_LINKS_SHARE = 20, 0.5  # then most of them dead: follow no more
# where links are found -> what the reason calls those pages
LINK_SOURCES = {"link": "index pages", "related": "article pages"}


class DeadLinkBrake:
    """The links of one site's run, by source (``LINK_SOURCES``)."""

    def __init__(self) -> None:
        self.tried: dict[str, int] = {}
        self.dead: dict[str, int] = {}
        self._off: dict[str, str] = {}

    def off(self, source: str) -> str | None:
        """Why links found on ``source`` pages are no longer followed, or None."""
        return self._off.get(source)

    def after(self, source: str, status: int | None) -> str | None:
        """Count the fetch of a link found on ``source`` pages (its HTTP status).
        Returns the reason when that makes the brake close, else None."""
        tried = self.tried[source] = self.tried.get(source, 0) + 1
        dead = self.dead[source] = self.dead.get(source, 0) + (status in DEAD)
        if source in self._off or tried < DEAD_LINKS_TRIED:
            return None
        if dead > DEAD_LINKS_SHARE * tried:
            reason = self._off[source] = (
                f"links on {LINK_SOURCES[source]} not followed: {dead} of the first "
                f"{tried} were dead"
            )
            return reason
        return None
