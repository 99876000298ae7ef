"""When Treasuries stop anchoring: gold, the dollar, equities and diversified portfolios (section 6).

Three measurements with a rule each:

* **Gold vs real yields** (``gold_real_yield``): rolling correlation of weekly gold returns with
  weekly changes of the 10-year TIPS yield (textbook: negative), the residual of log gold on the
  real yield from a fixed estimation window, and the asymmetry test: gold's beta on Treasury
  price returns in weeks when Treasuries rise against weeks when they fall.
* **Textbook signs** (``anchor_signs``): over the last 6 and 12 months, does the dollar still
  rise with the 10-year yield (positive correlation of weekly changes) and do equities still
  fall when yields rise (negative correlation)?
* **Gold in portfolios** (``gold_sleeve``): 60/40 and inverse-volatility risk parity, each
  with and without a gold sleeve; the Sharpe ratio gained by adding gold.

Units: yields in percent; yield changes in bp; returns in percent per week for the regressions
and decimals in the portfolio statistics; correlations unitless.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

import numpy as np
import pandas as pd

from .crossasset import state_series
from .portfolio import (
    PerfStats,
    accrual_returns,
    inverse_vol_weights,
    par_bond_returns,
    perf_stats,
    rebalanced_returns,
    window_start,
)
from .rules import Evidence, Param, RuleSpec, Verdict, asof_values, make_verdict, no_data_verdict
from .stats import series_input

__all__ = [
    "RULES",
    "GOLD_RULE",
    "SIGNS_RULE",
    "SLEEVE_RULE",
    "weekly",
    "GoldRealYield",
    "gold_real_yield",
    "evaluate_gold",
    "gold_states",
    "SignCheck",
    "AnchorSigns",
    "textbook_signs",
    "evaluate_signs",
    "signs_states",
    "PORTFOLIOS",
    "PortfolioStudy",
    "portfolio_study",
    "evaluate_sleeve",
    "sleeve_states",
]



def weekly(s: pd.Series) -> pd.Series:
    """Last observation of each week ending Friday, dated that Friday (weeks without data dropped)."""
    s = series_input(s, "series")
    if s.empty:
        return s
    idx = s.index.normalize()
    friday = idx + pd.to_timedelta((4 - idx.day_of_week) % 7, unit="D")
    out = s.groupby(friday).last()
    out.index = pd.DatetimeIndex(out.index, name=s.index.name)
    return out


# --- gold vs real yields ---------------------------------------------------------------------------

GOLD_RULE = RuleSpec(
    id="gold_real_yield",
    section="anchor",
    title="Gold and real yields: is the Treasury anchor holding?",
    scale=("anchored", "loosening", "decoupled"),
    params=(
        Param("anchored_below", float, lo=-1.0, hi=0.5,
              doc="a rolling correlation of weekly gold returns and real-yield changes below this is anchored"),
        Param("decoupled_above", float, lo=-1.0, hi=1.0,
              doc="at or above this gold no longer trades off real yields (decoupled)"),
    ),
    description=(
        "Textbook: gold falls when real yields rise (a negative correlation of weekly changes). A correlation near "
        "zero or positive means gold is priced by something else, such as official buying or doubts about the "
        "Treasury itself."
    ),
    outcome="next 12 months' gold return",
)


@dataclass(frozen=True)
class GoldRealYield:
    """Gold against the 10-year real yield, weekly.

    ``corr``/``beta`` over the last ``window`` weeks: correlation of gold returns (%) with
    real-yield changes (bp) and the regression slope in percent of gold per 100 bp. The
    level fit is ``100 ln(gold) = a + b * real_yield`` over ``fit_start``..``fit_end``;
    ``residual`` is the latest actual minus fitted value (log points x 100, roughly percent of
    gold's price not explained by the real yield). The asymmetry betas regress gold returns on
    10-year Treasury price returns (both %) separately in weeks when Treasuries rose
    (``beta_up``) and fell (``beta_down``), over the last ``asym_years`` years.
    """

    date: date
    window: int
    corr: float
    beta_per_100bp: float
    corr_series: pd.Series
    fit_start: date
    fit_end: date
    fit_slope: float
    fit_r2: float
    residual: float
    residual_series: pd.Series
    asym_years: int
    beta_up: float | None
    beta_down: float | None
    n_up: int
    n_down: int

    @property
    def asymmetric(self) -> bool | None:
        """True when gold rose with Treasuries (``beta_up > 0``) at least twice as much as it fell with them
        (``beta_down < beta_up / 2``); None when either beta is missing."""
        if self.beta_up is None or self.beta_down is None:
            return None
        return self.beta_up > 0 and self.beta_down < self.beta_up / 2


def _slope(x: np.ndarray, y: np.ndarray) -> float | None:
    if len(x) < 5 or np.var(x) == 0:
        return None
    return float(np.cov(x, y, ddof=1)[0, 1] / np.var(x, ddof=1))


def gold_real_yield(
    gold: pd.Series,
    real_10y: pd.Series,
    nominal_10y: pd.Series,
    *,
    window: int = 52,
    fit_start: str = "2006-01-01",
    fit_end: str = "2021-12-31",
    asym_years: int = 3,
) -> GoldRealYield:
    """Weekly gold vs real-yield statistics (see :class:`GoldRealYield`).

    Gold in USD per ounce, yields in percent; all series are sampled on Fridays
    (:func:`weekly`) and aligned. Raises ``ValueError`` with fewer than ``window + 1`` weeks or
    no weeks in the estimation window.
    """
    g, r, y = weekly(gold), weekly(real_10y), weekly(nominal_10y)
    d = pd.concat({"g": g, "r": r}, axis=1, sort=True).dropna()
    if len(d) < window + 1:
        raise ValueError(f"gold vs real yields needs {window + 1} weeks of gold and the real yield; got {len(d)}")
    gr = np.log(d["g"]).diff() * 100.0
    dr = d["r"].diff() * 100.0
    corr = gr.rolling(window, min_periods=window).corr(dr).dropna()
    last = pd.concat({"g": gr, "r": dr}, axis=1).dropna().iloc[-window:]
    beta = _slope(last["r"].to_numpy(), last["g"].to_numpy())
    fit = d.loc[pd.Timestamp(fit_start):pd.Timestamp(fit_end)]
    if len(fit) < 10:
        raise ValueError(f"gold level fit: fewer than 10 weeks between {fit_start} and {fit_end}")
    lg = 100.0 * np.log(fit["g"].to_numpy())
    b, a = np.polyfit(fit["r"].to_numpy(), lg, 1)
    pred = a + b * fit["r"].to_numpy()
    r2 = 1.0 - np.sum((lg - pred) ** 2) / np.sum((lg - lg.mean()) ** 2)
    resid = 100.0 * np.log(d["g"]) - (a + b * d["r"])
    tr = par_bond_returns(y) * 100.0
    m = pd.concat({"g": np.log(g).diff() * 100.0, "t": tr}, axis=1, sort=True).dropna()
    m = m.loc[m.index[-1] - pd.DateOffset(years=asym_years):] if not m.empty else m
    up, dn = m[m["t"] > 0], m[m["t"] < 0]
    return GoldRealYield(
        date=d.index[-1].date(), window=window, corr=float(corr.iloc[-1]),
        beta_per_100bp=float(beta * 100.0) if beta is not None else float("nan"), corr_series=corr,
        fit_start=fit.index[0].date(), fit_end=fit.index[-1].date(), fit_slope=float(b), fit_r2=float(r2),
        residual=float(resid.iloc[-1]), residual_series=resid, asym_years=asym_years,
        beta_up=_slope(up["t"].to_numpy(), up["g"].to_numpy()),
        beta_down=_slope(dn["t"].to_numpy(), dn["g"].to_numpy()), n_up=int(len(up)), n_down=int(len(dn)),
    )


def _check_gold_params(params: Mapping[str, float]) -> None:
    if params["decoupled_above"] < params["anchored_below"]:
        raise ValueError("rules.gold_real_yield: decoupled_above must be >= anchored_below")


def _gold_state(corr: float, params: Mapping[str, float]) -> str:
    if corr < params["anchored_below"]:
        return "anchored"
    if corr >= params["decoupled_above"]:
        return "decoupled"
    return "loosening"


def evaluate_gold(res: GoldRealYield | None, *, params: Mapping[str, float], as_of: date,
                  stale: bool = False) -> Verdict:
    """Verdict of the gold-vs-real-yield rule, with the asymmetry and residual as evidence."""
    _check_gold_params(params)
    rule = GOLD_RULE
    if res is None:
        return no_data_verdict(rule, as_of, ["gold price", "10-year real yield"], params)
    state = _gold_state(res.corr, params)
    head = {
        "anchored": f"Gold still trades off real yields (correlation {res.corr:+.2f}): the Treasury anchor holds.",
        "loosening": f"Gold's link to real yields is loosening (correlation {res.corr:+.2f}).",
        "decoupled": f"Gold has decoupled from real yields (correlation {res.corr:+.2f}): something other than "
                     "the Treasury discount rate is pricing it.",
    }[state]
    if res.asymmetric:
        head += (f" Over {res.asym_years} years gold rose with Treasuries (beta {res.beta_up:.2f}) more than it "
                 f"fell with them (beta {res.beta_down:.2f}).")
    if stale:
        head = "Stale data: " + head
    ev = [
        Evidence(f"{res.window}-week correlation, gold vs real-yield changes", round(res.corr, 3), "corr", res.date),
        Evidence("gold move per 100 bp of real yield (same window)", round(res.beta_per_100bp, 1), "pct_change",
                 res.date),
        Evidence(f"gold relative to its real-yield fit ({res.fit_start.year}-{res.fit_end.year})",
                 round(float(np.exp(res.residual / 100.0)), 2), "x", res.date),
        Evidence(f"beta to Treasury returns, up weeks ({res.asym_years}y)",
                 None if res.beta_up is None else round(res.beta_up, 2), "ratio", res.date),
        Evidence(f"beta to Treasury returns, down weeks ({res.asym_years}y)",
                 None if res.beta_down is None else round(res.beta_down, 2), "ratio", res.date),
    ]
    return make_verdict(rule, state, head, ev, params, as_of, stale=stale)


def gold_states(corr: pd.Series, *, params: Mapping[str, float], dates: Sequence[pd.Timestamp]) -> pd.Series:
    """State on each date from the weekly rolling correlation (Friday values; no look-ahead)."""
    _check_gold_params(params)
    return state_series(asof_values(corr, dates, max_age_days=10), lambda x: _gold_state(x, params))


# --- textbook signs: dollar and equities vs yields -------------------------------------------------

SIGNS_RULE = RuleSpec(
    id="anchor_signs",
    section="anchor",
    title="Dollar and equities against yields: textbook signs",
    scale=("holds", "mixed", "fails"),
    params=(
        Param("min_abs_corr", float, lo=0.0, hi=1.0,
              doc="a relationship holds when its correlation has the textbook sign and at least this size"),
        Param("holds_min", int, lo=1, hi=4, doc="checks holding (of 4) at or above which the textbook holds"),
        Param("fails_max", int, lo=0, hi=3, doc="checks holding at or below which the textbook fails"),
    ),
    description=(
        "Four checks over the last 6 and 12 months of weekly changes: the dollar rises with the 10-year yield "
        "(interest parity), and equities fall when the 10-year yield rises (the discount-rate channel)."
    ),
    outcome="next 3 months' change in the stock-bond correlation",
)


@dataclass(frozen=True)
class SignCheck:
    """One textbook relationship over one window: weekly correlation and the net moves."""

    asset: str
    window: str
    weeks: int
    textbook: int  # +1: moves with the yield; -1: moves against it
    corr: float | None
    yield_change_bp: float | None
    asset_change_pct: float | None


@dataclass(frozen=True)
class AnchorSigns:
    date: date
    checks: tuple[SignCheck, ...]


def textbook_signs(
    yields_10y: pd.Series,
    *,
    dollar: pd.Series | None,
    equity: pd.Series | None,
    windows: Mapping[str, int] = MappingProxyType({"6m": 26, "12m": 52}),
) -> AnchorSigns:
    """Weekly correlations of the dollar (log change, %) and equities (return, %) with 10-year changes (bp).

    Each check uses the last ``weeks`` Friday-to-Friday changes its two series share; a check
    with fewer than 80% of the weeks, or a series that did not move, has ``corr`` None.
    """
    y = weekly(yields_10y)
    if y.empty:
        raise ValueError("textbook signs: no 10-year yields")
    dy = y.diff() * 100.0
    checks = []
    for asset, s, sign in (("dollar", dollar, +1), ("equities", equity, -1)):
        for label, weeks in windows.items():
            if s is None or s.dropna().empty:
                checks.append(SignCheck(asset, label, weeks, sign, None, None, None))
                continue
            w = weekly(s)
            da = np.log(w).diff() * 100.0
            d = pd.concat({"y": dy, "a": da}, axis=1, sort=True).dropna()
            d = d.loc[d.index > y.index[-1] - pd.Timedelta(weeks=weeks)]
            if len(d) < 0.8 * weeks or d["y"].std() == 0 or d["a"].std() == 0:
                checks.append(SignCheck(asset, label, weeks, sign, None, None, None))
                continue
            c = float(np.corrcoef(d["y"], d["a"])[0, 1])
            checks.append(SignCheck(asset, label, weeks, sign, c, float(d["y"].sum()),
                                    float((np.exp(d["a"].sum() / 100.0) - 1.0) * 100.0)))
    return AnchorSigns(date=y.index[-1].date(), checks=tuple(checks))


def check_holds(c: SignCheck, min_abs_corr: float) -> bool | None:
    """Whether a relationship has the textbook sign with ``|corr| >= min_abs_corr`` (None: no data)."""
    if c.corr is None:
        return None
    return bool(np.sign(c.corr) == c.textbook and abs(c.corr) >= min_abs_corr)


def _check_signs_params(params: Mapping[str, float]) -> None:
    if params["fails_max"] >= params["holds_min"]:
        raise ValueError("rules.anchor_signs: fails_max must be < holds_min")


def _signs_state(holds: int, params: Mapping[str, float]) -> str:
    if holds >= params["holds_min"]:
        return "holds"
    if holds <= params["fails_max"]:
        return "fails"
    return "mixed"


def evaluate_signs(res: AnchorSigns | None, *, params: Mapping[str, float], as_of: date,
                   stale: bool = False) -> Verdict:
    """Verdict: how many of the four textbook relationships hold. Needs all four measured."""
    _check_signs_params(params)
    rule = SIGNS_RULE
    if res is None:
        return no_data_verdict(rule, as_of, ["10-year yield", "broad dollar", "equity index"], params)
    flags = [(c, check_holds(c, params["min_abs_corr"])) for c in res.checks]
    missing = sorted({c.asset for c, h in flags if h is None})
    if missing:
        return no_data_verdict(rule, as_of, [f"{m} (weekly, 6-12 months)" for m in missing], params)
    holds = sum(1 for _, h in flags if h)
    state = _signs_state(holds, params)
    failing = [f"{c.asset} {c.window}" for c, h in flags if not h]
    head = {
        "holds": f"{holds} of 4 textbook links hold: the dollar rises and equities soften when Treasury yields rise.",
        "mixed": f"{holds} of 4 textbook links hold; not holding: {', '.join(failing)}.",
        "fails": f"Only {holds} of 4 textbook links hold (not holding: {', '.join(failing)}): yields are not "
                 "setting the direction of the dollar and equities.",
    }[state]
    if stale:
        head = "Stale data: " + head
    ev = [Evidence(f"{c.asset} vs 10y, {c.window} correlation (textbook {'+' if c.textbook > 0 else '-'})",
                   round(c.corr, 3), "corr", res.date) for c in res.checks]
    return make_verdict(rule, state, head, ev, params, as_of, stale=stale)


def signs_states(
    yields_10y: pd.Series, *, dollar: pd.Series, equity: pd.Series, params: Mapping[str, float],
    dates: Sequence[pd.Timestamp], windows: Mapping[str, int] = MappingProxyType({"6m": 26, "12m": 52}),
) -> pd.Series:
    """State on each date from rolling weekly correlations (Friday values; no look-ahead)."""
    _check_signs_params(params)
    idx = pd.DatetimeIndex(dates)
    dy = weekly(yields_10y).diff() * 100.0
    count = np.zeros(len(idx))
    valid = np.ones(len(idx), dtype=bool)
    for s, sign in ((dollar, +1), (equity, -1)):
        da = np.log(weekly(s)).diff() * 100.0
        d = pd.concat({"y": dy, "a": da}, axis=1, sort=True).dropna()
        for weeks in windows.values():
            c = d["y"].rolling(weeks, min_periods=int(np.ceil(0.8 * weeks))).corr(d["a"]).dropna()
            v = asof_values(c, idx, max_age_days=10).to_numpy()
            valid &= ~np.isnan(v)
            count += np.where(np.isnan(v), 0, (np.sign(v) == sign) & (np.abs(v) >= params["min_abs_corr"]))
    return state_series(pd.Series(np.where(valid, count, np.nan), index=idx), lambda n: _signs_state(int(n), params))


# --- portfolios with and without gold --------------------------------------------------------------

#: portfolio names in display order: (name, base construction, with gold sleeve)
PORTFOLIOS = (("60/40", "fixed", False), ("60/40 + gold", "fixed", True),
              ("Risk parity", "invvol", False), ("Risk parity + gold", "invvol", True))

SLEEVE_RULE = RuleSpec(
    id="gold_sleeve",
    section="anchor",
    title="Diversification: what a gold sleeve adds",
    scale=("little gain", "some gain", "large gain"),
    params=(
        Param("window", str, choices=("3y", "10y", "ytd"), doc="statistics window the rule reads"),
        Param("some_gain", float, lo=0.0, hi=2.0,
              doc="mean Sharpe-ratio gain from the gold sleeve (60/40 and risk parity) at or above this is 'some'"),
        Param("large_gain", float, lo=0.0, hi=3.0, doc="at or above this the gain is large"),
    ),
    description=(
        "Adds a gold sleeve to a 60/40 and to an inverse-volatility risk-parity portfolio of equities and "
        "10-year Treasuries, and compares Sharpe ratios. A large gain means the Treasury leg no longer "
        "diversifies equities well enough on its own."
    ),
    outcome="next 12 months' Sharpe gain from gold",
)


@dataclass(frozen=True)
class PortfolioStudy:
    """Statistics of the four portfolios over each window.

    ``stats[(name, window)]`` is a :class:`~analytics.portfolio.PerfStats` or None when the
    data does not cover the window. ``gain[(base, window)]`` is the Sharpe ratio with the gold
    sleeve minus without, for base ``60/40`` and ``Risk parity``. ``returns`` holds the daily
    returns of the four portfolios (for charts and track records), ``risk_free`` the cash
    return used in the Sharpe ratios.
    """

    date: date
    windows: tuple[str, ...]
    stats: Mapping[tuple[str, str], PerfStats | None]
    gain: Mapping[tuple[str, str], float | None]
    returns: pd.DataFrame
    risk_free: pd.Series
    stock_weight: float
    gold_weight: float
    vol_window: int
    start: date


def portfolio_study(
    equity: pd.Series,
    yields_10y: pd.Series,
    gold: pd.Series,
    cash_rate: pd.Series,
    *,
    as_of: date,
    windows: Sequence[str] = ("3y", "10y", "ytd"),
    stock_weight: float = 0.6,
    gold_weight: float = 0.10,
    vol_window: int = 63,
    rebalance: str = "MS",
    coverage_slack_days: int = 10,
) -> PortfolioStudy:
    """Build the four portfolios from daily equity levels, 10-year yields, gold and a cash rate.

    All three assets are aligned on their common dates; the Treasury leg earns
    :func:`par_bond_returns` of the 10-year yield, equities their price return, gold its price
    return; cash earns ``cash_rate`` (percent) by :func:`accrual_returns`. The 60/40 holds
    ``stock_weight`` in equities and the rest in Treasuries; risk parity holds them in inverse
    proportion to their trailing ``vol_window``-day volatility; a gold sleeve takes
    ``gold_weight`` and scales the base weights by ``1 - gold_weight``. All rebalance monthly.
    A window counts only if the returns start within ``coverage_slack_days`` of its start.
    """
    if not 0 < stock_weight < 1:
        raise ValueError(f"stock_weight must be in (0, 1), got {stock_weight}")
    if not 0 < gold_weight < 1:
        raise ValueError(f"gold_weight must be in (0, 1), got {gold_weight}")
    eq, y, g = series_input(equity, "equity"), series_input(yields_10y, "yields_10y"), series_input(gold, "gold")
    common = eq.index.intersection(y.index).intersection(g.index)
    first_needed = min(window_start(as_of, w) for w in windows) - pd.Timedelta(days=int(vol_window * 1.6) + 45)
    common = common[(common <= pd.Timestamp(as_of)) & (common >= first_needed)]
    if len(common) < vol_window + 30:
        raise ValueError(f"portfolios need at least {vol_window + 30} common dates of equity, 10-year yield and gold; "
                         f"got {len(common)}")
    r = pd.DataFrame({
        "equity": eq.loc[common].pct_change(),
        "treasury": par_bond_returns(y.loc[common]),
        "gold": g.loc[common].pct_change(),
    }).iloc[1:]
    if cash_rate.dropna().empty:
        raise ValueError("portfolios need a cash rate for the Sharpe ratios (3-month Treasury yield)")
    rf = accrual_returns(cash_rate, common).reindex(r.index)
    if rf.isna().any():
        raise ValueError(f"the cash rate starts after the first portfolio date {r.index[0].date()}")
    gw = gold_weight
    iv = inverse_vol_weights(r[["equity", "treasury"]], vol_window=vol_window, freq=rebalance)
    iv_gold = pd.concat([iv * (1.0 - gw), pd.Series(gw, index=r.index, name="gold").where(iv.notna().all(axis=1))],
                        axis=1)
    weights = {
        "60/40": {"equity": stock_weight, "treasury": 1.0 - stock_weight},
        "60/40 + gold": {"equity": stock_weight * (1 - gw), "treasury": (1.0 - stock_weight) * (1 - gw), "gold": gw},
        "Risk parity": iv,
        "Risk parity + gold": iv_gold,
    }
    rets = {}
    for name, _, with_gold in PORTFOLIOS:
        cols = ["equity", "treasury", "gold"] if with_gold else ["equity", "treasury"]
        rets[name] = rebalanced_returns(r[cols], weights[name], freq=rebalance)
    port = pd.DataFrame(rets)
    stats: dict[tuple[str, str], PerfStats | None] = {}
    for w in windows:
        start = window_start(as_of, w)
        for name in port.columns:
            s = port[name].dropna()
            s = s.loc[s.index > start]
            covered = not s.empty and (s.index[0] - start).days <= coverage_slack_days + (4 if w == "ytd" else 0)
            stats[(name, w)] = perf_stats(s, risk_free=rf.reindex(s.index)) if covered and len(s) > 2 else None
    gain: dict[tuple[str, str], float | None] = {}
    for base in ("60/40", "Risk parity"):
        for w in windows:
            a, b = stats.get((base, w)), stats.get((f"{base} + gold", w))
            ok = a is not None and b is not None and a.sharpe is not None and b.sharpe is not None
            gain[(base, w)] = (b.sharpe - a.sharpe) if ok else None
    return PortfolioStudy(date=r.index[-1].date(), windows=tuple(windows), stats=dict(stats),
                          gain=dict(gain), returns=port, risk_free=rf, stock_weight=stock_weight,
                          gold_weight=gold_weight, vol_window=vol_window, start=r.index[0].date())


def _check_sleeve_params(params: Mapping[str, float]) -> None:
    if params["large_gain"] < params["some_gain"]:
        raise ValueError("rules.gold_sleeve: large_gain must be >= some_gain")


def _sleeve_state(gain: float, params: Mapping[str, float]) -> str:
    if gain >= params["large_gain"]:
        return "large gain"
    if gain >= params["some_gain"]:
        return "some gain"
    return "little gain"


def evaluate_sleeve(res: PortfolioStudy | None, *, params: Mapping[str, object], as_of: date,
                    stale: bool = False) -> Verdict:
    """Verdict from the mean Sharpe gain of the gold sleeve over the rule's window."""
    _check_sleeve_params(params)
    rule = SLEEVE_RULE
    w = str(params["window"])
    if res is None:
        return no_data_verdict(rule, as_of, ["equity index", "10-year yield", "gold price"], params)
    gains = [res.gain.get((b, w)) for b in ("60/40", "Risk parity")]
    if any(x is None for x in gains):
        return no_data_verdict(rule, as_of, [f"a full {w} window of equities, Treasuries and gold"], params)
    mean_gain = float(np.mean(gains))
    state = _sleeve_state(mean_gain, params)
    pct = f"{res.gold_weight:.0%}"
    head = {
        "little gain": f"A {pct} gold sleeve adds little over {w} (Sharpe {mean_gain:+.2f}): stocks and Treasuries "
                       "still diversify each other.",
        "some gain": f"A {pct} gold sleeve improved the Sharpe ratio by {mean_gain:+.2f} over {w}.",
        "large gain": f"A {pct} gold sleeve lifted the Sharpe ratio by {mean_gain:+.2f} over {w}: the Treasury leg "
                      "alone no longer diversifies enough.",
    }[state]
    if stale:
        head = "Stale data: " + head
    ev = []
    for base in ("60/40", "Risk parity"):
        a, b = res.stats[(base, w)], res.stats[(f"{base} + gold", w)]
        ev.append(Evidence(f"{base} Sharpe, {w}", round(a.sharpe, 2) if a.sharpe is not None else None, "ratio",
                           res.date))
        ev.append(Evidence(f"{base} + gold Sharpe, {w}", round(b.sharpe, 2) if b.sharpe is not None else None,
                           "ratio", res.date))
    ev.append(Evidence(f"mean Sharpe gain from gold, {w}", round(mean_gain, 3), "ratio", res.date))
    return make_verdict(rule, state, head, ev, params, as_of, stale=stale)


def _rolling_sharpe(r: pd.Series, rf: pd.Series, n: int) -> pd.Series:
    e = r - rf.reindex(r.index).fillna(0.0)
    return e.rolling(n, min_periods=n).mean() / e.rolling(n, min_periods=n).std() * np.sqrt(252.0)


def sleeve_states(study: PortfolioStudy, *, params: Mapping[str, object], dates: Sequence[pd.Timestamp]) -> pd.Series:
    """State on each date from trailing Sharpe ratios over the rule's window in trading days
    (252 per year; the YTD window is approximated by one year)."""
    _check_sleeve_params(params)
    w = str(params["window"])
    n = 252 * (int(w[:-1]) if w != "ytd" else 1)
    p, rf = study.returns, study.risk_free
    gains = []
    for base in ("60/40", "Risk parity"):
        a = _rolling_sharpe(p[base].dropna(), rf, n)
        b = _rolling_sharpe(p[f"{base} + gold"].dropna(), rf, n)
        gains.append((b - a).dropna())
    idx = pd.DatetimeIndex(dates)
    v = (asof_values(gains[0], idx, max_age_days=10) + asof_values(gains[1], idx, max_age_days=10)) / 2.0
    return state_series(v, lambda x: _sleeve_state(x, params))


RULES = (GOLD_RULE, SIGNS_RULE, SLEEVE_RULE)
