"""A small store with the shared FRED files sections 8's tests read (faster than importing all).

Files are imported from ``../shared/data/fred`` through the CSV source, as the CLI would; they
are never copied.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from report.catalog import CATALOG
from report.sections.liquidity import SECTION
from report.sources.csvdir import import_directory
from report.store import Store

#: FRED ids of every FRED series the liquidity section reads, plus the NBER recession flag
FRED_IDS = tuple(CATALOG[k].source_id for k in (*SECTION.series_keys(), "recession") if CATALOG[k].source == "fred")


def liquidity_store(fred_dir: Path, ids: Iterable[str] = FRED_IDS, extra: Iterable[Path] = ()) -> Store:
    """An in-memory store holding the shared FRED files ``ids`` that exist, and ``extra`` files."""
    store = Store(":memory:")
    for fid in ids:
        path = fred_dir / f"{fid}.csv"
        if path.exists():
            import_directory(store, path)
    for path in extra:
        import_directory(store, path)
    return store
