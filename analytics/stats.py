"""Small statistics shared by sections: level, changes and percentile rank of a series.

``units="percent"`` series (yields, spreads, rates) change in basis points; other series
(indexes, prices) change in percent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

__all__ = ["KeyNumber", "key_number", "monthly_mean", "percentile_rank", "series_input", "value_on_or_before"]


def series_input(s: pd.Series | None, name: str | None = None) -> pd.Series:
    """Coerce a series argument: float values on sorted dates, missing values dropped.

    ``None`` or an empty series gives an empty float series (callers treat it as missing
    data). Anything else must be a Series on a ``DatetimeIndex``; ``TypeError`` names the
    argument otherwise.
    """
    if s is None or (isinstance(s, pd.Series) and len(s) == 0):
        return pd.Series([], index=pd.DatetimeIndex([], name="date"), dtype=float)
    label = name or (f"series {s.name!r}" if isinstance(s, pd.Series) else "series")
    if not isinstance(s, pd.Series):
        raise TypeError(f"{label} must be a pandas Series")
    if not isinstance(s.index, pd.DatetimeIndex):
        raise TypeError(f"{label} must be indexed by date")
    return s.dropna().sort_index().astype(float)


def value_on_or_before(s: pd.Series, when: pd.Timestamp) -> tuple[pd.Timestamp, float] | None:
    """Last observation on or before ``when``."""
    s = s.loc[:when].dropna()
    if s.empty:
        return None
    return s.index[-1], float(s.iloc[-1])


def percentile_rank(window: pd.Series, value: float) -> float:
    """Share of ``window`` observations at or below ``value``, in [0, 1].

    Uses the "weak" definition: rank = #{x <= value} / n, so the maximum ranks 1.0.
    """
    w = window.dropna().to_numpy(dtype=float)
    if w.size == 0:
        raise ValueError("window is empty")
    return float(np.count_nonzero(w <= value) / w.size)


@dataclass(frozen=True)
class KeyNumber:
    """Level, changes and 52-week percentile of one series at ``date`` (its last observation).

    ``change_unit`` is ``"bp"`` for percent-unit series (change in basis points) and
    ``"pct"`` otherwise (percent change). ``pct_52w`` is the percentile rank of the level among
    the observations of the 52 weeks up to ``date``.
    """

    date: date
    level: float
    chg_1w: float | None
    chg_4w: float | None
    change_unit: str
    pct_52w: float | None
    n_52w: int


def key_number(s: pd.Series, *, as_of: date, units: str) -> KeyNumber | None:
    """Key number of ``s`` as of ``as_of`` (None when the series has no data by then).

    Changes compare the last value with the last value on or before 7 and 28 calendar days
    earlier than the last observation date.
    """
    s = s.loc[: pd.Timestamp(as_of)].dropna()
    if s.empty:
        return None
    t, level = s.index[-1], float(s.iloc[-1])
    bp = units == "percent"

    def change(days: int) -> float | None:
        prev = value_on_or_before(s, t - pd.Timedelta(days=days))
        if prev is None:
            return None
        if bp:
            return (level - prev[1]) * 100.0
        if prev[1] == 0:
            return None
        return (level / prev[1] - 1.0) * 100.0

    window = s.loc[t - pd.Timedelta(weeks=52): t]
    pct = percentile_rank(window, level) if len(window) >= 10 else None
    return KeyNumber(t.date(), level, change(7), change(28), "bp" if bp else "pct", pct, int(len(window)))


def monthly_mean(s: pd.Series) -> pd.Series:
    """Monthly average dated on the first of the month (a monthly series is left as it is)."""
    s = series_input(s)
    if s.empty:
        return s
    months = s.index.to_numpy().astype("datetime64[M]")
    uniq, inv = np.unique(months, return_inverse=True)
    if len(uniq) == len(s) and bool((s.index.day == 1).all()):
        return s
    mean = np.bincount(inv, weights=s.to_numpy()) / np.bincount(inv)
    return pd.Series(mean, index=pd.DatetimeIndex(uniq.astype("datetime64[ns]")), name=s.name)
