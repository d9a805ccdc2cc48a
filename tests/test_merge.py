"""``process_warc`` (one WARC file -> one shard archive) and ``scraper merge``, on WARC
files written with warcio from the saved pages and real SQLite files."""

from __future__ import annotations

import io
import json
import sqlite3
from functools import partial
from pathlib import Path

from test_warc_import import PAGES, make_warc
from test_warc_import import dump as dump_tables
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from scraper.archive import Archive, text_hash
from scraper.extract import extract
from scraper.warc import process_warc

TABLES = ("articles", "links", "fetches", "raw_pages", "versions")
URL = "https://example.org/news/story"


dump = partial(dump_tables, tables=TABLES)  # the versions too


def one_page_warc(path: Path, page: Path, date: str) -> None:
    """A WARC of one response: ``page`` as ``URL``, fetched at ``date``."""
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(
            writer.create_warc_record(
                URL,
                "response",
                payload=io.BytesIO(page.read_bytes()),
                http_headers=http,
                warc_headers_dict={"WARC-Date": date},
            )
        )


def test_process_warc_writes_a_whole_shard_and_returns_its_counts(tmp_path: Path) -> None:
    pages = make_warc(tmp_path / "in.warc.gz")
    counts = process_warc(str(tmp_path / "in.warc.gz"), str(tmp_path / "shard.db"))
    assert counts["pages"] == counts["archived"] == pages
    assert counts["records"] == 1 + 2 * pages + 2 and counts["errors"] == 0
    assert counts["failures"] == [] and counts["read_errors"] == []
    assert len(dump(tmp_path / "shard.db")["articles"]) == pages
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.warc.gz", "shard.db"]


def indexed(db: Path) -> int:
    """Articles the full-text index holds."""
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM articles_fts_docsize").fetchone()[0])


def test_a_shard_is_indexed_where_it_is_merged_or_once_opened_for_writing(
    cli_here, tmp_path: Path
) -> None:
    """A shard is written without the full-text index (a task's CPU saved); the
    archive it is merged into indexes its articles, and the shard itself is indexed
    again when something opens it to write."""
    pages = make_warc(tmp_path / "in.warc.gz")
    process_warc(str(tmp_path / "in.warc.gz"), str(tmp_path / "shard.db"))
    assert indexed(tmp_path / "shard.db") == 0
    run = cli_here("merge", "shard.db", "--into", "all.db")
    assert run.code == 0, run.err
    assert indexed(tmp_path / "all.db") == pages
    assert cli_here("search", "the", "--db", "all.db", "--json").out.strip()
    assert indexed(tmp_path / "shard.db") == 0  # read only
    with Archive(tmp_path / "shard.db"):
        pass
    assert indexed(tmp_path / "shard.db") == pages
    assert cli_here("search", "the", "--db", "shard.db", "--json").out.strip()


def test_merging_a_shard_again_changes_nothing(cli_here, tmp_path: Path) -> None:
    pages = make_warc(tmp_path / "a.warc.gz", copies=2)  # b's pages are a's first copy
    make_warc(tmp_path / "b.warc.gz", copies=1)
    for name in ("a", "b"):
        process_warc(str(tmp_path / f"{name}.warc.gz"), str(tmp_path / f"shard-{name}.db"))
    run = cli_here("merge", "shard-a.db", "shard-b.db", "--into", "all.db", "--json")
    assert run.code == 0, run.err
    first = json.loads(run.out)
    assert first["archives"] == 2 and first["errors"] == 0
    assert first["archived"] == pages and first["unchanged"] == pages // 2
    assert first["raw_pages_added"] == first["fetches_added"] == pages
    before = dump(tmp_path / "all.db")
    # the same archive as one import of both files
    assert cli_here("import", "a.warc.gz", "b.warc.gz", "--db", "one.db", "-q").code == 0
    assert dump(tmp_path / "one.db") == before
    again = cli_here("merge", "shard-b.db", "shard-a.db", "--into", "all.db", "--json")
    assert again.code == 0, again.err
    counts = json.loads(again.out)
    assert counts["archived"] == counts["updated"] == 0 and counts["unchanged"] == pages * 3 // 2
    assert not any(n for k, n in counts.items() if k.endswith("_added"))
    assert dump(tmp_path / "all.db") == before


def test_an_article_in_two_shards_keeps_both_versions_in_the_order_fetched(
    cli_here, tmp_path: Path
) -> None:
    older, newer = PAGES[0], PAGES[1]
    one_page_warc(tmp_path / "new.warc.gz", newer, "2026-10-20T08:00:00Z")
    one_page_warc(tmp_path / "old.warc.gz", older, "2026-10-01T08:00:00Z")
    for name in ("new", "old"):
        process_warc(str(tmp_path / f"{name}.warc.gz"), str(tmp_path / f"{name}.db"))
    hashes = [text_hash(extract(p.read_bytes(), url=URL).text) for p in (older, newer)]
    versions = "SELECT version, content_hash, fetched_at, text IS NULL FROM versions"
    expected = [
        (1, hashes[0], "2026-10-01T08:00:00+00:00", 0),
        (2, hashes[1], "2026-10-20T08:00:00+00:00", 1),
    ]
    for order in (("new.db", "old.db"), ("old.db", "new.db")):
        target = tmp_path / f"{order[0]}-first.db"
        for shard in order:
            assert cli_here("merge", shard, "--into", str(target), "-q").code == 0
        conn = sqlite3.connect(target)
        assert conn.execute(versions + " ORDER BY version").fetchall() == expected, order
        article = conn.execute(
            "SELECT content_hash, first_seen, last_fetched, (SELECT count(*) FROM links), "
            "(SELECT count(*) FROM raw_pages), (SELECT count(*) FROM fetches) FROM articles"
        ).fetchall()
        links = len(extract(newer.read_bytes(), url=URL).links)
        assert article == [
            (hashes[1], "2026-10-01T08:00:00+00:00", "2026-10-20T08:00:00+00:00", links, 2, 2)
        ]
        old_text = conn.execute("SELECT text FROM article_versions WHERE version = 1").fetchone()
        assert text_hash(old_text[0]) == hashes[0]
        conn.close()
    # the newer text arriving second is an update; nothing changes a second time
    before = dump(tmp_path / "old.db-first.db")
    again = cli_here("merge", "new.db", "old.db", "--into", "old.db-first.db", "--json")
    assert json.loads(again.out)["unchanged"] == 2
    assert dump(tmp_path / "old.db-first.db") == before


def test_a_missing_or_broken_shard_is_one_line_and_the_target_keeps_everything(
    cli_here, tmp_path: Path
) -> None:
    one_page_warc(tmp_path / "a.warc.gz", PAGES[0], "2026-10-01T08:00:00Z")
    process_warc(str(tmp_path / "a.warc.gz"), str(tmp_path / "good.db"))
    make_warc(tmp_path / "b.warc.gz", copies=2)
    process_warc(str(tmp_path / "b.warc.gz"), str(tmp_path / "big.db"))
    with sqlite3.connect(tmp_path / "big.db") as conn:  # the raw pages' leaves, but the first
        leaves = conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'raw_pages' AND pagetype = 'leaf' "
            "ORDER BY path LIMIT -1 OFFSET 1"
        ).fetchall()
    conn.close()
    data = bytearray((tmp_path / "big.db").read_bytes())
    for (page,) in leaves:  # the first articles are merged, then one cannot be read
        data[(page - 1) * 4096 : page * 4096] = b"\xff" * 4096
    (tmp_path / "damaged.db").write_bytes(bytes(data))
    (tmp_path / "junk.db").write_bytes(b"not sqlite" * 500)
    assert cli_here("merge", "good.db", "--into", "t.db", "-q").code == 0
    before = dump(tmp_path / "t.db")

    run = cli_here("merge", "good.db", "missing.db", "--into", "t.db")
    assert (run.code, run.err) == (2, "scraper: error: missing.db: no such file\n")
    run = cli_here("merge", "damaged.db", "junk.db", "good.db", "--into", "t.db", "--json")
    assert run.code == 3
    errors = run.err.splitlines()
    assert len(errors) == 2 and "Traceback" not in run.err
    assert errors[0] == "scraper: error: damaged.db: database disk image is malformed"
    assert errors[1].startswith("scraper: error: junk.db: ")
    assert json.loads(run.out)["errors"] == 2
    assert dump(tmp_path / "t.db") == before
    assert cli_here("merge", "t.db", "--into", "t.db").code == 2
