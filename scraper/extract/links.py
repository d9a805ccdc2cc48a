"""Every link of a page, made absolute, read from the raw tree."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.models import Link

_ABSOLUTE = ("https://", "http://")
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "file:", "sms:")


class Resolver:
    """Makes hrefs absolute against a base URL, with fast paths for the common shapes."""

    def __init__(self, base: str | None) -> None:
        self.base = base or ""
        self.cache: dict[str, str | None] = {}
        self.scheme = self.origin = self.directory = ""
        if self.base:
            try:
                parts = urlsplit(self.base)
            except ValueError:
                self.base = ""
            else:
                if parts.scheme in ("http", "https") and parts.netloc:
                    self.scheme, self.origin = parts.scheme, f"{parts.scheme}://{parts.netloc}"
                    path = parts.path or "/"
                    if path.startswith("/") and "/." not in path and "//" not in path:
                        # where a relative path goes: the base's path up to its last "/"
                        self.directory = self.origin + path[: path.rfind("/") + 1]

    def __call__(self, href: str) -> str | None:
        found = self.cache.get(href, False)
        if found is not False:
            return found
        if href.startswith(_ABSOLUTE) and " " not in href and not href[-1].isspace():
            url: str | None = href  # the common shape: absolute, nothing to strip or escape
        else:
            url = self._resolve(href)
        if len(self.cache) < 20_000:
            self.cache[href] = url
        return url

    def _resolve(self, href: str) -> str | None:
        href = href.strip()
        if not href or href.startswith("#"):
            return None
        lowered = href[:12].lower()
        if lowered.startswith(_SKIP_SCHEMES):
            return None
        if lowered.startswith(("http://", "https://")):
            return href if " " not in href else href.replace(" ", "%20")
        if self.origin:
            if href.startswith("//"):
                return f"{self.scheme}:{href}"
            if href.startswith("/") and "/./" not in href and "/../" not in href:
                return self.origin + href
            if (
                self.directory
                and ":" not in href
                and "/." not in "/" + href
                and "//" not in href
                and not href.startswith(("?", "/"))
                and not href.endswith(("#", "?"))
            ):
                return self.directory + href  # "page.html", "a/b?c": what urljoin gives
        if not self.base:
            return href
        try:
            return urljoin(self.base, href)
        except ValueError:
            return None


def base_url(tree: LexborHTMLParser, url: str | None) -> str | None:
    """The document's base: ``<base href>`` resolved against the page URL."""
    return base_of((tree.head or tree).css_first("base[href]"), url)


def base_of(node: LexborNode | None, url: str | None) -> str | None:
    """The base a ``<base href>`` element (the document's first, if any) gives, resolved
    against the page URL."""
    href = (node.attributes.get("href") or "").strip() if node is not None else ""
    if not href:
        return url
    try:
        return urljoin(url or "", href) or url
    except ValueError:
        return url


def mark_body_links(links: list[Link], body: set[tuple[str, str]]) -> None:
    """Flag the links whose (url, text) appear in the extracted main content."""
    if not body:
        return
    for link in links:
        if (link.url, link.text) in body:
            link.in_body = True
