"""Curve structure: snapshots, slope spreads, inversion episodes and the inversion rule.

Yields are in percent; changes and spreads are reported in basis points (1 bp = 0.01 pp)
unless a name says otherwise.

The inversion rule follows the framework: an inverted or flat curve warns that moves in rates
are being passed on to speculative volatility. It is not a forecast of an equity crash; the
action it supports is to hedge speculative volatility while keeping long-run equity exposure,
as long as the long-run growth slope of U.S. equities is intact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType

import numpy as np
import pandas as pd

from .rules import Evidence, Param, RuleSpec, Verdict, make_verdict, no_data_verdict

__all__ = [
    "TENORS",
    "CurveSnapshot",
    "InversionEpisode",
    "curve_snapshot",
    "inversion_episodes",
    "RULES",
    "INVERSION_RULE",
    "evaluate_inversion",
    "inversion_states",
]

#: tenor label -> maturity in years, short to long
TENORS: Mapping[str, float] = MappingProxyType(
    {"1m": 1 / 12, "3m": 0.25, "6m": 0.5, "1y": 1.0, "2y": 2.0, "3y": 3.0, "5y": 5.0, "7y": 7.0, "10y": 10.0,
     "20y": 20.0, "30y": 30.0}
)

#: default look-back points of the snapshot: label -> calendar days before the as-of date
SNAPSHOT_LAGS: Mapping[str, int] = MappingProxyType({"1w": 7, "1m": 30, "1y": 365})


def _check_frame(yields: pd.DataFrame, name: str) -> pd.DataFrame:
    if not isinstance(yields, pd.DataFrame):
        raise TypeError(f"{name} must be a DataFrame of yields (columns = tenor labels)")
    if not isinstance(yields.index, pd.DatetimeIndex):
        raise TypeError(f"{name} must be indexed by date")
    unknown = [c for c in yields.columns if c not in TENORS]
    if unknown:
        raise ValueError(f"{name}: unknown tenor column(s) {unknown}; allowed: {', '.join(TENORS)}")
    return yields.sort_index()


@dataclass(frozen=True)
class CurveSnapshot:
    """The curve on the as-of date and at earlier points, per tenor (percent).

    ``curves[label][i]`` is the yield of ``tenors[i]`` on ``dates[label]`` (None where that
    tenor has no observation); ``changes_bp[label][i]`` is today minus then, in bp.
    """

    as_of: date
    tenors: tuple[str, ...]
    years: tuple[float, ...]
    curves: Mapping[str, tuple[float | None, ...]]
    dates: Mapping[str, date]
    changes_bp: Mapping[str, tuple[float | None, ...]]


def curve_snapshot(
    yields: pd.DataFrame,
    *,
    as_of: date,
    lags: Mapping[str, int] = SNAPSHOT_LAGS,
    max_staleness_days: int = 7,
) -> CurveSnapshot:
    """Curve on the latest date on or before ``as_of`` with a 10-year yield, and ``lags`` earlier.

    Each earlier curve is the last date on or before ``as_of - lag`` with a 10-year
    observation. A tenor whose last value is older than ``max_staleness_days`` before the
    chosen date is left out (None) rather than carried forward.

    Raises ``ValueError`` when there is no 10-year yield within ``max_staleness_days`` of
    ``as_of``.
    """
    y = _check_frame(yields, "yields")
    y = y.loc[: pd.Timestamp(as_of)]
    tenors = tuple(t for t in TENORS if t in y.columns)
    if "10y" not in tenors:
        raise ValueError("yields must include the 10y tenor")
    anchor_dates = y["10y"].dropna().index
    if anchor_dates.empty or (pd.Timestamp(as_of) - anchor_dates[-1]).days > max_staleness_days:
        raise ValueError(f"no 10-year yield within {max_staleness_days} days before {as_of}")

    def curve_on(target: pd.Timestamp) -> tuple[date, tuple[float | None, ...]]:
        d = anchor_dates[anchor_dates <= target][-1]
        vals = []
        for t in tenors:
            s = y[t].loc[:d].dropna()
            if s.empty or (d - s.index[-1]).days > max_staleness_days:
                vals.append(None)
            else:
                vals.append(float(s.iloc[-1]))
        return d.date(), tuple(vals)

    now_date, now = curve_on(pd.Timestamp(as_of))
    curves = {"now": now}
    dates = {"now": now_date}
    changes = {}
    for label, days in lags.items():
        target = pd.Timestamp(now_date) - pd.Timedelta(days=days)
        if anchor_dates[0] > target:
            continue
        d, c = curve_on(target)
        curves[label], dates[label] = c, d
        changes[label] = tuple(
            None if (a is None or b is None) else round((a - b) * 100.0, 10) for a, b in zip(now, c)
        )
    return CurveSnapshot(
        as_of=as_of,
        tenors=tenors,
        years=tuple(TENORS[t] for t in tenors),
        curves=MappingProxyType(curves),
        dates=MappingProxyType(dates),
        changes_bp=MappingProxyType(changes),
    )


@dataclass(frozen=True)
class InversionEpisode:
    """A spell of a spread below a threshold: first and last day, and its deepest level (pp)."""

    start: date
    end: date
    trough: float
    days: int


def inversion_episodes(spread: pd.Series, *, below: float = 0.0, min_days: int = 5) -> tuple[InversionEpisode, ...]:
    """Spells where ``spread`` (percentage points) stays below ``below`` on at least ``min_days`` observations.

    Short breaks are not bridged: each run of consecutive observations below the threshold
    is one candidate episode.
    """
    if not isinstance(spread.index, pd.DatetimeIndex):
        raise TypeError("spread must be indexed by date")
    if min_days < 1:
        raise ValueError("min_days must be >= 1")
    s = spread.dropna()
    if s.empty:
        return ()
    inv = (s < below).to_numpy()
    edges = np.flatnonzero(np.diff(np.concatenate(([0], inv.astype(np.int8), [0]))))
    out = []
    for a, b in zip(edges[::2], edges[1::2]):
        if b - a >= min_days:
            seg = s.iloc[a:b]
            out.append(InversionEpisode(seg.index[0].date(), seg.index[-1].date(), float(seg.min()), int(b - a)))
    return tuple(out)


# --- the inversion rule ---------------------------------------------------------------------------

INVERSION_RULE = RuleSpec(
    id="curve_inversion",
    section="curve",
    title="Curve slope: inversion warning",
    scale=("normal", "flat", "inverted"),
    params=(
        Param("inverted_below", float, lo=-2.0, hi=1.0,
              doc="a 2s10s or 3m10y spread below this (pp) counts as inverted"),
        Param("flat_below", float, lo=-1.0, hi=3.0, doc="a spread below this (pp) counts as flat"),
    ),
    description=(
        "The worse of 2s10s and 3m10y decides the state. An inverted or flat curve is read as a warning that "
        "rate moves are being passed on to speculative volatility; it is not a call that equities will crash."
    ),
    outcome="next 12 months' S&P 500 return and peak VIX",
)

RULES = (INVERSION_RULE,)

_HEADLINES = {
    "normal": "Curve upward sloping: no inversion warning.",
    "flat": "Curve flat: rising risk that rate moves spill into speculative volatility; hedge volatility, "
            "keep core equity exposure.",
    "inverted": "Curve inverted: rates are transmitting into speculative volatility. Hedge that volatility; "
                "this is not a call to sell long-run equity exposure.",
}


def _state(value: float, params: Mapping[str, float]) -> str:
    if value < params["inverted_below"]:
        return "inverted"
    if value < params["flat_below"]:
        return "flat"
    return "normal"


def evaluate_inversion(
    spread_2s10s: pd.Series,
    spread_3m10y: pd.Series,
    *,
    params: Mapping[str, float],
    as_of: date,
    stale_after_days: int = 7,
) -> Verdict:
    """Inversion verdict from the latest 2s10s and 3m10y spreads (percentage points).

    The state is the more severe of the two spreads' states; a spread whose last value is
    older than ``stale_after_days`` is left out, and when both are stale the verdict is
    computed from the freshest one and marked stale.
    """
    if params["flat_below"] < params["inverted_below"]:
        raise ValueError("flat_below must be >= inverted_below")
    rule = INVERSION_RULE
    latest = {}
    for name, s in (("2s10s", spread_2s10s), ("3m10y", spread_3m10y)):
        s = s.loc[: pd.Timestamp(as_of)].dropna()
        if not s.empty:
            latest[name] = (s.index[-1].date(), float(s.iloc[-1]))
    if not latest:
        return no_data_verdict(rule, as_of, ["2s10s", "3m10y"], params)
    fresh = {k: v for k, v in latest.items() if (as_of - v[0]).days <= stale_after_days}
    stale = not fresh
    use = fresh or {max(latest, key=lambda k: latest[k][0]): latest[max(latest, key=lambda k: latest[k][0])]}
    states = {k: _state(v, params) for k, (_, v) in use.items()}
    state = max(states.values(), key=rule.scale.index)
    evidence = [Evidence(f"{k} spread", round(v * 100.0, 1), "bp", d) for k, (d, v) in latest.items()]
    evidence.append(Evidence("driving spread", ", ".join(k for k, s in states.items() if s == state), "text"))
    headline = _HEADLINES[state]
    if stale:
        headline = f"Stale data: {headline}"
    return make_verdict(rule, state, headline, evidence, params, as_of, stale=stale)


def inversion_states(
    spread_2s10s: pd.Series, spread_3m10y: pd.Series, *, params: Mapping[str, float], dates: Sequence[pd.Timestamp]
) -> pd.Series:
    """The rule's state at each of ``dates`` (vectorised history for track records).

    Each date uses the last value on or before it of each spread (no look-ahead).
    """
    idx = pd.DatetimeIndex(dates)
    order = {s: i for i, s in enumerate(INVERSION_RULE.scale)}
    levels = []
    for s in (spread_2s10s, spread_3m10y):
        s = s.dropna().sort_index()
        v = s.reindex(s.index.union(idx)).ffill().reindex(idx)
        # observations more than 7 days before the date do not count
        last_obs = pd.Series(s.index, index=s.index).reindex(s.index.union(idx)).ffill().reindex(idx)
        v[(idx - pd.DatetimeIndex(last_obs)).days > 7] = np.nan
        lvl = np.where(v.isna(), -1, np.where(v < params["inverted_below"], 2,
                                             np.where(v < params["flat_below"], 1, 0)))
        levels.append(lvl)
    worst = np.maximum(levels[0], levels[1])
    inv = {i: s for s, i in order.items()}
    return pd.Series([inv.get(int(x), "no data") for x in worst], index=idx, dtype=object)


def last_business_day_before(d: date, days: int) -> date:
    """Calendar helper: ``d - days`` moved back to a weekday."""
    t = d - timedelta(days=days)
    while t.weekday() >= 5:
        t -= timedelta(days=1)
    return t
