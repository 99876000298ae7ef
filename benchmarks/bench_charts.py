"""Benchmark: CPU time of drawing the brief's charts, one process, no cache.

    .venv/bin/python benchmarks/bench_charts.py --store STORE.sqlite [--as-of 2025-04-11] [--repeat 3]

The sections run once on the point-in-time frame of a temporary copy of ``STORE`` (a store with
the shared data imported, e.g. the one ``bench_build.py`` makes; the copy keeps it untouched) to
collect every chart spec of the brief (not timed); then each chart is drawn with ``report.charts.render_chart`` ``--repeat`` times, timed
with ``time.process_time()`` (CPU of this process: steadier than wall time on a shared machine).
Printed: per chart its kind, width, median CPU and PNG size; the median total of the rounds and
the total PNG bytes. One chart is drawn before timing, so font loading and first-use imports are
not counted.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--as-of", default="2025-04-11")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from report.charts import recession_spans, render_chart
    from report.config import load_config
    from report.frame import Frame
    from report.pipeline import compute_sections
    from report.store import Store
    from report.theme import load_theme

    as_of = date.fromisoformat(args.as_of)
    config = load_config(use_env=False)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "store.sqlite"
        shutil.copyfile(args.store, copy)
        store = Store(copy)
        frame = Frame.from_store(store, as_of)
        store.close()
    specs = [spec for res in compute_sections(frame, config) for spec in res.charts]
    kw = {"theme": load_theme(dict(config.brief.colors)), "as_of": as_of,
          "recessions": recession_spans(frame.get("recession")), "dpi": config.output.chart_dpi,
          "sample": frame.is_sample}
    if not specs:
        print("no charts: is the store empty?")
        return 1
    render_chart(specs[0], **kw)  # fonts and first-use imports, not timed

    per: dict[str, list[float]] = {s.id: [] for s in specs}
    size: dict[str, int] = {}
    totals = []
    for _ in range(args.repeat):
        total = 0.0
        for spec in specs:
            t0 = time.process_time()
            png = render_chart(spec, **kw)
            dt = time.process_time() - t0
            per[spec.id].append(dt)
            size[spec.id] = len(png)
            total += dt
        totals.append(total)
    for spec in specs:
        print(f"{spec.id:28s} {spec.kind:15s} {spec.width:5s} {statistics.median(per[spec.id]):6.3f} s "
              f"{size[spec.id] / 1024:7.1f} KiB")
    print(f"{len(specs)} charts at {kw['dpi']} dpi: CPU {statistics.median(totals):.3f} s (median of "
          f"{args.repeat}; rounds {', '.join(f'{t:.3f}' for t in totals)}), PNG {sum(size.values()) / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
