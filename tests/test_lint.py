"""The code base stays ruff clean (part of the one test command CI runs)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _ruff() -> list[str]:
    exe = Path(sys.executable).with_name("ruff")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("ruff")
    if found is None:
        pytest.skip("ruff is not installed")
    return [found]


@pytest.mark.parametrize("args", [["check"], ["format", "--check"]])
def test_ruff_clean(args: list[str]) -> None:
    paths = [p for p in ("scraper", "tests", "bench") if (ROOT / p).is_dir()]
    proc = subprocess.run(
        [*_ruff(), *args, *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


DRIVERS = {"sqlite3", "sqlite_utils", "psycopg", "psycopg_pool", "peewee"}


CONNECTION = {"db", "_db", "conn", "_conn", "backend", "_backend"}


def _reaches_a_connection(node: ast.Attribute) -> bool:
    """``archive.db``, ``self.archive._db``, ``queue.archive.conn``, or any object's
    private ``_db``/``_conn``/``_backend`` but one's own (``self._db``)."""
    if node.attr not in CONNECTION:
        return False
    base = node.value
    last = base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
    return "archive" in last.lower() or (node.attr.startswith("_") and ast.unparse(base) != "self")


def test_only_the_archive_package_touches_the_database() -> None:
    """Issue 13: nothing outside scraper/archive/ imports a database driver or reaches
    for an archive's connection (``archive.db``, ``self.archive._db``, ``.conn``), so no
    transaction is opened there but by ``Archive.transaction()``."""
    found = []
    for path in sorted((ROOT / "scraper").rglob("*.py")):
        if (ROOT / "scraper" / "archive") in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            if any(name.split(".")[0] in DRIVERS for name in names):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {names}")
            if isinstance(node, ast.Attribute) and _reaches_a_connection(node):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node)}")
    assert found == []
