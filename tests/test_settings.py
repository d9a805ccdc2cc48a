"""Settings precedence: defaults < TOML file < environment < flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from scraper.errors import InputFileError, InvalidURL, SettingError
from scraper.settings import (
    DEFAULTS,
    NAMES,
    Settings,
    Source,
    load_settings,
    parse_setting,
    resolve_settings,
)
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
    [
        ("nope = 1", "unknown setting 'nope'"),
        ("per_host = 'many'", "per_host = 'many': must be a whole number"),
        ("=", "TOML"),
    ],
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
        ("https://example.com/a?b=1&a=2", "https://example.com/a?a=2&b=1"),  # sorted
    ],
)
def test_normalize_url(url: str, normal: str) -> None:
    assert normalize_url(url) == normal


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("", "not an http(s) URL"),
        ("example.com", "not an http(s) URL"),
        ("ftp://x.org/", "not an http(s) URL"),
        ("http://", "not an http(s) URL"),
        ("http://x:99999/", "not a valid URL (Port out of range 0-65535)"),
        ("http://x.org/a b", "URL contains whitespace"),
    ],
)
def test_check_url_refuses(bad: str, reason: str) -> None:
    with pytest.raises(InvalidURL) as info:
        check_url(bad)
    assert (info.value.url, info.value.reason) == (bad, reason)


def test_check_url_strips_and_keeps_a_good_url() -> None:
    assert check_url("  HTTPS://Example.org:8443/a?b=1 \n") == "HTTPS://Example.org:8443/a?b=1"


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("concurrency", -5, "must be at least 1"),
        ("concurrency", "0", "must be at least 1"),
        ("concurrency", "2.5", "must be a whole number"),
        ("concurrency", 2.5, "must be a whole number"),
        ("concurrency", True, "must be a whole number"),
        ("timeout", "-1", "must be more than 0"),
        ("timeout", 0, "must be more than 0"),
        ("timeout", "inf", "must be a finite number"),
        ("timeout", float("nan"), "must be a finite number"),
        ("http2", "maybe", "must be true or false"),
        ("http2", 1, "must be true or false"),
        ("retries", 101, "must be at most 100"),
        ("max_depth", -1, "must be at least 0"),
        ("user_agent", " ", "must not be empty"),
        ("user_agent", "me\r\nX-Injected: 1", "must not contain control characters"),
        ("db", 5, "must be text"),
    ],
)
def test_parse_setting_refuses(name: str, value: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_setting(name, value)


@pytest.mark.parametrize(
    ("name", "value", "parsed"),
    [
        ("concurrency", "1", 1),
        ("concurrency", 1000, 1000),
        ("timeout", "0.001", 0.001),
        ("timeout", 5, 5.0),
        ("http2", "off", False),
        ("http2", "YES", True),
        ("http2", False, False),
        ("retries", "100", 100),
        ("max_depth", 0, 0),
        ("db", "x.db", Path("x.db")),
    ],
)
def test_parse_setting_accepts_up_to_the_bounds(name: str, value: object, parsed: object) -> None:
    assert parse_setting(name, value) == parsed


def test_every_default_obeys_its_own_rules() -> None:
    for name in NAMES:
        assert parse_setting(name, getattr(DEFAULTS, name)) == getattr(DEFAULTS, name), name


def test_sources_of_each_value(tmp_path: Path) -> None:
    config = tmp_path / "s.toml"
    config.write_text("timeout = 5\nper_host = 3\n")
    env = {"SCRAPER_PER_HOST": "4", "SCRAPER_HTTP2": "off", "SCRAPER_RETRIES": ""}
    r = resolve_settings(
        config, env=env, flags={"db": ("--db", Path("f.db")), "retries": ("x", None)}
    )
    assert (r.settings.timeout, r.settings.per_host, r.settings.http2) == (5.0, 4, False)
    assert r.settings.db == Path("f.db") and r.config == config
    assert r.sources["timeout"] == Source("file", str(config))
    assert r.sources["per_host"] == Source("env", "SCRAPER_PER_HOST")
    assert r.sources["db"] == Source("flag", "--db")
    assert r.sources["retries"] == Source("default")  # empty variable, None flag: not given
    assert resolve_settings(env={}).config is None


def test_an_unknown_scraper_variable_is_refused_with_a_suggestion() -> None:
    with pytest.raises(
        SettingError,
        match=r"^SCRAPER_CONCURENCY: unknown setting \(did you mean SCRAPER_CONCURRENCY\?\)$",
    ):
        load_settings(env={"SCRAPER_CONCURENCY": "4"})
    with pytest.raises(
        SettingError, match=r"SCRAPER_X: unknown setting \(`scraper config` lists them\)$"
    ):
        load_settings(env={"SCRAPER_X": "1", "SCRAPER_PER_HOST": "4"})
    assert load_settings(env={"_SCRAPER_COMPLETE": "bash_source", "SCRAPERS": "x"}) == Settings()
