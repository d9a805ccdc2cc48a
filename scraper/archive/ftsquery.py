"""The search query language of SQLite's FTS5 (what ``scraper search`` documents),
translated for PostgreSQL's full-text search, so one query means the same on both.

Supported: words (``kremlin``), phrases (``"exact phrase"``), prefixes (``putin*``),
``AND`` (also implicit), ``OR``, binary ``NOT`` (``a NOT b``), parentheses, and the
column filters ``title:`` and ``text:``.  FTS5 binds ``NOT`` tighter than ``AND``,
and ``AND`` tighter than ``OR``; so does the translation.  What FTS5 refuses
(a dangling operator, an unterminated string, an unknown column, a bare ``*``,
punctuation outside quotes) raises :class:`QueryError`, as SQLite does.

The result is ``to_tsquery('simple', ...)`` text over the document
``setweight(title, 'A') || setweight(text, 'B')`` (see :mod:`.pgschema`).
"""

from __future__ import annotations

import re

from scraper.errors import QueryError

COLUMNS = {"title": "A", "text": "B"}  # column filter -> tsvector weight
OPERATORS = ("AND", "OR", "NOT")
_WORD = re.compile(r"[^\W_]+|_+", re.UNICODE)  # a token of a bareword or a phrase
_BARE = re.compile(r"[\w\x1a\u0080-\U0010ffff]+", re.UNICODE)
HINT = "quote words with - or :"


def _fail(reason: str) -> QueryError:
    return QueryError(f"bad search query ({reason}); {HINT}")


def _tokens(query: str) -> list[tuple[str, str]]:
    """(kind, text): kind is 'str' (a quoted string), 'word', or the character itself."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(query):
        c = query[i]
        if c.isspace():
            i += 1
        elif c == '"':
            j, text = i + 1, ""
            while True:
                end = query.find('"', j)
                if end < 0:
                    raise _fail("unterminated string")
                text += query[j:end]
                if query.startswith('""', end):  # "" is a quote inside a string
                    text += '"'
                    j = end + 2
                    continue
                i = end + 1
                break
            out.append(("str", text))
        elif c in "():*+":
            out.append((c, c))
            i += 1
        elif m := _BARE.match(query, i):
            word = m.group()
            out.append((word if word in OPERATORS else "word", word))
            i = m.end()
        else:
            raise _fail(f'syntax error near "{c}"')
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def parse(self) -> str:
        if not self.tokens:
            raise _fail("empty query")
        expr = self.or_()
        if self.peek() is not None:
            raise _fail(f'syntax error near "{self.tokens[self.i][1]}"')
        return expr

    def or_(self) -> str:
        parts = [self.and_()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else "(" + " | ".join(parts) + ")"

    def and_(self) -> str:
        parts = [self.not_()]
        while self.peek() not in (None, "OR", ")"):
            if self.peek() == "AND":
                self.take()
            parts.append(self.not_())
        return parts[0] if len(parts) == 1 else "(" + " & ".join(parts) + ")"

    def not_(self) -> str:
        expr = self.primary()
        while self.peek() == "NOT":
            self.take()
            expr = f"({expr} & !{self.primary()})"
        return expr

    def primary(self, weight: str = "") -> str:
        kind = self.peek()
        if kind is None:
            raise _fail("syntax error near end of query")
        if kind == "word" and self.i + 1 < len(self.tokens) and self.tokens[self.i + 1][0] == ":":
            name = self.take()[1]
            self.take()
            if name.lower() not in COLUMNS:
                raise _fail(f"no such column: {name}")
            return self.primary(COLUMNS[name.lower()])
        if kind == "(":
            self.take()
            expr = self.or_()
            if self.peek() != ")":
                raise _fail("syntax error: missing )")
            self.take()
            return expr if not weight else _weighted(expr, weight)
        if kind not in ("word", "str"):
            raise _fail(f'syntax error near "{self.tokens[self.i][1]}"')
        phrases = [self.phrase(weight)]
        while self.peek() == "+":  # "a" + "b": one phrase
            self.take()
            phrases.append(self.phrase(weight))
        return phrases[0] if len(phrases) == 1 else "(" + " <-> ".join(phrases) + ")"

    def phrase(self, weight: str) -> str:
        kind, text = self.take()
        if kind not in ("word", "str"):
            raise _fail(f'syntax error near "{text}"')
        if text.upper() == "NEAR" and self.peek() == "(":
            raise _fail("NEAR() is not supported on PostgreSQL")
        prefix = self.peek() == "*"
        if prefix:
            self.take()
        words = _WORD.findall(text.lower())
        if not words:
            return "''"  # matches nothing, as an empty phrase in FTS5
        lexemes = [_lexeme(w, weight) for w in words]
        if prefix:
            lexemes[-1] = _lexeme(words[-1], weight, prefix=True)
        return lexemes[0] if len(lexemes) == 1 else "(" + " <-> ".join(lexemes) + ")"


def _lexeme(word: str, weight: str, *, prefix: bool = False) -> str:
    marks = ("*" if prefix else "") + weight
    return f"'{word}'" + (f":{marks}" if marks else "")


def _weighted(expr: str, weight: str) -> str:
    """A column filter on a parenthesized group: each lexeme gets the weight."""
    return re.sub(r"'([^']*)'(:\*)?", lambda m: f"'{m[1]}':{'*' if m[2] else ''}{weight}", expr)


def to_tsquery(query: str) -> str:
    """The ``to_tsquery('simple', ...)`` text for an FTS5 query; QueryError if malformed."""
    return _Parser(_tokens(query)).parse()
