"""Does any corpus page reach ``extract``'s catch-all?

``extract`` returns an empty ``Article`` when ``extract_strict`` raises (a bug); the
tests hold that no saved page under tests/pages does, and this runs every page of
the shared corpora (``../shared/corpus``) through ``extract_strict``, listing the
pages that raise, with the exception.

    python bench/extract_strict.py                 # every corpus
    python bench/extract_strict.py --corpus news   # one
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
import traceback
from pathlib import Path

from scraper.extract import extract_strict

# ../shared beside the repository (or beside a folder above it, for a git worktree)
CORPORA = next(
    (p / "shared" / "corpus" for p in Path(__file__).resolve().parents if (p / "shared").is_dir()),
    Path("../shared/corpus"),
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", action="append", help="news, web, reader (default: all)")
    ap.add_argument("--root", type=Path, default=CORPORA)
    args = ap.parse_args()
    names = args.corpus or sorted(p.name for p in args.root.iterdir() if p.is_dir())
    failures = 0
    for name in names:
        pages = sorted((args.root / name).glob("*.html.gz"))
        started, raised = time.perf_counter(), []
        for page in pages:
            try:
                extract_strict(gzip.decompress(page.read_bytes()), None)
            except Exception as exc:  # the finding itself
                where = traceback.extract_tb(exc.__traceback__)[-1]
                raised.append(f"{page.name}: {type(exc).__name__}: {exc} ({where.name})")
        seconds = time.perf_counter() - started
        print(f"{name}: {len(pages)} pages, {len(raised)} raised, {seconds:.1f} s")
        for line in raised:
            print(f"  {line}")
        failures += len(raised)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
