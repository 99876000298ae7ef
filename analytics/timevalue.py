r"""Time value across assets (framework thread C): VIX term structure, futures roll, credit.

The yield curve prices the time value of money; the same idea applied to other assets gives
the cost (or reward) of holding them through time:

* **VIX term structure**: the ratio :math:`VIX / VIX3M` below 1 (contango) means the market
  pays volatility sellers to wait; the bill comes in blow-ups, when the VIX more than doubles
  within days. Selling volatility is sized so that losing the whole position stays within a
  budget of capital.
* **Futures roll**: a long futures position rolls from the expiring contract into the next;
  with prices :math:`F_1 < F_2` (contango) each roll sells low and buys high. The annualised
  roll yield between neighbouring contracts is

  .. math:: RY = 100 \, \ln(F_1 / F_2) \, \frac{365}{d_2 - d_1} \quad (\% \text{ per year}),

  with :math:`d_i` the calendar days to expiry: negative in contango, positive in
  backwardation.
* **Futures-ETF audit**: the return of a futures-based ETF minus the return of its spot
  underlying over the holding period is the cost of rolling (plus fees).
* **Credit observation**: high-yield and investment-grade spreads and Baa minus Treasury, by
  level, percentile and 4-week change.

Rules: ``vix_term`` (contango / flat / backwardation), ``futures_roll`` (roll gain / mild cost /
heavy cost) and ``credit_spreads`` (calm / widening / stress), each with a vectorised
``*_states`` function for its track record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from .rules import NO_DATA, Evidence, Param, RuleSpec, Verdict, asof_values, make_verdict, no_data_verdict
from .stats import series_input

__all__ = [
    "RULES",
    "VIX_RULE",
    "FUTURES_RULE",
    "CREDIT_RULE",
    "vix_ratio",
    "VixTerm",
    "vix_term",
    "BlowUp",
    "vix_blowups",
    "VolSizing",
    "vol_sizing",
    "evaluate_vix_term",
    "vix_term_states",
    "roll_yield",
    "RollReading",
    "roll_reading",
    "evaluate_futures_roll",
    "futures_roll_states",
    "EtfAudit",
    "etf_audit",
    "max_drawdown",
    "SpreadReading",
    "spread_reading",
    "evaluate_credit",
    "credit_states",
]



def _upto(s: pd.Series, as_of: date) -> pd.Series:
    return series_input(s).loc[: pd.Timestamp(as_of)]


def _states(levels: np.ndarray, scale: Sequence[str], index: pd.DatetimeIndex) -> pd.Series:
    out = np.array([NO_DATA] * len(levels), dtype=object)
    for i, st in enumerate(scale):
        out[levels == i] = st
    return pd.Series(out, index=index, dtype=object)


# --- VIX term structure -------------------------------------------------------------------------


def vix_ratio(vix: pd.Series, vix3m: pd.Series) -> pd.Series:
    """:math:`VIX / VIX3M` on the dates both are observed."""
    both = pd.concat([series_input(vix), series_input(vix3m)], axis=1, join="inner")
    return (both.iloc[:, 0] / both.iloc[:, 1]).rename("vix_ratio")


@dataclass(frozen=True)
class VixTerm:
    """The VIX term structure on one date.

    ``contango_share[label]`` is the share of days with :math:`VIX/VIX3M < 1` over the
    window (``windows[label]`` gives its first date and the number of days; a window longer
    than the data covers what exists); ``window_years[label]`` is the window's length.
    """

    date: date
    vix: float
    vix3m: float
    ratio: float
    contango_share: Mapping[str, float]
    windows: Mapping[str, tuple[date, int]]
    window_years: Mapping[str, int]


def vix_term(vix: pd.Series, vix3m: pd.Series, *, as_of: date, windows: Mapping[str, int] = None) -> VixTerm | None:
    """Latest ratio and the share of contango days over each window (label -> years)."""
    windows = windows or {"1y": 1, "5y": 5}
    r = _upto(vix_ratio(vix, vix3m), as_of)
    if r.empty:
        return None
    t = r.index[-1]
    share, span = {}, {}
    for label, years in windows.items():
        w = r.loc[t - pd.DateOffset(years=years) + pd.Timedelta(days=1): t]
        share[label] = float((w < 1.0).mean())
        span[label] = (w.index[0].date(), int(len(w)))
    both = pd.concat([series_input(vix), series_input(vix3m)], axis=1, join="inner").loc[t]
    return VixTerm(t.date(), float(both.iloc[0]), float(both.iloc[1]), float(r.iloc[-1]), share, span,
                   dict(windows))


@dataclass(frozen=True)
class BlowUp:
    """An episode of the VIX more than ``multiple`` times its low of the previous ``days`` sessions.

    ``start`` is the first day the condition held; ``trough`` the low it was measured from;
    ``peak`` the highest close of the episode; ``rise_pct`` = 100 (peak / trough - 1).
    """

    start: date
    trough_date: date
    trough: float
    peak_date: date
    peak: float
    rise_pct: float


def _rise(vix: pd.Series, days: int) -> tuple[pd.Series, pd.Series]:
    """Ratio of each close to the lowest close of the previous ``days`` sessions, and that low."""
    low = vix.shift(1).rolling(days, min_periods=days).min()
    return vix / low, low


def vix_blowups(vix: pd.Series, *, as_of: date, days: int = 10, multiple: float = 2.0) -> tuple[BlowUp, ...]:
    """Blow-ups up to ``as_of``: closes more than ``multiple`` x the low of the previous ``days``
    sessions. Flagged days closer than ``days`` sessions to each other form one episode."""
    if days < 1 or not multiple > 1.0:
        raise ValueError(f"days must be >= 1 and multiple > 1; got {days}, {multiple}")
    v = _upto(vix, as_of)
    ratio, _ = _rise(v, days)
    flagged = np.flatnonzero((ratio > multiple).to_numpy())
    out = []
    if not len(flagged):
        return ()
    groups = np.split(flagged, np.flatnonzero(np.diff(flagged) > days) + 1)
    vals = v.to_numpy()
    for g in groups:
        first, last = int(g[0]), int(g[-1])
        lo_pos = first - days + int(np.argmin(vals[first - days:first]))
        seg = slice(first, min(last + days, len(vals) - 1) + 1)
        pk_pos = seg.start + int(np.argmax(vals[seg]))
        out.append(BlowUp(v.index[first].date(), v.index[lo_pos].date(), float(vals[lo_pos]),
                          v.index[pk_pos].date(), float(vals[pk_pos]), 100.0 * (vals[pk_pos] / vals[lo_pos] - 1.0)))
    return tuple(out)


@dataclass(frozen=True)
class VolSizing:
    """The largest short-volatility positions a loss budget allows (fractions of capital).

    ``max_zero_position``: a position that can lose all of its value (an inverse-VIX product)
    costs at most ``budget`` when it goes to zero, so it may be at most ``budget`` of capital.
    ``max_short_notional``: short VIX exposure losing ``worst_rise_pct`` of its notional in the
    worst ``days``-session rise on record costs at most ``budget`` when notional is at most
    ``budget / (worst_rise_pct / 100)``.
    """

    budget: float
    max_zero_position: float
    worst_rise_pct: float
    worst_date: date
    max_short_notional: float
    days: int


def vol_sizing(vix: pd.Series, *, as_of: date, budget: float, days: int = 10) -> VolSizing | None:
    """Sizing for selling volatility inside a loss ``budget`` (fraction of capital, e.g. 0.02)."""
    if not 0 < budget <= 1:
        raise ValueError(f"budget must be a fraction of capital in (0, 1]; got {budget!r}")
    v = _upto(vix, as_of)
    ratio, _ = _rise(v, days)
    ratio = ratio.dropna()
    if ratio.empty:
        return None
    worst = float(ratio.max())
    rise = 100.0 * (worst - 1.0)
    notional = budget / (rise / 100.0) if rise > 0 else float("inf")
    return VolSizing(budget, budget, rise, ratio.idxmax().date(), notional, days)


VIX_RULE = RuleSpec(
    id="vix_term",
    section="timevalue",
    title="VIX term structure: time value of selling volatility",
    scale=("contango", "flat", "backwardation"),
    params=(
        Param("contango_below", float, lo=0.5, hi=1.5, doc="VIX/VIX3M below this is contango"),
        Param("backwardation_at", float, lo=0.5, hi=1.5, doc="VIX/VIX3M at or above this is backwardation"),
        Param("stale_after_days", int, lo=1, hi=60, doc="days after which the latest ratio counts as stale"),
    ),
    description=(
        "Contango (the 30-day VIX below the 3-month VIX3M) pays volatility sellers to wait; backwardation means "
        "stress, when that carry turns into losses. Selling volatility is sized so that losing the whole position "
        "stays within the loss budget."
    ),
    outcome="largest VIX rise over the next month (%)",
)


def _vix_level(ratio: np.ndarray, params: Mapping[str, float]) -> np.ndarray:
    lvl = np.where(ratio >= params["backwardation_at"], 2, np.where(ratio < params["contango_below"], 0, 1))
    return np.where(np.isnan(ratio), -1, lvl)


def evaluate_vix_term(
    vix: pd.Series, vix3m: pd.Series, *, params: Mapping[str, float], as_of: date, sizing: VolSizing | None = None
) -> Verdict:
    """VIX term-structure verdict; ``sizing`` adds the largest positions the budget allows."""
    if params["contango_below"] > params["backwardation_at"]:
        raise ValueError("contango_below must be <= backwardation_at")
    rule = VIX_RULE
    term = vix_term(vix, vix3m, as_of=as_of)
    if term is None:
        miss = [n for n, s in (("VIX", vix), ("VIX3M", vix3m)) if _upto(s, as_of).empty] or ["VIX and VIX3M on a "
                                                                                             "common date"]
        return no_data_verdict(rule, as_of, miss, params)
    state = rule.scale[int(_vix_level(np.array([term.ratio]), params)[0])]
    stale = (as_of - term.date).days > params["stale_after_days"]
    evidence = [
        Evidence("VIX / VIX3M", round(term.ratio, 3), "ratio", term.date),
        Evidence("VIX", term.vix, "index", term.date),
        Evidence("VIX3M", term.vix3m, "index", term.date),
    ]
    for label, share in term.contango_share.items():
        start, n = term.windows[label]
        full = pd.Timestamp(term.date) - pd.DateOffset(years=term.window_years[label]) + pd.Timedelta(days=7)
        name = f"days in contango, {label}" if pd.Timestamp(start) <= full else \
            f"days in contango, {label} (data from {start.isoformat()})"
        evidence.append(Evidence(name, round(share, 3), "share", note=f"{n} days from {start}"))
    size = ""
    if sizing is not None:
        evidence += [
            Evidence("loss budget", sizing.budget, "share"),
            Evidence("max position that can go to zero", sizing.max_zero_position, "share"),
            Evidence(f"worst {sizing.days}-day VIX rise on record", round(sizing.worst_rise_pct, 0), "pct_change",
                     sizing.worst_date),
            Evidence("max short-VIX notional, % of capital", round(100.0 * sizing.max_short_notional, 2), "percent"),
        ]
        size = (f", at most {sizing.max_zero_position:.0%} of capital in a position that can go to zero (short VIX "
                f"notional at most {sizing.max_short_notional:.1%})")
    text = {
        "contango": f"VIX/VIX3M at {term.ratio:.2f}: contango pays volatility sellers to wait; harvest it only in "
                    f"small size{size}, and accept periodic blow-ups.",
        "flat": f"VIX/VIX3M at {term.ratio:.2f}: the term structure is flat and the carry for selling volatility is "
                "thin; do not add to short-volatility positions.",
        "backwardation": f"VIX/VIX3M at {term.ratio:.2f}: backwardation, the market prices stress now; selling "
                         "volatility loses its carry and faces the blow-up.",
    }[state]
    if stale:
        text = f"Stale data (VIX3M to {term.date.isoformat()}): {text}"
    return make_verdict(rule, state, text, evidence, params, as_of, stale=stale)


def vix_term_states(vix: pd.Series, vix3m: pd.Series, *, params: Mapping[str, float], dates: Sequence) -> pd.Series:
    idx = pd.DatetimeIndex(dates)
    r = asof_values(vix_ratio(vix, vix3m), idx, max_age_days=int(params["stale_after_days"])).to_numpy()
    return _states(_vix_level(r, params), VIX_RULE.scale, idx)


# --- futures roll ----------------------------------------------------------------------------------


def roll_yield(f1: pd.Series, f2: pd.Series, d1: pd.Series, d2: pd.Series) -> pd.Series:
    """Annualised roll yield between the first two contracts, percent per year (module formula).

    Dates where the two expiries coincide or a value is missing are dropped.
    """
    df = pd.concat([series_input(f1), series_input(f2), series_input(d1), series_input(d2)], axis=1, join="inner")
    df.columns = ["f1", "f2", "d1", "d2"]
    gap = df["d2"] - df["d1"]
    df = df[(gap > 0) & (df["f1"] > 0) & (df["f2"] > 0)]
    return (100.0 * np.log(df["f1"] / df["f2"]) * 365.0 / (df["d2"] - df["d1"])).rename("roll_yield")


@dataclass(frozen=True)
class RollReading:
    """Roll of one futures curve on one date. ``roll_pct``: annualised roll yield (% per year);
    ``avg_roll_1y``: its average over the past year; ``contango_share_1y``: share of that year's
    days in contango (:math:`F_2 > F_1`)."""

    name: str
    date: date
    f1: float
    f2: float
    d1: float
    d2: float
    roll_pct: float
    avg_roll_1y: float
    contango_share_1y: float

    @property
    def shape(self) -> str:
        return "contango" if self.f2 > self.f1 else ("backwardation" if self.f2 < self.f1 else "flat")


def roll_reading(name: str, f1: pd.Series, f2: pd.Series, d1: pd.Series, d2: pd.Series, *, as_of: date
                 ) -> RollReading | None:
    ry = _upto(roll_yield(f1, f2, d1, d2), as_of)
    if ry.empty:
        return None
    t = ry.index[-1]
    year = ry.loc[t - pd.DateOffset(years=1) + pd.Timedelta(days=1): t]
    vals = {k: float(series_input(s).loc[t]) for k, s in (("f1", f1), ("f2", f2), ("d1", d1), ("d2", d2))}
    return RollReading(name, t.date(), vals["f1"], vals["f2"], vals["d1"], vals["d2"], float(ry.iloc[-1]),
                       float(year.mean()), float((year < 0).mean()))


FUTURES_RULE = RuleSpec(
    id="futures_roll",
    section="timevalue",
    title="Futures roll: the cost of holding futures-based products",
    scale=("roll gain", "mild cost", "heavy cost"),
    params=(
        Param("heavy_below", float, lo=-100.0, hi=0.0,
              doc="annualised roll yield (percent per year) below which rolling is a heavy cost"),
        Param("stale_after_days", int, lo=1, hi=60, doc="days after which a curve's last settlement counts as stale"),
    ),
    description=(
        "Reads the annualised roll yield between the two nearest contracts of every loaded futures curve; the "
        "costliest curve decides. At or above zero (backwardation) a long position earns the roll; below the "
        "heavy threshold, rolling eats a large part of the underlying's move each year."
    ),
    outcome="ETF minus spot return over the next 12 months, average of the loaded products (pp)",
)


def _roll_level(ry: np.ndarray, params: Mapping[str, float]) -> np.ndarray:
    lvl = np.where(ry >= 0.0, 0, np.where(ry < params["heavy_below"], 2, 1))
    return np.where(np.isnan(ry), -1, lvl)


def evaluate_futures_roll(readings: Sequence[RollReading], *, params: Mapping[str, float], as_of: date) -> Verdict:
    """Verdict over the loaded curves: the lowest current roll yield decides."""
    rule = FUTURES_RULE
    fresh = [r for r in readings if r is not None]
    if not fresh:
        return no_data_verdict(rule, as_of, ["a futures settlement curve (none is loaded)"], params)
    worst = min(fresh, key=lambda r: r.roll_pct)
    state = rule.scale[int(_roll_level(np.array([worst.roll_pct]), params)[0])]
    stale_ones = [r for r in fresh if (as_of - r.date).days > params["stale_after_days"]]
    evidence = [Evidence(f"{r.name}: roll yield ({r.shape})", round(r.roll_pct, 1), "percent", r.date,
                         note=f"past-year average {r.avg_roll_1y:+.1f}%/yr") for r in fresh]
    text = {
        "roll gain": f"Every loaded curve is in backwardation or flat (lowest roll yield: {worst.name}, "
                     f"{worst.roll_pct:+.1f}%/yr): holding the futures earns the roll.",
        "mild cost": f"{worst.name} is in contango ({worst.roll_pct:+.1f}%/yr roll yield): a futures-based product "
                     "gives up part of the spot move to rolling.",
        "heavy cost": f"{worst.name} is in steep contango ({worst.roll_pct:+.1f}%/yr roll yield): a futures-based "
                      "product held through it loses heavily to the roll even if the spot price holds.",
    }[state]
    stale = worst in stale_ones
    if stale_ones:
        text = f"Stale data ({', '.join(f'{r.name} to {r.date}' for r in stale_ones)}): {text}"
    return make_verdict(rule, state, text, evidence, params, as_of, stale=stale)


def futures_roll_states(curves: Sequence[pd.Series], *, params: Mapping[str, float], dates: Sequence) -> pd.Series:
    """State at each date from the roll-yield series of each curve (the lowest current one decides)."""
    idx = pd.DatetimeIndex(dates)
    if not curves:
        return pd.Series(NO_DATA, index=idx, dtype=object)
    vals = np.vstack([asof_values(c, idx, max_age_days=int(params["stale_after_days"])).to_numpy() for c in curves])
    with np.errstate(all="ignore"):
        low = np.where(np.all(np.isnan(vals), axis=0), np.nan, np.nanmin(np.where(np.isnan(vals), np.inf, vals), axis=0))
    return _states(_roll_level(low, params), FUTURES_RULE.scale, idx)


# --- futures-ETF audit ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EtfAudit:
    """ETF vs spot over a holding period. Returns in percent; ``gap_pp`` = ETF minus spot
    (percentage points), ``gap_pa_pp`` the same per year, from the annualised returns
    :math:`(1 + R)^{1/T} - 1`."""

    name: str
    start: date
    end: date
    years: float
    etf_return: float
    spot_return: float
    gap_pp: float
    gap_pa_pp: float


def etf_audit(name: str, etf: pd.Series, spot: pd.Series, *, as_of: date, years: float = 1.0) -> EtfAudit | None:
    """Compare the ETF's and the spot's returns over the ``years`` ending at their last common date."""
    both = pd.concat([_upto(etf, as_of), _upto(spot, as_of)], axis=1, join="inner").dropna()
    if both.empty:
        return None
    end = both.index[-1]
    start_target = end - pd.DateOffset(days=int(round(365.25 * years)))
    before = both.loc[:start_target]
    if before.empty:
        return None
    a, b = before.iloc[-1], both.iloc[-1]
    t = (end - before.index[-1]).days / 365.25
    r_etf, r_spot = b.iloc[0] / a.iloc[0] - 1.0, b.iloc[1] / a.iloc[1] - 1.0
    ann = lambda r: (1.0 + r) ** (1.0 / t) - 1.0 if r > -1.0 else -1.0  # noqa: E731
    return EtfAudit(name, before.index[-1].date(), end.date(), t, 100.0 * r_etf, 100.0 * r_spot,
                    100.0 * (r_etf - r_spot), 100.0 * (ann(r_etf) - ann(r_spot)))


def max_drawdown(prices: pd.Series, *, as_of: date) -> tuple[float, date, date] | None:
    """Largest peak-to-trough fall up to ``as_of``: (percent, peak date, trough date)."""
    p = _upto(prices, as_of)
    if len(p) < 2:
        return None
    peak = p.cummax()
    dd = p / peak - 1.0
    trough = dd.idxmin()
    pk = p.loc[:trough].idxmax()
    return 100.0 * float(dd.min()), pk.date(), trough.date()


# --- credit observation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpreadReading:
    """A credit spread (percent) on its last date: percentile of the level among the window's
    observations (share at or below it), change over 4 weeks in bp (from the last value on or
    before 28 days earlier, if it is at most 10 days older than that), and the window."""

    date: date
    level: float
    percentile: float
    chg_4w_bp: float | None
    window_start: date
    n: int


def spread_reading(s: pd.Series, *, as_of: date, years: int) -> SpreadReading | None:
    x = _upto(s, as_of)
    if x.empty:
        return None
    t = x.index[-1]
    w = x.loc[t - pd.DateOffset(years=years): t]
    level = float(x.iloc[-1])
    prev = x.loc[t - pd.Timedelta(days=38): t - pd.Timedelta(days=28)]
    chg = (level - float(prev.iloc[-1])) * 100.0 if not prev.empty else None
    return SpreadReading(t.date(), level, float((w <= level).mean()), chg, w.index[0].date(), int(len(w)))


CREDIT_RULE = RuleSpec(
    id="credit_spreads",
    section="timevalue",
    title="Credit observation: high-yield spreads",
    scale=("calm", "widening", "stress"),
    params=(
        Param("percentile_years", int, lo=2, hi=50, doc="window (years) of the spread's percentile"),
        Param("widening_bp", float, lo=0.0, hi=500.0, doc="4-week widening (bp) at or above which spreads are widening"),
        Param("stress_bp", float, lo=0.0, hi=1000.0, doc="4-week widening (bp) at or above which spreads signal stress"),
        Param("widening_pct", float, lo=0.0, hi=1.0, doc="percentile at or above which spreads are widening"),
        Param("stress_pct", float, lo=0.0, hi=1.0, doc="percentile at or above which spreads signal stress"),
        Param("stale_after_days", int, lo=1, hi=60, doc="days after which the latest spread counts as stale"),
    ),
    description=(
        "High-yield spreads are read as an observation post for credit, not as an allocation: stress when the "
        "level is in the top of its history or it widened sharply in four weeks, widening on a smaller move or an "
        "elevated level, calm otherwise. Baa minus Treasury stands in when the high-yield index is missing."
    ),
    outcome="next 12 months' S&P 500 return (%)",
)


def _credit_level(pct: np.ndarray, chg: np.ndarray, params: Mapping[str, float]) -> np.ndarray:
    c = np.nan_to_num(chg, nan=-np.inf)
    stress = (pct >= params["stress_pct"]) | (c >= params["stress_bp"])
    widening = (pct >= params["widening_pct"]) | (c >= params["widening_bp"])
    lvl = np.where(stress, 2, np.where(widening, 1, 0))
    return np.where(np.isnan(pct), -1, lvl)


def _check_credit(params: Mapping[str, float]) -> None:
    if params["widening_bp"] > params["stress_bp"] or params["widening_pct"] > params["stress_pct"]:
        raise ValueError("widening thresholds must be <= stress thresholds")


def evaluate_credit(
    spreads: Mapping[str, pd.Series], *, params: Mapping[str, float], as_of: date
) -> Verdict:
    """Credit verdict from the first available of ``spreads`` (label -> spread in percent,
    e.g. high-yield OAS then Baa minus 10-year); the others are evidence."""
    _check_credit(params)
    rule = CREDIT_RULE
    years = int(params["percentile_years"])
    readings = {k: spread_reading(s, as_of=as_of, years=years) for k, s in spreads.items()}
    usable = [(k, r) for k, r in readings.items() if r is not None]
    if not usable:
        return no_data_verdict(rule, as_of, list(spreads), params)
    fresh = [(k, r) for k, r in usable if (as_of - r.date).days <= params["stale_after_days"]]
    label, r = (fresh or usable)[0]
    stale = not fresh
    state = rule.scale[int(_credit_level(np.array([r.percentile]), np.array([np.nan if r.chg_4w_bp is None
                                                                             else r.chg_4w_bp]), params)[0])]
    evidence = []
    for k, x in usable:
        evidence += [Evidence(k, x.level, "percent", x.date),
                     Evidence(f"{k}: percentile, {years}y", round(x.percentile, 3), "share"),
                     Evidence(f"{k}: 4-week change", None if x.chg_4w_bp is None else round(x.chg_4w_bp, 0), "bp")]
    chg = "" if r.chg_4w_bp is None else f", {r.chg_4w_bp:+.0f} bp in 4 weeks"
    text = {
        "calm": f"{label} at {r.level:.2f}% ({r.percentile:.0%} percentile{chg}): credit is calm.",
        "widening": f"{label} at {r.level:.2f}% ({r.percentile:.0%} percentile{chg}): spreads are widening; watch "
                    "credit for spill-over.",
        "stress": f"{label} at {r.level:.2f}% ({r.percentile:.0%} percentile{chg}): credit is under stress.",
    }[state]
    if label != next(iter(spreads)):
        text += f" ({next(iter(spreads))} is not current; {label} stands in.)"
    if stale:
        text = f"Stale data ({label} to {r.date.isoformat()}): {text}"
    return make_verdict(rule, state, text, evidence, params, as_of, stale=stale)


def credit_states(spread: pd.Series, *, params: Mapping[str, float], dates: Sequence) -> pd.Series:
    """State at each date: percentile over a rolling window of ``percentile_years`` and the
    4-week change, from observations up to that date."""
    _check_credit(params)
    idx = pd.DatetimeIndex(dates)
    s = series_input(spread)
    if s.empty:
        return pd.Series(NO_DATA, index=idx, dtype=object)
    days = int(round(365.25 * int(params["percentile_years"])))
    pct = s.rolling(f"{days}D").rank(pct=True, method="max")
    prev = asof_values(s, s.index - pd.Timedelta(days=28), max_age_days=10).to_numpy()
    chg = pd.Series((s.to_numpy() - prev) * 100.0, index=s.index)
    age = int(params["stale_after_days"])
    lvl = _credit_level(asof_values(pct, idx, max_age_days=age).to_numpy(),
                        asof_values(chg, idx, max_age_days=age).to_numpy(), params)
    return _states(lvl, CREDIT_RULE.scale, idx)


RULES = (VIX_RULE, FUTURES_RULE, CREDIT_RULE)
