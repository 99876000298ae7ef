"""Safe or risky debt: convenience-yield wedges, the stress-event study and the regime scorecard.

Convenience-yield wedges (percentage points; positive = Treasuries yield less than a close
substitute, i.e. investors pay for their safety and liquidity):

* **Aaa corporate minus Treasury**: Moody's seasoned Aaa corporate yield minus the 10-year
  Treasury (monthly average). Unlike the CDS-adjusted measure in the literature, it still
  contains the small credit and the maturity difference of the Aaa index.
* **Hedged foreign sovereign minus Treasury**: for each country, the 10-year yield hedged into
  dollars minus the U.S. 10-year. Hedging with rolled short forwards earns the short-rate
  differential (covered interest parity), so the hedged yield is approximately
  :math:`y_f + (s_{US} - s_f)` and the wedge is :math:`(y_f - y_{US}) - (s_f - s_{US})`.
  This holds to first order for a three-month hedge rolled over; it ignores the cross-currency
  basis and the mismatch between a ten-year bond and a short hedge. The G10 wedge is the
  equal-weighted mean over the countries with data that month.

Stress-event study: for each event date, the change of the 10-year yield (bp), the equity
index (%), the broad dollar (%), gold (%) and the VIX (points) from the last close before the
event to 1, 5 and 10 observations from the event date on. An event in which equities fell is
*flight to safety* when the 10-year yield fell and *mark-to-market* when it rose.

The scorecard ticks each row of the safe-vs-risky table from a measured number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

import numpy as np
import pandas as pd

from .crossasset import last_crossing
from .fiscal import event_change
from .rules import NO_DATA, Evidence, Param, RuleSpec, Verdict, asof_values, make_verdict, no_data_verdict
from .stats import monthly_mean, series_input

__all__ = [
    "RULES",
    "CONVENIENCE_RULE",
    "STRESS_RULE",
    "SCORECARD_RULE",
    "monthly_mean",
    "HedgedWedges",
    "hedged_foreign_wedges",
    "Wedges",
    "convenience_wedges",
    "evaluate_convenience",
    "convenience_states",
    "EVENT_ASSETS",
    "EventResult",
    "classify_move",
    "event_study",
    "evaluate_stress",
    "ScoreRow",
    "scorecard_rows",
    "evaluate_scorecard",
]




# --- wedges ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HedgedWedges:
    """Monthly hedged foreign-minus-Treasury wedges (pp) per country and their G10 mean.

    ``wedges`` has one column per country; ``mean`` the equal-weighted mean over the countries
    with a value that month, where at least ``min_countries`` have one; ``count`` how many.
    ``short_sources[c]`` names the short-rate series used for the country's latest month.
    """

    wedges: pd.DataFrame
    mean: pd.Series
    count: pd.Series
    min_countries: int
    short_sources: Mapping[str, str]


def hedged_foreign_wedges(
    long_yields: Mapping[str, pd.Series],
    short_rates: Mapping[str, Sequence[tuple[str, pd.Series]]],
    *,
    us_long: pd.Series,
    us_short: pd.Series,
    min_countries: int = 3,
) -> HedgedWedges:
    """Wedges ``(y_f - y_US) - (s_f - s_US)`` from monthly averages (pp).

    ``short_rates[c]`` is a list of ``(label, series)`` in order of preference; each month uses
    the first series with a value (e.g. a three-month interbank rate, then an overnight rate).
    """
    ul, us = monthly_mean(us_long), monthly_mean(us_short)
    cols, sources = {}, {}
    for c, y in long_yields.items():
        yl = monthly_mean(y)
        short = pd.Series(np.nan, index=yl.index)
        src = pd.Series("", index=yl.index, dtype=object)
        for label, s in short_rates.get(c, ()):
            m = monthly_mean(s).reindex(yl.index)
            fill = short.isna() & m.notna()
            short[fill] = m[fill]
            src[fill] = label
        w = ((yl - ul.reindex(yl.index)) - (short - us.reindex(yl.index))).dropna()
        if w.empty:
            continue
        cols[c] = w
        sources[c] = str(src.reindex(w.index).iloc[-1])
    df = pd.DataFrame(cols).sort_index() if cols else pd.DataFrame()
    if df.empty:
        empty = pd.Series([], index=pd.DatetimeIndex([]), dtype=float)
        return HedgedWedges(df, empty, empty, min_countries, dict(sources))
    count = df.notna().sum(axis=1)
    mean = df.mean(axis=1).where(count >= min_countries).dropna()
    return HedgedWedges(df, mean, count, min_countries, dict(sources))


CONVENIENCE_RULE = RuleSpec(
    id="convenience_yield",
    section="safedebt",
    title="Convenience yield: are Treasuries still priced as the safe asset?",
    scale=("present", "eroding", "gone"),
    params=(
        Param("aaa_low_below", float, lo=-2.0, hi=5.0,
              doc="an Aaa-minus-Treasury wedge below this (pp) counts as a lost convenience yield"),
        Param("foreign_low_below", float, lo=-3.0, hi=3.0,
              doc="a hedged G10-minus-Treasury wedge below this (pp) counts as a lost convenience yield"),
        Param("min_run_months", int, lo=1, hi=24, doc="months on the new side before a turn counts"),
    ),
    description=(
        "Two wedges against close substitutes: Moody's Aaa corporates and hedged G10 sovereigns. Both above their "
        "thresholds: the convenience yield is present; one below: eroding; both below: gone."
    ),
    outcome="next 12 months' change in the Aaa-Treasury wedge",
)


@dataclass(frozen=True)
class Wedges:
    """Latest wedge levels (pp), their dates and when each last crossed its threshold."""

    aaa: float | None
    aaa_date: date | None
    aaa_series: pd.Series
    foreign: float | None
    foreign_date: date | None
    foreign_countries: int | None
    hedged: HedgedWedges | None
    aaa_turn: tuple[date, str] | None
    foreign_turn: tuple[date, str] | None


def convenience_wedges(aaa_minus_10y: pd.Series, hedged: HedgedWedges | None, *, params: Mapping[str, float]) -> Wedges:
    """Latest monthly Aaa wedge and hedged G10 wedge, and their last lasting threshold crossings."""
    a = monthly_mean(aaa_minus_10y)
    run = int(params["min_run_months"])
    aaa_turn = last_crossing(a, params["aaa_low_below"], min_run=run) if not a.empty else None
    f = hedged.mean if hedged is not None else pd.Series([], index=pd.DatetimeIndex([]), dtype=float)
    f_turn = last_crossing(f, params["foreign_low_below"], min_run=run) if not f.empty else None
    return Wedges(
        aaa=float(a.iloc[-1]) if not a.empty else None, aaa_date=a.index[-1].date() if not a.empty else None,
        aaa_series=a,
        foreign=float(f.iloc[-1]) if not f.empty else None, foreign_date=f.index[-1].date() if not f.empty else None,
        foreign_countries=int(hedged.count.loc[f.index[-1]]) if not f.empty else None, hedged=hedged,
        aaa_turn=aaa_turn, foreign_turn=f_turn,
    )


def _conv_state(aaa: float | None, foreign: float | None, params: Mapping[str, float]) -> str | None:
    lows = [x < t for x, t in ((aaa, params["aaa_low_below"]), (foreign, params["foreign_low_below"])) if x is not None]
    if not lows:
        return None
    n = sum(lows)
    if len(lows) == 1:
        return "gone" if n else "present"
    return ("present", "eroding", "gone")[n]


def _turn_text(turn: tuple[date, str] | None) -> str:
    if turn is None:
        return "no lasting crossing in the sample"
    return f"{'rose above' if turn[1] == 'up' else 'fell below'} the threshold in {turn[0].strftime('%b %Y')}"


def evaluate_convenience(w: Wedges, *, params: Mapping[str, float], as_of: date, stale: bool = False) -> Verdict:
    """Verdict of the convenience-yield rule (one wedge alone decides present/gone; says which is missing)."""
    rule = CONVENIENCE_RULE
    state = _conv_state(w.aaa, w.foreign, params)
    if state is None:
        return no_data_verdict(rule, as_of, ["Aaa-Treasury spread", "foreign 10-year yields and short rates"], params)
    parts = []
    if w.aaa is not None:
        parts.append(f"Aaa corporates yield {w.aaa:.2f} pp over Treasuries")
    if w.foreign is not None:
        parts.append(f"hedged G10 bonds {w.foreign:+.2f} pp")
    head = {
        "present": "Treasuries still trade rich to close substitutes: ",
        "eroding": "The Treasury convenience yield is eroding: ",
        "gone": "Treasuries no longer trade rich to close substitutes: ",
    }[state] + "; ".join(parts) + "."
    if w.aaa is None or w.foreign is None:
        head += " Only one wedge could be measured."
    if stale:
        head = "Stale data: " + head
    ev = [
        Evidence("Aaa corporate minus 10y Treasury (monthly)", None if w.aaa is None else round(w.aaa, 2), "pp",
                 w.aaa_date, note=_turn_text(w.aaa_turn)),
        Evidence(f"hedged G10 sovereign minus Treasury ({w.foreign_countries or 0} countries)",
                 None if w.foreign is None else round(w.foreign, 2), "pp", w.foreign_date,
                 note=_turn_text(w.foreign_turn)),
    ]
    return make_verdict(rule, state, head, ev, params, as_of, stale=stale)


def convenience_states(aaa_monthly: pd.Series, foreign_monthly: pd.Series, *, params: Mapping[str, float],
                       dates: Sequence[pd.Timestamp]) -> pd.Series:
    """State on each date from the monthly wedges (a month's average counts from its last day)."""
    idx = pd.DatetimeIndex(dates)

    def at(s: pd.Series) -> np.ndarray:
        s = series_input(s, "wedge")
        if s.empty:
            return np.full(len(idx), np.nan)
        s = s.copy()
        s.index = s.index + pd.offsets.MonthEnd(0)
        return asof_values(s, idx, max_age_days=62).to_numpy()

    a, f = at(aaa_monthly), at(foreign_monthly)
    out = []
    for x, y in zip(a, f):
        st = _conv_state(None if np.isnan(x) else float(x), None if np.isnan(y) else float(y), params)
        out.append(st or NO_DATA)
    return pd.Series(out, index=idx, dtype=object)


# --- stress-event study ---------------------------------------------------------------------------

#: asset key -> (label, kind of change for :func:`analytics.fiscal.event_change`, unit)
EVENT_ASSETS: Mapping[str, tuple[str, str, str]] = MappingProxyType({
    "ust_10y": ("10-year yield", "bp", "bp"),
    "equity": ("equities", "pct", "%"),
    "dollar": ("broad dollar", "pct", "%"),
    "gold": ("gold", "pct", "%"),
    "vix": ("VIX", "diff", "points"),
})


@dataclass(frozen=True)
class EventResult:
    """One stress event: changes per asset and horizon, the class per horizon and overall.

    ``changes[asset][h]`` is None when the asset has no data around the event. ``classes[h]``
    is one of ``flight to safety``, ``mark-to-market``, ``no equity stress``, ``small yield move``
    or ``no data``; ``horizon_used`` the horizon whose class is the event's class.
    """

    name: str
    date: date
    base_date: date | None
    equity_label: str
    changes: Mapping[str, Mapping[int, float | None]]
    classes: Mapping[int, str]
    horizon_used: int | None
    cls: str


def classify_move(yield_bp: float | None, equity_pct: float | None, *, min_yield_bp: float) -> str:
    """Class of an event window: equities down with yields down (flight to safety) or up (mark-to-market).

    Equities not down: ``no equity stress``; a yield move smaller than ``min_yield_bp`` in
    absolute value: ``small yield move``.
    """
    if yield_bp is None or equity_pct is None:
        return NO_DATA
    if equity_pct >= 0:
        return "no equity stress"
    if abs(yield_bp) < min_yield_bp:
        return "small yield move"
    return "flight to safety" if yield_bp < 0 else "mark-to-market"


def event_study(
    events: Sequence[tuple[str, date]],
    series: Mapping[str, pd.Series],
    *,
    horizons: Sequence[int] = (1, 5, 10),
    class_horizon: str = "deepest",
    min_yield_bp: float = 5.0,
    equity_label: str | Mapping[str, str] = "equities",
) -> tuple[EventResult, ...]:
    """Changes around each event and its class.

    ``series`` maps keys of :data:`EVENT_ASSETS` to daily series (``equity`` may differ per
    event: pass a mapping from event name to series under ``"equity"`` via ``series["equity"]``
    being a dict). ``class_horizon`` is ``"deepest"`` (the horizon with the largest equity
    fall decides) or a horizon in ``horizons`` given as a string (e.g. ``"5"``). Events whose
    windows have not closed are classed on the horizons available.
    """
    if class_horizon != "deepest" and (not class_horizon.isdigit() or int(class_horizon) not in horizons):
        raise ValueError(f"class_horizon must be 'deepest' or one of {list(horizons)}; got {class_horizon!r}")
    out = []
    for name, d in events:
        changes: dict[str, dict[int, float | None]] = {}
        base = None
        for key, (_, kind, _) in EVENT_ASSETS.items():
            s = series.get(key)
            if isinstance(s, Mapping):
                s = s.get(name)
            changes[key] = {}
            for h in horizons:
                ch = event_change(s, d, h, kind=kind) if s is not None and not s.dropna().empty else None
                changes[key][h] = None if ch is None else ch[2]
                if key == "ust_10y" and ch is not None:
                    base = ch[0]
        classes = {h: classify_move(changes["ust_10y"][h], changes["equity"][h], min_yield_bp=min_yield_bp)
                   for h in horizons}
        if class_horizon == "deepest":
            eq = {h: v for h, v in changes["equity"].items() if v is not None and changes["ust_10y"][h] is not None}
            used = min(eq, key=lambda h: eq[h]) if eq else None
        else:
            used = int(class_horizon)
        cls = classes[used] if used is not None else NO_DATA
        label = equity_label.get(name, "equities") if isinstance(equity_label, Mapping) else equity_label
        out.append(EventResult(name, d, base, label, changes, dict(classes), used, cls))
    return tuple(out)


STRESS_RULE = RuleSpec(
    id="stress_response",
    section="safedebt",
    title="Treasuries in market stress: flight to safety or mark-to-market?",
    scale=("flight to safety", "mixed", "mark-to-market"),
    params=(
        Param("recent_events", int, lo=1, hi=20, doc="how many of the latest classified events the verdict reads"),
        Param("mtm_share", float, lo=0.0, hi=1.0,
              doc="share of those events classed mark-to-market at or above which Treasuries behave as risky debt"),
        Param("fts_share", float, lo=0.0, hi=1.0,
              doc="share at or below which Treasuries still behave as the safe haven"),
        Param("min_yield_bp", float, lo=0.0, hi=50.0, doc="smaller 10-year moves do not classify an event"),
    ),
    description=(
        "In each stress event where equities fell, did the 10-year yield fall (flight to safety: Treasuries are the "
        "haven) or rise (mark-to-market: Treasuries sold with everything else)?"
    ),
    outcome="the next stress event's class",
)


def _stress_state(mtm: int, fts: int, params: Mapping[str, float]) -> str:
    n = mtm + fts
    share = mtm / n
    if share >= params["mtm_share"]:
        return "mark-to-market"
    if share <= params["fts_share"]:
        return "flight to safety"
    return "mixed"


def evaluate_stress(events: Sequence[EventResult], *, params: Mapping[str, float], as_of: date) -> Verdict:
    """Verdict from the latest ``recent_events`` events classed flight to safety or mark-to-market."""
    rule = STRESS_RULE
    if params["fts_share"] >= params["mtm_share"]:
        raise ValueError("rules.stress_response: fts_share must be < mtm_share")
    done = [e for e in sorted(events, key=lambda e: e.date) if e.cls in ("flight to safety", "mark-to-market")]
    recent = done[-int(params["recent_events"]):]
    if not recent:
        what = (f"a classified stress event (none of the {len(events)} events had falling equities with a 10-year "
                f"move of {params['min_yield_bp']:g} bp or more)" if events else "stress events dated by the as-of date")
        return no_data_verdict(rule, as_of, [what], params)
    mtm = sum(e.cls == "mark-to-market" for e in recent)
    fts = len(recent) - mtm
    state = _stress_state(mtm, fts, params)
    head = {
        "flight to safety": "In recent stress Treasuries rallied while equities fell: they still act as the haven.",
        "mixed": "Recent stress events split between flight to safety and mark-to-market.",
        "mark-to-market": "In recent stress Treasury yields rose while equities fell: Treasuries were sold with risk "
                          "assets rather than bought as a haven.",
    }[state]
    ev = [Evidence(f"mark-to-market among the last {len(recent)} classified events", mtm, "count")]
    ev += [Evidence(e.name, e.cls, "text", e.date) for e in recent]
    return make_verdict(rule, state, head, ev, params, as_of)


# --- scorecard ---------------------------------------------------------------------------------------

SCORECARD_RULE = RuleSpec(
    id="safe_debt",
    section="safedebt",
    title="Safe or risky debt: the regime scorecard",
    scale=("safe", "shifting", "risky"),
    params=(
        Param("corr_risky_above", float, lo=-1.0, hi=1.0, doc="stock-bond correlation above this ticks 'risky'"),
        Param("mtm_risky_share", float, lo=0.0, hi=1.0,
              doc="share of recent stress events classed mark-to-market at or above this ticks 'risky'"),
        Param("aaa_risky_below", float, lo=-2.0, hi=5.0, doc="Aaa-Treasury wedge (pp) below this ticks 'risky'"),
        Param("foreign_risky_below", float, lo=-3.0, hi=3.0,
              doc="hedged G10-Treasury wedge (pp) below this ticks 'risky'"),
        Param("news_yield_bp", float, lo=0.0, hi=100.0,
              doc="mean 10-year rise after fiscal news (bp) at or above which yields respond ('risky')"),
        Param("news_tp_bp", float, lo=0.0, hi=100.0, doc="same for the ACM term premium (bp)"),
        Param("news_bei_bp", float, lo=0.0, hi=100.0, doc="same for the 5y5y inflation expectation (bp)"),
        Param("risky_share", float, lo=0.0, hi=1.0,
              doc="share of measured rows ticked risky at or above which the regime is risky"),
        Param("safe_share", float, lo=0.0, hi=1.0, doc="share at or below which the regime is safe"),
        Param("min_rows", int, lo=1, hi=7, doc="rows that must be measured for a verdict"),
    ),
    description=(
        "Each row of the safe-versus-risky table is ticked from a measured number: stock-bond correlation, yields "
        "in stress, two convenience-yield wedges, and the response of yields, the term premium and long-run "
        "inflation expectations to fiscal news."
    ),
    outcome="next 12 months' stock-bond correlation",
)


@dataclass(frozen=True)
class ScoreRow:
    """One scorecard row: what a safe and a risky regime would show, the measured number and the tick."""

    row: str
    safe: str
    risky: str
    value: float | None
    unit: str
    as_of: date | None
    risky_tick: bool | None
    rule: str


def scorecard_rows(
    *,
    stock_bond_corr: tuple[float, date] | None,
    mtm_share: tuple[float, date] | None,
    aaa_wedge: tuple[float, date] | None,
    foreign_wedge: tuple[float, date] | None,
    news_10y_bp: tuple[float, date] | None,
    news_tp_bp: tuple[float, date] | None,
    news_bei_bp: tuple[float, date] | None,
    params: Mapping[str, float],
) -> tuple[ScoreRow, ...]:
    """The seven rows, each ``(value, date)`` or None when not measured."""
    p = params

    def row(name, safe, risky, x, unit, test, rule_text):
        if x is None:
            return ScoreRow(name, safe, risky, None, unit, None, None, rule_text)
        return ScoreRow(name, safe, risky, float(x[0]), unit, x[1], bool(test(x[0])), rule_text)

    return (
        row("Stock-bond correlation (market beta)", "negative", "positive", stock_bond_corr, "corr",
            lambda v: v > p["corr_risky_above"], f"risky if > {p['corr_risky_above']:+.2f}"),
        row("Yields in market stress", "fall (flight to safety)", "rise (mark-to-market)", mtm_share, "share",
            lambda v: v >= p["mtm_risky_share"], f"risky if mark-to-market share >= {p['mtm_risky_share']:.0%}"),
        row("Convenience yield vs Aaa corporates", "large", "small", aaa_wedge, "pp",
            lambda v: v < p["aaa_risky_below"], f"risky if < {p['aaa_risky_below']:.2f} pp"),
        row("Convenience yield vs hedged G10 sovereigns", "positive", "negative", foreign_wedge, "pp",
            lambda v: v < p["foreign_risky_below"], f"risky if < {p['foreign_risky_below']:+.2f} pp"),
        row("Treasury yields respond to fiscal news", "no", "yes (rise)", news_10y_bp, "bp",
            lambda v: v >= p["news_yield_bp"], f"risky if mean rise >= {p['news_yield_bp']:.0f} bp"),
        row("Term premium responds to fiscal news", "no", "yes (rise)", news_tp_bp, "bp",
            lambda v: v >= p["news_tp_bp"], f"risky if mean rise >= {p['news_tp_bp']:.0f} bp"),
        row("Long-run inflation expectations respond to fiscal news", "no", "yes (rise)", news_bei_bp, "bp",
            lambda v: v >= p["news_bei_bp"], f"risky if mean rise >= {p['news_bei_bp']:.0f} bp"),
    )


def _check_score_params(params: Mapping[str, float]) -> None:
    if params["safe_share"] >= params["risky_share"]:
        raise ValueError("rules.safe_debt: safe_share must be < risky_share")


def _score_state(share: float, params: Mapping[str, float]) -> str:
    if share >= params["risky_share"]:
        return "risky"
    if share <= params["safe_share"]:
        return "safe"
    return "shifting"


def evaluate_scorecard(rows: Sequence[ScoreRow], *, params: Mapping[str, float], as_of: date,
                       stale: Sequence[str] = ()) -> Verdict:
    """Verdict from the share of measured rows ticked risky; ``stale`` names inputs that stopped updating."""
    _check_score_params(params)
    rule = SCORECARD_RULE
    measured = [r for r in rows if r.risky_tick is not None]
    if len(measured) < params["min_rows"]:
        missing = [r.row for r in rows if r.risky_tick is None]
        return no_data_verdict(rule, as_of, missing, params)
    n_risky = sum(r.risky_tick for r in measured)
    share = n_risky / len(measured)
    state = _score_state(share, params)
    head = {
        "safe": f"{n_risky} of {len(measured)} measured rows point to risky debt: markets still price Treasuries as "
                "the safe asset.",
        "shifting": f"{n_risky} of {len(measured)} measured rows point to risky debt: the regime is shifting.",
        "risky": f"{n_risky} of {len(measured)} measured rows point to risky debt: markets price Treasuries as "
                 "risky government debt.",
    }[state]
    unmeasured = [r.row for r in rows if r.risky_tick is None]
    if unmeasured:
        head += f" Not measured: {', '.join(unmeasured)}."
    if stale:
        head = f"Stale data ({', '.join(stale)}): " + head
    ev = [Evidence(r.row, None if r.value is None else round(r.value, 3), r.unit, r.as_of,
                   note=("risky" if r.risky_tick else "safe") if r.risky_tick is not None else "not measured")
          for r in rows]
    return make_verdict(rule, state, head, ev, params, as_of, stale=bool(stale))


RULES = (CONVENIENCE_RULE, STRESS_RULE, SCORECARD_RULE)
