"""``scraper crawl``: incremental, polite, resumable site crawls.

- ``crawler``    the crawl itself: ``crawl(seeds, archive, settings, options)``
- ``urllist``    ``scraper fetch``: a given list of URLs, on the same parts, no discovery
- ``discovery``  sitemaps, feeds and page hints (pure parsing)
- ``robots``     robots.txt per origin, through the shared fetcher
- ``guard``      what may be requested: the address rule and robots.txt, given to the fetcher
- ``frontier``   one site's queue in a run, over the archive's ``frontier`` table
- ``scope``      what a page or a listing adds to the queue: scope, depth, priority
- ``pool``       extraction in worker processes
- ``batching``   group commit of several pages' writes
- ``writer``     the archive's work on a thread of its own, beside the event loop
- ``health``     a host that keeps failing is paused, then its site left for the next run
- ``deadlinks``  links of a kind that are mostly dead are no longer followed
- ``report``     outcomes counted and passed on; the ``CrawlResult``
- ``lock``       the archive's exclusive crawl lock
"""

from __future__ import annotations

from scraper.crawl.crawler import crawl
from scraper.crawl.lock import crawl_lock
from scraper.crawl.report import CrawlResult
from scraper.crawl.scope import CrawlOptions

__all__ = ["CrawlOptions", "CrawlResult", "crawl", "crawl_lock"]
