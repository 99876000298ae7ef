"""Dollar liquidity and market plumbing: funding spreads, the liquidity ladder and the basis-trade
monitor (the bond-market stress detectors are in :mod:`analytics.stress`).

Units
-----
* Rates (SOFR, EFFR, IORB, the fed funds target range, Treasury yields) are in percent.
* Spreads between rates and changes of yields are in basis points (1 bp = 0.01 pp).
* Balances (reverse repo, reserves, TGA, Fed assets, discount-window loans) are in USD bn;
  callers convert series published in USD mn before calling.
* Changes of the dollar index and of equity indexes are percent changes, ``100 (x_t / x_s - 1)``.
* CFTC positions are in contracts (not duration-weighted: a 2-year note contract has a face
  value of USD 200,000, the others USD 100,000).

"A week" is a window of calendar days (``window_days``, 7 by default: five business days)
ending on an observation date. A change over a week at date ``t`` is ``x_t - x_s`` with ``s``
the last observation on or before ``t - window_days``.

Rules (scales from benign to severe)
------------------------------------
``liquidity_ladder``  robust -> softening -> strained -> crisis, from the week's SOFR prints
    against the top of the fed funds target range and against EFFR, discount-window borrowing,
    and reverse-repo use as a confirming sign.
``basis_unwind``      no signal -> watch -> unwind suspected, from the weekly change of
    leveraged funds' Treasury futures shorts (CFTC Traders in Financial Futures) and the move of
    long yields between the same two report dates.

Each rule has a vectorised history function (``*_history``) that evaluates it at many dates
using, at each date, only observations on or before that date; the ``evaluate_*`` functions call
it at the as-of date, so the verdict and its track record share one definition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from .rules import NO_DATA, Evidence, Param, RuleSpec, Verdict, asof_values, make_verdict, no_data_verdict

__all__ = [
    "CONTRACTS",
    "clean_series",
    "asof_array",
    "as_dates",
    "rounded",
    "state_names",
    "change_over",
    "LevelChange",
    "level_change",
    "administered_rate",
    "spread_bp",
    "LADDER_RULE",
    "BASIS_RULE",
    "RULES",
    "ladder_history",
    "ladder_states",
    "evaluate_ladder",
    "BasisRow",
    "BasisMonitor",
    "basis_history",
    "basis_monitor",
    "basis_states",
    "evaluate_basis",
]

#: Treasury futures of the CFTC TFF report, short to long, with the names used in the brief
CONTRACTS: Mapping[str, str] = MappingProxyType({
    "2y": "2-year note", "5y": "5-year note", "10y": "10-year note", "ultra10": "Ultra 10-year note",
    "bond": "Treasury bond", "ultrabond": "Ultra bond",
})

_DAY = pd.Timedelta(days=1)


# --- helpers ------------------------------------------------------------------------------------


def clean_series(s: pd.Series, name: str) -> pd.Series:
    """``s`` as a float series on a sorted DatetimeIndex without missing values."""
    if not isinstance(s, pd.Series):
        raise TypeError(f"{name} must be a pandas Series")
    if not isinstance(s.index, pd.DatetimeIndex):
        raise TypeError(f"{name} must be indexed by date (DatetimeIndex)")
    s = s.astype(float).dropna()
    if not s.index.is_monotonic_increasing:
        s = s.sort_index()
    return s


def asof_array(s: pd.Series, dates: pd.DatetimeIndex, *, max_age_days: float | None = None) -> np.ndarray:
    """Value of the last observation on or before each date (NaN if none, or older than
    ``max_age_days``), as an array: :func:`analytics.rules.asof_values`."""
    return asof_values(s, dates, max_age_days=max_age_days).to_numpy()


def state_names(levels: np.ndarray, scale: Sequence[str]) -> np.ndarray:
    """Map levels (0 = first state of ``scale``; NaN = no verdict) to state names (object array)."""
    lv = np.asarray(levels, dtype=float)
    names = np.array([*scale, NO_DATA], dtype=object)
    return names[np.where(np.isnan(lv), len(scale), np.nan_to_num(lv, nan=0.0)).astype(int)]


def as_dates(dates: Sequence[Any] | pd.DatetimeIndex) -> pd.DatetimeIndex:
    idx = pd.DatetimeIndex(dates)
    if not idx.is_monotonic_increasing:
        raise ValueError("dates must be in increasing order")
    return idx


def change_over(s: pd.Series, *, days: int = 7, pct: bool = False, max_gap_days: int = 5) -> pd.Series:
    """Change of ``s`` over the ``days`` calendar days ending at each observation.

    At each observation date ``t``, with ``s_0`` the last observation on or before
    ``t - days``: ``x_t - x_0`` (``pct=False``, in the series' units) or
    ``100 (x_t / x_0 - 1)`` (``pct=True``, percent). NaN where no observation lies within
    ``max_gap_days`` before ``t - days`` (a gap in the data is never bridged silently).
    """
    s = clean_series(s, "series")
    start = s.index - pd.Timedelta(days=days)
    prev = asof_array(s, start, max_age_days=max_gap_days)
    cur = s.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        val = 100.0 * (cur / prev - 1.0) if pct else cur - prev
    return pd.Series(val, index=s.index, name=s.name)


# --- funding dashboard --------------------------------------------------------------------------


@dataclass(frozen=True)
class LevelChange:
    """Latest level of a series and its change over one and four weeks.

    ``chg_1w``/``chg_4w`` compare the latest value with the last value on or before 7 and 28
    calendar days before the latest observation date, in the series' units times ``scale``
    (so a rate in percent with ``scale=100`` gives basis points). ``stale`` is True when the
    latest observation is older than ``stale_after_days`` before the as-of date.
    """

    label: str
    unit: str
    date: date | None
    level: float | None
    chg_1w: float | None
    chg_4w: float | None
    stale: bool


def level_change(s: pd.Series, *, as_of: date, label: str, unit: str, level_scale: float = 1.0,
                 change_scale: float = 1.0, stale_after_days: int = 10) -> LevelChange:
    """Level (times ``level_scale``) and 1w/4w changes (times ``change_scale``) as of ``as_of``."""
    s = clean_series(s, label).loc[: pd.Timestamp(as_of)]
    if s.empty:
        return LevelChange(label, unit, None, None, None, None, True)
    t, level = s.index[-1], float(s.iloc[-1])
    s = s.loc[t - pd.Timedelta(days=28 + 14):]

    def chg(days: int) -> float | None:
        prev = asof_array(s, pd.DatetimeIndex([t - pd.Timedelta(days=days)]), max_age_days=14)[0]
        return None if np.isnan(prev) else (level - prev) * change_scale

    return LevelChange(label, unit, t.date(), level * level_scale, chg(7), chg(28),
                       (as_of - t.date()).days > stale_after_days)


def administered_rate(iorb: pd.Series, ioer: pd.Series) -> pd.Series:
    """Interest paid on reserves: IORB from its first date, IOER (its predecessor) before (percent)."""
    iorb, ioer = clean_series(iorb, "iorb"), clean_series(ioer, "ioer")
    if iorb.empty:
        return ioer
    return pd.concat([ioer.loc[: iorb.index[0] - _DAY], iorb])


def spread_bp(a: pd.Series, b: pd.Series, *, step: bool = False, max_age_days: int = 7) -> pd.Series:
    """``(a - b) * 100`` in basis points on ``a``'s dates.

    ``step=False`` keeps only dates where both series have an observation. ``step=True`` is for
    administered rates (target range, IORB) that hold until changed: ``b`` is taken as its last
    value on or before each date of ``a`` (within ``max_age_days``).
    """
    a, b = clean_series(a, "a"), clean_series(b, "b")
    if step:
        bv = asof_array(b, a.index, max_age_days=max_age_days)
    else:
        bv = b.reindex(a.index).to_numpy(dtype=float)
    out = pd.Series((a.to_numpy(dtype=float) - bv) * 100.0, index=a.index)
    return out.dropna()


# --- the liquidity ladder -----------------------------------------------------------------------

LADDER_RULE = RuleSpec(
    id="liquidity_ladder",
    section="liquidity",
    title="Dollar liquidity ladder",
    scale=("robust", "softening", "strained", "crisis"),
    params=(
        Param("window_days", int, lo=1, hi=31,
              doc="calendar days of daily prints (ending at the latest one) the week's high and average use"),
        Param("ceiling_soft_bp", float, lo=-100.0, hi=100.0,
              doc="week's highest SOFR minus the top of the fed funds target range (bp) from which funding is "
                  "softening"),
        Param("ceiling_strained_bp", float, lo=-100.0, hi=300.0,
              doc="the same measure (bp) from which funding is strained"),
        Param("effr_soft_bp", float, lo=-50.0, hi=100.0,
              doc="week's highest SOFR minus EFFR (bp) from which funding is softening"),
        Param("effr_strained_bp", float, lo=-50.0, hi=300.0,
              doc="week's highest SOFR minus EFFR (bp) from which funding is strained"),
        Param("crisis_mean_bp", float, lo=0.0, hi=1000.0,
              doc="week's average of either spread (bp) from which the ladder reads crisis"),
        Param("dw_soft_bn", float, lo=0.0, hi=1000.0,
              doc="4-week rise in discount-window (primary credit) loans, USD bn, from which funding is softening"),
        Param("dw_strained_bn", float, lo=0.0, hi=1000.0, doc="the same rise (USD bn) for strained"),
        Param("dw_crisis_bn", float, lo=0.0, hi=5000.0, doc="the same rise (USD bn) for crisis"),
        Param("rrp_rise_bn", float, lo=0.0, hi=5000.0,
              doc="4-week rise in the week's average reverse-repo use (USD bn) that lifts an already "
                  "softening ladder one step"),
    ),
    description=(
        "Funding is read from the week's SOFR prints: how far SOFR rises against the top of the Fed's target "
        "range and against EFFR. A one-day spike can at most make the ladder strained; crisis needs the week's "
        "average far above the range, or a surge in discount-window borrowing. A rise in reverse-repo use "
        "confirms pressure already visible in rates (it lifts the ladder one step) but never starts it, since "
        "surplus cash parked at the Fed also raises it."
    ),
    outcome="change in the high-yield OAS over the next 4 weeks (bp)",
)

_LADDER_HEADLINES = {
    "robust": "Dollar funding is calm: SOFR trades inside the Fed's range, close to EFFR, with no rush to "
              "emergency borrowing.",
    "softening": "Dollar funding is softening: SOFR is pressing against the top of the Fed's range or drifting "
                 "above EFFR. Not a squeeze yet; reserves are becoming less ample.",
    "strained": "Dollar funding is strained: repo rates printed above the Fed's ceiling or well above EFFR this "
                "week. Expect the Fed to react (ending balance-sheet runoff, adding repo liquidity).",
    "crisis": "Dollar liquidity squeeze: repo rates have stayed far above the policy range through the week or "
              "emergency borrowing has surged. Past squeezes ended once the Fed stopped shrinking its balance "
              "sheet and supplied reserves.",
}


def _check_ladder_params(p: Mapping[str, Any]) -> None:
    for lo, hi in (("ceiling_soft_bp", "ceiling_strained_bp"), ("effr_soft_bp", "effr_strained_bp"),
                   ("dw_soft_bn", "dw_strained_bn"), ("dw_strained_bn", "dw_crisis_bn")):
        if p[hi] < p[lo]:
            raise ValueError(f"rules.liquidity_ladder: {hi} ({p[hi]}) must be >= {lo} ({p[lo]})")


def _week_stats(spread: pd.Series, dates: pd.DatetimeIndex, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Highest and average value over the ``window`` days ending at the last print on or before each date.

    NaN when that last print is more than ``window`` days before the date.
    """
    if spread.empty:
        nan = np.full(len(dates), np.nan)
        return nan, nan.copy()
    roll = spread.rolling(f"{window}D")
    peak, mean = roll.max(), roll.mean()
    return asof_array(peak, dates, max_age_days=window), asof_array(mean, dates, max_age_days=window)


def _grade(value: np.ndarray, cutoffs: Sequence[float]) -> np.ndarray:
    """0..len(cutoffs) by ascending cutoffs (a value on a cutoff takes the higher grade); NaN stays NaN."""
    g = np.searchsorted(np.asarray(cutoffs, dtype=float), value, side="right").astype(float)
    g[np.isnan(value)] = np.nan
    return g


def ladder_history(
    sofr: pd.Series,
    *,
    effr: pd.Series,
    ceiling: pd.Series,
    rrp: pd.Series,
    discount_window: pd.Series,
    params: Mapping[str, Any],
    dates: Sequence[Any] | pd.DatetimeIndex,
) -> pd.DataFrame:
    """The liquidity ladder and its inputs at each of ``dates`` (no look-ahead).

    Parameters
    ----------
    sofr, effr : daily rates, percent.
    ceiling : upper limit of the fed funds target range, percent (a step series).
    rrp : overnight reverse-repo use, USD bn (daily).
    discount_window : primary-credit loans outstanding, USD bn (weekly).
    params : the rule's thresholds (see ``LADDER_RULE``).

    Returns
    -------
    DataFrame indexed by ``dates`` with

    * ``ceiling_peak_bp``, ``ceiling_mean_bp``: highest and average of ``100 (SOFR - ceiling)``
      over the week ending at the latest SOFR print on or before the date;
    * ``effr_peak_bp``, ``effr_mean_bp``: the same for ``100 (SOFR - EFFR)`` (days with both);
    * ``dw_chg_bn``: discount-window loans minus their level 28 days before (USD bn);
    * ``rrp_chg_bn``: the week's average RRP use minus the same average 28 days earlier (USD bn);
    * ``level`` (0-3, NaN when SOFR or both spreads are unavailable) and ``state``.

    Grading: each spread's week high gives 0 (below its soft threshold), 1 (soft) or 2
    (strained); a week average of either spread at or above ``crisis_mean_bp`` gives 3. The
    4-week discount-window rise gives 0-3 against its three thresholds. The ladder is the
    highest grade; when it is at least 1 and RRP use rose by ``rrp_rise_bn`` or more, it moves up
    one step (at most to crisis).
    """
    _check_ladder_params(params)
    idx = as_dates(dates)
    w = int(params["window_days"])
    sofr = clean_series(sofr, "sofr")
    st = spread_bp(sofr, ceiling, step=True) if not sofr.empty and not clean_series(ceiling, "ceiling").empty \
        else pd.Series(dtype=float, index=pd.DatetimeIndex([]))
    se = spread_bp(sofr, effr) if not sofr.empty and not clean_series(effr, "effr").empty \
        else pd.Series(dtype=float, index=pd.DatetimeIndex([]))
    st_peak, st_mean = _week_stats(st, idx, w)
    se_peak, se_mean = _week_stats(se, idx, w)

    dw = clean_series(discount_window, "discount_window")
    dw_chg = asof_array(change_over(dw, days=28, max_gap_days=10), idx, max_age_days=14) if not dw.empty \
        else np.full(len(idx), np.nan)
    rrp = clean_series(rrp, "rrp")
    if rrp.empty:
        rrp_chg = np.full(len(idx), np.nan)
    else:
        avg = rrp.rolling(f"{w}D").mean()
        rrp_chg = asof_array(avg, idx, max_age_days=w) - asof_array(avg, idx - pd.Timedelta(days=28), max_age_days=w)

    g_st = _grade(st_peak, [params["ceiling_soft_bp"], params["ceiling_strained_bp"]])
    g_se = _grade(se_peak, [params["effr_soft_bp"], params["effr_strained_bp"]])
    crisis = (np.nan_to_num(st_mean, nan=-np.inf) >= params["crisis_mean_bp"]) | \
             (np.nan_to_num(se_mean, nan=-np.inf) >= params["crisis_mean_bp"])
    g_dw = _grade(dw_chg, [params["dw_soft_bn"], params["dw_strained_bn"], params["dw_crisis_bn"]])
    rates = np.fmax(g_st, g_se)
    rates[crisis] = 3.0
    # without a SOFR reading there is no verdict; a missing discount-window series counts as no signal
    level = np.where(np.isnan(rates), np.nan, np.fmax(rates, np.nan_to_num(g_dw, nan=0.0)))
    confirm = np.nan_to_num(rrp_chg, nan=-np.inf) >= params["rrp_rise_bn"]
    bump = confirm & (level >= 1)
    level = np.where(bump, np.minimum(level + 1, 3), level)
    state = state_names(level, LADDER_RULE.scale)
    return pd.DataFrame({
        "ceiling_peak_bp": st_peak, "ceiling_mean_bp": st_mean, "effr_peak_bp": se_peak, "effr_mean_bp": se_mean,
        "dw_chg_bn": dw_chg, "rrp_chg_bn": rrp_chg, "rrp_confirms": bump, "level": level, "state": state,
    }, index=idx)


def ladder_states(sofr: pd.Series, *, effr: pd.Series, ceiling: pd.Series, rrp: pd.Series,
                  discount_window: pd.Series, params: Mapping[str, Any],
                  dates: Sequence[Any] | pd.DatetimeIndex) -> pd.Series:
    """The ladder's state at each of ``dates`` (strings; ``NO_DATA`` where it cannot be read)."""
    h = ladder_history(sofr, effr=effr, ceiling=ceiling, rrp=rrp, discount_window=discount_window,
                       params=params, dates=dates)
    return h["state"].astype(object)


def rounded(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), 1)


def evaluate_ladder(sofr: pd.Series, *, effr: pd.Series, ceiling: pd.Series, rrp: pd.Series,
                    discount_window: pd.Series, params: Mapping[str, Any], as_of: date) -> Verdict:
    """The ladder verdict as of ``as_of`` with the week's spreads and facility use as evidence.

    ``NO_DATA`` when SOFR has no print within ``window_days`` of ``as_of`` and none before;
    when the latest SOFR print is older than that, the verdict is read from the last available
    week and marked stale.
    """
    rule = LADDER_RULE
    sofr = clean_series(sofr, "sofr").loc[: pd.Timestamp(as_of)]
    missing = [n for n, s in (("SOFR", sofr),) if s.empty]
    if not missing and clean_series(ceiling, "ceiling").empty and clean_series(effr, "effr").empty:
        missing = ["fed funds target range", "EFFR"]
    if missing:
        return no_data_verdict(rule, as_of, missing, params)
    last = sofr.index[-1]
    stale = (pd.Timestamp(as_of) - last).days > int(params["window_days"])
    when = last if stale else pd.Timestamp(as_of)
    row = ladder_history(sofr, effr=effr, ceiling=ceiling, rrp=rrp, discount_window=discount_window,
                         params=params, dates=[when]).iloc[0]
    if row["state"] == NO_DATA:
        return no_data_verdict(rule, as_of, ["SOFR spreads"], params)
    state = row["state"]
    signals = []
    if np.isfinite(row["ceiling_peak_bp"]) and row["ceiling_peak_bp"] >= params["ceiling_soft_bp"]:
        signals.append("SOFR near or above the top of the range")
    if np.isfinite(row["effr_peak_bp"]) and row["effr_peak_bp"] >= params["effr_soft_bp"]:
        signals.append("SOFR above EFFR")
    if max(np.nan_to_num(row["ceiling_mean_bp"], nan=-np.inf), np.nan_to_num(row["effr_mean_bp"], nan=-np.inf)) \
            >= params["crisis_mean_bp"]:
        signals.append("week's average far above the range")
    if np.isfinite(row["dw_chg_bn"]) and row["dw_chg_bn"] >= params["dw_soft_bn"]:
        signals.append("discount-window borrowing up")
    if row["rrp_confirms"]:
        signals.append("reverse-repo use up (confirming)")
    d = last.date()
    ev = [
        Evidence("SOFR − range top, week high", rounded(row["ceiling_peak_bp"]), "bp", d),
        Evidence("SOFR − range top, week average", rounded(row["ceiling_mean_bp"]), "bp", d),
        Evidence("SOFR − EFFR, week high", rounded(row["effr_peak_bp"]), "bp", d),
        Evidence("SOFR − EFFR, week average", rounded(row["effr_mean_bp"]), "bp", d),
        Evidence("Discount window, 4-week change", rounded(row["dw_chg_bn"]) if np.isfinite(row["dw_chg_bn"])
                 else "not loaded", "usd_bn" if np.isfinite(row["dw_chg_bn"]) else "text"),
        Evidence("ON RRP (week average), 4-week change", rounded(row["rrp_chg_bn"]), "usd_bn"),
    ]
    headline = _LADDER_HEADLINES[state]
    if signals:
        headline += f" Signs this week: {'; '.join(signals)}."
    if stale:
        headline = f"Stale data (last SOFR print {d.isoformat()}): {headline}"
    return make_verdict(rule, state, headline, ev, params, as_of, stale=stale)


# --- basis-trade monitor (CFTC Traders in Financial Futures) ---------------------------------

BASIS_RULE = RuleSpec(
    id="basis_unwind",
    section="liquidity",
    title="Basis-trade monitor (leveraged funds in Treasury futures)",
    scale=("no signal", "watch", "unwind suspected"),
    params=(
        Param("short_drop_pct", float, lo=0.0, hi=100.0,
              doc="fall in leveraged funds' total Treasury futures shorts over one report week (percent) that "
                  "counts as sharp"),
        Param("yield_jump_bp", float, lo=0.0, hi=200.0,
              doc="rise of the 10-year or 30-year yield between the same report dates (bp) that counts as a jump"),
        Param("stale_after_days", int, lo=7, hi=60,
              doc="days after a report date from which the monitor is marked stale"),
    ),
    description=(
        "Leveraged funds run the cash-futures basis trade long Treasuries and short futures, so their futures "
        "shorts track its size. A sharp weekly drop in those shorts in a week when long yields jump suggests "
        "positions are being closed under pressure; a sharp drop without a yield jump is an orderly "
        "reduction worth watching."
    ),
    outcome="10-year yield change over the next 4 weeks (bp)",
)

_BASIS_HEADLINES = {
    "no signal": "No sign of a basis-trade unwind: leveraged funds' Treasury futures shorts did not fall sharply.",
    "watch": "Leveraged funds cut Treasury futures shorts sharply, but long yields did not jump: an orderly "
             "reduction so far. Watch the next report.",
    "unwind suspected": "Basis-trade unwind suspected: leveraged funds cut Treasury futures shorts sharply in a "
                        "week when long yields jumped.",
}


def _position_table(series: Mapping[str, pd.Series]) -> pd.DataFrame:
    cols = {k: clean_series(v, f"positions[{k}]") for k, v in series.items() if k in CONTRACTS}
    cols = {k: v for k, v in cols.items() if not v.empty}
    if not cols:
        return pd.DataFrame(index=pd.DatetimeIndex([], name="date"))
    return pd.DataFrame(cols).reindex(columns=[c for c in CONTRACTS if c in cols])


def _pair_sum(t: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Column sums at each report date and at the previous one, over contracts present at both."""
    prev = t.shift(1)
    both = t.notna() & prev.notna()
    now = t.where(both).sum(axis=1, min_count=1)
    before = prev.where(both).sum(axis=1, min_count=1)
    return now, before


def basis_history(
    longs: Mapping[str, pd.Series],
    shorts: Mapping[str, pd.Series],
    *,
    y10: pd.Series,
    y30: pd.Series,
    params: Mapping[str, Any],
) -> pd.DataFrame:
    """The basis monitor at each CFTC report date.

    Parameters
    ----------
    longs, shorts : leveraged funds' long and short positions per contract (keys of
        :data:`CONTRACTS`), contracts, on report dates (Tuesdays).
    y10, y30 : 10-year and 30-year Treasury yields, percent (daily).

    Returns
    -------
    DataFrame indexed by report date with ``total_short`` and ``total_net_short`` (short minus
    long, summed over contracts reported on the date), ``short_chg`` and ``short_chg_pct`` (change
    of total shorts from the previous report, over contracts reported on both dates; percent of
    the earlier total), ``net_short_chg``, ``y10_chg_bp``/``y30_chg_bp`` (yield at the report
    date minus yield at the previous report date, each the last close on or before that date),
    ``long_yield_chg_bp`` (the larger of the two), ``level`` (0-2) and ``state``.
    """
    L, S = _position_table(longs), _position_table(shorts)
    if S.empty:
        return pd.DataFrame(columns=["total_short", "total_net_short", "short_chg", "short_chg_pct", "net_short_chg",
                                     "y10_chg_bp", "y30_chg_bp", "long_yield_chg_bp", "level", "state"],
                            index=pd.DatetimeIndex([], name="date"))
    L = L.reindex(index=S.index, columns=S.columns)
    net = S - L
    s_now, s_before = _pair_sum(S)
    n_now, n_before = _pair_sum(net)
    idx = S.index
    prev_dates = idx.to_series().shift(1)
    y = {}
    for name, s in (("y10", y10), ("y30", y30)):
        s = clean_series(s, name)
        cur = asof_array(s, idx, max_age_days=5)
        before = np.full(len(idx), np.nan)
        ok = prev_dates.notna().to_numpy()
        if ok.any():
            before[ok] = asof_array(s, pd.DatetimeIndex(prev_dates[ok]), max_age_days=5)
        y[name] = (cur - before) * 100.0
    with np.errstate(divide="ignore", invalid="ignore"):
        chg_pct = 100.0 * (s_now / s_before - 1.0)
    long_jump = np.fmax(y["y10"], y["y30"])
    drop = (-chg_pct.to_numpy()) >= params["short_drop_pct"]
    jump = np.nan_to_num(long_jump, nan=-np.inf) >= params["yield_jump_bp"]
    level = np.where(chg_pct.isna().to_numpy(), np.nan, np.where(drop & jump, 2.0, np.where(drop, 1.0, 0.0)))
    state = state_names(level, BASIS_RULE.scale)
    return pd.DataFrame({
        "total_short": S.sum(axis=1, min_count=1), "total_net_short": net.sum(axis=1, min_count=1),
        "short_chg": s_now - s_before, "short_chg_pct": chg_pct, "net_short_chg": n_now - n_before,
        "y10_chg_bp": y["y10"], "y30_chg_bp": y["y30"], "long_yield_chg_bp": long_jump, "level": level,
        "state": state,
    }, index=idx)


@dataclass(frozen=True)
class BasisRow:
    """One contract at the latest report: positions in contracts, net short = short - long."""

    contract: str
    name: str
    long: float | None
    short: float | None
    net_short: float | None
    net_short_chg: float | None
    short_chg_pct: float | None
    open_interest: float | None
    net_short_share_oi: float | None  # fraction of open interest


@dataclass(frozen=True)
class BasisMonitor:
    """Leveraged funds' Treasury futures positions at the latest CFTC report on or before ``as_of``."""

    as_of: date
    report_date: date
    previous_date: date | None
    rows: tuple[BasisRow, ...]
    total_short: float
    total_net_short: float
    short_chg_pct: float | None
    net_short_chg: float | None
    long_yield_chg_bp: float | None
    state: str
    history: pd.DataFrame  # basis_history up to the report date


def _val(t: pd.DataFrame, d: pd.Timestamp | None, c: str) -> float | None:
    if d is None or c not in t.columns or d not in t.index:
        return None
    v = t.at[d, c]
    return None if pd.isna(v) else float(v)


def basis_monitor(
    longs: Mapping[str, pd.Series],
    shorts: Mapping[str, pd.Series],
    open_interest: Mapping[str, pd.Series],
    *,
    y10: pd.Series,
    y30: pd.Series,
    params: Mapping[str, Any],
    as_of: date,
) -> BasisMonitor | None:
    """Positions per contract and totals at the latest report on or before ``as_of`` (None without data)."""
    cut = pd.Timestamp(as_of)
    longs = {k: clean_series(v, k).loc[:cut] for k, v in longs.items()}
    shorts = {k: clean_series(v, k).loc[:cut] for k, v in shorts.items()}
    hist = basis_history(longs, shorts, y10=clean_series(y10, "y10").loc[:cut], y30=clean_series(y30, "y30").loc[:cut],
                         params=params)
    if hist.empty:
        return None
    L, S, OI = _position_table(longs), _position_table(shorts), _position_table(
        {k: clean_series(v, k).loc[:cut] for k, v in open_interest.items()})
    r = hist.index[-1]
    p = hist.index[-2] if len(hist) > 1 else None
    rows = []
    for c in S.columns:
        lo, sh = _val(L, r, c), _val(S, r, c)
        net = None if lo is None or sh is None else sh - lo
        lo0, sh0 = _val(L, p, c), _val(S, p, c)
        net0 = None if lo0 is None or sh0 is None else sh0 - lo0
        oi = _val(OI, r, c)
        rows.append(BasisRow(
            contract=c, name=CONTRACTS[c], long=lo, short=sh, net_short=net,
            net_short_chg=None if net is None or net0 is None else net - net0,
            short_chg_pct=None if sh is None or not sh0 else 100.0 * (sh / sh0 - 1.0),
            open_interest=oi, net_short_share_oi=None if net is None or not oi else net / oi,
        ))
    last = hist.iloc[-1]

    def f(x: Any) -> float | None:
        return None if pd.isna(x) else float(x)

    return BasisMonitor(
        as_of=as_of, report_date=r.date(), previous_date=p.date() if p is not None else None, rows=tuple(rows),
        total_short=float(last["total_short"]), total_net_short=float(last["total_net_short"]),
        short_chg_pct=f(last["short_chg_pct"]), net_short_chg=f(last["net_short_chg"]),
        long_yield_chg_bp=f(last["long_yield_chg_bp"]), state=str(last["state"]), history=hist,
    )


def evaluate_basis(monitor: BasisMonitor | None, *, params: Mapping[str, Any], as_of: date) -> Verdict:
    """The basis-trade verdict from :func:`basis_monitor` (``NO_DATA`` when no CFTC report is loaded)."""
    rule = BASIS_RULE
    if monitor is None:
        return no_data_verdict(rule, as_of, ["CFTC Traders in Financial Futures (leveraged funds)"], params)
    if monitor.state == NO_DATA:
        return make_verdict(rule, NO_DATA, f"Only one CFTC report ({monitor.report_date.isoformat()}) is loaded: "
                            "a weekly change needs two.", (), params, as_of, note="one report")
    stale = (as_of - monitor.report_date).days > int(params["stale_after_days"])
    d = monitor.report_date
    ev = (
        Evidence("Leveraged shorts, all contracts", monitor.total_short, "count", d),
        Evidence("Weekly change of shorts", rounded(monitor.short_chg_pct), "pct_change", d),
        Evidence("Net short (short − long)", monitor.total_net_short, "count", d),
        Evidence("Weekly change of net short", monitor.net_short_chg, "count", d),
        Evidence("Long-yield move between reports", rounded(monitor.long_yield_chg_bp), "bp", d),
    )
    headline = _BASIS_HEADLINES[monitor.state]
    if stale:
        headline = f"Stale data (last CFTC report {d.isoformat()}): {headline}"
    return make_verdict(rule, monitor.state, headline, ev, params, as_of, stale=stale)


def basis_states(history: pd.DataFrame, dates: Sequence[Any] | pd.DatetimeIndex, *, release_lag_days: int = 3,
                 stale_after_days: int = 14) -> pd.Series:
    """The basis monitor's state at each date from :func:`basis_history`: the latest report
    published (report date + ``release_lag_days``) by then, if not older than ``stale_after_days``."""
    idx = as_dates(dates)
    lv = history["level"].astype(float)
    lv.index = lv.index + pd.Timedelta(days=release_lag_days)
    v = asof_array(lv.dropna(), idx, max_age_days=stale_after_days)
    return pd.Series(state_names(v, BASIS_RULE.scale), index=idx, dtype=object)


RULES = (LADDER_RULE, BASIS_RULE)
