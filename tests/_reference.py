"""Reference values read straight from the shared FRED CSV files, independent of the importer."""

from __future__ import annotations

import csv
from pathlib import Path


def csv_value(fred_dir: Path, fred_id: str, day: str) -> float:
    """The value of one observation in ``<fred_dir>/<fred_id>.csv`` (FRED's download layout)."""
    with open(fred_dir / f"{fred_id}.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["observation_date"] == day:
                return float(row[fred_id])
    raise AssertionError(f"{fred_id} has no observation on {day}")
