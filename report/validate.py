"""``macrobrief validate``: the model-validation report of the term-structure models.

Reads the Treasury CMT yields and the published ACM series (from the store, or from a data
directory imported into a temporary in-memory store), runs
:func:`analytics.validation.validate_term_structure` and prints every figure with its
threshold and pass/fail, the way a model-risk reviewer reads it. Exit code 0 when every check
with a threshold passes, 1 when any fails, 3 when the data is missing.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from analytics.validation import Check, ValidationReport, validate_term_structure

from .errors import ConfigError, DataError
from .frame import Frame
from .sections.termpremium import CMT_KEYS, cmt_yields

__all__ = ["VALIDATION_KEYS", "validation_inputs", "run_validation", "format_report", "cmd_validate"]

_ACM_YIELDS = {f"acm_y{n:02d}": float(n) for n in range(1, 11)}
_ACM_TP = {f"acm_tp{n:02d}": float(n) for n in range(1, 11)}
_ACM_ZERO_DAILY = {"acmd_y02": 2.0, "acmd_y05": 5.0, "acmd_y10": 10.0}
#: catalog keys the validation reads
VALIDATION_KEYS = (*CMT_KEYS, *_ACM_YIELDS, *_ACM_TP, "acm_tp10_daily", *_ACM_ZERO_DAILY)
GROUPS = ("estimator", "end_to_end", "nss", "closed_form")


def _by_years(frame: Frame, keys: dict[str, float]) -> pd.DataFrame:
    cols = {years: frame.get(k) for k, years in keys.items() if frame.has(k)}
    if not cols:
        return pd.DataFrame(index=pd.DatetimeIndex([]), dtype=float)
    return pd.concat(cols, axis=1, sort=True)


def validation_inputs(frame: Frame) -> dict[str, pd.DataFrame | pd.Series]:
    """The validation's inputs from a frame, columns as maturities in years.

    Raises :class:`DataError` naming the series that are missing.
    """
    missing = [k for k in VALIDATION_KEYS if not frame.has(k)]
    needed = [k for k in missing if k in ("ust_2y", "ust_10y", "acm_y01", "acm_y10", "acm_tp02", "acm_tp05",
                                          "acm_tp10", "acm_tp10_daily", "acmd_y02", "acmd_y05")]
    if needed:
        raise DataError(f"validation needs the series {', '.join(needed)} (import the FRED CSVs and the NY Fed "
                        f"ACM files, e.g. `macrobrief validate --data-dir ../shared/data`)")
    return {
        "cmt_yields": cmt_yields(frame.get),
        "published_yields": _by_years(frame, _ACM_YIELDS),
        "published_tp": _by_years(frame, _ACM_TP),
        "published_tp10_daily": frame.get("acm_tp10_daily"),
        "published_zero_daily": _by_years(frame, _ACM_ZERO_DAILY),
    }


def run_validation(frame: Frame, *, estimation_start: str = "1962-01-01",
                   groups: Sequence[str] = GROUPS) -> ValidationReport:
    """Run the model validation on the data of ``frame``."""
    return validate_term_structure(**validation_inputs(frame), estimation_start=estimation_start, groups=groups)


def _fmt(x: float | None, unit: str) -> str:
    if x is None:
        return ""
    if unit in ("bp",):
        return f"{x:.2f}"
    if unit == "share":
        return f"{x:.4f}"
    if abs(x) != 0 and abs(x) < 1e-4:
        return f"{x:.1e}"
    return f"{x:.4f}"


def format_report(rep: ValidationReport) -> list[str]:
    """The report as aligned text lines: one per figure, grouped, with a summary line."""
    head = ("check", "figure", "unit", "threshold", "result", "sample")
    rows: list[tuple[str, ...]] = []
    notes: dict[str, str] = {}
    group = None
    out_groups: list[tuple[str, list[tuple[str, ...]]]] = []
    for c in rep.checks:
        if c.group != group:
            group = c.group
            out_groups.append((group, []))
        result = "PASS" if c.passed else ("FAIL" if c.passed is False else "info")
        thr = f"{c.comparator} {_fmt(c.threshold, c.unit)}" if c.comparator else ""
        row = (c.description, _fmt(c.figure, c.unit), c.unit, thr, result, c.sample)
        out_groups[-1][1].append(row)
        rows.append(row)
        if c.note:
            notes[c.description] = c.note
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    widths[0] = min(widths[0], 78)
    lines = [rep.title, ""]
    for name, grows in out_groups:
        lines.append(f"[{name}]")
        lines.append("  " + "  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip())
        for r in grows:
            lines.append("  " + "  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip())
            if r[0] in notes:
                lines.append("      " + notes[r[0]])
        lines.append("")
    judged = [c for c in rep.checks if c.passed is not None]
    failed: list[Check] = list(rep.failures)
    lines.append(f"{len(judged) - len(failed)} of {len(judged)} checks pass"
                 + (f"; FAILED: {', '.join(c.id for c in failed)}" if failed else "."))
    return lines


def _import_dir(store, data_dir: Path, progress) -> None:
    from .sources.csvdir import import_directory

    if not data_dir.is_dir():
        raise DataError(f"--data-dir {data_dir}: not a directory")
    dirs = [d for d in (data_dir, data_dir / "fred", data_dir / "other") if d.is_dir()]
    for d in dirs:
        if not any(p.suffix.lower() in (".csv", ".txt") for p in d.iterdir()):
            continue
        with progress.step(f"Importing {d}"):
            import_directory(store, d, progress=progress.count)


def cmd_validate(args: argparse.Namespace, progress) -> int:
    """Handler of ``macrobrief validate``."""
    from .config import load_config
    from .store import Store

    as_of = args.as_of or date.today()
    groups = tuple(args.groups) if args.groups else GROUPS
    bad = [g for g in groups if g not in GROUPS]
    if bad:
        raise ConfigError(f"--groups: unknown {', '.join(bad)}; allowed: {', '.join(GROUPS)}")
    if args.data_dir is not None:  # the configuration only names the store, so it is not read here
        store = Store(":memory:")
        _import_dir(store, Path(args.data_dir), progress)
    else:
        config = load_config(args.config)
        if not config.data.store.exists():
            raise DataError(f"the store {config.data.store} does not exist: import data first or give --data-dir DIR")
        store = Store(config.data.store)
    with store:
        frame = Frame.from_store(store, as_of, VALIDATION_KEYS)
    with progress.step("Validating the term-structure models"):
        rep = run_validation(frame, estimation_start=args.estimation_start, groups=groups)
    for line in format_report(rep):
        print(line)
    return 0 if rep.passed else 1
