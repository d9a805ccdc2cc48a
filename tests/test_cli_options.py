"""The ``scraper`` command's options: settings checked wherever they come from,
``scraper config``, help text, version and shell completion. Help and completion in a
real process (``cli_process``: the terminal's width, the completion variables); the
rest in this process (``cli_here``), the same ``main()``."""

from __future__ import annotations

import inspect
import json
import re
import tomllib
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from scraper import __version__

PAGE = "<html><body><article>" + "<p>A paragraph of the story, long enough.</p>" * 8
PAGE += "</article></body></html>"


@pytest.fixture
def cli(cli_here):  # type: ignore[no-untyped-def]
    return cli_here


@pytest.mark.parametrize(
    ("command", "setting", "message"),
    [
        (
            "fetch",
            ("file", "concurrency = -5"),
            "data/scraper.toml: concurrency = -5: must be at least 1",
        ),
        ("crawl", ("config", "timeout = inf"), "s.toml: timeout = inf: must be a finite number"),
        ("fetch", ("config", 'http2 = "maybe"'), "s.toml: http2 = 'maybe': must be true or false"),
        ("fetch", ("env", "SCRAPER_TIMEOUT=-1"), "SCRAPER_TIMEOUT='-1': must be more than 0"),
        ("fetch", ("env", "SCRAPER_HTTP2=maybe"), "SCRAPER_HTTP2='maybe': must be true or false"),
        ("crawl", ("env", "SCRAPER_MAX_PAGES=0"), "SCRAPER_MAX_PAGES='0': must be at least 1"),
        ("fetch", ("env", "SCRAPER_CONCURRENCY=2.5"), "SCRAPER_CONCURRENCY='2.5': must be a whole"),
        ("fetch", ("flag", "--timeout=inf"), "'--timeout': 'inf': must be a finite number"),
        ("fetch", ("flag", "--timeout=0"), "'--timeout': '0': must be more than 0"),
        ("crawl", ("flag", "--delay=-1"), "'--delay': '-1': must be at least 0"),
        ("fetch", ("flag", "--concurrency=0"), "'--concurrency': '0': must be at least 1"),
    ],
)
def test_a_bad_setting_from_anywhere_exits_2_naming_it(
    cli, server: HTTPServer, tmp_path: Path, command: str, setting: tuple[str, str], message: str
) -> None:
    kind, value = setting
    args, env = [command, server.url_for("/a")], {}
    if kind == "file":
        (tmp_path / "data").mkdir()
        (tmp_path / "data" / "scraper.toml").write_text(value + "\n")
    elif kind == "config":
        (tmp_path / "s.toml").write_text(value + "\n")
        args += ["--config", "s.toml"]
    elif kind == "env":
        name, _, text = value.partition("=")
        env[name] = text
    else:
        args.append(value)
    r = cli(*args, env=env)
    assert r.code == 2, (r.out, r.err)
    assert message in r.err and "Traceback" not in r.err
    if kind != "flag":  # typer prints its usage lines around a bad flag
        assert len(r.err.splitlines()) == 1 and r.err.startswith("scraper: error: ")
    assert server.log == []  # nothing was fetched
    assert not (tmp_path / "data" / "archive.db").exists()


def test_settings_from_env_apply_and_flags_win(cli, server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/a").respond_with_data(PAGE, content_type="text/html")
    env = {"SCRAPER_MAX_BYTES": "100", "SCRAPER_HTTP2": "off"}
    r = cli("fetch", server.url_for("/a"), env=env)
    assert r.code == 1 and "larger than the 100 byte limit" in r.err
    r = cli("fetch", server.url_for("/a"), "--max-bytes", "100000", env=env)
    assert r.code == 0, r.err


def test_config_shows_each_setting_and_its_source(cli, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "scraper.toml").write_text("timeout = 5\nper_host = 3\n")
    env = {"SCRAPER_PER_HOST": "4", "SCRAPER_HTTP2": "no"}
    r = cli("config", "--db", "x.db", env=env)
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0] == "# config file: data/scraper.toml"
    rows = {line.split(" = ")[0]: line for line in lines[1:]}
    assert rows["timeout"].split() == ["timeout", "=", "5.0", "#", "data/scraper.toml"]
    assert rows["per_host"].split() == ["per_host", "=", "4", "#", "SCRAPER_PER_HOST"]
    assert rows["http2"].split() == ["http2", "=", "false", "#", "SCRAPER_HTTP2"]
    assert rows["db"].split() == ["db", "=", '"x.db"', "#", "--db"]
    assert rows["concurrency"].split() == ["concurrency", "=", "8", "#", "default"]
    # the text is TOML: written to a file, it gives the same settings back
    (tmp_path / "all.toml").write_text(r.out)
    r = cli("config", "--config", "all.toml", "--json")
    assert r.code == 0, r.err
    out = json.loads(r.out)
    assert out["config"] == "all.toml"
    assert out["settings"]["per_host"] == {"value": 4, "source": "file", "from": "all.toml"}
    assert out["settings"]["db"]["value"] == "x.db"
    assert {k: v["value"] for k, v in out["settings"].items()} == tomllib.loads(
        (tmp_path / "all.toml").read_text()
    )
    r = cli("config", "--json", env={"SCRAPER_TIMEOUT": "2"})
    timeout = json.loads(r.out)["settings"]["timeout"]
    assert timeout == {"value": 2.0, "source": "env", "from": "SCRAPER_TIMEOUT"}
    r = cli("config", "--json", env={"SCRAPER_TIMEOUT": "0"})
    assert r.code == 2 and r.err == "scraper: error: SCRAPER_TIMEOUT='0': must be more than 0\n"


COMMANDS = ["fetch", "crawl", "show", "export", "reextract", "import", "serve", "config"]


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_shows_conventional_metavars(cli_process, command: str) -> None:
    r = cli_process(*([command] if command else []), "--help")
    assert r.code == 0, r.err
    for python_type in ("<bool>", "<str>", "<list", "<int", "<float", "<file>", "{"):
        assert python_type not in r.out, (command, python_type)
    expected = {
        "": ["-V, --version", "--install-completion", "config"],
        "fetch": ["[URL]...", "--input FILE", "--timeout SECONDS", "--concurrency N", "--db FILE"],
        "crawl": ["[URL]...", "--since DATE", "--include REGEX", "--delay SECONDS", "(default 1)"],
        "show": ["[OPTIONS] URL|ID\n", "--format [text|markdown|json]"],
        "export": ["--format [jsonl|json|csv|markdown|warc]", "--output FILE", "--site HOST"],
        "reextract": ["--site HOST", "--config FILE"],
        "import": ["FILES...", "--processes N"],
        "serve": ["--port N", "--db FILE"],
        "config": ["--json", "--db FILE"],
    }[command]
    for text in expected:
        assert text in r.out, (command, text)


def test_version_short_and_long(cli) -> None:
    for flag in ("-V", "--version"):
        r = cli(flag)
        assert (r.code, r.out) == (0, f"scraper {__version__}\n")


@pytest.mark.parametrize(
    "args", [["export", "--format", "xml"], ["show", "https://example.com/", "-f", "html"]]
)
def test_a_format_outside_its_choices_is_a_usage_error(cli, args: list[str]) -> None:
    r = cli(*args)
    assert r.code == 2 and "is not one of" in r.err and "Traceback" not in r.err


NO_DETECTION = "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION"


def test_shell_completion(cli_process) -> None:
    # the shell named, not detected: detection reads the parent process, and a suite run
    # from sh (cron, ``sh -c``, the mutation bench) got "Shell sh not supported", exit 1
    r = cli_process("--show-completion", "bash", env={NO_DETECTION: "1"})
    assert r.code == 0 and "_SCRAPER_COMPLETE=complete_bash" in r.out

    def complete(line: str) -> list[str]:
        words = line.split(" ")
        env = {"_SCRAPER_COMPLETE": "complete_bash", "COMP_WORDS": line}
        r = cli_process(env={**env, "COMP_CWORD": str(len(words) - 1)})
        assert r.code == 0, r.err
        return r.out.split()

    assert complete("scraper re") == ["reextract"]
    assert complete("scraper export --format ") == ["jsonl", "json", "csv", "markdown", "warc"]
    assert "--max-pages" in complete("scraper crawl --max")


def test_the_lease_and_poll_defaults_are_the_readmes() -> None:
    """README: a lease of `--lease SECONDS` (60) and a look again after `--poll SECONDS`
    (5), for ``worker`` and ``crawl --until-drained`` alike (and ``WorkerOptions``). Only
    a wait's length shows them otherwise (a test would take 5 s)."""
    from scraper.cli.crawl import crawl
    from scraper.cli.worker import worker
    from scraper.crawl.worker import WorkerOptions

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    said = {
        name: float(m[1])
        for name in ("lease", "poll")
        if (m := re.search(rf"`--{name}\s+SECONDS` \((\d+)\)", readme))
    }
    assert said == {"lease": 60.0, "poll": 5.0}
    for command in (crawl, worker):
        params = inspect.signature(command).parameters
        assert {name: params[name].default for name in said} == said, command.__name__
    assert (WorkerOptions().lease_seconds, WorkerOptions().poll_seconds) == (60.0, 5.0)
