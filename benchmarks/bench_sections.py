"""Benchmark: CPU time of each section's computation (charts excluded), cache off.

    .venv/bin/python benchmarks/bench_sections.py --config macrobrief.toml [--as-of 2025-04-11] [--repeat 3]

The frame is read once from the configured store (``--source store``, not timed); then every
enabled section is built ``--repeat`` times in this process with no cache, as
:func:`report.pipeline.compute_sections` builds it, and the CPU time of each build
(``time.process_time``: all threads of the process, so BLAS helper threads count) is printed
with the median per section and the sum of the medians. Charts are not drawn. The first round
also pays for lazy imports (scipy); the median of three or more rounds leaves that out.

CPU time rather than wall time: the machine is shared, and the figure to compare is what the
sections cost, not how long they waited. BLAS threads matter: run once as is and once with
``OPENBLAS_NUM_THREADS=1`` to see what idle BLAS helper threads spinning after a product cost.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", type=Path, required=True, help="config whose [data] store holds the data")
    ap.add_argument("--as-of", default="2025-04-11")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")

    sys.path.insert(0, str(ROOT))
    from report.config import load_config
    from report.pipeline import compute_sections, load_frame

    config = load_config(args.config, use_env=False)
    frame, _ = load_frame(config, source="store", as_of=date.fromisoformat(args.as_of))
    times: dict[str, list[float]] = {}
    for _ in range(args.repeat):
        mark = [time.process_time()]

        def lap(res, mark=mark) -> None:
            now = time.process_time()
            times.setdefault(res.id, []).append(now - mark[0])
            mark[0] = now

        compute_sections(frame, config, cache=None, on_result=lap)
    total = 0.0
    print(f"{'section':14s} {'median s':>9s}  runs")
    for sid, runs in times.items():
        med = statistics.median(runs)
        total += med
        print(f"{sid:14s} {med:9.3f}  {' '.join(f'{x:.3f}' for x in runs)}")
    print(f"{'all sections':14s} {total:9.3f}  (sum of medians, CPU seconds)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
