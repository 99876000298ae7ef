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

from .rules import NO_DATA, Evidence, Param, RuleSpec, Verdict, asof_values, make_verdict, no_data_verdict

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
    "MOVE_LABELS",
    "classify_move",
    "pair_name",
    "weekly_moves",
    "TrendFit",
    "log_trend",
    "rolling_log_trend",
    "HedgeFit",
    "weekly_returns",
    "min_variance_hedge",
    "SLOPE_SCALE",
    "EQUITY_SLOPE_RULE",
    "evaluate_equity_slope",
    "equity_slope_states",
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


_HEADLINES = {
    "normal": "Curve upward sloping: no inversion warning.",
    "flat": "Curve flat: rising risk that rate moves spill into speculative volatility; hedge volatility, "
            "keep core equity exposure.",
    "inverted": "Curve inverted: rates are transmitting into speculative volatility. Hedge that volatility; "
                "this is not a call to sell long-run equity exposure.",
}


_ACTION_HEADLINES = {
    "flat": {
        "intact": "Curve flat: the risk of rate moves spilling into speculative volatility is rising. The U.S. "
                  "long-run growth slope is intact: keep the equity ETF and prepare the TOPIX-short hedge.",
        "weakening": "Curve flat while the U.S. long-run growth slope is weakening: hedge speculative volatility "
                     "and review the size of the long-run equity exposure.",
        "broken": "Curve flat and the U.S. long-run growth slope no longer holds: the equity exposure itself, not "
                  "only its volatility, is in question.",
    },
    "inverted": {
        "intact": "Curve inverted: rates are transmitting into speculative volatility. The U.S. long-run growth "
                  "slope is intact, so keep the equity ETF and hedge that volatility with a TOPIX short; this is "
                  "not a call to sell equities.",
        "weakening": "Curve inverted while the U.S. long-run growth slope is weakening: hedge speculative "
                     "volatility with a TOPIX short and review the size of the long-run equity exposure.",
        "broken": "Curve inverted and the U.S. long-run growth slope no longer holds: beyond hedging volatility, "
                  "the long-run equity exposure itself needs review.",
    },
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
    growth_slope: str | None = None,
    growth_slope_stale: bool = False,
) -> Verdict:
    """Inversion verdict from the latest 2s10s and 3m10y spreads (percentage points).

    The state is the more severe of the two spreads' states; a spread whose last value is
    older than ``stale_after_days`` is left out, and when both are stale the verdict is
    computed from the freshest one and marked stale. ``growth_slope`` (the state of the
    ``equity_slope`` rule) turns a flat or inverted reading into the action it supports: keep
    the equity exposure and hedge speculative volatility while the slope is intact;
    ``growth_slope_stale`` notes that the slope reading rests on stale data.
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
    if growth_slope is not None and state != "normal":
        if growth_slope not in SLOPE_SCALE and growth_slope != NO_DATA:
            raise ValueError(f"growth_slope must be one of {', '.join(SLOPE_SCALE)} or {NO_DATA!r}; got {growth_slope!r}")
        headline = _ACTION_HEADLINES[state].get(growth_slope, headline)
        evidence.append(Evidence("U.S. long-run growth slope",
                                 f"{growth_slope} (stale data)" if growth_slope_stale else growth_slope, "text"))
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


# --- weekly moves: bull / bear, steepener / flattener, twist --------------------------------------

MOVE_LABELS = ("bull steepener", "bear steepener", "bull flattener", "bear flattener", "steepening twist",
               "flattening twist", "parallel up", "parallel down", "unchanged")


def classify_move(d_short_bp: float, d_long_bp: float, *, threshold_bp: float = 2.0) -> str:
    r"""Name a curve move from the changes of its short and long yields (basis points).

    With :math:`\Delta s = \Delta_{long} - \Delta_{short}` the change of the spread:

    * :math:`|\Delta s| <` ``threshold_bp``: a parallel move (up or down by the average change)
      or ``unchanged`` when the average change is also below the threshold;
    * the two ends moved in opposite directions, each by at least ``threshold_bp``: a twist
      (steepening when :math:`\Delta s > 0`);
    * otherwise *bull* when yields fell on average (the short end fell more in a steepener, the
      long end in a flattener) and *bear* when they rose (ties count as bear), *steepener* when
      :math:`\Delta s > 0`, *flattener* when :math:`\Delta s < 0`.
    """
    for name, v in (("d_short_bp", d_short_bp), ("d_long_bp", d_long_bp), ("threshold_bp", threshold_bp)):
        if v is None or not np.isfinite(v):
            raise ValueError(f"{name} must be a finite number (bp); got {v!r}")
    if threshold_bp < 0:
        raise ValueError(f"threshold_bp must be >= 0; got {threshold_bp}")
    ds = d_long_bp - d_short_bp
    level = (d_short_bp + d_long_bp) / 2.0
    if abs(ds) < threshold_bp:
        if abs(level) < threshold_bp:
            return "unchanged"
        return "parallel up" if level > 0 else "parallel down"
    if d_short_bp * d_long_bp < 0 and min(abs(d_short_bp), abs(d_long_bp)) >= threshold_bp:
        return "steepening twist" if ds > 0 else "flattening twist"
    return ("bull " if level < 0 else "bear ") + ("steepener" if ds > 0 else "flattener")


def pair_name(short: str, long_: str) -> str:
    """Market name of a tenor pair: ("2y", "10y") -> "2s10s"."""
    return f"{short.rstrip('y')}s{long_.rstrip('y')}s"


def weekly_moves(
    yields: pd.DataFrame,
    pairs: Sequence[tuple[str, str]],
    *,
    as_of: date,
    weeks: int = 8,
    threshold_bp: float = 2.0,
    max_staleness_days: int = 7,
) -> pd.DataFrame:
    """Classify each of the last ``weeks`` weekly moves of each (short, long) tenor pair.

    Week ends are ``as_of`` and every 7 days before it; the yield at a week end is the last
    observation on or before it (NaN when older than ``max_staleness_days``). One row per week
    (latest first) with columns ``end``, and per tenor the change in bp (``d_<tenor>``), per
    pair the spread change (``d_2s10s``) and its label (``move_2s10s``; empty where a yield is
    missing); see :func:`pair_name`.
    """
    y = _check_frame(yields, "yields")
    needed = sorted({t for p in pairs for t in p}, key=lambda t: TENORS[t])
    missing = [t for t in needed if t not in y.columns]
    if missing:
        raise ValueError(f"yields lack the tenor(s) {', '.join(missing)}")
    ends = pd.DatetimeIndex([pd.Timestamp(as_of) - pd.Timedelta(days=7 * k) for k in range(weeks + 1)])
    lvl = pd.DataFrame({t: asof_values(y[t], ends, max_age_days=max_staleness_days) for t in needed}, index=ends)
    chg = (lvl.iloc[:-1].to_numpy() - lvl.iloc[1:].to_numpy()) * 100.0
    out = pd.DataFrame({"end": [d.date() for d in ends[:-1]]})
    for j, t in enumerate(needed):
        out[f"d_{t}"] = np.round(chg[:, j], 10)
    for short, long_ in pairs:
        name = pair_name(short, long_)
        ds, dl = out[f"d_{short}"].to_numpy(), out[f"d_{long_}"].to_numpy()
        out[f"d_{name}"] = dl - ds
        out[f"move_{name}"] = ["" if (np.isnan(a) or np.isnan(b)) else classify_move(a, b, threshold_bp=threshold_bp)
                               for a, b in zip(ds, dl)]
    return out


# --- long-run growth slope: log-linear trend ------------------------------------------------------


@dataclass(frozen=True)
class TrendFit:
    r"""Least-squares line through the log of a series over a window.

    ``slope_pct`` is the trend growth rate in percent per year, :math:`100(e^{b} - 1)` for the
    fitted slope :math:`b` of :math:`\ln x_t = a + b\,t` (t in years); ``r2`` the share of the
    variance of :math:`\ln x` the line explains; ``gap_pct`` how far the last value sits from
    the line, :math:`100(x_T / \hat x_T - 1)`.
    """

    slope_pct: float
    r2: float
    gap_pct: float
    n: int
    start: date
    end: date


def _years(idx: pd.DatetimeIndex) -> np.ndarray:
    return (idx - pd.Timestamp("2000-01-01")).days.to_numpy() / 365.25


def log_trend(s: pd.Series, *, years: int, as_of: date, min_obs: int = 24) -> TrendFit | None:
    """Fit the log-linear trend of a positive series over the ``years`` up to ``as_of``.

    Returns None when fewer than ``min_obs`` positive observations fall in the window.
    """
    if not isinstance(s.index, pd.DatetimeIndex):
        raise TypeError("s must be indexed by date")
    end = pd.Timestamp(as_of)
    w = s.dropna().loc[end - pd.DateOffset(years=years): end]
    w = w[w > 0]
    if len(w) < min_obs:
        return None
    t, y = _years(w.index), np.log(w.to_numpy(dtype=float))
    b, a = np.polyfit(t, y, 1)
    fitted = a + b * t
    ss_res = float(np.sum((y - fitted) ** 2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else 0.0
    return TrendFit(100.0 * (np.exp(b) - 1.0), r2, 100.0 * (np.exp(y[-1] - fitted[-1]) - 1.0), int(len(w)),
                    w.index[0].date(), w.index[-1].date())


def rolling_log_trend(s: pd.Series, *, years: int, periods_per_year: int = 12) -> pd.DataFrame:
    """:func:`log_trend` slope and R² at every observation of a regular series (vectorised).

    The window is the last ``years * periods_per_year`` observations, each fit using only
    observations up to its own date. Columns ``slope_pct`` and ``r2``.
    """
    x = s.dropna()
    x = x[x > 0]
    n = years * periods_per_year
    t = pd.Series(_years(x.index), index=x.index)
    y = np.log(x)
    cov = t.rolling(n, min_periods=n).cov(y)
    vt = t.rolling(n, min_periods=n).var()
    vy = y.rolling(n, min_periods=n).var()
    b = cov / vt
    return pd.DataFrame({"slope_pct": 100.0 * (np.exp(b) - 1.0), "r2": cov**2 / (vt * vy)}).dropna()


# --- minimum-variance hedge -------------------------------------------------------------------------


@dataclass(frozen=True)
class HedgeFit:
    r"""Minimum-variance hedge of one asset with another over a window of weekly returns.

    ``ratio`` is :math:`h = \mathrm{Cov}(r_a, r_h) / \mathrm{Var}(r_h)`: the value of the hedge
    asset to sell per unit of the held asset (both in the same currency); ``variance_removed``
    is :math:`1 - \mathrm{Var}(r_a - h r_h) / \mathrm{Var}(r_a) = \rho^2`.
    """

    ratio: float
    corr: float
    variance_removed: float
    n: int
    start: date
    end: date


def weekly_returns(prices: pd.Series) -> pd.Series:
    """Simple weekly returns (Friday to Friday, last price of each week), as fractions."""
    p = prices.dropna()
    w = p.resample("W-FRI").last().dropna()
    return w.pct_change().dropna()


def min_variance_hedge(asset: pd.Series, hedge: pd.Series, *, end: date, years: int, min_obs: int = 26
                       ) -> HedgeFit | None:
    """Hedge ratio and effectiveness from returns over the ``years`` up to ``end``.

    ``asset`` and ``hedge`` are return series (fractions) on a common calendar; only dates where
    both exist are used. None when fewer than ``min_obs`` pairs fall in the window.
    """
    stop = pd.Timestamp(end)
    both = pd.concat([asset, hedge], axis=1, join="inner").dropna().loc[stop - pd.DateOffset(years=years): stop]
    if len(both) < min_obs:
        return None
    a, h = both.iloc[:, 0].to_numpy(), both.iloc[:, 1].to_numpy()
    c = np.cov(a, h, ddof=1)
    ratio = c[0, 1] / c[1, 1]
    corr = c[0, 1] / np.sqrt(c[0, 0] * c[1, 1])
    resid = a - ratio * h
    removed = 1.0 - np.var(resid, ddof=1) / c[0, 0]
    return HedgeFit(float(ratio), float(corr), float(removed), int(len(both)), both.index[0].date(),
                    both.index[-1].date())


# --- the long-run growth slope rule ---------------------------------------------------------------

SLOPE_SCALE = ("intact", "weakening", "broken")

EQUITY_SLOPE_RULE = RuleSpec(
    id="equity_slope",
    section="curve",
    title="U.S. equities: long-run growth slope",
    scale=SLOPE_SCALE,
    params=(
        Param("lookback_years", int, lo=5, hi=100, doc="years of monthly data in the log-linear trend fits"),
        Param("min_slope", float, lo=-10.0, hi=20.0,
              doc="trend growth (percent per year) of prices and earnings at or above which the slope is intact"),
        Param("min_r2", float, lo=0.0, hi=1.0, doc="fit (R²) of the price trend at or above which the slope is intact"),
        Param("broken_below", float, lo=-10.0, hi=10.0,
              doc="trend growth (percent per year) of prices or earnings below which the slope is broken"),
    ),
    description=(
        "Fits a log-linear trend to the S&P 500 and to its earnings (Shiller, monthly) over the look-back. "
        "Intact: both grow at least at the minimum rate and the price trend fits well. Broken: prices or "
        "earnings trend below the floor, the way Japanese equities have since 1990. Weakening otherwise."
    ),
    outcome="next 12 months' S&P 500 return",
)


def _slope_level(p_slope, p_r2, e_slope, params) -> np.ndarray:
    p_slope, p_r2, e_slope = (np.asarray(x, dtype=float) for x in (p_slope, p_r2, e_slope))
    broken = (p_slope < params["broken_below"]) | (e_slope < params["broken_below"])
    intact = (p_slope >= params["min_slope"]) & (e_slope >= params["min_slope"]) & (p_r2 >= params["min_r2"])
    lvl = np.where(broken, 2, np.where(intact, 0, 1))
    return np.where(np.isnan(p_slope) | np.isnan(e_slope) | np.isnan(p_r2), -1, lvl)


def evaluate_equity_slope(
    price: pd.Series,
    earnings: pd.Series,
    *,
    params: Mapping[str, float],
    as_of: date,
    japan: pd.Series | None = None,
    japan_label: str = "Nikkei 225",
    stale_after_days: int = 200,
) -> Verdict:
    """Growth-slope verdict from monthly U.S. prices and earnings (Shiller); ``japan`` (monthly
    Japanese equity index) is fitted over the same look-back for comparison only.

    Inputs whose last observation is older than ``stale_after_days`` make the verdict stale.
    """
    if params["broken_below"] > params["min_slope"]:
        raise ValueError("broken_below must be <= min_slope")
    rule = EQUITY_SLOPE_RULE
    years = int(params["lookback_years"])
    fp = log_trend(price, years=years, as_of=as_of)
    fe = log_trend(earnings, years=years, as_of=as_of)
    if fp is None or fe is None:
        miss = [n for n, f in (("S&P 500 (Shiller)", fp), ("S&P 500 earnings (Shiller)", fe)) if f is None]
        return no_data_verdict(rule, as_of, miss, params)
    state = SLOPE_SCALE[int(_slope_level(fp.slope_pct, fp.r2, fe.slope_pct, params))]
    stale_parts = [f"{n} to {f.end.isoformat()}" for n, f in (("prices", fp), ("earnings", fe))
                   if (as_of - f.end).days > stale_after_days]
    evidence = [
        Evidence(f"S&P 500 trend growth, {years}y", round(fp.slope_pct, 2), "percent", fp.end),
        Evidence("S&P 500 trend fit (R²)", round(fp.r2, 2), "ratio"),
        Evidence("S&P 500 vs its trend", round(fp.gap_pct, 1), "pct_change", fp.end),
        Evidence(f"earnings trend growth, {years}y", round(fe.slope_pct, 2), "percent", fe.end),
        Evidence("earnings trend fit (R²)", round(fe.r2, 2), "ratio"),
    ]
    fj = log_trend(japan, years=years, as_of=as_of) if japan is not None else None
    if fj is not None:
        evidence += [Evidence(f"{japan_label} trend growth, {years}y", round(fj.slope_pct, 2), "percent", fj.end),
                     Evidence(f"{japan_label} trend fit (R²)", round(fj.r2, 2), "ratio")]
    jtxt = f"; {japan_label} {fj.slope_pct:+.1f}%/yr over the same years" if fj is not None else ""
    text = {
        "intact": f"The U.S. long-run growth slope is intact: prices trend {fp.slope_pct:+.1f}%/yr (R² "
                  f"{fp.r2:.2f}) and earnings {fe.slope_pct:+.1f}%/yr{jtxt}.",
        "weakening": f"The U.S. long-run growth slope is weakening: prices trend {fp.slope_pct:+.1f}%/yr (R² "
                     f"{fp.r2:.2f}), earnings {fe.slope_pct:+.1f}%/yr{jtxt}.",
        "broken": f"The U.S. long-run growth slope no longer holds: prices trend {fp.slope_pct:+.1f}%/yr, earnings "
                  f"{fe.slope_pct:+.1f}%/yr{jtxt}.",
    }[state]
    stale = bool(stale_parts)
    if stale:
        text = f"Stale data ({', '.join(stale_parts)}): {text}"
    return make_verdict(rule, state, text, evidence, params, as_of, stale=stale)


def equity_slope_states(price: pd.Series, earnings: pd.Series, *, params: Mapping[str, float], dates: Sequence
                        ) -> pd.Series:
    """The rule's state at each date from rolling monthly fits (each uses data up to its own month)."""
    idx = pd.DatetimeIndex(dates)
    years = int(params["lookback_years"])
    rp, re_ = rolling_log_trend(price, years=years), rolling_log_trend(earnings, years=years)
    ps = asof_values(rp["slope_pct"], idx, max_age_days=200).to_numpy()
    pr = asof_values(rp["r2"], idx, max_age_days=200).to_numpy()
    es = asof_values(re_["slope_pct"], idx, max_age_days=200).to_numpy()
    lvl = _slope_level(ps, pr, es, params)
    out = np.array([NO_DATA] * len(idx), dtype=object)
    for i, st in enumerate(SLOPE_SCALE):
        out[lvl == i] = st
    return pd.Series(out, index=idx, dtype=object)


RULES = (INVERSION_RULE, EQUITY_SLOPE_RULE)
