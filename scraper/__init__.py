"""scraper: fetch news articles, strip boilerplate, keep them in a SQLite archive."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("scraper")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
