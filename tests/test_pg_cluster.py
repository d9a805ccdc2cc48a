"""The test cluster itself: each test's database is its own."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("n", [1, 2])
def test_each_test_gets_a_fresh_database(pg_url: str, n: int) -> None:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        assert tables.fetchone() == (0,)
        conn.execute(f"CREATE TABLE left_behind_{n} (x int)")
        host = conn.execute("SELECT inet_server_addr()::text").fetchone()
        assert host == ("127.0.0.1/32",)
