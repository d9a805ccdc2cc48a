"""Deleting articles and pruning old rows: the archive's own cascade.

Connections other than ours (sqlite3, Datasette, pandas) do not enable foreign
keys, and older archives may lack a constraint, so nothing here relies on
``ON DELETE``: each dependent row is deleted (or its reference cleared) by name.
The full-text index follows the ``articles`` rows by its triggers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

from scraper.archive.articles import COUNTED_FROM
from scraper.archive.backend import Backend
from scraper.archive.schema import NEWEST_ARCHIVED_RAW

# what deleting an article takes with it, in the order it is deleted
DEPENDENTS = ("links", "versions", "raw_pages", "fetches")
BATCH = 500  # ids per statement (SQLite's default limit of variables is 32766)


def _batches(ids: Iterable[int]) -> Iterator[list[int]]:
    it = iter(ids)
    while batch := list(islice(it, BATCH)):
        yield batch


def delete_articles(db: Backend, ids: list[int], *, dry_run: bool = False) -> dict[str, int]:
    """Delete the articles ``ids`` with their links, versions, raw pages and fetch
    rows; returns the rows (to be) deleted per table.  Call inside a transaction."""
    counts = dict.fromkeys(("articles", *DEPENDENTS), 0)
    for batch in _batches(ids):
        marks = ", ".join("?" * len(batch))
        for name in (*DEPENDENTS, "articles"):
            table = COUNTED_FROM.get(name, name)  # links: its rows
            column = "id" if table == "articles" else "article_id"
            where = f"WHERE {column} IN ({marks})"
            row = db.one(f"SELECT count(*) FROM {table} {where}", batch)
            counts[name] += int(row[0]) if row else 0
            if not dry_run:
                db.execute(f"DELETE FROM {table} {where}", batch)
    if not dry_run and counts["links"]:  # URLs no link names any more
        db.execute("DELETE FROM link_urls WHERE id NOT IN (SELECT url_id FROM link_rows)")
    if not dry_run and counts["raw_pages"]:
        drop_unused_dictionaries(db)
    return counts


def drop_unused_dictionaries(db: Backend) -> None:
    """Delete the raw-page dictionaries no raw page is compressed with any more."""
    db.execute(
        "DELETE FROM raw_dicts WHERE id NOT IN "
        "(SELECT dict_id FROM raw_pages WHERE dict_id IS NOT NULL)"
    )


# raw pages an article still needs: its newest, the newest its text was archived
# from, and the one its current version was extracted from
_NEEDED_RAW = f"""SELECT needed FROM (
    SELECT max(r.id) AS needed FROM raw_pages r GROUP BY r.article_id
    UNION SELECT ({NEWEST_ARCHIVED_RAW}) FROM articles a
    UNION SELECT raw_page_id FROM versions WHERE text IS NULL
) AS n WHERE needed IS NOT NULL"""


def prune(db: Backend, before: str, *, dry_run: bool = False) -> dict[str, int]:
    """Delete the raw pages fetched before ``before`` that a newer one superseded
    (never an article's newest, nor the page of its current text), then the fetch
    rows before ``before`` that no remaining raw page or version names.  Returns the
    rows (to be) deleted per table.  Call inside a transaction."""
    raw_where = f"fetched_at < ? AND id NOT IN ({_NEEDED_RAW})"
    row = db.one(f"SELECT count(*) FROM raw_pages WHERE {raw_where}", [before])
    counts = {"raw_pages": int(row[0]) if row else 0}
    if not dry_run:
        db.execute(
            f"UPDATE versions SET raw_page_id = NULL WHERE raw_page_id IN "
            f"(SELECT id FROM raw_pages WHERE {raw_where})",
            [before],
        )
        db.execute(f"DELETE FROM raw_pages WHERE {raw_where}", [before])
        drop_unused_dictionaries(db)
        kept_raw = "SELECT fetch_id FROM raw_pages WHERE fetch_id IS NOT NULL"
    else:  # the raw pages that would remain
        kept_raw = (
            f"SELECT fetch_id FROM raw_pages WHERE fetch_id IS NOT NULL AND NOT ({raw_where})"
        )
    fetch_where = (
        f"fetched_at < ? AND id NOT IN ({kept_raw}) "
        "AND id NOT IN (SELECT fetch_id FROM versions WHERE fetch_id IS NOT NULL)"
    )
    params = [before, before] if dry_run else [before]
    row = db.one(f"SELECT count(*) FROM fetches WHERE {fetch_where}", params)
    counts["fetches"] = int(row[0]) if row else 0
    if not dry_run:
        db.execute(f"DELETE FROM fetches WHERE {fetch_where}", params)
    return counts
