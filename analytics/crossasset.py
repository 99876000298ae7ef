"""Cross-asset transmission of Treasury yields: stocks, equity valuation, foreign bonds, the dollar.

Four measurements, each with a rule (brief section 5):

* **Stock-bond correlation** (``stock_bond_corr``): rolling correlation of daily equity returns
  with daily 10-year Treasury returns (from yields, :func:`analytics.portfolio.par_bond_returns`).
  Negative means Treasuries hedge equities; positive means they fall together.
* **Equity risk premium** (``equity_risk_premium``): earnings yield (trailing earnings / price,
  percent) minus the 10-year real yield (TIPS; before TIPS, the nominal long rate minus trailing
  CPI inflation), in percentage points; the dividend-discount view in which a higher real
  discount rate thins the premium unless earnings keep up.
* **Spillovers** (``yield_spillover``): correlation and beta of monthly changes in foreign
  10-year yields on the U.S. 10-year change, over a rolling window and a long sample.
* **The dollar** (``dollar_regime``): co-movement of the broad dollar with the 10-year yield
  (correlation of daily changes over two windows, and the net moves), combined with a growth
  proxy and the fiscal balance, classed as smile right, smile left, fiscal frown or none.

Units: yields in percent; yield changes in basis points; returns and dollar moves in percent;
correlations unitless; betas in bp of foreign yield per bp of U.S. yield.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

import numpy as np
import pandas as pd

from .portfolio import par_bond_returns
from .rules import NO_DATA, Evidence, Param, RuleSpec, Verdict, asof_values, make_verdict, no_data_verdict
from .stats import series_input

__all__ = [
    "RULES",
    "STOCK_BOND_RULE",
    "ERP_RULE",
    "SPILLOVER_RULE",
    "DOLLAR_RULE",
    "SPILLOVER_GROUPS",
    "state_series",
    "last_crossing",
    "era_summary",
    "StockBondCorrelation",
    "stock_bond_correlation",
    "evaluate_stock_bond",
    "stock_bond_states",
    "EquityRiskPremium",
    "equity_risk_premium",
    "evaluate_erp",
    "erp_states",
    "SpilloverRow",
    "Spillovers",
    "yield_spillovers",
    "evaluate_spillover",
    "spillover_states",
    "DollarRegime",
    "dollar_regime",
    "dollar_state",
    "evaluate_dollar",
    "dollar_states",
]


# --- shared helpers ------------------------------------------------------------------------------



def state_series(values: pd.Series, level: Callable[[float], str]) -> pd.Series:
    """Map point-in-time values (NaN = no usable input) to states with a rule's level function.

    The verdict and the track record call the same ``level`` function, so they cannot disagree.
    """
    return pd.Series([NO_DATA if not np.isfinite(x) else level(float(x)) for x in values.to_numpy(dtype=float)],
                     index=values.index, dtype=object)


def last_crossing(s: pd.Series, level: float = 0.0, *, min_run: int = 1) -> tuple[date, str] | None:
    """Date and direction of the move that put ``s`` on its current side of ``level``.

    Observations are labelled above (``>= level``) or below. The current side is the label of
    the last observation. Going back in time, excursions to the other side shorter than
    ``min_run`` observations are ignored; the crossing is the first date on the current side
    after the last excursion of at least ``min_run`` observations. Returns ``(date, "up")``
    when the series is now above ``level``, ``(date, "down")`` when below, or None when it has
    been on the current side (apart from short excursions) over the whole sample.
    """
    s = series_input(s, "series")
    if min_run < 1:
        raise ValueError(f"min_run must be >= 1, got {min_run}")
    if s.empty:
        return None
    above = (s.to_numpy() >= level).astype(np.int8)
    edges = np.flatnonzero(np.diff(above)) + 1
    starts = np.concatenate(([0], edges))
    ends = np.concatenate((edges, [len(above)]))
    current = above[-1]
    crossing = None
    for a, b in zip(starts[::-1], ends[::-1]):
        if above[a] == current:
            crossing = a
        elif b - a >= min_run:
            return s.index[crossing].date(), ("up" if current else "down")
    return None


def era_summary(s: pd.Series, eras: Sequence[tuple[str, str | None, str | None]]) -> tuple[dict, ...]:
    """Mean, share of negative values and observations of ``s`` in labelled date ranges.

    ``eras`` holds ``(label, first, last)`` with ISO dates (None = open end). Eras without data
    are left out.
    """
    s = series_input(s, "series")
    out = []
    for label, a, b in eras:
        seg = s.loc[a:b]
        if seg.empty:
            continue
        out.append({"era": label, "start": seg.index[0].date(), "end": seg.index[-1].date(), "mean": float(seg.mean()),
                    "share_negative": float((seg < 0).mean()), "n": int(len(seg))})
    return tuple(out)


def _fmt_pp(x: float) -> str:
    return f"{x:+.2f} pp"


# --- stock-bond correlation ------------------------------------------------------------------------

STOCK_BOND_RULE = RuleSpec(
    id="stock_bond_corr",
    section="crossasset",
    title="Stock-bond correlation: does the Treasury hedge work?",
    scale=("negative", "near zero", "positive"),
    params=(
        Param("negative_below", float, lo=-1.0, hi=0.5,
              doc="a rolling correlation below this counts as negative (Treasuries hedge equities)"),
        Param("positive_above", float, lo=-0.5, hi=1.0,
              doc="a rolling correlation at or above this counts as positive (the hedge fails)"),
    ),
    description=(
        "Rolling correlation of daily equity returns with daily 10-year Treasury returns. Negative: Treasuries "
        "rally when equities fall, the 60/40 hedge works. Positive: both fall together, the hedge fails and "
        "the bond sleeve adds risk."
    ),
    outcome="next 12 months' 60/40 drawdown",
)


@dataclass(frozen=True)
class StockBondCorrelation:
    """Rolling stock-bond correlation and its regime.

    ``series`` is the rolling correlation on each date with a full window; ``corr`` its last
    value on ``date``. ``last_change`` is the date of the last lasting sign change
    (:func:`last_crossing` with ``min_run``) and ``direction`` "up" (turned positive) or "down".
    """

    date: date
    corr: float
    window: int
    series: pd.Series
    last_change: date | None
    direction: str | None
    min_run: int
    start: date
    n_obs: int


def stock_bond_correlation(
    equity: pd.Series, yields_10y: pd.Series, *, window: int = 252, min_run: int = 63, maturity: float = 10.0
) -> StockBondCorrelation:
    """Rolling ``window``-observation correlation of equity returns and 10-year Treasury returns.

    Both series are aligned on their common dates; equity returns are ``P_t/P_{t-1} - 1`` and
    Treasury returns come from the yields (percent) by :func:`par_bond_returns`. Raises
    ``ValueError`` when fewer than ``window + 1`` common dates exist.
    """
    eq = series_input(equity, "equity")
    y = series_input(yields_10y, "yields_10y")
    common = eq.index.intersection(y.index)
    if len(common) < window + 1:
        raise ValueError(f"stock-bond correlation needs {window + 1} common dates of equity and 10-year yields; "
                         f"got {len(common)}")
    eq, y = eq.loc[common], y.loc[common]
    er = eq.pct_change().iloc[1:]
    br = par_bond_returns(y, maturity=maturity)
    corr = er.rolling(window, min_periods=window).corr(br).dropna()
    cross = last_crossing(corr, 0.0, min_run=min_run)
    return StockBondCorrelation(
        date=corr.index[-1].date(), corr=float(corr.iloc[-1]), window=window, series=corr,
        last_change=cross[0] if cross else None, direction=cross[1] if cross else None, min_run=min_run,
        start=common[0].date(), n_obs=int(len(common)),
    )


def _stock_bond_state(corr: float, params: Mapping[str, float]) -> str:
    if corr < params["negative_below"]:
        return "negative"
    if corr >= params["positive_above"]:
        return "positive"
    return "near zero"


def _check_stock_bond_params(params: Mapping[str, float]) -> None:
    if params["positive_above"] < params["negative_below"]:
        raise ValueError("rules.stock_bond_corr: positive_above must be >= negative_below")


def evaluate_stock_bond(
    res: StockBondCorrelation | None, *, params: Mapping[str, float], as_of: date, stale: bool = False,
    equity_label: str = "equity index",
) -> Verdict:
    """Verdict of the stock-bond correlation rule (``res`` None: no data)."""
    _check_stock_bond_params(params)
    rule = STOCK_BOND_RULE
    if res is None:
        return no_data_verdict(rule, as_of, ["equity index", "10-year Treasury yield"], params)
    state = _stock_bond_state(res.corr, params)
    since = ""
    if res.last_change is not None:
        turned = "to positive" if res.direction == "up" else "to negative"
        since = f" It last changed sign on {res.last_change.isoformat()} ({turned})."
    headline = {
        "negative": "Stocks and Treasuries move opposite ways: the bond sleeve still hedges equity risk.",
        "near zero": "Stocks and Treasuries are barely correlated: the bond hedge is weak.",
        "positive": "Stocks and Treasuries fall together: the 60/40 hedge is impaired.",
    }[state] + since
    if stale:
        headline = "Stale data: " + headline
    ev = [
        Evidence(f"{res.window}-day correlation ({equity_label} vs 10y Treasury)", round(res.corr, 3), "corr",
                 res.date),
        Evidence("last lasting sign change", res.last_change.isoformat() if res.last_change else "none in sample",
                 "text"),
    ]
    return make_verdict(rule, state, headline, ev, params, as_of, stale=stale)


def stock_bond_states(
    corr: pd.Series, *, params: Mapping[str, float], dates: Sequence[pd.Timestamp], max_age_days: int = 7
) -> pd.Series:
    """The rule's state on each of ``dates`` from the rolling correlation series (no look-ahead)."""
    _check_stock_bond_params(params)
    v = asof_values(corr, dates, max_age_days=max_age_days)
    return state_series(v, lambda x: _stock_bond_state(x, params))


# --- equity risk premium ---------------------------------------------------------------------------

ERP_RULE = RuleSpec(
    id="equity_risk_premium",
    section="crossasset",
    title="Equity risk premium: earnings yield over the real yield",
    scale=("ample", "normal", "thin"),
    params=(
        Param("ample_above", float, lo=-5.0, hi=15.0, doc="a premium at or above this (pp) counts as ample"),
        Param("thin_below", float, lo=-5.0, hi=15.0, doc="a premium below this (pp) counts as thin"),
        Param("pressing_bp", float, lo=0.0, hi=300.0,
              doc="a rise in the real yield over 6 months of at least this (bp) counts as pressure on the denominator"),
    ),
    description=(
        "Earnings yield of the S&P composite (trailing twelve-month earnings over price, Shiller data) minus the "
        "10-year real yield. A thin premium leaves equities exposed to further rises in real yields."
    ),
    outcome="next 12 months' S&P 500 return",
)


@dataclass(frozen=True)
class EquityRiskPremium:
    """Earnings yield minus real yield (percent / percentage points), monthly.

    ``date`` is the last month with both earnings and a real yield. ``real_source`` says how
    the real yield of that month was measured. ``real_change_bp`` is the change of the real
    yield over ``change_months`` months to its latest month ``real_date`` (which can be later
    than ``date`` when earnings lag). ``percentile`` ranks ``erp`` in ``series`` since
    ``history_start`` (share of months at or below it).
    """

    date: date
    earnings_yield: float
    real_yield: float
    real_source: str
    erp: float
    percentile: float
    history_start: date
    series: pd.Series
    earnings_yield_series: pd.Series
    real_yield_series: pd.Series
    real_date: date
    real_change_bp: float | None
    erp_change_pp: float | None
    change_months: int
    inflation_years: int


def _month_start(s: pd.Series) -> pd.Series:
    s = s.copy()
    s.index = s.index.to_period("M").to_timestamp()
    return s.groupby(level=0).mean()


def equity_risk_premium(
    price: pd.Series,
    earnings: pd.Series,
    *,
    tips_10y: pd.Series,
    nominal_10y: pd.Series,
    cpi: pd.Series,
    inflation_years: int = 10,
    history_start: str = "1960-01-01",
    change_months: int = 6,
) -> EquityRiskPremium:
    """Monthly equity risk premium ``EY - RY`` (percentage points).

    * ``EY = 100 * E / P`` with trailing twelve-month earnings ``E`` and the monthly price ``P``;
    * ``RY`` is the monthly average TIPS 10-year yield where it exists; before TIPS,
      ``nominal_10y`` (percent) minus the annualised CPI inflation of the previous
      ``inflation_years`` years, ``100 * ((CPI_t / CPI_{t-12k})^{1/k} - 1)`` with ``k`` = years;
      this trailing average stands in for expected inflation (stated in the method notes).

    All inputs are month-averaged to month-start dates. Raises ``ValueError`` when no month has
    both an earnings yield and a real yield.
    """
    p = _month_start(series_input(price, "price"))
    e = _month_start(series_input(earnings, "earnings"))
    ey = (100.0 * e / p.reindex(e.index)).dropna()
    tips = _month_start(series_input(tips_10y, "tips_10y"))
    nom = _month_start(series_input(nominal_10y, "nominal_10y"))
    c = _month_start(series_input(cpi, "cpi"))
    k = int(inflation_years)
    infl = (100.0 * ((c / c.shift(12 * k, freq="MS")) ** (1.0 / k) - 1.0)).dropna()
    proxy = (nom - infl.reindex(nom.index)).dropna()
    if not tips.empty:
        proxy = proxy.loc[: tips.index[0] - pd.Timedelta(days=1)]
    ry = pd.concat([proxy, tips]).sort_index()
    ry = ry[~ry.index.duplicated(keep="last")]
    erp = (ey - ry.reindex(ey.index)).dropna()
    erp = erp.loc[pd.Timestamp(history_start):]
    if erp.empty:
        raise ValueError("equity risk premium: no month has both an earnings yield and a real yield")
    t = erp.index[-1]
    real_src = "10-year TIPS yield" if (not tips.empty and t >= tips.index[0]) else (
        f"nominal 10-year yield minus trailing {k}-year CPI inflation")
    real_change = None
    if len(ry) > change_months:
        prev = ry.loc[: ry.index[-1] - pd.DateOffset(months=change_months)]
        if not prev.empty:
            real_change = float((ry.iloc[-1] - prev.iloc[-1]) * 100.0)
    prev_erp = erp.loc[: t - pd.DateOffset(months=change_months)]
    erp_change = float(erp.iloc[-1] - prev_erp.iloc[-1]) if not prev_erp.empty else None
    return EquityRiskPremium(
        date=t.date(), earnings_yield=float(ey.loc[t]), real_yield=float(ry.loc[t]), real_source=real_src,
        erp=float(erp.iloc[-1]), percentile=float((erp <= erp.iloc[-1]).mean()),
        history_start=erp.index[0].date(), series=erp, earnings_yield_series=ey.loc[erp.index[0]:],
        real_yield_series=ry.loc[erp.index[0]:], real_date=ry.index[-1].date(), real_change_bp=real_change,
        erp_change_pp=erp_change, change_months=change_months, inflation_years=k,
    )


def _erp_state(erp: float, params: Mapping[str, float]) -> str:
    if erp >= params["ample_above"]:
        return "ample"
    if erp < params["thin_below"]:
        return "thin"
    return "normal"


def _check_erp_params(params: Mapping[str, float]) -> None:
    if params["ample_above"] < params["thin_below"]:
        raise ValueError("rules.equity_risk_premium: ample_above must be >= thin_below")


def evaluate_erp(res: EquityRiskPremium | None, *, params: Mapping[str, float], as_of: date,
                 stale: bool = False) -> Verdict:
    """Verdict of the equity-risk-premium rule (``res`` None: no data)."""
    _check_erp_params(params)
    rule = ERP_RULE
    if res is None:
        return no_data_verdict(rule, as_of, ["S&P earnings and price (Shiller)", "10-year real yield"], params)
    state = _erp_state(res.erp, params)
    pressing = res.real_change_bp is not None and res.real_change_bp >= params["pressing_bp"]
    head = {
        "ample": f"The equity risk premium is ample at {_fmt_pp(res.erp)}: valuations leave room for higher real "
                 "yields.",
        "normal": f"The equity risk premium is {_fmt_pp(res.erp)}, within its usual range.",
        "thin": f"The equity risk premium is thin at {_fmt_pp(res.erp)}: equities have little cushion against "
                "higher real yields.",
    }[state]
    if res.real_change_bp is not None:
        head += (f" The real yield rose {res.real_change_bp:.0f} bp in {res.change_months} months: rising yields are "
                 "pressing on the denominator." if pressing else
                 f" The real yield moved {res.real_change_bp:+.0f} bp in {res.change_months} months: no pressure "
                 "from the denominator.")
    if stale:
        head = f"Stale data (earnings last known for {res.date.strftime('%B %Y')}): " + head
    ev = [
        Evidence("earnings yield", round(res.earnings_yield, 2), "percent", res.date),
        Evidence(f"real yield ({res.real_source})", round(res.real_yield, 2), "percent", res.date),
        Evidence("equity risk premium", round(res.erp, 2), "pp", res.date),
        Evidence(f"percentile since {res.history_start.year}", round(res.percentile, 3), "share", res.date),
        Evidence(f"real yield change, {res.change_months} months", None if res.real_change_bp is None
                 else round(res.real_change_bp, 0), "bp", res.real_date),
    ]
    return make_verdict(rule, state, head, ev, params, as_of, stale=stale)


def erp_states(erp: pd.Series, *, params: Mapping[str, float], dates: Sequence[pd.Timestamp],
               max_age_days: int = 200) -> pd.Series:
    """State on each date from the monthly premium series (the month's value counts from month end)."""
    _check_erp_params(params)
    s = series_input(erp, "erp")
    s.index = s.index + pd.offsets.MonthEnd(0)
    v = asof_values(s, dates, max_age_days=max_age_days)
    return state_series(v, lambda x: _erp_state(x, params))


# --- spillovers ------------------------------------------------------------------------------------

#: country code -> (name, group) for the spillover table
SPILLOVER_GROUPS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "de": ("Germany", "Europe"), "fr": ("France", "Europe"), "it": ("Italy", "Europe"),
    "gb": ("United Kingdom", "Europe"), "ch": ("Switzerland", "Europe"),
    "jp": ("Japan", "Japan"), "ca": ("Canada", "Other"), "au": ("Australia", "Other"),
})

SPILLOVER_RULE = RuleSpec(
    id="yield_spillover",
    section="crossasset",
    title="Spillover of U.S. yields to European bonds (contagion risk)",
    scale=("low", "moderate", "high"),
    params=(
        Param("high_corr", float, lo=0.0, hi=1.0,
              doc="mean European correlation of monthly 10-year yield changes with the U.S. at or above this is high"),
        Param("moderate_corr", float, lo=0.0, hi=1.0, doc="at or above this (and below high_corr) is moderate"),
        Param("high_beta", float, lo=0.0, hi=3.0,
              doc="'high' also needs a mean European beta at or above this (bp per bp of U.S. move)"),
    ),
    description=(
        "Mean correlation and beta, over the rolling window, of monthly changes in European 10-year yields on the "
        "U.S. change. When they are high, a further rise in U.S. yields is likely to carry European yields with it."
    ),
    outcome="next 3 months' change in the German 10-year yield",
)


@dataclass(frozen=True)
class SpilloverRow:
    """One country's link to the U.S. 10-year: correlation and beta of monthly changes."""

    country: str
    name: str
    group: str
    corr_window: float | None
    beta_window: float | None
    n_window: int
    corr_long: float | None
    beta_long: float | None
    n_long: int
    last: date | None


@dataclass(frozen=True)
class Spillovers:
    """Spillover table; group means over the countries with a full rolling window."""

    rows: tuple[SpilloverRow, ...]
    window: int
    since: date
    end: date | None
    group_corr: Mapping[str, float | None]
    group_beta: Mapping[str, float | None]
    rolling_corr: pd.DataFrame


def _corr_beta(x: pd.Series, y: pd.Series) -> tuple[float | None, float | None]:
    if len(x) < 3 or x.var() == 0 or y.var() == 0:
        return None, None
    return float(np.corrcoef(x, y)[0, 1]), float(np.cov(x, y, ddof=1)[0, 1] / x.var(ddof=1))


def yield_spillovers(
    us: pd.Series,
    foreign: Mapping[str, pd.Series],
    *,
    window: int = 36,
    since: str = "1990-01-01",
    min_window_obs: int | None = None,
) -> Spillovers:
    """Correlation and beta of monthly changes of foreign 10-year yields on the U.S. change.

    ``beta = cov(dF, dUS) / var(dUS)``: basis points of foreign move per basis point of U.S.
    move. Each country's rolling figures use the last ``window`` months the two share (at
    least ``min_window_obs``, default 80% of the window); the long figures all months since
    ``since``. Inputs are monthly levels in percent (month-start dates; daily data is averaged).
    """
    u = _month_start(series_input(us, "us")).diff().dropna()
    need = int(min_window_obs if min_window_obs is not None else np.ceil(0.8 * window))
    rows, rolls = [], {}
    for code, s in foreign.items():
        if code not in SPILLOVER_GROUPS:
            raise ValueError(f"unknown country {code!r}; allowed: {', '.join(SPILLOVER_GROUPS)}")
        name, group = SPILLOVER_GROUPS[code]
        f = _month_start(series_input(s, f"foreign[{code}]")).diff().dropna()
        d = pd.concat({"u": u, "f": f}, axis=1, sort=True).dropna().loc[pd.Timestamp(since):]
        if d.empty:
            rows.append(SpilloverRow(code, name, group, None, None, 0, None, None, 0, None))
            continue
        last_w = d.iloc[-window:]
        cw, bw = _corr_beta(last_w["u"], last_w["f"]) if len(last_w) >= need else (None, None)
        cl, bl = _corr_beta(d["u"], d["f"])
        rows.append(SpilloverRow(code, name, group, cw, bw, int(len(last_w)), cl, bl, int(len(d)),
                                 d.index[-1].date()))
        rolls[code] = d["u"].rolling(window, min_periods=need).corr(d["f"])
    gc, gb = {}, {}
    for g in ("Europe", "Japan", "Other"):
        cs = [r.corr_window for r in rows if r.group == g and r.corr_window is not None]
        bs = [r.beta_window for r in rows if r.group == g and r.beta_window is not None]
        gc[g] = float(np.mean(cs)) if cs else None
        gb[g] = float(np.mean(bs)) if bs else None
    ends = [r.last for r in rows if r.last is not None]
    roll = pd.DataFrame(rolls).dropna(how="all") if rolls else pd.DataFrame()
    return Spillovers(tuple(rows), window, pd.Timestamp(since).date(), max(ends) if ends else None,
                      dict(gc), dict(gb), roll)


def _spill_state(corr: float, beta: float, params: Mapping[str, float]) -> str:
    if corr >= params["high_corr"] and beta >= params["high_beta"]:
        return "high"
    if corr >= params["moderate_corr"]:
        return "moderate"
    return "low"


def _check_spill_params(params: Mapping[str, float]) -> None:
    if params["high_corr"] < params["moderate_corr"]:
        raise ValueError("rules.yield_spillover: high_corr must be >= moderate_corr")


def evaluate_spillover(res: Spillovers | None, *, params: Mapping[str, float], as_of: date,
                       stale: bool = False) -> Verdict:
    """Verdict of the spillover rule from the European group means."""
    _check_spill_params(params)
    rule = SPILLOVER_RULE
    if res is None or res.group_corr.get("Europe") is None or res.group_beta.get("Europe") is None:
        return no_data_verdict(rule, as_of, ["European 10-year yields", "U.S. 10-year yield"], params)
    c, b = res.group_corr["Europe"], res.group_beta["Europe"]
    state = _spill_state(c, b, params)
    jp = res.group_corr.get("Japan")
    contrast = ""
    if jp is not None:
        contrast = (f" Japan's link is weaker (correlation {jp:.2f})." if jp < c
                    else f" Japan's link is as strong (correlation {jp:.2f}).")
    head = {
        "high": f"European yields track U.S. moves closely (correlation {c:.2f}, beta {b:.2f}): a further rise in "
                "Treasury yields is likely to spill into European bonds.",
        "moderate": f"European yields follow U.S. moves in part (correlation {c:.2f}, beta {b:.2f}): some spillover "
                    "risk.",
        "low": f"European yields move largely on their own (correlation {c:.2f}): little spillover from Treasuries.",
    }[state] + contrast
    if stale:
        head = "Stale data: " + head
    ev = [Evidence(f"Europe mean correlation, {res.window} months", round(c, 3), "corr", res.end),
          Evidence(f"Europe mean beta, {res.window} months", round(b, 3), "ratio", res.end)]
    for g in ("Japan", "Other"):
        if res.group_corr.get(g) is not None:
            ev.append(Evidence(f"{g} mean correlation, {res.window} months", round(res.group_corr[g], 3), "corr",
                               res.end))
    return make_verdict(rule, state, head, ev, params, as_of, stale=stale)


def spillover_states(
    us: pd.Series, foreign: Mapping[str, pd.Series], *, params: Mapping[str, float], dates: Sequence[pd.Timestamp],
    window: int = 36,
) -> pd.Series:
    """State on each date from the European rolling correlation and beta (month values count from month end).

    Each country's rolling statistics are computed over its common months with the U.S.; on a
    given date the last month ended on or before it is used (no look-ahead).
    """
    _check_spill_params(params)
    u = _month_start(series_input(us, "us")).diff()
    need = int(np.ceil(0.8 * window))
    cs, bs = [], []
    for code, s in foreign.items():
        if SPILLOVER_GROUPS.get(code, ("", ""))[1] != "Europe":
            continue
        f = _month_start(series_input(s, code)).diff()
        d = pd.concat({"u": u, "f": f}, axis=1, sort=True).dropna()
        if d.empty:
            continue
        c = d["u"].rolling(window, min_periods=need).corr(d["f"])
        b = d["u"].rolling(window, min_periods=need).cov(d["f"]) / d["u"].rolling(window, min_periods=need).var()
        c.index = c.index + pd.offsets.MonthEnd(0)
        b.index = b.index + pd.offsets.MonthEnd(0)
        cs.append(asof_values(c.dropna(), dates, max_age_days=95))
        bs.append(asof_values(b.dropna(), dates, max_age_days=95))
    idx = pd.DatetimeIndex(dates)
    if not cs:
        return pd.Series(NO_DATA, index=idx, dtype=object)
    mc = pd.concat(cs, axis=1).mean(axis=1).to_numpy()
    mb = pd.concat(bs, axis=1).mean(axis=1).to_numpy()
    out = [NO_DATA if not (np.isfinite(c) and np.isfinite(b)) else _spill_state(float(c), float(b), params)
           for c, b in zip(mc, mb)]
    return pd.Series(out, index=idx, dtype=object)


# --- the dollar ----------------------------------------------------------------------------------

DOLLAR_RULE = RuleSpec(
    id="dollar_regime",
    section="crossasset",
    title="Dollar regime: smile or fiscal frown",
    scale=("smile right", "none", "smile left", "fiscal frown"),
    params=(
        Param("corr_min", float, lo=0.0, hi=1.0,
              doc="|correlation| of daily dollar and 10-year yield changes needed to call a co-movement"),
        Param("yield_move_bp", float, lo=0.0, hi=200.0, doc="net 10-year move over the short window that counts (bp)"),
        Param("dollar_move_pct", float, lo=0.0, hi=20.0,
              doc="net broad-dollar move over the short window that counts (%)"),
        Param("growth_floor", float, lo=-5.0, hi=10.0,
              doc="growth proxy (year-on-year %) at or above which growth counts as solid"),
        Param("loose_deficit", float, lo=0.0, hi=20.0,
              doc="federal deficit (% of GDP) at or above which fiscal policy counts as loose"),
        Param("tp_rise_bp", float, lo=0.0, hi=200.0,
              doc="when no deficit data: rise in the 10-year term premium over the short window (bp) taken as the "
                  "fiscal signal"),
    ),
    description=(
        "Smile right: dollar and yields rise and fall together while growth is solid. Smile left: yields fall while "
        "the dollar rises (risk-off). Fiscal frown: yields rise while the dollar falls and fiscal policy is loose. "
        "Otherwise none."
    ),
    outcome="next 3 months' broad dollar change",
)


@dataclass(frozen=True)
class DollarRegime:
    """Inputs of the dollar regime on ``date`` (the last common date of the dollar and the yield).

    ``corr_short``/``corr_long`` are correlations of daily changes over the last
    ``short_window``/``long_window`` common observations; ``yield_change_bp`` and
    ``dollar_change_pct`` are net moves over the short window. ``growth`` is the growth proxy
    (year-on-year %, None when missing); ``deficit`` the latest federal deficit in % of GDP
    (positive = deficit) and ``deficit_change`` its change on the year before; ``tp_change_bp``
    the 10-year term premium's change over the short window (the fallback fiscal signal).
    """

    date: date
    short_window: int
    long_window: int
    corr_short: float
    corr_long: float | None
    yield_change_bp: float
    dollar_change_pct: float
    growth: float | None
    growth_date: date | None
    deficit: float | None
    deficit_change: float | None
    deficit_date: date | None
    tp_change_bp: float | None
    corr_series: pd.DataFrame


def dollar_regime(
    dollar: pd.Series,
    yields_10y: pd.Series,
    *,
    short_window: int = 63,
    long_window: int = 126,
    growth: pd.Series | None = None,
    deficit_gdp: pd.Series | None = None,
    term_premium: pd.Series | None = None,
) -> DollarRegime:
    """Measure the dollar's co-movement with the 10-year yield and the macro context.

    Daily changes: ``Δy`` in bp and ``Δlog(dollar)`` in percent, on common dates.
    ``growth`` is a year-on-year growth rate in percent (already transformed);
    ``deficit_gdp`` is the federal surplus (+) or deficit (-) in % of GDP as published (the
    sign is flipped here so a deficit is positive); ``term_premium`` in percent (daily).
    Raises ``ValueError`` with fewer than ``short_window + 1`` common dates.
    """
    d = series_input(dollar, "dollar")
    y = series_input(yields_10y, "yields_10y")
    common = d.index.intersection(y.index)
    if len(common) < short_window + 1:
        raise ValueError(f"dollar regime needs {short_window + 1} common dates of the dollar and the 10-year yield; "
                         f"got {len(common)}")
    d, y = d.loc[common], y.loc[common]
    dy = y.diff() * 100.0
    dd = np.log(d).diff() * 100.0
    cs = dy.rolling(short_window, min_periods=short_window).corr(dd)
    cl = dy.rolling(long_window, min_periods=long_window).corr(dd)
    t = common[-1]
    base = common[-1 - short_window]
    g = gd = None
    if growth is not None:
        gs = series_input(growth, "growth")
        if not gs.empty:
            g, gd = float(gs.iloc[-1]), gs.index[-1].date()
    deficit = dchg = ddate = None
    if deficit_gdp is not None:
        ds = -series_input(deficit_gdp, "deficit_gdp")
        if not ds.empty:
            deficit, ddate = float(ds.iloc[-1]), ds.index[-1].date()
            if len(ds) >= 2:
                dchg = float(ds.iloc[-1] - ds.iloc[-2])
    tpc = None
    if term_premium is not None and not term_premium.dropna().empty:
        tp_now, tp_base = asof_values(term_premium, [t, base], max_age_days=10).to_numpy()
        if np.isfinite(tp_now) and np.isfinite(tp_base):
            tpc = float((tp_now - tp_base) * 100.0)
    return DollarRegime(
        date=t.date(), short_window=short_window, long_window=long_window, corr_short=float(cs.iloc[-1]),
        corr_long=None if np.isnan(cl.iloc[-1]) else float(cl.iloc[-1]),
        yield_change_bp=float((y.iloc[-1] - y.loc[base]) * 100.0),
        dollar_change_pct=float((d.iloc[-1] / d.loc[base] - 1.0) * 100.0),
        growth=g, growth_date=gd, deficit=deficit, deficit_change=dchg, deficit_date=ddate, tp_change_bp=tpc,
        corr_series=pd.DataFrame({f"{short_window}d": cs, f"{long_window}d": cl}).dropna(how="all"),
    )


def _fiscal_loose(deficit: float | None, deficit_change: float | None, tp_change_bp: float | None,
                  params: Mapping[str, float]) -> tuple[bool | None, str]:
    if deficit is not None:
        loose = deficit >= params["loose_deficit"] or (deficit_change is not None and deficit_change > 0)
        return loose, "deficit"
    if tp_change_bp is not None:
        return tp_change_bp >= params["tp_rise_bp"], "term premium"
    return None, "none"


def dollar_state(
    *, corr_short: float, yield_change_bp: float, dollar_change_pct: float, growth: float | None,
    fiscal_loose: bool | None, params: Mapping[str, float],
) -> str:
    """Classify the dollar regime (the rule's logic; every input explicit).

    1. Fiscal frown: yields up by ``yield_move_bp`` or more, dollar down by ``dollar_move_pct`` or
       more, the correlation not positive beyond ``corr_min``, and fiscal policy loose.
    2. Smile left: yields down by ``yield_move_bp`` or more while the dollar rises by
       ``dollar_move_pct`` or more.
    3. Smile right: correlation at or above ``corr_min`` with growth at or above ``growth_floor``.
    4. Otherwise none.
    """
    ym, dm, cm = params["yield_move_bp"], params["dollar_move_pct"], params["corr_min"]
    if (yield_change_bp >= ym and dollar_change_pct <= -dm and corr_short < cm and fiscal_loose):
        return "fiscal frown"
    if yield_change_bp <= -ym and dollar_change_pct >= dm:
        return "smile left"
    if corr_short >= cm and growth is not None and growth >= params["growth_floor"]:
        return "smile right"
    return "none"


def evaluate_dollar(res: DollarRegime | None, *, params: Mapping[str, float], as_of: date, stale: bool = False,
                    growth_label: str = "growth proxy") -> Verdict:
    """Verdict of the dollar-regime rule."""
    rule = DOLLAR_RULE
    if res is None:
        return no_data_verdict(rule, as_of, ["broad dollar index", "10-year Treasury yield"], params)
    loose, via = _fiscal_loose(res.deficit, res.deficit_change, res.tp_change_bp, params)
    state = dollar_state(corr_short=res.corr_short, yield_change_bp=res.yield_change_bp,
                         dollar_change_pct=res.dollar_change_pct, growth=res.growth, fiscal_loose=loose,
                         params=params)
    moves = (f"over {res.short_window} days the 10-year moved {res.yield_change_bp:+.0f} bp and the dollar "
             f"{res.dollar_change_pct:+.1f}%")
    head = {
        "fiscal frown": f"Fiscal frown: yields up and the dollar down ({moves}) with loose fiscal policy "
                        f"(judged by the {via}).",
        "smile left": f"Dollar smile, left side: a risk-off bid for the dollar while yields fall ({moves}).",
        "smile right": f"Dollar smile, right side: the dollar moves with yields (correlation {res.corr_short:+.2f}) "
                       "on solid growth.",
        "none": f"No clear dollar regime: correlation {res.corr_short:+.2f}; {moves}.",
    }[state]
    if state == "none" and res.yield_change_bp >= params["yield_move_bp"] and \
            res.dollar_change_pct <= -params["dollar_move_pct"] and loose is None:
        head += " Yields up with a weaker dollar, but the fiscal side cannot be judged without deficit data."
    if stale:
        head = "Stale data: " + head
    ev = [
        Evidence(f"correlation of daily changes, {res.short_window} days", round(res.corr_short, 3), "corr", res.date),
        Evidence(f"correlation of daily changes, {res.long_window} days",
                 None if res.corr_long is None else round(res.corr_long, 3), "corr", res.date),
        Evidence(f"10-year change, {res.short_window} days", round(res.yield_change_bp, 1), "bp", res.date),
        Evidence(f"broad dollar change, {res.short_window} days", round(res.dollar_change_pct, 2), "pct_change",
                 res.date),
        Evidence(growth_label, None if res.growth is None else round(res.growth, 2), "percent", res.growth_date),
    ]
    if res.deficit is not None:
        ev.append(Evidence("federal deficit, % of GDP", round(res.deficit, 2), "percent", res.deficit_date))
    elif res.tp_change_bp is not None:
        ev.append(Evidence(f"10-year term premium change, {res.short_window} days (fiscal proxy; no deficit data)",
                           round(res.tp_change_bp, 1), "bp", res.date))
    else:
        ev.append(Evidence("fiscal balance", "no deficit or term-premium data", "text"))
    return make_verdict(rule, state, head, ev, params, as_of, stale=stale)


def dollar_states(
    dollar: pd.Series, yields_10y: pd.Series, *, params: Mapping[str, float], dates: Sequence[pd.Timestamp],
    short_window: int = 63, growth: pd.Series | None = None, deficit_gdp: pd.Series | None = None,
    term_premium: pd.Series | None = None, growth_max_age_days: int = 200, deficit_max_age_days: int = 600,
) -> pd.Series:
    """The dollar regime on each of ``dates``, from data dated on or before each date.

    The correlation and net moves are computed on common daily observations and looked up at
    each date; the growth proxy, deficit and term premium likewise (stale inputs count as missing).
    """
    d = series_input(dollar, "dollar")
    y = series_input(yields_10y, "yields_10y")
    common = d.index.intersection(y.index)
    idx = pd.DatetimeIndex(dates)
    if len(common) < short_window + 1:
        return pd.Series(NO_DATA, index=idx, dtype=object)
    d, y = d.loc[common], y.loc[common]
    corr = (y.diff() * 100.0).rolling(short_window, min_periods=short_window).corr(np.log(d).diff())
    ych = (y - y.shift(short_window)) * 100.0
    dch = (d / d.shift(short_window) - 1.0) * 100.0
    c = asof_values(corr.dropna(), idx, max_age_days=10)
    yc = asof_values(ych.dropna(), idx, max_age_days=10)
    dc = asof_values(dch.dropna(), idx, max_age_days=10)
    g = (asof_values(growth, idx, max_age_days=growth_max_age_days) if growth is not None
         else pd.Series(np.nan, index=idx))
    if deficit_gdp is not None and not deficit_gdp.dropna().empty:
        ds = -series_input(deficit_gdp, "deficit_gdp")
        deff = asof_values(ds, idx, max_age_days=deficit_max_age_days)
        dchg = asof_values(ds.diff().dropna(), idx, max_age_days=deficit_max_age_days)
    else:
        deff = dchg = pd.Series(np.nan, index=idx)
    if term_premium is not None and not term_premium.dropna().empty:
        tp_c = asof_values(term_premium, common, max_age_days=10)
        tpc = asof_values(((tp_c - tp_c.shift(short_window)) * 100.0).dropna(), idx, max_age_days=10)
    else:
        tpc = pd.Series(np.nan, index=idx)
    def opt(x: float) -> float | None:
        return None if np.isnan(x) else float(x)

    arrs = [np.asarray(x, dtype=float) for x in (c, yc, dc, g, deff, dchg, tpc)]
    out = []
    for cv, yv, dv, gv, defv, dchv, tv in zip(*arrs):
        if np.isnan(cv) or np.isnan(yv) or np.isnan(dv):
            out.append(NO_DATA)
            continue
        loose, _ = _fiscal_loose(opt(defv), opt(dchv), opt(tv), params)
        out.append(dollar_state(corr_short=float(cv), yield_change_bp=float(yv), dollar_change_pct=float(dv),
                                growth=opt(gv), fiscal_loose=loose, params=params))
    return pd.Series(out, index=idx, dtype=object)


RULES = (STOCK_BOND_RULE, ERP_RULE, SPILLOVER_RULE, DOLLAR_RULE)
