"""The version store: every distinct text an article has had (``versions``).

The article row is always the latest text; its version row (the *current* one)
stores no text of its own (``text`` is NULL: the text is ``articles.text``), so an
article that never changed costs one small row.  When a new text replaces the
article's, the current row first gets a copy of the text it had (``freeze``),
then a new current row is added (``add``).  The view ``article_versions`` reads
every version with its text, in plain SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from scraper.archive.backend import Backend


@dataclass(frozen=True, slots=True)
class Rebuilt:
    """One version of an article as ``rebuild`` stores it, oldest first."""

    fetch_id: int | None
    raw_page_id: int | None
    fetched_at: str
    content_hash: str
    title: str | None
    text: str
    word_count: int
    modified: str | None


class VersionStore:
    def __init__(self, db: Backend) -> None:
        self._db = db

    # ----------------------------------------------------------------- writes
    def freeze(self, article_id: int) -> None:
        """Give the current version a copy of the article's text, before a new text
        replaces it.  Call inside a transaction."""
        self._db.execute(
            "UPDATE versions SET text = (SELECT text FROM articles WHERE id = ?) "
            "WHERE article_id = ? AND text IS NULL",
            [article_id, article_id],
        )

    def add(self, article_id: int, fetch_id: int | None, raw_page_id: int | None) -> int:
        """Add the article's text (as its row is now, fetched at its ``last_fetched``) as
        its new current version; returns its number.  Call inside a transaction, after
        ``freeze``."""
        row = self._db.one(
            "SELECT coalesce(max(version), 0) + 1 FROM versions WHERE article_id = ?",
            [article_id],
        )
        number = int(row[0]) if row else 1
        self._db.execute(
            "INSERT INTO versions (article_id, version, fetch_id, raw_page_id, fetched_at, "
            "content_hash, title, text, word_count, modified) "
            "SELECT id, ?, ?, ?, last_fetched, content_hash, title, NULL, word_count, modified "
            "FROM articles WHERE id = ?",
            [number, fetch_id, raw_page_id, article_id],
        )
        return number

    def sync_current(self, article_id: int) -> None:
        """The current version takes the article's new extraction of the same page
        (``reextract``): hash, title, words, modified date.  Call inside a transaction."""
        updated = self._db.execute(
            "UPDATE versions SET (content_hash, title, word_count, modified) = "
            "(SELECT content_hash, title, word_count, modified FROM articles WHERE id = ?) "
            "WHERE article_id = ? AND text IS NULL",
            [article_id, article_id],
        )
        if updated == 0:  # an article with no version row: it gets its first
            self.add(article_id, None, None)

    def rebuild(self, article_id: int, versions: Iterable[Rebuilt]) -> int:
        """Replace the article's versions with ``versions`` (oldest first; the last is
        the current one, whose text is the article's).  Returns how many.  Call inside a
        transaction, with the article row already holding the last one's text."""
        rows = list(versions)
        self._db.execute("DELETE FROM versions WHERE article_id = ?", [article_id])
        self._db.executemany(
            "INSERT INTO versions (article_id, version, fetch_id, raw_page_id, fetched_at, "
            "content_hash, title, text, word_count, modified) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    article_id,
                    n,
                    v.fetch_id,
                    v.raw_page_id,
                    v.fetched_at,
                    v.content_hash,
                    v.title,
                    None if n == len(rows) else v.text,
                    v.word_count,
                    v.modified,
                )
                for n, v in enumerate(rows, 1)
            ],
        )
        return len(rows)

    # ------------------------------------------------------------------ reads
    def list(self, article_id: int) -> list[dict[str, Any]]:
        """The article's versions, oldest first, each with its text (``article_versions``)."""
        return list(
            self._db.dicts(
                "SELECT * FROM article_versions WHERE article_id = ? ORDER BY version",
                [article_id],
            )
        )

    def get(self, article_id: int, version: int) -> dict[str, Any] | None:
        for row in self._db.dicts(
            "SELECT * FROM article_versions WHERE article_id = ? AND version = ?",
            [article_id, version],
        ):
            return row
        return None
