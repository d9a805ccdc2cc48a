"""Mutation run: does the test suite fail when the code that guards the edges is broken?

Each mutant is one small change to one module (a comparison turned around, ``and``
for ``or``, a constant plus one, a ``not`` dropped, a statement or a return value
removed, ...). The tests chosen for that module run against it; a mutant is killed
when they fail (or time out), and survives when they pass. Survivors are listed
with their line, so that each is either killed by a new test or named as equivalent.

    python bench/mutation.py                  # every target: a table, then the survivors
    python bench/mutation.py --target urls    # one target (repeatable)
    python bench/mutation.py --list           # the mutants, without running them
    python bench/mutation.py --json out.json  # also every result as JSON
    python bench/mutation.py --components     # the crawl's components, each with its tests
    python bench/mutation.py --every 3        # a third of each target's mutants (every third)
    python bench/mutation.py --target queue --start 73   # resume: skip the first 73 mutants
    python bench/mutation.py --target fetch --line 291 --tests tests/test_fetch_redirects.py

Why not mutmut: mutmut 3 rewrites the package into ``mutants/`` with trampolines and
runs pytest there, but this suite's CLI tests run the real ``python -m scraper`` in a
subprocess (and the crawl's extraction pool imports the package in a forkserver):
those import the package from its install, not from ``mutants/``, so every mutant
of the CLI's exit codes would survive. Here each mutant is written to a copy of the
package put first on ``PYTHONPATH``, which subprocesses and the forkserver inherit.
Each mutant runs in a process forked from one that imported the test tooling once.

Strings are not mutated (messages and SQL text), nor docstrings, annotations,
``assert`` statements or lines marked ``# pragma: no mutate``.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(os.environ.get("MUTATION_ROOT") or Path(__file__).resolve().parent.parent)


@dataclass(frozen=True)
class Target:
    path: str  # module, relative to the repository
    tests: tuple[str, ...]  # pytest arguments (files, node ids, -k expressions)
    functions: tuple[str, ...] = ()  # only inside these (qualified) functions; () = all
    match: str = ""  # only on lines holding this text
    component: bool = False  # a crawl component (issue 13 item 3): run with --components
    # a fuller selection each survivor of ``tests`` is run again against (slower tests
    # that may catch it too): a survivor is one that the whole relevant suite lets pass
    wide: tuple[str, ...] = ()


PROMISE_FETCH = "tests/test_promises_fetch.py"
PROMISE_CRAWL = "tests/test_promises_crawl.py"
CTRL_C = "tests/test_crawl.py::test_ctrl_c_prints_what_was_done_and_exits_130"
# Ctrl-C where the command has nothing to sum up: main's line and exit 130
CTRL_C_MAIN = (
    "tests/test_interrupts.py::"
    "test_ctrl_c_before_a_command_has_done_anything_is_one_line_and_exit_130"
)
# the command line's tests: each survivor of an exit-code target is run again on them all
CLI_TESTS = (
    "tests/test_promises_cli.py",
    "tests/test_cli.py",
    "tests/test_cli_options.py",
    "tests/test_cli_json.py",
    "tests/test_read_commands.py",
)
# Each target's tests are the narrowest that cover it (a killed mutant dies fast); its
# survivors are run again against ``wide``, the other tests that reach the module.
TARGETS: dict[str, Target] = {
    "urls": Target(
        "scraper/urls.py",
        (
            "tests/test_urls.py",
            "tests/test_settings.py",
            f"{PROMISE_FETCH}::test_a_name_is_public_only_when_every_address_is",
        ),
        wide=(
            "tests/test_crawl_scope.py",
            "tests/test_pipeline.py",
            "tests/test_fetch.py",
            PROMISE_FETCH,
            PROMISE_CRAWL,
            "tests/test_crawl.py",
        ),
    ),
    "netguard": Target(
        "scraper/netguard.py",
        (
            "tests/test_netguard.py",
            "tests/test_fetch_hostile.py::test_fetch_refuses_a_redirect_to_a_private_address",
            "tests/test_crawl_guard.py::test_links_to_private_addresses_are_refused_from_public_pages",
            "tests/test_fetch.py::test_a_name_is_connected_only_at_the_public_addresses_it_resolves_to",
            "tests/test_fetch.py::test_trusted_hosts_connect_as_usual",
            "tests/test_fetch.py::test_fetcher_with_trusted_hosts_refuses_the_others",
            "tests/test_fetch_edges.py::test_a_kept_alive_connection_the_server_closed_is_not_reused",
            # the HTTP/2 path (httpx's transport, netguard's streams): closed at the end
            "tests/test_fetch_connections.py",
            "tests/test_aiotransport.py::test_both_transports_refuse_a_name_with_a_private_address",
        ),
        wide=(
            "tests/test_fetch.py",
            "tests/test_fetch_hostile.py",
            "tests/test_crawl_guard.py",
            "tests/test_aiotransport.py",
        ),
    ),
    "robots": Target(
        "scraper/crawl/robots.py",
        ("tests/test_crawl_robots.py", "tests/test_crawl_guard.py"),
        wide=(PROMISE_CRAWL, "tests/test_crawl.py::test_robots_crawl_delay_spaces_requests"),
    ),
    "shrink guard": Target(
        "scraper/archive/articles.py",
        (
            f"{PROMISE_FETCH}::test_the_shrink_guard_at_half_and_at_600_characters",
            "tests/test_archive.py",
        ),
        functions=("ArticleStore._shrunk",),
        wide=("tests/test_pipeline.py", "tests/test_archive_contract.py"),
    ),
    # where put() asks the guard and keeps the stored text when it says so
    "shrink guard use": Target(
        "scraper/archive/articles.py",
        (
            f"{PROMISE_FETCH}::test_the_shrink_guard_at_half_and_at_600_characters",
            "tests/test_archive.py",
        ),
        functions=("ArticleStore.put",),
        match="kept",
        wide=("tests/test_pipeline.py", "tests/test_archive_contract.py"),
    ),
    "exit codes": Target(
        "scraper/cli/__init__.py",
        (
            "tests/test_promises_cli.py",
            "tests/test_cli.py::test_some_failures_exit_1_with_one_line_each",
            CTRL_C_MAIN,
        ),
        functions=("main",),
        wide=CLI_TESTS,
    ),
    # each error's exit code (main exits with exc.exit_code)
    "exit codes of errors": Target(
        "scraper/errors.py",
        ("tests/test_promises_cli.py", CTRL_C_MAIN),
        match="exit_code =",
        wide=CLI_TESTS,
    ),
    "exit constants": Target(
        "scraper/cli/common.py",
        (
            "tests/test_promises_cli.py",
            "tests/test_cli.py::test_some_failures_exit_1_with_one_line_each",
        ),
        match="EXIT_OK, EXIT_FAILED",
        wide=CLI_TESTS,
    ),
    # the helpers the commands exit through: the error line, exit 3 on an archive that
    # cannot be opened, exit 1 on an article not in the archive
    "exit helpers": Target(
        "scraper/cli/common.py",
        (
            "tests/test_promises_cli.py",
            "tests/test_read_commands.py",
            "tests/test_cli.py::test_some_failures_exit_1_with_one_line_each",
        ),
        functions=("err", "open_archive", "open_reader", "resolve_ref", "open_existing"),
        # delete, prune, history and diff exit through resolve_ref and open_existing
        wide=(
            *CLI_TESTS,
            "tests/test_cleanup.py",
            "tests/test_versions.py",
            "tests/test_postgres.py::test_the_commands_that_rewrite_an_archive",
        ),
    ),
    "crawl exit": Target(
        "scraper/cli/crawl.py",
        (
            "tests/test_promises_cli.py::test_a_crawl_whose_seed_fails_exits_1_with_one_line",
            f"{PROMISE_CRAWL}::test_the_crawl_command_takes_max_depth_and_offsite",
            "tests/test_crawl.py::test_cli_json_summary_and_lock",
            "tests/test_crawl.py::test_a_crawl_merges_the_full_text_index_it_wrote",
            CTRL_C,
        ),
        functions=("crawl",),
        wide=(
            *CLI_TESTS,
            "tests/test_crawl.py::test_quiet_is_silent_when_all_went_well_and_dead_links_are_only_counted",
            "tests/test_crawl.py::test_what_needs_a_look_is_told_apart_from_what_is_only_counted",
            "tests/test_crawl_pool.py::test_crawl_with_processes_leaves_no_worker_behind",
        ),
    ),
    "frontier": Target(
        "scraper/crawl/frontier.py",
        ("tests/test_frontier.py",),
        wide=(
            PROMISE_CRAWL,
            "tests/test_crawl.py::test_max_pages_leaves_the_rest_queued_for_the_next_run",
            "tests/test_crawl.py::test_a_small_page_budget_still_reaches_articles_run_after_run",
            "tests/test_crawl.py::test_first_crawl_archives_articles_and_follows_index_pages",
            "tests/test_crawl.py::test_a_sitemap_index_of_thousands_of_sitemaps_keeps_to_the_page_budget",
        ),
    ),
    "queue": Target(
        "scraper/archive/queue.py",
        ("tests/test_archive_contract.py", "tests/test_frontier.py"),
        wide=(
            "tests/test_archive.py",
            PROMISE_CRAWL,
            "tests/test_crawl.py::test_second_run_fetches_nothing_and_revalidates_what_lastmod_says_changed",
            "tests/test_crawl.py::test_max_pages_leaves_the_rest_queued_for_the_next_run",
            "tests/test_crawl.py::test_first_crawl_archives_articles_and_follows_index_pages",
        ),
    ),
    # test_fetch_failures runs the CLI (60 URLs, a crawl) in processes: 25 s of the narrow
    # selection's 35, so it is in ``wide``, where only the narrow one's survivors go
    "fetch": Target(
        "scraper/fetch.py",
        (
            "tests/test_fetch.py",
            "tests/test_fetch_edges.py",
            "tests/test_fetch_redirects.py",
            "tests/test_fetch_connections.py",
        ),
        wide=(
            "tests/test_aiotransport.py",
            "tests/test_fetch_failures.py",
            "tests/test_fetch_hostile.py",
            PROMISE_FETCH,
            "tests/test_pipeline.py",
            "tests/test_crawl_guard.py",
            "tests/test_crawl_robots.py",
        ),
    ),
    # the HTTP/1.1 transport under the fetcher: aiohttp's errors as httpx's, the
    # private-address rule at connect time, its connections kept alive and closed
    "aiotransport": Target(
        "scraper/aiotransport.py",
        (
            "tests/test_aiotransport.py",
            "tests/test_fetch_connections.py",
            "tests/test_fetch_redirects.py",
            "tests/test_netguard.py::test_a_resolver_that_does_not_answer_is_a_connect_timeout",
        ),
        wide=(
            "tests/test_fetch.py",
            "tests/test_fetch_edges.py",
            "tests/test_fetch_hostile.py",
            "tests/test_netguard.py",
            PROMISE_FETCH,
        ),
    ),
}
# The crawl's components, each against its own test module only: a check that each
# module's tests fail when it breaks (not part of the score).
TARGETS |= {
    f"crawl {name}": Target(
        f"scraper/crawl/{name}.py", (f"tests/test_crawl_{name}.py",), component=True
    )
    for name in ("guard", "health", "pool", "batching", "deadlinks", "scope", "report")
}

COMPARE = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
BINOP = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
    ast.Pow: ast.Mult,
    ast.Mod: ast.FloorDiv,
}


@dataclass
class Mutant:
    target: str
    index: int  # position of the node in ast.walk order
    line: int
    function: str
    kind: str
    before: str
    after: str
    status: str = "not run"  # killed, survived, timeout, error
    seconds: float = 0.0
    failed: str = field(default="")  # the first failing test, when killed

    def label(self) -> str:
        return f"{TARGETS[self.target].path}:{self.line} ({self.function}) {self.kind}: " + (
            f"{self.before!r} -> {self.after!r}"
        )


def _no_mutate_lines(source: str) -> set[int]:
    return {i for i, line in enumerate(source.splitlines(), 1) if "pragma: no mutate" in line}


def _skipped_nodes(tree: ast.AST) -> set[int]:
    """ids of nodes never mutated: annotations, docstrings, asserts, their subtrees."""
    skip: set[int] = set()

    def drop(node: ast.AST | None) -> None:
        if node is not None:
            skip.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, ast.arg | ast.AnnAssign):
            drop(node.annotation)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            drop(node.returns)
            for dec in node.decorator_list:
                drop(dec)
        if isinstance(node, ast.Assert):
            drop(node)
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(getattr(first.value, "value", None), str):
            drop(first)  # a docstring
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            drop(node)
    return skip


def _functions(tree: ast.AST) -> dict[int, str]:
    """id(node) -> qualified name of the function it is in ('' at module level)."""
    where: dict[int, str] = {}

    def visit(node: ast.AST, name: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = name
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                inner = f"{name}.{child.name}" if name else child.name
            where[id(child)] = inner
            visit(child, inner)

    visit(tree, "")
    return where


def _replacements(node: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """(kind, replacement node) for each mutation of ``node``."""
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            other = COMPARE.get(type(op))
            if other is not None:
                new = copy.deepcopy(node)
                new.ops[i] = other()
                yield "comparison", new
    elif isinstance(node, ast.BoolOp):
        new = copy.deepcopy(node)
        new.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        yield "boolean operator", new
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield "not dropped", copy.deepcopy(node.operand)
    elif isinstance(node, ast.BinOp | ast.AugAssign) and type(node.op) in BINOP:
        new = copy.deepcopy(node)
        new.op = BINOP[type(node.op)]()
        yield "arithmetic", new
    elif isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            yield "constant", ast.Constant(not value)
        elif isinstance(value, int):
            yield "constant", ast.Constant(value + 1)
        elif isinstance(value, float):
            yield "constant", ast.Constant(value * 2 if value else 1.0)
    elif isinstance(node, ast.Return) and node.value is not None:
        returns_none = isinstance(node.value, ast.Constant) and node.value.value is None
        if not returns_none:
            yield "return value", ast.Return(ast.Constant(None))
    if isinstance(node, ast.Expr | ast.Raise | ast.Continue | ast.Break):
        yield "statement removed", ast.Pass()


def mutants(name: str) -> list[Mutant]:
    target = TARGETS[name]
    source = (ROOT / target.path).read_text(encoding="utf-8")
    tree = ast.parse(source)
    skip, where, quiet = _skipped_nodes(tree), _functions(tree), _no_mutate_lines(source)
    lines = source.splitlines()
    found = []
    for index, node in enumerate(ast.walk(tree)):
        line = getattr(node, "lineno", 0)
        function = where.get(id(node), "")
        if id(node) in skip or line in quiet:
            continue
        if target.match and target.match not in lines[line - 1 if line else 0]:
            continue
        if target.functions and not any(
            function == f or function.startswith(f + ".") for f in target.functions
        ):
            continue
        for kind, new in _replacements(node):
            before = ast.unparse(node).splitlines()[0][:70]
            after = "pass" if isinstance(new, ast.Pass) else ast.unparse(new).splitlines()[0][:70]
            found.append(Mutant(name, index, line, function, kind, before, after))
    return found


def mutated_source(m: Mutant) -> str:
    source = (ROOT / TARGETS[m.target].path).read_text(encoding="utf-8")
    tree = ast.parse(source)
    nodes = list(ast.walk(tree))
    node = nodes[m.index]
    for kind, new in _replacements(node):
        after = "pass" if isinstance(new, ast.Pass) else ast.unparse(new).splitlines()[0][:70]
        if kind == m.kind and after == m.after:
            break
    else:
        raise LookupError(m.label())
    for parent in nodes:
        for fname, value in ast.iter_fields(parent):
            if value is node:
                setattr(parent, fname, new)
                return ast.unparse(ast.fix_missing_locations(tree))
            if isinstance(value, list) and any(v is node for v in value):
                value[next(i for i, v in enumerate(value) if v is node)] = new
                return ast.unparse(ast.fix_missing_locations(tree))
    raise LookupError(m.label())


# ------------------------------------------------------------------ running
def _package_copy(into: Path) -> Path:
    shutil.copytree(
        ROOT / "scraper", into / "scraper", ignore=shutil.ignore_patterns("__pycache__")
    )
    return into


def _run_tests(copy_root: Path, tests: tuple[str, ...], report: Path) -> int:
    """In a forked child: pytest on ``tests`` importing the package from ``copy_root``."""
    os.environ["PYTHONPATH"] = f"{copy_root}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    # a bench started in the background (``&``, nohup) has SIGINT ignored, and the CLI
    # processes the tests start would inherit that: the Ctrl-C tests would fail unmutated
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.path.insert(0, str(copy_root))
    sys.dont_write_bytecode = True
    os.chdir(ROOT)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    import pytest

    class Record:  # the first failing test, for the report
        def pytest_runtest_logreport(self, report):  # type: ignore[no-untyped-def]
            if report.failed and not report_path.exists():
                report_path.write_text(report.nodeid)

    report_path = report
    args = ["-x", "-q", "-p", "no:cacheprovider", *tests]
    return int(pytest.main(args, plugins=[Record()]))


@dataclass
class Running:
    mutant: Mutant
    pid: int
    tmp: tempfile.TemporaryDirectory[str]
    started: float


def start_mutant(m: Mutant, tests: tuple[str, ...]) -> Running:
    tmp = tempfile.TemporaryDirectory(prefix="mutant-")
    root = _package_copy(Path(tmp.name))
    (root / TARGETS[m.target].path).write_text(mutated_source(m), encoding="utf-8")
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child runs the tests and exits with pytest's code
        code = 3
        try:
            os.setsid()
            code = _run_tests(root, tests, Path(tmp.name) / "failed.txt")
        finally:
            os._exit(code)
    return Running(m, pid, tmp, started)


def finish_mutant(run: Running, code: int | None) -> None:
    m = run.mutant
    if code is None:  # timed out: the whole group, pytest and the processes it started
        os.killpg(run.pid, signal.SIGKILL)
        os.waitpid(run.pid, 0)
    m.seconds = round(time.monotonic() - run.started, 1)
    report = Path(run.tmp.name) / "failed.txt"
    m.failed = report.read_text() if report.exists() else ""
    run.tmp.cleanup()
    m.status = (
        "timeout"
        if code is None
        else "survived"
        if code == 0
        else "killed"
        if code == 1
        else f"error (pytest exit {code})"
    )
    print(f"  {m.status:9} {m.seconds:5.1f}s {m.label()}", file=sys.stderr, flush=True)


def run_mutants(
    found: list[Mutant], timeout: float, jobs: int, tests: tuple[str, ...] | None = None
) -> None:
    """Each mutant in a process of its own, ``jobs`` at a time, against ``tests`` (by
    default its target's)."""
    waiting, running = list(found), []
    while waiting or running:
        while waiting and len(running) < jobs:
            m = waiting.pop(0)
            running.append(start_mutant(m, tests or TARGETS[m.target].tests))
        time.sleep(0.05)
        for run in list(running):
            done, status = os.waitpid(run.pid, os.WNOHANG)
            if done or time.monotonic() - run.started > timeout:
                running.remove(run)
                finish_mutant(run, os.waitstatus_to_exitcode(status) if done else None)


def baseline(name: str, tests: tuple[str, ...] | None = None, attempts: int = 2) -> float:
    """Seconds the chosen tests take on the unchanged package (they must pass; a
    failure is tried again once: a test of the command line that timed out on a
    machine at load 12 once stopped a whole run)."""
    for attempt in range(attempts):
        try:
            return _baseline(name, tests)
        except SystemExit as exc:
            if attempt == attempts - 1:
                raise
            print(f"  {exc}: once more", file=sys.stderr, flush=True)
    raise AssertionError("unreachable")


def _baseline(name: str, tests: tuple[str, ...] | None = None) -> float:
    m = Mutant(name, -1, 0, "", "baseline", "", "")
    with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
        root = _package_copy(Path(tmp))
        report = Path(tmp) / "failed.txt"
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            code = 3
            try:
                os.setsid()
                code = _run_tests(root, tests or TARGETS[name].tests, report)
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            failed = report.read_text() if report.exists() else "?"
            raise SystemExit(f"{name}: the tests fail without any mutation ({failed})")
        m.seconds = time.monotonic() - started
    return m.seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target", action="append", choices=sorted(TARGETS))
    ap.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    ap.add_argument("--json", type=Path, help="write every result here")
    ap.add_argument("--line", type=int, action="append", help="only mutants on these lines")
    ap.add_argument("--jobs", type=int, default=2, help="mutants run at once (default 2)")
    ap.add_argument("--components", action="store_true", help="the crawl's components instead")
    ap.add_argument(
        "--tests", nargs="+", help="run the mutants against these tests instead (no wide re-run)"
    )
    ap.add_argument(
        "--every", type=int, default=1, help="only every Nth mutant of a target (a bounded run)"
    )
    ap.add_argument(
        "--start",
        type=int,
        default=0,
        help="skip a target's first N mutants (resume a run stopped part way; same code)",
    )
    args = ap.parse_args()
    names = args.target or [n for n, t in TARGETS.items() if t.component == args.components]
    # the test tooling is imported once; each mutant's process is forked from here
    import httpx  # noqa: F401
    import pytest  # noqa: F401
    import pytest_httpserver  # noqa: F401

    results: list[Mutant] = []
    print("| target | mutants | killed | timeout | survived | score | minutes |")
    print("|---|---|---|---|---|---|---|")
    for name in names:
        found = [m for m in mutants(name) if not args.line or m.line in args.line]
        found = found[args.start :: args.every]
        if args.list:
            for m in found:
                print(m.label())
            continue
        started = time.monotonic()
        chosen = tuple(args.tests) if args.tests else None
        timeout = max(30.0, 3 * baseline(name, chosen))
        run_mutants(found, timeout, args.jobs, chosen)
        survivors = [m for m in found if m.status == "survived"]
        wide = () if chosen else TARGETS[name].wide
        if survivors and wide:  # run again against the fuller selection
            print(f"  {len(survivors)} survivors, again with {wide}", file=sys.stderr)
            run_mutants(survivors, max(60.0, 3 * baseline(name, wide)), args.jobs, wide)
        results += found
        killed = sum(m.status == "killed" for m in found)
        timeouts = sum(m.status == "timeout" for m in found)
        survived = sum(m.status == "survived" for m in found)
        score = (killed + timeouts) / len(found) if found else 1.0
        minutes = (time.monotonic() - started) / 60
        print(
            f"| {name} | {len(found)} | {killed} | {timeouts} | {survived} | "
            f"{score:.0%} | {minutes:.1f} |",
            flush=True,
        )
    if results:
        total = len(results)
        dead = sum(m.status in ("killed", "timeout") for m in results)
        print(f"| all | {total} | | | {total - dead} | {dead / total:.0%} | |")
        print("\nSurvivors:")
        for m in results:
            if m.status not in ("killed", "timeout"):
                print(f"- [{m.status}] {m.label()}")
    if args.json:
        args.json.write_text(json.dumps([asdict(m) for m in results], indent=1))


if __name__ == "__main__":
    main()
