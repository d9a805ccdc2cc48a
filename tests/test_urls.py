"""URL checks and normalization (pure functions; the address check with a stand-in
resolver, so no DNS is asked)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from resolvers import resolving_to

from scraper.urls import (
    _normalized,
    host_key,
    is_public_address,
    normalize_url,
    redact,
    same_site,
)


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:443/a", "http://example.com:443/a"),  # not http's default
        ("https://example.com:80/a", "https://example.com:80/a"),
        ("http://example.com:8080", "http://example.com:8080/"),
        ("http://EXAMPLE.com./a#top", "http://example.com/a"),
        ("http://[2001:DB8::1]:8080/a", "http://[2001:db8::1]:8080/a"),
        ("http://user@example.com/a", "http://user@example.com/a"),
        ("http://example.com/a?b=1&utm_source=x&Fbclid=2", "http://example.com/a?b=1"),
        ("http://example.com/a?pk_campaign=1", "http://example.com/a"),
        ("http://example.com/a?x=&y=1", "http://example.com/a?x=&y=1"),  # kept as written
        ("http://example.com/a?x=&utm_source=1", "http://example.com/a?x="),  # blank kept
        ("http://example.com/a?q=a%20b&ref=c", "http://example.com/a?q=a+b&ref=c"),
        ("http://example.com/a?utm_source=x&q=a/b", "http://example.com/a?q=a%2Fb"),
        ("http://example.com/a?UTM_Source=x", "http://example.com/a"),
        ("http://example.com/a?%75tm_source=x&b", "http://example.com/a?b="),
        ("http://user:secret@example.com/a", "http://user@example.com/a"),
        ("http://example.com/a\x01b", "http://example.com/a\x01b"),  # not a URL: as is
        ("http://example.com:99999/a", "http://example.com:99999/a"),  # not a URL: as is
        ("  http://example.com/a  ", "http://example.com/a"),
    ],
)
def test_normalize_url(url: str, normal: str) -> None:
    assert normalize_url(url) == normal


# Each pair is one page (RFC 3986 section 6, and the WHATWG URL standard for the
# host), so one key (issue 11, item 20)
SAME_PAGE = [
    ("http://Bücher.de/a", "http://xn--bcher-kva.de/a"),  # IDNA host
    ("http://example.com/%7euser", "http://example.com/~user"),  # unreserved escaped
    ("http://example.com/café", "http://example.com/caf%C3%A9"),  # UTF-8 escaped
    ("http://example.com/caf%c3%a9", "http://example.com/caf%C3%A9"),  # escape case
    ("http://example.com/a/../b", "http://example.com/b"),  # dot segments
    ("http://example.com/a/./b", "http://example.com/a/b"),
    ("http://example.com/?q=café", "http://example.com/?q=caf%C3%A9"),
    ("http://example.com/a?b=1&a=2", "http://example.com/a?a=2&b=1"),  # order of parameters
    ("http://example.com/a?b=1&utm_source=x&a=2", "http://example.com/a?a=2&b=1"),
]


@pytest.mark.parametrize(("one", "other"), SAME_PAGE)
def test_one_page_one_key(one: str, other: str) -> None:
    assert normalize_url(one) == normalize_url(other)
    assert normalize_url(normalize_url(one)) == normalize_url(one)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_a_key_is_its_own_key(path: str) -> None:
    key = normalize_url(f"http://Example.com/{path}")
    assert normalize_url(key) == key


# the URLs one step past the quick answer's pattern
EDGES = [
    "http://e.com/a/../b", "http://e.com/a/./b", "http://e.com/a/..", "http://e.com/a/.",
    "http://e.com/a;", "http://e.com/%7e", "http://e.com/a?utm_source=x", "http://e.com/a?Fbclid=",
    "http://E.com/a", "http://e.com:080/a", "http://e.com:80/a", "https://e.com:443/a",
    "http://e.com:65536/a", "http://xn--bcher-kva.de/a", "http://e.com/a?b=1&a=2",
]  # fmt: skip


@pytest.mark.parametrize("url", EDGES)
def test_the_quick_answer_is_not_given_past_its_pattern(url: str) -> None:
    assert normalize_url(url) == _normalized(url)
    stays = ("http://xn--bcher-kva.de/a", "http://e.com:65536/a")  # (a port out of range)
    assert (normalize_url(url) == url) == (url in stays)


@settings(max_examples=200)
@given(
    st.sampled_from(["http", "https", "HTTP"]),
    st.text(alphabet="aZ0-._é", min_size=1, max_size=8),
    st.sampled_from(["", ":80", ":443", ":080", ":8080", ":65535", ":65536", ":0"]),
    st.text(alphabet="/a.~%;!=+@:&éB_", max_size=12),
    st.text(alphabet="aB_=&.~%#", max_size=10),
)
def test_the_quick_answer_is_the_worked_out_one(
    scheme: str, host: str, port: str, path: str, query: str
) -> None:
    url = f"{scheme}://{host}{port}/{path}" + (f"?{query}" if query else "")
    assert normalize_url(url) == _normalized(url)


def test_host_key_and_same_site() -> None:
    assert host_key("https://WWW.Example.com/a") == "example.com"
    assert host_key("not a url") == ""
    assert same_site("https://example.com/a", "http://www.example.com/b")
    assert same_site("https://news.example.com/a", "https://example.com/")
    assert same_site("https://example.com/", "https://news.example.com/a")
    assert not same_site("https://example.com/", "https://example.org/")
    assert not same_site("https://badexample.com/", "https://example.com/")
    assert not same_site("/relative", "/other")  # no host: no site
    # a link urlsplit refuses (an unclosed "["): no host, on no site, no exception
    assert host_key("http://[abc/news/2/") == ""
    assert not same_site("http://[abc/news/2/", "http://example.com/")


def test_redact_hides_passwords_only() -> None:
    assert redact("https://me:secret@example.com/a failed") == "https://me:***@example.com/a failed"
    assert redact("https://example.com/a") == "https://example.com/a"
    assert redact("mail me@example.com") == "mail me@example.com"


def test_is_public_address_reads_every_answer() -> None:
    assert is_public_address("news.example", resolve=resolving_to("93.184.216.34")) is True
    assert is_public_address("news.example", resolve=resolving_to("10.0.0.1")) is False
    assert is_public_address("news.example", resolve=resolving_to()) is True
    # an answer that is no address is passed over; the others decide
    odd = resolving_to("not-an-address", "10.0.0.1")
    assert is_public_address("news.example", resolve=odd) is False
    assert (
        is_public_address("localhost.localdomain", resolve=resolving_to("93.184.216.34")) is False
    )
    assert is_public_address("LOCALHOST", resolve=resolving_to("93.184.216.34")) is False
