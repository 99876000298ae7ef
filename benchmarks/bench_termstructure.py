"""Benchmark of the term-structure models: NSS history fits and the ACM estimation.

Reads the Treasury CMT yields from the shared data snapshots (``--data-dir``, default
``../shared/data`` next to the checkout or ``$MACROBRIEF_SHARED_DATA``) and prints, for each
task, the wall time (median of ``--repeat`` runs, with the fastest and slowest) and the peak
memory allocated by the task (tracemalloc, measured in a separate run so that tracing does not
slow the timed runs).

Targets: ACM estimation on monthly data since 1962 <= 0.1 s; NSS fits of every business day
since 1990 (about 9,000 curves) <= 8 s.

Usage: ``.venv/bin/python benchmarks/bench_termstructure.py [--data-dir DIR] [--repeat N] [--blas-threads N]``
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

# BLAS threads must be fixed before numpy loads. On this shared 2-core machine OpenBLAS's
# worker threads oversubscribe the cores when other jobs run, and the small matrix products of
# these models then slow down several-fold; one thread is the default (--blas-threads N to change).
_pre = argparse.ArgumentParser(add_help=False)
_pre.add_argument("--blas-threads", default="1")
BLAS_THREADS = _pre.parse_known_args()[0].blas_threads
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = BLAS_THREADS

import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.nss import fit_nss_history, zero_curve_history  # noqa: E402
from analytics.termpremium import acm_apply, estimate_acm, month_end  # noqa: E402
from report.catalog import spec  # noqa: E402

CMT_KEYS = {"ust_1m": 1 / 12, "ust_3m": 0.25, "ust_6m": 0.5, "ust_1y": 1.0, "ust_2y": 2.0, "ust_3y": 3.0,
            "ust_5y": 5.0, "ust_7y": 7.0, "ust_10y": 10.0, "ust_20y": 20.0, "ust_30y": 30.0}


def read_cmt(data_dir: Path) -> pd.DataFrame:
    cols = {}
    for key, years in CMT_KEYS.items():
        sid = spec(key).source_id
        s = pd.read_csv(data_dir / "fred" / f"{sid}.csv", index_col=0, parse_dates=True)[sid]
        cols[years] = pd.to_numeric(s, errors="coerce")
    return pd.concat(cols, axis=1, sort=True).dropna(how="all")


def measure(fn, repeat: int):
    times = []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, times, peak


def report(name: str, times, peak: int, target: float | None, extra: str = "") -> None:
    med = statistics.median(times)
    verdict = "" if target is None else ("  PASS" if med <= target else "  FAIL")
    tgt = "" if target is None else f" (target <= {target:g} s)"
    print(f"{name:44s} median {med:8.3f} s  [min {min(times):.3f}, max {max(times):.3f}, n={len(times)}]"
          f"  peak {peak / 2**20:7.1f} MiB{tgt}{verdict}{extra}")


def main(argv=None) -> int:
    default_dir = Path(os.environ.get("MACROBRIEF_SHARED_DATA", ROOT.parent / "shared" / "data"))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=default_dir)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--blas-threads", default="1", help="BLAS threads (set before numpy loads; default 1)")
    args = ap.parse_args(argv)
    if not (args.data_dir / "fred").is_dir():
        print(f"data directory {args.data_dir} has no fred/ folder", file=sys.stderr)
        return 2
    cmt = read_cmt(args.data_dir)
    since90 = cmt.loc["1990-01-01":]
    print(f"CMT yields: {len(cmt)} dates {cmt.index[0].date()}..{cmt.index[-1].date()}; "
          f"since 1990: {len(since90)} dates; {os.cpu_count()} CPUs, BLAS threads {BLAS_THREADS}, "
          f"load average {os.getloadavg()[0]:.1f}")

    hist90, times, peak = measure(lambda: fit_nss_history(since90), max(3, args.repeat // 2))
    report("NSS fits, every business day since 1990", times, peak, 8.0,
           f"  curves={len(hist90.params)} ({len(times) and len(hist90.params) / statistics.median(times):.0f}/s), "
           f"median RMSE {hist90.rmse_bp.median():.2f} bp")

    hist, times, peak = measure(lambda: fit_nss_history(cmt), 3)
    report("NSS fits, every business day since 1962", times, peak, None, f"  curves={len(hist.params)}")

    monthly = month_end(zero_curve_history(hist.params)).loc["1962-01-01":]
    estimate_acm(monthly)  # first call: imports and BLAS warm-up, reported separately
    t0 = time.perf_counter()
    estimate_acm(monthly)
    first = time.perf_counter() - t0
    res, times, peak = measure(lambda: estimate_acm(monthly), args.repeat * 4)
    report("ACM estimation, monthly since 1962", times, peak, 0.1,
           f"  months={res.model.n_obs} x {monthly.shape[1]} maturities, K={res.model.n_factors}")

    daily_zero = zero_curve_history(hist.params)
    _, times, peak = measure(lambda: acm_apply(res.model, daily_zero), args.repeat)
    report("ACM applied to every business day", times, peak, None, f"  days={len(daily_zero)}")
    print(f"(second ACM call after warm-up: {first:.4f} s); process max RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
