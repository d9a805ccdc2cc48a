"""Settings precedence: defaults < TOML file < environment < flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from scraper.errors import InputFileError
from scraper.settings import Settings, load_settings
from scraper.urls import check_url, normalize_url


def test_precedence(tmp_path: Path) -> None:
    assert load_settings(env={}) == Settings()
    config = tmp_path / "s.toml"
    config.write_text('per_host = 4\nconcurrency = 3\nuser_agent = "mine/1"\n')
    from_file = load_settings(config, env={})
    assert (from_file.per_host, from_file.concurrency, from_file.user_agent) == (4, 3, "mine/1")
    from_env = load_settings(config, env={"SCRAPER_PER_HOST": "5", "SCRAPER_DB": "x.db"})
    assert from_env.per_host == 5 and from_env.concurrency == 3 and from_env.db == Path("x.db")
    flagged = from_env.merged(per_host=6, concurrency=None)
    assert flagged.per_host == 6 and flagged.concurrency == 3


def test_default_config_file_is_read_when_present(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "scraper.toml").write_text("[scraper]\ntimeout = 5\n")
    assert load_settings(env={}).timeout == 5.0  # tests run in tmp_path


@pytest.mark.parametrize(
    ("content", "reason"),
    [("nope = 1", "unknown setting 'nope'"), ("per_host = 'many'", "invalid value"), ("=", "TOML")],
)
def test_bad_config_names_the_file(tmp_path: Path, content: str, reason: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(content)
    with pytest.raises(InputFileError, match=reason):
        load_settings(config, env={})


def test_missing_config_given_explicitly(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"missing\.toml"):
        load_settings(tmp_path / "missing.toml", env={})


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        ("HTTP://Example.COM:80/a?utm_source=x&id=3#frag", "http://example.com/a?id=3"),
        ("https://example.com:443", "https://example.com/"),
        ("https://example.com:8443/a/?fbclid=1", "https://example.com:8443/a/"),
        ("https://example.com/a?b=1&a=2", "https://example.com/a?b=1&a=2"),
    ],
)
def test_normalize_url(url: str, normal: str) -> None:
    assert normalize_url(url) == normal


@pytest.mark.parametrize("bad", ["", "example.com", "ftp://x.org/", "http://", "http://x:99999/"])
def test_check_url_refuses(bad: str) -> None:
    with pytest.raises(Exception, match="URL"):
        check_url(bad)
