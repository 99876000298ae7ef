"""The point-in-time frame: every catalog series as it was known at the end of one day.

Sections read data only through a :class:`Frame`. It records which series each build used
(for the provenance table), flags stale series against their frequency, and knows whether any
of the data is SAMPLE (synthetic), which makes the whole brief SAMPLE.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from .catalog import CATALOG, SeriesSpec, spec
from .store import Store

__all__ = ["Frame", "SeriesStatus", "max_age_days"]

#: nominal length of one period, in days, by frequency
_PERIOD_DAYS = {"D": 1, "W": 7, "M": 31, "Q": 92, "A": 366}
#: slack before a series counts as stale (holidays, irregular publication)
_GRACE_DAYS = {"D": 6, "W": 7, "M": 15, "Q": 30, "A": 60}


def max_age_days(s: SeriesSpec) -> int:
    """Days between the as-of date and a series' last observation date before it is stale.

    FRED dates a monthly or quarterly value by the first day of its period, and the value
    appears ``release_lag_days`` after the period ends, so the newest observation of a fresh
    monthly series can be two periods plus the publication lag old.
    """
    return 2 * _PERIOD_DAYS[s.frequency] + s.release_lag_days + _GRACE_DAYS[s.frequency]


@dataclass(frozen=True)
class SeriesStatus:
    """Availability of one series in a frame (provenance and staleness)."""

    key: str
    title: str
    units: str
    frequency: str
    source: str  # the store's source label: fred, csv, sample, an importer's name, or "" if absent
    first: date | None
    last: date | None
    n_obs: int
    stale: bool
    age_days: int | None
    max_age_days: int
    note: str = ""

    @property
    def missing(self) -> bool:
        return self.n_obs == 0


class Frame:
    """Series known at the end of ``as_of`` (read-only; analytics never mutate inputs)."""

    def __init__(
        self,
        series: Mapping[str, pd.Series],
        as_of: date,
        *,
        sources: Mapping[str, str] | None = None,
    ) -> None:
        cutoff = pd.Timestamp(as_of)
        normal: dict[str, pd.Series] = {}
        for key, s in series.items():
            spec(key)
            s = s.astype(float)
            s = s[s.index <= cutoff].dropna()
            s.index = pd.DatetimeIndex(s.index, name="date")
            s.name = key
            normal[key] = s
        self._setup(normal, as_of, sources)

    def _setup(self, series: dict[str, pd.Series], as_of: date, sources: Mapping[str, str] | None) -> None:
        self.as_of = as_of
        self._series = series
        self._sources = dict(sources or {})
        self._used: set[str] = set()

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_store(cls, store: Store, as_of: date, keys: Iterable[str] | None = None) -> Frame:
        """Point-in-time read of ``keys`` (default: the whole catalog) as of ``as_of``."""
        keys = list(keys) if keys is not None else list(CATALOG)
        data = store.read_many(keys, as_of=as_of)
        sources = store.sources_by_key(keys)
        # the store's reads are already in the frame's form (float, DatetimeIndex ``date``, on or
        # before as_of, no missing values, named by key) and belong to no one else
        frame = cls.__new__(cls)
        frame._setup(data, as_of, sources)
        return frame

    # -- access ------------------------------------------------------------------------------
    def get(self, key: str) -> pd.Series:
        """The series (float, DatetimeIndex ``date``); empty when the frame has no data for it."""
        spec(key)
        self._used.add(key)
        s = self._series.get(key)
        if s is None:
            return pd.Series([], index=pd.DatetimeIndex([], name="date"), name=key, dtype=float)
        return s

    def has(self, key: str) -> bool:
        """True when the series has at least one observation on or before ``as_of``."""
        s = self._series.get(spec(key).key)
        return s is not None and len(s) > 0

    def last(self, key: str) -> tuple[date, float] | None:
        """Date and value of the latest observation, or None."""
        s = self.get(key)
        if s.empty:
            return None
        return s.index[-1].date(), float(s.iloc[-1])

    def table(self, keys: Iterable[str], *, how: str = "outer") -> pd.DataFrame:
        """Several series side by side (``how="inner"`` keeps common dates only)."""
        cols = {k: self.get(k) for k in keys}
        df = pd.concat(cols, axis=1, join="outer" if how == "outer" else "inner")
        df.index.name = "date"
        return df

    # -- provenance --------------------------------------------------------------------------
    def status(self, key: str) -> SeriesStatus:
        sp = spec(key)
        s = self._series.get(key)
        limit = max_age_days(sp)
        if s is None or s.empty:
            return SeriesStatus(key, sp.title, sp.units, sp.frequency, self._sources.get(key, ""), None, None, 0,
                                True, None, limit, sp.note)
        last = s.index[-1].date()
        age = (self.as_of - last).days
        return SeriesStatus(key, sp.title, sp.units, sp.frequency, self._sources.get(key, ""), s.index[0].date(),
                            last, int(len(s)), age > limit, age, limit, sp.note)

    def is_stale(self, key: str) -> bool:
        return self.status(key).stale

    @property
    def used(self) -> tuple[str, ...]:
        """Keys read by sections so far, in catalog order."""
        return tuple(k for k in CATALOG if k in self._used)

    def __copy__(self) -> Frame:
        """The same data (shared: frames never change their series), with its own record of use."""
        frame = Frame.__new__(Frame)
        frame._setup(self._series, self.as_of, self._sources)
        frame._used = set(self._used)
        return frame

    @property
    def keys(self) -> tuple[str, ...]:
        """Keys with data in the frame, in catalog order."""
        return tuple(k for k in CATALOG if k in self._series and len(self._series[k]))

    @property
    def is_sample(self) -> bool:
        """True when any series in the frame comes from the synthetic SAMPLE source."""
        return any(self._sources.get(k) == "sample" for k in self.keys)

    def snapshot(self, keys: Iterable[str] | None = None) -> pd.DataFrame:
        """Long table (key, date, value) of the data, for the archive and for rebuilds."""
        keys = list(keys) if keys is not None else list(self.keys)
        parts = [
            pd.DataFrame({"key": k, "date": self._series[k].index, "value": self._series[k].to_numpy()})
            for k in keys
            if k in self._series and len(self._series[k])
        ]
        if not parts:
            return pd.DataFrame({"key": pd.Series(dtype=str), "date": pd.Series(dtype="datetime64[ns]"),
                                 "value": pd.Series(dtype=float)})
        return pd.concat(parts, ignore_index=True)

    @classmethod
    def from_snapshot(cls, snap: pd.DataFrame, as_of: date, sources: Mapping[str, str] | None = None) -> Frame:
        """Rebuild a frame from :meth:`snapshot` output."""
        series = {
            k: pd.Series(g["value"].to_numpy(dtype=float), index=pd.DatetimeIndex(g["date"], name="date"), name=k)
            for k, g in snap.groupby("key", sort=False)
        }
        return cls(series, as_of, sources=sources)

    def fingerprint(self, keys: Iterable[str]) -> str:
        """Hash of the data of ``keys`` (dates and values) and the as-of date: a cache key."""
        h = hashlib.sha256(self.as_of.isoformat().encode())
        for k in sorted(set(keys)):
            h.update(k.encode())
            s = self._series.get(k)
            if s is not None and len(s):
                h.update(s.index.asi8.tobytes())
                h.update(np.ascontiguousarray(s.to_numpy(dtype=float)).tobytes())
        return h.hexdigest()

    @property
    def sources(self) -> Mapping[str, str]:
        return dict(self._sources)
