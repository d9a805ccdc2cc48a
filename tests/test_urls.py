"""URL checks and normalization (pure functions; the address check with a stand-in
resolver, so no DNS is asked)."""

from __future__ import annotations

import socket

import pytest

from scraper.urls import host_key, is_public_address, normalize_url, redact, same_site


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
        ("http://example.com/a?q=a%20b&ref=c", "http://example.com/a?q=a%20b&ref=c"),
        ("http://example.com:99999/a", "http://example.com:99999/a"),  # not a URL: as is
        ("  http://example.com/a  ", "http://example.com/a"),
    ],
)
def test_normalize_url(url: str, normal: str) -> None:
    assert normalize_url(url) == normal


def test_host_key_and_same_site() -> None:
    assert host_key("https://WWW.Example.com/a") == "example.com"
    assert host_key("not a url") == ""
    assert same_site("https://example.com/a", "http://www.example.com/b")
    assert same_site("https://news.example.com/a", "https://example.com/")
    assert same_site("https://example.com/", "https://news.example.com/a")
    assert not same_site("https://example.com/", "https://example.org/")
    assert not same_site("https://badexample.com/", "https://example.com/")
    assert not same_site("/relative", "/other")  # no host: no site


def test_redact_hides_passwords_only() -> None:
    assert redact("https://me:secret@example.com/a failed") == "https://me:***@example.com/a failed"
    assert redact("https://example.com/a") == "https://example.com/a"
    assert redact("mail me@example.com") == "mail me@example.com"


def resolving_to(*addresses: str):  # type: ignore[no-untyped-def]
    def resolve(host: str, port: object) -> list[tuple]:
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, 0)) for a in addresses]

    return resolve


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
