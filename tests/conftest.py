"""Shared fixtures.

``shared_data`` is the directory of real public-data snapshots (``../shared/data`` next to the
checkout, or ``$MACROBRIEF_SHARED_DATA``). Tests that need it fail when it is missing and
``CI=true``, and skip with the reason otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _shared_dir() -> Path:
    env = os.environ.get("MACROBRIEF_SHARED_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data"


def _require_shared() -> Path:
    d = _shared_dir()
    if not (d / "fred").is_dir():
        msg = f"shared data directory {d} is missing (set MACROBRIEF_SHARED_DATA)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return d


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of ../shared/data (with ``fred/`` and ``other/``)."""
    return _require_shared()


@pytest.fixture(scope="session")
def fred_dir(shared_data: Path) -> Path:
    return shared_data / "fred"


@pytest.fixture(scope="session")
def other_dir(shared_data: Path) -> Path:
    return shared_data / "other"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "shared_data" in getattr(item, "fixturenames", ()) or "fred_dir" in getattr(item, "fixturenames", ()) \
                or "other_dir" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.shared_data)


@pytest.fixture(scope="session")
def shared_store(shared_data: Path):
    """An in-memory store holding all of ../shared/data (FRED CSVs and the published files), imported once."""
    from report.sources.csvdir import import_directory
    from report.store import Store

    store = Store(":memory:")
    import_directory(store, shared_data / "fred")
    import_directory(store, shared_data / "other")
    yield store
    store.close()


@pytest.fixture(scope="session")
def shared_frame(shared_store):
    """Factory: the point-in-time frame of the shared data as of a date (cached per date)."""
    from datetime import date

    from report.frame import Frame

    cache: dict[date, Frame] = {}

    def make(as_of: date | str) -> Frame:
        d = date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
        if d not in cache:
            cache[d] = Frame.from_store(shared_store, d)
        return cache[d]

    return make
