"""Bond-market stress detectors: bear-steepening shocks and flight from dollar assets, the
episodes they mark, and how markets recovered after past squeezes.

Units: yields in percent, their changes in basis points; the dollar index and equity indexes
change in percent, ``100 (x_t / x_s - 1)``. A move "over a week" at date ``t`` compares the
value at ``t`` with the last value on or before ``t - window_days`` (7 calendar days = five
business days), see :func:`analytics.liquidity.change_over`.

Rules (scales from benign to severe)
------------------------------------
``bear_steepening``   none -> watch -> shock: 10-year and 30-year yields up by at least a threshold
    within a week while the 2-year rises less than a set fraction of that.
``dollar_flight``     none -> watch -> flight: in the same week the 10-year yield rises, the broad
    dollar falls and equities fall.

The ``*_history`` functions evaluate a detector on every trading day, the ``*_states`` functions
give its weekly verdict over history (each date reads only data on or before it), and the
``evaluate_*`` functions give the verdict at the as-of date from the same definitions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from .liquidity import as_dates, change_over, clean_series, rounded, state_names
from .rules import Evidence, Param, RuleSpec, Verdict, make_verdict, no_data_verdict

__all__ = [
    "BEAR_RULE",
    "FLIGHT_RULE",
    "RULES",
    "bear_steepening_history",
    "bear_steepening_states",
    "evaluate_bear_steepening",
    "combine_equity",
    "flight_history",
    "flight_states",
    "evaluate_flight",
    "StressEpisode",
    "stress_episodes",
    "Recovery",
    "recovery_after",
    "days_back_below",
]


BEAR_RULE = RuleSpec(
    id="bear_steepening",
    section="liquidity",
    title="Bear-steepening shock",
    scale=("none", "watch", "shock"),
    params=(
        Param("window_days", int, lo=3, hi=31, doc="calendar days a move is measured over (7 = five business days)"),
        Param("watch_bp", float, lo=0.0, hi=300.0,
              doc="rise of both the 10-year and the 30-year yield (bp) within the window for a watch"),
        Param("shock_bp", float, lo=0.0, hi=300.0,
              doc="rise of both the 10-year and the 30-year yield (bp) within the window for a shock"),
        Param("front_ratio", float, lo=0.0, hi=1.0,
              doc="the 2-year must rise by less than this fraction of the smaller long-end rise"),
        Param("recent_days", int, lo=1, hi=31,
              doc="a window ending within this many days of the as-of date counts as current"),
    ),
    description=(
        "Both the 10-year and the 30-year yield jump within a week while the 2-year lags: the long end is being "
        "sold for reasons other than the expected path of policy (forced selling, term premium, fiscal or "
        "foreign-demand worries)."
    ),
    outcome="10-year yield change over the next 4 weeks (bp)",
)

FLIGHT_RULE = RuleSpec(
    id="dollar_flight",
    section="liquidity",
    title="Flight from dollar assets",
    scale=("none", "watch", "flight"),
    params=(
        Param("window_days", int, lo=3, hi=31, doc="calendar days the three moves are measured over"),
        Param("y10_rise_bp", float, lo=0.0, hi=200.0, doc="rise of the 10-year yield (bp) that counts as up"),
        Param("usd_fall_pct", float, lo=0.0, hi=20.0, doc="fall of the broad dollar index (percent) for a flight"),
        Param("usd_watch_pct", float, lo=0.0, hi=20.0,
              doc="smaller fall of the dollar (percent) that, with the other two legs, makes a watch"),
        Param("equity_fall_pct", float, lo=0.0, hi=50.0, doc="fall of the equity index (percent)"),
        Param("recent_days", int, lo=1, hi=31,
              doc="a window ending within this many days counts as current (covers the dollar index's "
                  "one-week publication lag)"),
    ),
    description=(
        "In the same week the 10-year yield rises, the broad dollar falls and U.S. equities fall: investors are "
        "selling U.S. assets together rather than rotating from stocks into Treasuries and dollars. A watch is a "
        "week with the yield and equity legs met and the dollar down by less than the full threshold. Weeks whose "
        "dollar index is not yet published do not set the state; the verdict names them."
    ),
    outcome="S&P 500 return over the next 4 weeks (percent)",
)

_BEAR_HEADLINES = {
    "none": "No bear-steepening shock this week.",
    "watch": "Long-end sell-off: 10- and 30-year yields rose sharply within a week while the 2-year lagged "
             "(below the shock threshold).",
    "shock": "Bear-steepening shock: 10- and 30-year yields jumped within a week while the 2-year barely moved; "
             "the long end is being sold for reasons other than policy expectations.",
}
_FLIGHT_HEADLINES = {
    "none": "No flight from dollar assets in the latest weeks with a published dollar index.",
    "watch": "Possible flight from dollar assets: the 10-year yield rose, equities fell and the dollar softened "
             "in the same week, short of the full threshold.",
    "flight": "Flight from dollar assets: the 10-year yield rose while the dollar and U.S. equities fell in the "
              "same week.",
}


def bear_steepening_history(y2: pd.Series, y10: pd.Series, y30: pd.Series, *,
                            params: Mapping[str, Any]) -> pd.DataFrame:
    """Weekly yield moves and the detector's level at each date the 10-year yield is published.

    Columns: ``d2_bp``, ``d10_bp``, ``d30_bp`` (change over ``window_days`` ending on the date,
    bp; a tenor not published that day is NaN), ``long_bp = min(d10_bp, d30_bp)``, ``level``
    (0 none, 1 watch, 2 shock; NaN where a leg is missing) and ``state``.

    Level 2 when ``long_bp >= shock_bp`` and ``d2_bp < front_ratio * long_bp``; level 1 with
    ``watch_bp`` in place of ``shock_bp``.
    """
    if params["shock_bp"] < params["watch_bp"]:
        raise ValueError(f"rules.bear_steepening: shock_bp ({params['shock_bp']}) must be >= watch_bp "
                         f"({params['watch_bp']})")
    w = int(params["window_days"])
    t = pd.DataFrame({"d10": change_over(y10, days=w) * 100.0})
    t["d2"] = (change_over(y2, days=w) * 100.0).reindex(t.index)
    t["d30"] = (change_over(y30, days=w) * 100.0).reindex(t.index)
    long_bp = np.fmin(t["d10"], t["d30"]).where(t["d10"].notna() & t["d30"].notna())
    front_ok = t["d2"] < params["front_ratio"] * long_bp
    level = np.where(long_bp.isna() | t["d2"].isna(), np.nan,
                     np.where((long_bp >= params["shock_bp"]) & front_ok, 2.0,
                              np.where((long_bp >= params["watch_bp"]) & front_ok, 1.0, 0.0)))
    state = state_names(level, BEAR_RULE.scale)
    return pd.DataFrame({"d2_bp": t["d2"], "d10_bp": t["d10"], "d30_bp": t["d30"], "long_bp": long_bp,
                         "level": level, "state": state}, index=t.index)


def combine_equity(primary: pd.Series, fallback: pd.Series, *, days: int = 7) -> pd.DataFrame:
    """Weekly percent change of equities: ``primary`` where it has one, ``fallback`` otherwise.

    Returns columns ``chg_pct`` and ``index`` (``"primary"``/``"fallback"``), on the union of
    both series' dates.
    """
    a = change_over(primary, days=days, pct=True)
    b = change_over(fallback, days=days, pct=True)
    idx = a.index.union(b.index)
    a, b = a.reindex(idx), b.reindex(idx)
    use_a = a.notna()
    return pd.DataFrame({"chg_pct": a.where(use_a, b), "index": np.where(use_a, "primary", "fallback")}, index=idx)


def flight_history(y10: pd.Series, usd: pd.Series, equity: pd.DataFrame, *,
                   params: Mapping[str, Any]) -> pd.DataFrame:
    """Weekly moves of the 10-year yield, the dollar and equities, and the detector's level.

    Parameters
    ----------
    y10 : 10-year yield, percent. usd : broad dollar index level.
    equity : output of :func:`combine_equity` (weekly percent changes).

    Returns
    -------
    DataFrame on the dates with both a 10-year yield and an equity change: ``d10_bp``,
    ``usd_pct``, ``equity_pct`` (changes over ``window_days``), ``equity_index``,
    ``usd_pending`` (True when the date is after the dollar index's last published day),
    ``legs`` (the yield and equity legs hold), ``level`` (0 none, 1 watch, 2 flight; NaN when
    the dollar's move is unknown: pending or not published that day) and ``state``.

    Flight: ``d10_bp >= y10_rise_bp``, ``usd_pct <= -usd_fall_pct``,
    ``equity_pct <= -equity_fall_pct``. Watch: the yield and equity legs hold and
    ``usd_pct <= -usd_watch_pct``.
    """
    if params["usd_fall_pct"] < params["usd_watch_pct"]:
        raise ValueError(f"rules.dollar_flight: usd_fall_pct ({params['usd_fall_pct']}) must be >= usd_watch_pct "
                         f"({params['usd_watch_pct']})")
    w = int(params["window_days"])
    d10 = change_over(y10, days=w) * 100.0
    usd = clean_series(usd, "usd")
    du = change_over(usd, days=w, pct=True)
    eq = equity.reindex(d10.index)
    t = pd.DataFrame({"d10_bp": d10, "usd_pct": du.reindex(d10.index), "equity_pct": eq["chg_pct"],
                      "equity_index": eq["index"]}).dropna(subset=["d10_bp", "equity_pct"])
    last_usd = usd.index[-1] if not usd.empty else pd.Timestamp.min
    pending = t.index > last_usd
    legs = (t["d10_bp"] >= params["y10_rise_bp"]) & (t["equity_pct"] <= -params["equity_fall_pct"])
    full = legs & (t["usd_pct"] <= -params["usd_fall_pct"])
    watch = legs & (t["usd_pct"] <= -params["usd_watch_pct"])
    level = np.where(full, 2.0, np.where(watch, 1.0, 0.0))
    level[t["usd_pct"].isna().to_numpy()] = np.nan  # the dollar's move is not known
    t["usd_pending"] = pending
    t["legs"] = legs.to_numpy()
    t["level"] = level
    t["state"] = state_names(level, FLIGHT_RULE.scale)
    return t


def _window_max(level: pd.Series, ends: pd.DatetimeIndex, days: int) -> np.ndarray:
    """Highest ``level`` over the ``days`` calendar days ending at each of ``ends`` (NaN if none)."""
    lv = level.dropna()
    if lv.empty or days < 1:
        return np.full(len(ends), np.nan)
    roll = lv.rolling(f"{days}D").max()
    pos = lv.index.searchsorted(ends, side="right") - 1
    out = np.full(len(ends), np.nan)
    ok = pos >= 0
    inside = np.zeros(len(ends), dtype=bool)
    inside[ok] = (ends[ok] - lv.index[pos[ok]]) < pd.Timedelta(days=days)
    out[inside] = roll.to_numpy()[pos[inside]]
    return out


def bear_steepening_states(y2: pd.Series, y10: pd.Series, y30: pd.Series, *, params: Mapping[str, Any],
                           dates: Sequence[Any] | pd.DatetimeIndex) -> pd.Series:
    """The detector's state at each date: the highest level among windows ending within
    ``recent_days`` up to the date (the rule's verdict, evaluated over history)."""
    idx = as_dates(dates)
    h = bear_steepening_history(y2, y10, y30, params=params)
    lv = _window_max(h["level"], idx, int(params["recent_days"]))
    return pd.Series(state_names(lv, BEAR_RULE.scale), index=idx, dtype=object)


def flight_states(y10: pd.Series, usd: pd.Series, equity: pd.DataFrame, *, params: Mapping[str, Any],
                  dates: Sequence[Any] | pd.DatetimeIndex, usd_lag_days: int = 7) -> pd.Series:
    """The detector's state at each date as it could have been read then.

    The dollar index is published ``usd_lag_days`` after the day it describes, so at date
    ``t`` only windows ending in ``(t - recent_days, t - usd_lag_days]`` have a known dollar
    move; the state is the highest level among them (``NO_DATA`` when ``recent_days`` does
    not exceed the lag).
    """
    idx = as_dates(dates)
    h = flight_history(y10, usd, equity, params=params)
    recent, lag = int(params["recent_days"]), max(0, int(usd_lag_days))
    lv = _window_max(h["level"], idx - pd.Timedelta(days=lag), recent - lag) if recent > lag \
        else np.full(len(idx), np.nan)
    return pd.Series(state_names(lv, FLIGHT_RULE.scale), index=idx, dtype=object)


@dataclass(frozen=True)
class StressEpisode:
    """A run of dates on which a detector fired (gaps up to ``merge_days`` bridged).

    ``peak`` is the date of the most severe reading (largest ``score`` among the highest
    level); ``moves`` holds that row's numbers (column -> value).
    """

    start: date
    end: date
    state: str
    peak: date
    moves: Mapping[str, float | str | None]


def stress_episodes(history: pd.DataFrame, *, scale: Sequence[str], score: str, merge_days: int = 7,
                    since: date | None = None) -> tuple[StressEpisode, ...]:
    """Group the dates with ``level >= 1`` into episodes (see :class:`StressEpisode`)."""
    h = history[history["level"] >= 1]
    if since is not None:
        h = h.loc[pd.Timestamp(since):]
    if h.empty:
        return ()
    gaps = np.diff(h.index.to_numpy()) > np.timedelta64(merge_days, "D")
    group = np.concatenate([[0], np.cumsum(gaps)])
    out = []
    for _, g in h.groupby(group):
        top = g[g["level"] == g["level"].max()]
        pk = top[score].idxmax() if top[score].notna().any() else top.index[-1]
        row = g.loc[pk]
        moves = {k: (None if pd.isna(v) else (v if isinstance(v, str) else float(v)))
                 for k, v in row.items() if k not in ("level", "state")}
        out.append(StressEpisode(g.index[0].date(), g.index[-1].date(), scale[int(g["level"].max())], pk.date(),
                                 MappingProxyType(moves)))
    return tuple(out)


#: days of data before the as-of date a verdict reads (windows and recent period fit well inside; a
#: series silent for longer gets a no-data verdict rather than one read from years ago)
_LOOKBACK_DAYS = 120


def _recent(history: pd.DataFrame, as_of: date, days: int) -> pd.DataFrame:
    end = pd.Timestamp(as_of)
    return history.loc[end - pd.Timedelta(days=days - 1): end]


def _pick(recent: pd.DataFrame, score: str) -> pd.Series | None:
    """The most severe row of the recent windows (ties: highest score, then latest)."""
    r = recent[recent["level"].notna()]
    if r.empty:
        return None
    top = r[r["level"] == r["level"].max()]
    if int(top["level"].iloc[0]) == 0:
        return r.iloc[-1]
    return top.loc[top[score].idxmax()] if top[score].notna().any() else top.iloc[-1]


def evaluate_bear_steepening(y2: pd.Series, y10: pd.Series, y30: pd.Series, *, params: Mapping[str, Any],
                             as_of: date) -> Verdict:
    """Bear-steepening verdict: the most severe window ending within ``recent_days`` of ``as_of``."""
    rule = BEAR_RULE
    cut = pd.Timestamp(as_of)
    start = cut - pd.Timedelta(days=_LOOKBACK_DAYS)
    series = {"2-year": clean_series(y2, "y2").loc[start:cut], "10-year": clean_series(y10, "y10").loc[start:cut],
              "30-year": clean_series(y30, "y30").loc[start:cut]}
    missing = [k for k, s in series.items() if s.empty]
    if missing:
        return no_data_verdict(rule, as_of, [f"{m} yield" for m in missing], params)
    h = bear_steepening_history(*series.values(), params=params)
    row = _pick(_recent(h, as_of, int(params["recent_days"])), "long_bp")
    stale = row is None
    if row is None:
        valid = h[h["level"].notna()]
        if valid.empty:
            return no_data_verdict(rule, as_of, ["2-, 10- and 30-year yields on common days"], params)
        row = valid.iloc[-1]
    end = row.name.date()
    ev = (
        Evidence("10-year, change over the week", rounded(row["d10_bp"]), "bp", end),
        Evidence("30-year, change over the week", rounded(row["d30_bp"]), "bp", end),
        Evidence("2-year, change over the week", rounded(row["d2_bp"]), "bp", end),
        Evidence("2-year rise / smaller long-end rise", None if not row["long_bp"] or row["long_bp"] <= 0
                 else round(float(row["d2_bp"] / row["long_bp"]), 2), "ratio", end),
    )
    headline = _BEAR_HEADLINES[row["state"]]
    if row["state"] != "none":
        headline += f" Week to {end.isoformat()}."
    if stale:
        headline = f"Stale data (last common day {end.isoformat()}): {headline}"
    return make_verdict(rule, row["state"], headline, ev, params, as_of, stale=stale)


def evaluate_flight(y10: pd.Series, usd: pd.Series, equity: pd.DataFrame, *, params: Mapping[str, Any],
                    as_of: date, equity_names: Mapping[str, str] = MappingProxyType(
                        {"primary": "S&P 500", "fallback": "NASDAQ Composite"})) -> Verdict:
    """Flight-from-dollar-assets verdict: the most severe window ending within ``recent_days`` of
    ``as_of`` whose dollar move is published.

    Windows after the dollar index's last published day do not set the state; when one of
    them meets the yield and equity legs the headline and evidence say so. ``equity`` comes
    from :func:`combine_equity`; ``equity_names`` labels its two sources.
    """
    rule = FLIGHT_RULE
    cut = pd.Timestamp(as_of)
    start = cut - pd.Timedelta(days=_LOOKBACK_DAYS)
    y10, usd = clean_series(y10, "y10").loc[start:cut], clean_series(usd, "usd").loc[start:cut]
    eq = equity.loc[start:cut]
    missing = [n for n, s in (("10-year yield", y10), ("broad dollar index", usd), ("equity index", eq)) if s.empty]
    if missing:
        return no_data_verdict(rule, as_of, missing, params)
    h = flight_history(y10, usd, eq, params=params)
    recent = _recent(h, as_of, int(params["recent_days"]))
    row = _pick(recent, "d10_bp")
    waiting = recent[recent["usd_pending"] & recent["legs"]]
    stale = row is None
    if row is None:
        valid = h[h["level"].notna()]
        if valid.empty:
            return no_data_verdict(rule, as_of, ["10-year yield, dollar and equities on common days"], params)
        row = valid.iloc[-1]
    end = row.name.date()
    ev = [
        Evidence("10-year, change over the week", rounded(row["d10_bp"]), "bp", end),
        Evidence("Broad dollar, change over the week", rounded(row["usd_pct"]), "pct_change", end),
        Evidence(f"{equity_names[row['equity_index']]}, change over the week", rounded(row["equity_pct"]),
                 "pct_change", end),
        Evidence("Dollar index last published", usd.index[-1].date().isoformat(), "text"),
    ]
    headline = _FLIGHT_HEADLINES[row["state"]]
    if row["state"] != "none":
        headline += f" Week to {end.isoformat()}."
    if not waiting.empty:
        w = waiting.loc[waiting["d10_bp"].idxmax()]
        wd = w.name.date()
        headline += (f" Pending: in the week to {wd.isoformat()} the 10-year rose {w['d10_bp']:.0f} bp and equities "
                     f"fell {-w['equity_pct']:.1f}%; the dollar index for those days is not yet published.")
        ev += [Evidence("Pending week: 10-year change", rounded(w["d10_bp"]), "bp", wd),
               Evidence(f"Pending week: {equity_names[w['equity_index']]} change", rounded(w["equity_pct"]),
                        "pct_change", wd)]
    if stale:
        headline = f"Stale data (last common day {end.isoformat()}): {headline}"
    return make_verdict(rule, row["state"], headline, ev, params, as_of, stale=stale)


RULES = (BEAR_RULE, FLIGHT_RULE)


# --- recoveries after past squeezes -------------------------------------------


@dataclass(frozen=True)
class Recovery:
    """How a series moved after a stress date ``start`` and how long it took to get back.

    ``before`` is the last value strictly before ``start``; ``extreme`` the worst value within
    ``horizon_days`` (lowest for ``direction="down"``, highest for ``"up"``) on ``extreme_date``;
    ``move`` is ``extreme - before`` (or ``100 (extreme / before - 1)`` with ``pct=True``);
    ``recovered`` the first date after the extreme on which the series is back at or beyond
    ``before`` (None if not by the end of the data); ``days`` calendar days from ``start`` to it.
    """

    start: date
    before: float
    extreme: float
    extreme_date: date
    move: float
    recovered: date | None
    days: int | None


def recovery_after(s: pd.Series, start: date, *, direction: str, horizon_days: int = 60,
                   pct: bool = False) -> Recovery | None:
    """See :class:`Recovery`. None when ``s`` has no value before ``start`` or none within the horizon."""
    if direction not in ("down", "up"):
        raise ValueError(f"direction must be 'down' or 'up'; got {direction!r}")
    s = clean_series(s, "series")
    t0 = pd.Timestamp(start)
    pre = s.loc[: t0 - pd.Timedelta(days=1)]
    win = s.loc[t0: t0 + pd.Timedelta(days=horizon_days)]
    if pre.empty or win.empty:
        return None
    before = float(pre.iloc[-1])
    ext_date = win.idxmin() if direction == "down" else win.idxmax()
    extreme = float(win.loc[ext_date])
    after = s.loc[ext_date:]
    back = after[after >= before] if direction == "down" else after[after <= before]
    rec = back.index[0] if not back.empty else None
    move = 100.0 * (extreme / before - 1.0) if pct else extreme - before
    return Recovery(t0.date(), before, extreme, ext_date.date(), move, rec.date() if rec is not None else None,
                    (rec - t0).days if rec is not None else None)


def days_back_below(spread: pd.Series, start: date, *, horizon_days: int = 30, level: float = 0.0) -> int | None:
    """Calendar days from ``start`` until ``spread`` is back at or below ``level`` after its first
    reading above it within ``horizon_days`` (None if it never went above, or never came back)."""
    s = clean_series(spread, "spread")
    t0 = pd.Timestamp(start)
    win = s.loc[t0: t0 + pd.Timedelta(days=horizon_days)]
    above = win[win > level]
    if above.empty:
        return None
    after = s.loc[above.index[0]:]
    back = after[after <= level]
    return (back.index[0] - t0).days if not back.empty else None
