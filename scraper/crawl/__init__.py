"""``scraper crawl``: incremental, polite, resumable site crawls.

- ``discovery``  sitemaps, feeds and page hints (pure parsing)
- ``robots``     robots.txt per origin, through the shared fetcher
- ``frontier``   one site's queue in a run, over the archive's ``frontier`` table
- ``crawler``    the crawl itself: ``crawl(seeds, archive, settings, options)``
- ``lock``       the archive's exclusive crawl lock
"""

from __future__ import annotations

from scraper.crawl.crawler import CrawlOptions, CrawlResult, crawl
from scraper.crawl.lock import crawl_lock

__all__ = ["CrawlOptions", "CrawlResult", "crawl", "crawl_lock"]
