"""Benchmark: the point-in-time read of the whole catalog (``Frame.from_store``).

    .venv/bin/python benchmarks/bench_store_read.py [--store PATH] [--repeat 5] [--as-of 2025-04-11 ...]

Without ``--store`` the shared data (``../shared/data``, or ``$MACROBRIEF_SHARED_DATA``) is
imported into a temporary store first (not timed). The given store is never written: it is
copied (SQLite backup) into a temporary directory, and the copy is read.

What is timed (CPU time of this process, median of ``--repeat`` runs per date):

1. the first read of the copy with its packed copies removed, as a store written before the
   ``packed`` table existed is read once (every series is packed on the way);
2. ``Frame.from_store(store, as_of)`` on the packed store, for each as-of date.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from report.frame import Frame
from report.store import Store


def _shared_store(path: Path) -> None:
    from report.sources.csvdir import import_directory

    data = Path(os.environ.get("MACROBRIEF_SHARED_DATA", ROOT.parent / "shared" / "data"))
    with Store(path) as st:
        import_directory(st, data / "fred")
        import_directory(st, data / "other")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, help="a store to read (copied first; default: the shared data)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--as-of", nargs="*", default=["2008-09-19", "2019-06-28", "2025-04-11", "2030-01-01"])
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store.sqlite"
        if args.store:
            src = sqlite3.connect(f"file:{args.store}?mode=ro", uri=True)
            dst = sqlite3.connect(path)
            src.backup(dst)
            src.close()
            dst.close()
        else:
            _shared_store(path)
        conn = sqlite3.connect(path)
        rows = conn.execute("SELECT COUNT(*) FROM observations").fetchone()[0]
        conn.execute("DROP TABLE IF EXISTS packed")
        conn.commit()
        conn.close()
        days = [date.fromisoformat(d) for d in args.as_of]
        with Store(path) as st:
            t = time.process_time()
            Frame.from_store(st, days[-1])
            print(f"{rows} stored rows; first read without packed copies: {time.process_time() - t:.3f} s CPU")
            for day in days:
                times = []
                for _ in range(args.repeat):
                    t = time.process_time()
                    frame = Frame.from_store(st, day)
                    times.append(time.process_time() - t)
                print(f"Frame.from_store as of {day}: {statistics.median(times):.3f} s CPU (median of {args.repeat}),"
                      f" {len(frame.keys)} series")
    return 0


if __name__ == "__main__":
    sys.exit(main())
