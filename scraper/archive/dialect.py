"""What the stores' SQL says differently on each backend: one small object a backend.

The stores write their SQL once, with ``?`` placeholders; a backend runs it as its
driver wants.  The few places where SQLite and PostgreSQL differ (full-text
search, JSON arrays, case-insensitive LIKE, a string's position) are read from
the backend's :class:`Dialect`, never tested by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scraper.archive import ftsquery

SNIPPET_MARKS = ("\x02", "\x03")  # around each match in a search snippet
SNIPPET_WORDS = 24

# PostgreSQL's full-text document of an article; its GIN index (articles_fts) is on it
PG_DOCUMENT = (
    "(setweight(to_tsvector('simple', coalesce(a.title, '')), 'A') || "
    "setweight(to_tsvector('simple', a.text), 'B'))"
)


def _same(query: str) -> str:
    return query


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str
    like: str  # LIKE that ignores ASCII case
    instr: str  # position of a string in another: fn(haystack, needle), 1-based
    json_values: str  # FROM item of a JSON array's values ({} is the column), as `value`
    # articles a joined to the match, and the condition: one ? between them, the query
    search_from: str
    search_filtered_from: str  # the same, when the search has filters (site, dates)
    search_where: str
    search_rank: str  # lower is better
    snippet: str  # the text around the matches, marked with SNIPPET_MARKS
    query: Callable[[str], str]  # the user's (FTS5) query as this backend's parameter
    columns: str  # rows (position, name, ...) of table {}'s columns, in order
    # after a SELECT that picks a row to claim: lock it, and pass over rows others hold
    # (SQLite: nothing; its BEGIN IMMEDIATE lets one writer in at a time)
    skip_locked: str = ""
    # after a SELECT of a row a transaction is about to change: lock it until the end
    for_update: str = ""


SQLITE = Dialect(
    name="sqlite",
    like="LIKE",
    instr="instr",
    json_values="json_each({})",
    search_from="articles_fts f JOIN articles a ON a.id = f.rowid",
    # the planner would read each match's row to test a filter, and a row holds the
    # article's text (overflow pages) before the filtered columns: read the index
    search_filtered_from=(
        "articles_fts f JOIN articles a INDEXED BY articles_filters ON a.id = f.rowid"
    ),
    search_where="articles_fts MATCH ?",
    search_rank="f.rank",
    snippet=(
        f"snippet(articles_fts, 1, '{SNIPPET_MARKS[0]}', '{SNIPPET_MARKS[1]}', '…', "
        f"{SNIPPET_WORDS})"
    ),
    query=_same,
    columns="PRAGMA table_info({})",
)

POSTGRES = Dialect(
    name="postgresql",
    like="ILIKE",
    instr="strpos",
    json_values="jsonb_array_elements_text({}::jsonb) AS j(value)",
    search_from="articles a CROSS JOIN to_tsquery('simple', ?) AS q",
    search_filtered_from="articles a CROSS JOIN to_tsquery('simple', ?) AS q",
    search_where=f"{PG_DOCUMENT} @@ q",
    search_rank=f"-ts_rank({PG_DOCUMENT}, q, 1)",
    snippet=(
        "ts_headline('simple', a.text, q, "
        f'\'StartSel="{SNIPPET_MARKS[0]}", StopSel="{SNIPPET_MARKS[1]}", '
        f"MaxWords={SNIPPET_WORDS}, MinWords=12, ShortWord=0, MaxFragments=1, "
        'FragmentDelimiter="…"\')'
    ),
    query=ftsquery.to_tsquery,
    columns=(
        "SELECT ordinal_position, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = '{}' ORDER BY ordinal_position"
    ),
    skip_locked=" FOR UPDATE SKIP LOCKED",
    for_update=" FOR UPDATE",
)
