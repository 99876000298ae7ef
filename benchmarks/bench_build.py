"""Benchmark: the whole brief (HTML + PDF) from a warm store, a rebuild with unchanged data, and
a QuantStats HTML tear sheet timed in the same run for comparison.

    .venv/bin/pip install -e ".[bench]"      # quantstats, for the comparison only
    .venv/bin/python benchmarks/bench_build.py [--as-of 2025-04-11] [--work DIR] [--repeat 5]

What is timed (each in a fresh Python process, wall clock, imports included, as a desk runs it):

1. ``macrobrief build --source store`` with an empty cache: every section computed, every chart
   drawn, HTML and PDF rendered and written. Targets: <= 8 s, <= 800 MB peak memory.
2. The same command again with the data unchanged (analytics, charts, frame and PDF from the
   cache). Target: <= 3 s.
3. ``quantstats.reports.html(returns, benchmark, output=...)`` on 25 years of seeded synthetic
   daily returns for a strategy and a benchmark, run in turn with the cold builds (build, sheet,
   build, sheet, ...). The script prints the median of the pairs' build time / QuantStats time
   (target <= 0.7): pairing keeps the ratio meaningful when the machine's speed drifts.

The store is the shared data (``../shared/data``, or ``$MACROBRIEF_SHARED_DATA``) imported once
into ``<work>/store.sqlite`` (not timed: "warm store"); all eight sections are on.

Peak memory is the largest resident set of any process of the build (the build process or one
of its chart workers), from ``getrusage(RUSAGE_CHILDREN)``. CPU time (user + system, the build
and its workers) is printed beside wall time: on a machine shared with other work it is the
steadier figure. Figures and their reading are in ``benchmarks/bench_build.md``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_BUILD_S, TARGET_REBUILD_S, TARGET_MEM_MB, TARGET_RATIO = 8.0, 3.0, 800.0, 0.7


def shared_dir() -> Path:
    env = os.environ.get("MACROBRIEF_SHARED_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data"


# --- child mode ----------------------------------------------------------------------------------


def child_quantstats(args: argparse.Namespace) -> int:
    import warnings

    import numpy as np
    import pandas as pd

    warnings.simplefilter("ignore")
    import logging

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    import quantstats

    rng = np.random.default_rng(20250411)
    idx = pd.bdate_range("2000-01-03", periods=25 * 252)
    market = rng.normal(0.0003, 0.011, len(idx))
    strategy = 0.6 * market + rng.normal(0.0001, 0.006, len(idx))
    quantstats.reports.html(pd.Series(strategy, index=idx, name="Strategy"),
                            pd.Series(market, index=idx, name="Benchmark"),
                            output=str(args.output), title="Strategy vs benchmark")
    return 0


# --- driver --------------------------------------------------------------------------------------


#: CPU seconds (user + system) of the last child run and its waited-for descendants
LAST_CPU = [0.0]


def run_child(cmd: list[str], *, env: dict[str, str] | None = None) -> tuple[float, float, str, str]:
    """Wall time (s), peak RSS (MB) of the largest process, stdout, stderr of one child run.

    The CPU time of the run (build process plus chart workers) is left in ``LAST_CPU``: on a
    machine shared with other work it says what the run costs when wall time cannot.
    """
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_CPU[0] = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark step failed ({' '.join(cmd[:4])} ...):\n{proc.stderr[-3000:]}")
    # ru_maxrss of RUSAGE_CHILDREN is the largest resident set of any child so far (it only grows);
    # the first run timed is the cold build, so this is its peak
    return wall, r1.ru_maxrss / 1024.0, proc.stdout, proc.stderr


def prepare_store(work: Path) -> Path:
    store_path = work / "store.sqlite"
    if store_path.exists():
        return store_path
    from report.sources.csvdir import import_directory
    from report.store import Store

    data = shared_dir()
    if not (data / "fred").is_dir():
        raise SystemExit(f"shared data not found at {data} (set MACROBRIEF_SHARED_DATA)")
    print(f"importing {data} into {store_path} (once; not timed)", flush=True)
    tmp = store_path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    with Store(tmp) as store:
        import_directory(store, data / "fred")
        import_directory(store, data / "other")
    os.replace(tmp, store_path)
    return store_path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--as-of", default="2025-04-11")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "macrobrief-bench")
    ap.add_argument("--repeat", type=int, default=5,
                    help="cold builds (each paired with a QuantStats run) to time; medians are reported")
    ap.add_argument("--no-quantstats", action="store_true")
    ap.add_argument("--child", choices=("quantstats",), help=argparse.SUPPRESS)
    ap.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child == "quantstats":
        return child_quantstats(args)

    sys.path.insert(0, str(ROOT))
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    store = prepare_store(work)
    cfg = work / "bench.toml"
    cfg.write_text(f'[data]\nstore = "{store}"\n[output]\ndir = "{work / "out"}"\ncache = "{work / "cache"}"\n'
                   f'[archive]\nroot = "{work / "editions"}"\n', encoding="utf-8")
    py = sys.executable
    # the command as a desk runs it (``macrobrief build``: report.cli's run, quick exit included)
    build_cmd = [py, "-m", "report.cli", "build", "--config", str(cfg), "--source", "store", "--as-of", args.as_of,
                 "--format", "html,pdf"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    # cold builds and QuantStats tear sheets in turn (build, sheet, build, sheet, ...): the ratio is
    # taken pair by pair, so a machine whose speed drifts during the run still compares like with like
    colds, sheets = [], []
    qs_cmd = [py, str(Path(__file__).resolve()), "--child", "quantstats", "--output", str(work / "quantstats.html")]
    for _ in range(max(1, args.repeat)):
        shutil.rmtree(work / "cache", ignore_errors=True)
        wall, mem, out, err = run_child(build_cmd, env=env)
        colds.append((wall, mem, out, err, LAST_CPU[0]))
        if not args.no_quantstats:
            qs_wall, _, _, _ = run_child(qs_cmd, env=env)
            sheets.append((qs_wall, LAST_CPU[0]))
    wall, _, out, err, cpu = sorted(colds, key=lambda c: c[0])[len(colds) // 2]  # the median run
    mem = colds[0][1]  # taken before any QuantStats run, so the build's own peak
    warm_wall, warm_mem, _, warm_err = run_child(build_cmd, env=env)
    warm_cpu = LAST_CPU[0]
    qs_wall = qs_cpu = float("nan")
    ratios: list[float] = []
    if sheets:
        qs_wall, qs_cpu = sorted(sheets)[len(sheets) // 2]
        ratios = sorted(c[0] / q[0] for c, q in zip(colds, sheets))
    load = os.getloadavg()[0]

    pdfs = list((work / "out").glob("*/brief.pdf"))
    pages = "?"
    if pdfs:
        try:
            import pypdf

            pages = str(len(pypdf.PdfReader(pdfs[0]).pages))
        except Exception:  # noqa: BLE001 - page count is informative only
            pass
    best = min(c[0] for c in colds)
    print()
    print(f"as of {args.as_of}; PDF pages: {pages}; "
          f"cores: {len(os.sched_getaffinity(0))}; load average (1 min) at the end: {load:.1f}")
    print(f"cold build (HTML+PDF): {wall:6.2f} s wall, {cpu:6.2f} s CPU  (median of {len(colds)}, best {best:.2f} s; "
          f"target <= {TARGET_BUILD_S} s)")
    print(f"  peak memory:         {mem:6.0f} MB (largest process; target <= {TARGET_MEM_MB:.0f} MB)")
    print(f"rebuild, same data:    {warm_wall:6.2f} s wall, {warm_cpu:6.2f} s CPU  (target <= {TARGET_REBUILD_S} s)")
    if ratios:
        print(f"QuantStats tear sheet: {qs_wall:6.2f} s wall, {qs_cpu:6.2f} s CPU  (median of {len(sheets)}; "
              "25 years daily, with benchmark)")
        print(f"build / QuantStats:    {ratios[len(ratios) // 2]:6.2f} wall, median of the pairs "
              f"(range {ratios[0]:.2f}-{ratios[-1]:.2f}); {cpu / qs_cpu:5.2f} CPU  (target <= {TARGET_RATIO})")
        print("  pairs, in run order:  " + ", ".join(f"{c[0]:.2f}/{q[0]:.2f} s" for c, q in zip(colds, sheets)))
    print("\ncold build steps:")
    for line in err.splitlines():
        if " s" in line and ("..." in line or "done in" in line):
            print("  " + line.strip())
    print("rebuild steps:")
    for line in warm_err.splitlines():
        if " s" in line and ("..." in line or "done in" in line):
            print("  " + line.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
