"""Fiscal arithmetic: debt dynamics, a ten-year projection, the debt-management path, fiscal news.

Debt dynamics
-------------
Let :math:`d` be federal debt over GDP, :math:`r` the effective interest rate on the debt
(interest paid over the year divided by the debt at the start of the year), :math:`g` real GDP
growth, :math:`\\pi` inflation of the GDP deflator and :math:`f` the primary deficit over GDP
(the deficit before interest), all as decimals for one year. Nominal GDP grows by
:math:`(1+g)(1+\\pi)`, so

.. math::

    d_t = d_{t-1}\\,\\frac{1 + r_t}{(1 + g_t)(1 + \\pi_t)} + f_t,
    \\qquad
    \\Delta d_t = d_{t-1}\\,\\frac{r_t - g_t - \\pi_t - g_t\\pi_t}{(1 + g_t)(1 + \\pi_t)} + f_t .

The change splits into an interest effect :math:`d_{t-1} r_t / N_t`, a real-growth effect
:math:`-d_{t-1} g_t / N_t`, an inflation effect :math:`-d_{t-1}(\\pi_t + g_t\\pi_t) / N_t`
(with :math:`N_t = (1+g_t)(1+\\pi_t)`) and the primary deficit :math:`f_t`; what the
published debt ratio does beyond that sum is the residual (stock-flow adjustments, timing).
The interest rate here is nominal: when it is below nominal growth, debt can fall as a share
of GDP even with a primary deficit.

Figures are computed per federal fiscal year (October to September): the debt ratio at the
September quarter, interest and GDP averaged over the year's four quarters (annual rates).

Units: inputs in percent (ratios, rates) and USD bn (flows); outputs in percent of GDP and
percent per year; contributions in percentage points of GDP.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

import numpy as np
import pandas as pd

from .rules import Evidence, Param, RuleSpec, Verdict, make_verdict, no_data_verdict
from .stats import series_input

__all__ = [
    "RULES",
    "PATH_RULE",
    "PATH_ASSETS",
    "debt_step",
    "FiscalYear",
    "DebtDynamics",
    "debt_dynamics",
    "Scenario",
    "Projection",
    "project_debt",
    "PathSignals",
    "path_signals",
    "path_state",
    "evaluate_path",
    "FiscalNewsEvent",
    "FiscalNewsResponse",
    "event_change",
    "fiscal_news_response",
]



def debt_step(d_prev: float, r: float, g: float, pi: float, f: float) -> float:
    """One year of debt dynamics, all in percent: ``d = d_prev (1+r)/((1+g)(1+pi)) + f``."""
    n = (1.0 + g / 100.0) * (1.0 + pi / 100.0)
    return d_prev * (1.0 + r / 100.0) / n + f


@dataclass(frozen=True)
class FiscalYear:
    """One fiscal year of the debt arithmetic (percent, percentage points of GDP).

    ``None`` marks a figure whose inputs are missing.
    """

    year: int
    debt: float | None
    r: float | None
    g: float | None
    pi: float | None
    primary_deficit: float | None
    deficit: float | None
    interest_gdp: float | None
    change: float | None
    interest_effect: float | None
    growth_effect: float | None
    inflation_effect: float | None
    residual: float | None


@dataclass(frozen=True)
class DebtDynamics:
    """Fiscal-year table and what could not be computed.

    ``missing`` names the inputs that were absent, so the brief can say which figures are
    unavailable instead of inventing them.
    """

    years: tuple[FiscalYear, ...]
    missing: tuple[str, ...]
    latest: FiscalYear | None


def _fy_mean(s: pd.Series) -> pd.Series:
    """Mean of quarterly values per federal fiscal year (October-September; Q4 counts to the next year)."""
    if s.empty:
        return s
    fy = s.index.year + (s.index.month >= 10).astype(int)
    g = s.groupby(fy)
    m = g.mean()
    return m[g.count() == 4]


def _fy_end(s: pd.Series) -> pd.Series:
    """Value of the July-September quarter (fiscal-year end), by fiscal year."""
    if s.empty:
        return s
    q3 = s[s.index.month == 7]
    return pd.Series(q3.to_numpy(), index=q3.index.year)


def _num(x: float | None) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def debt_dynamics(
    *,
    debt_gdp: pd.Series | None,
    interest: pd.Series | None,
    gdp: pd.Series | None,
    real_gdp: pd.Series | None,
    deficit_gdp: pd.Series | None,
    first_year: int = 1990,
) -> DebtDynamics:
    """The fiscal-year debt arithmetic from quarterly and annual series.

    Parameters
    ----------
    debt_gdp : federal debt, percent of GDP, quarterly (first day of the quarter).
    interest : federal interest payments, USD bn at an annual rate, quarterly.
    gdp, real_gdp : nominal and real GDP (annual rates), quarterly.
    deficit_gdp : federal surplus (+) or deficit (-), percent of GDP, by fiscal year (dated
        January 1 of the fiscal year's calendar year, as FRED publishes it).

    ``r = 100 * interest_FY / (debt_{FY-1} * GDP_{FY-1 end} / 100)``, ``g`` and ``pi`` from the
    fiscal-year means of real GDP and the GDP deflator (nominal / real), the primary deficit
    ``f = -deficit_gdp - 100 * interest_FY / GDP_FY``.
    """
    d, it, y, yr, df = (series_input(debt_gdp, "debt_gdp"), series_input(interest, "interest"), series_input(gdp, "gdp"),
                        series_input(real_gdp, "real_gdp"), series_input(deficit_gdp, "deficit_gdp"))
    missing = tuple(n for n, s in (("debt/GDP", d), ("federal interest payments", it), ("nominal GDP", y),
                                   ("real GDP", yr), ("federal deficit", df)) if s.empty)
    d_end = _fy_end(d)
    y_end = _fy_end(y)
    y_fy, yr_fy, it_fy = _fy_mean(y), _fy_mean(yr), _fy_mean(it)
    g = (yr_fy / yr_fy.shift(1) - 1.0) * 100.0 if not yr_fy.empty else yr_fy
    defl = (y_fy / yr_fy).dropna() if not (y_fy.empty or yr_fy.empty) else pd.Series(dtype=float)
    pi = (defl / defl.shift(1) - 1.0) * 100.0 if not defl.empty else defl
    stock_prev = None
    if not (d_end.empty or y_end.empty):
        stock = (d_end * y_end / 100.0).dropna()  # USD bn at the fiscal-year end
        stock_prev = pd.Series(stock.to_numpy(), index=stock.index + 1)  # start of the next fiscal year
    deficit = pd.Series((-df).to_numpy(), index=df.index.year) if not df.empty else pd.Series(dtype=float)
    years = sorted(set(d_end.index) | set(it_fy.index) | set(g.dropna().index) | set(deficit.index))
    years = [t for t in years if t >= first_year]
    out = []
    for t in years:
        def get(s, k=t):
            return _num(s.get(k)) if s is not None and len(s) else None
        debt, debt_prev = get(d_end), get(d_end, t - 1)
        it_t, y_t = get(it_fy), get(y_fy)
        r = 100.0 * it_t / stock_prev.get(t) if (it_t is not None and stock_prev is not None
                                                 and _num(stock_prev.get(t)) is not None) else None
        gt, pit = get(g), get(pi)
        intr = 100.0 * it_t / y_t if (it_t is not None and y_t) else None
        dfc = get(deficit)
        f = dfc - intr if (dfc is not None and intr is not None) else None
        change = debt - debt_prev if (debt is not None and debt_prev is not None) else None
        ie = ge = pe = res = None
        if debt_prev is not None and None not in (r, gt, pit):
            n = (1 + gt / 100) * (1 + pit / 100)
            ie = debt_prev * (r / 100) / n
            ge = -debt_prev * (gt / 100) / n
            pe = -debt_prev * (pit / 100 + gt * pit / 1e4) / n
            if f is not None and change is not None:
                res = change - (ie + ge + pe + f)
        out.append(FiscalYear(t, debt, _num(r), gt, pit, _num(f), dfc, _num(intr), _num(change), _num(ie), _num(ge),
                              _num(pe), _num(res)))
    full = [fy for fy in out if None not in (fy.debt, fy.r, fy.g, fy.pi, fy.primary_deficit)]
    latest = full[-1] if full else (out[-1] if out else None)
    return DebtDynamics(tuple(out), missing, latest)


@dataclass(frozen=True)
class Scenario:
    """Shifts to the baseline, in percentage points: market yield, real growth, inflation, primary deficit."""

    name: str
    d_yield: float = 0.0
    d_growth: float = 0.0
    d_inflation: float = 0.0
    d_deficit: float = 0.0


@dataclass(frozen=True)
class Projection:
    """Ten-year paths of debt/GDP (percent) per scenario, from ``start_year``'s debt ratio.

    ``paths[name]`` has ``years + 1`` values, the first being the starting ratio; ``rates``
    the effective interest rate path of each scenario.
    """

    start_year: int
    start_debt: float
    years: int
    assumptions: Mapping[str, float]
    paths: Mapping[str, tuple[float, ...]]
    rates: Mapping[str, tuple[float, ...]]
    scenarios: tuple[Scenario, ...]


def project_debt(
    *,
    start_year: int,
    debt: float,
    r0: float,
    market_yield: float,
    growth: float,
    inflation: float,
    primary_deficit: float,
    scenarios: Sequence[Scenario] = (),
    years: int = 10,
    rollover_years: float = 6.0,
) -> Projection:
    """Project debt/GDP ``years`` ahead under a baseline and shifted scenarios (all percent).

    Each year the effective rate moves a fraction ``1/rollover_years`` of the way from its
    previous value toward the market yield (the share of the debt refinanced each year), then
    :func:`debt_step` applies with growth, inflation and the primary deficit held at their
    assumptions (plus each scenario's shifts).
    """
    if rollover_years < 1:
        raise ValueError(f"rollover_years must be >= 1, got {rollover_years}")
    if years < 1:
        raise ValueError(f"years must be >= 1, got {years}")
    paths, rates = {}, {}
    for sc in (Scenario("Baseline"), *scenarios):
        d, r = debt, r0
        path, rpath = [d], [r]
        m = market_yield + sc.d_yield
        for _ in range(years):
            r = r + (m - r) / rollover_years
            d = debt_step(d, r, growth + sc.d_growth, inflation + sc.d_inflation, primary_deficit + sc.d_deficit)
            path.append(d)
            rpath.append(r)
        paths[sc.name], rates[sc.name] = tuple(path), tuple(rpath)
    return Projection(start_year, debt, years, dict({
        "effective rate": r0, "market yield": market_yield, "real growth": growth, "inflation": inflation,
        "primary deficit": primary_deficit, "rollover years": rollover_years}), dict(paths),
        dict(rates), tuple(scenarios))


# --- the debt-management path ------------------------------------------------------------------------

#: what each path has meant for assets (the framework's asset map)
PATH_ASSETS: Mapping[str, str] = MappingProxyType({
    "growth": "equities strong, long Treasuries weak; the dollar holds up while productivity delivers",
    "tightening": "Treasuries strong, equities soft in the short run; the dollar stable",
    "inflation": "equities and gold beat Treasuries; the dollar loses real value and creditors lose purchasing power",
    "monetisation": "equities and Treasuries both supported by liquidity; the dollar weakens; inflation risk builds",
    "no clear path": "debt keeps rising with no adjustment under way: term premium and the dollar carry the risk",
})

PATH_RULE = RuleSpec(
    id="debt_path",
    section="anchor",
    title="Debt management: which path the data point to",
    scale=("growth", "tightening", "inflation", "monetisation", "no clear path"),
    params=(
        Param("growth_min", float, lo=-5.0, hi=10.0, doc="real growth (%) at or above which growth can carry the debt"),
        Param("inflation_min", float, lo=0.0, hi=20.0,
              doc="GDP-deflator inflation (%) at or above which inflation is eroding the debt"),
        Param("qe_min_pct", float, lo=0.0, hi=100.0,
              doc="year-on-year growth of the Fed's Treasury holdings (%) at or above which the debt is being "
                  "monetised"),
        Param("consolidation_pp", float, lo=0.0, hi=10.0,
              doc="fall in the primary deficit over a year (pp of GDP) that counts as fiscal tightening"),
    ),
    description=(
        "Checks, in order: the Fed absorbing Treasuries (monetisation); inflation above a threshold (inflation); a "
        "falling primary deficit (tightening); real growth above the real effective interest rate and a floor "
        "(growth). The first that holds names the path; when none does the debt has no clear path."
    ),
    outcome="next 12 months' change in debt/GDP",
)


@dataclass(frozen=True)
class PathSignals:
    """The four checks (True/False, None when the inputs are missing) and the numbers behind them."""

    year: int | None
    growth: float | None
    real_rate: float | None
    inflation: float | None
    qe_growth: float | None
    qe_date: date | None
    deficit_change: float | None
    debt_change: float | None
    flags: Mapping[str, bool | None]
    missing: tuple[str, ...]


def path_signals(dyn: DebtDynamics, *, fed_treasuries: pd.Series | None, params: Mapping[str, float]) -> PathSignals:
    """Evaluate the four checks on the latest fiscal year with real growth and inflation."""
    years = [fy for fy in dyn.years if fy.g is not None and fy.pi is not None]
    fy = years[-1] if years else None
    prev = next((p for p in dyn.years if fy is not None and p.year == fy.year - 1), None)
    ft = series_input(fed_treasuries, "fed_treasuries")
    qe = qe_date = None
    if not ft.empty:
        a = ft.loc[: ft.index[-1] - pd.Timedelta(days=358)]  # 52 weeks or more earlier (weekly data)
        if not a.empty and a.iloc[-1] > 0:
            qe, qe_date = float((ft.iloc[-1] / a.iloc[-1] - 1.0) * 100.0), ft.index[-1].date()
    g = fy.g if fy else None
    pi = fy.pi if fy else None
    real_rate = (fy.r - pi) if (fy and fy.r is not None and pi is not None) else None
    dchg = (fy.primary_deficit - prev.primary_deficit) if (
        fy and prev and fy.primary_deficit is not None and prev.primary_deficit is not None) else None
    flags = {
        "monetisation": None if qe is None else qe >= params["qe_min_pct"],
        "inflation": None if pi is None else pi >= params["inflation_min"],
        "tightening": None if dchg is None else dchg <= -params["consolidation_pp"],
        "growth": None if (g is None or real_rate is None) else (g >= params["growth_min"] and g >= real_rate),
    }
    missing = []
    if qe is None:
        missing.append("Fed Treasury holdings")
    if pi is None or g is None:
        missing.append("GDP and real GDP")
    if dchg is None:
        missing.append("primary deficit for two fiscal years (deficit and interest)")
    if real_rate is None:
        missing.append("effective interest rate (interest payments and debt/GDP)")
    return PathSignals(fy.year if fy else None, g, real_rate, pi, qe, qe_date, dchg,
                       fy.change if fy else None, dict(flags), tuple(missing))


def path_state(flags: Mapping[str, bool | None]) -> str | None:
    """The first check that holds in the order monetisation, inflation, tightening, growth.

    Returns ``"no clear path"`` when all are known and none holds, and None when a check
    whose answer would decide the state is unknown.
    """
    for name in ("monetisation", "inflation", "tightening", "growth"):
        v = flags.get(name)
        if v is None:
            return None
        if v:
            return name
    return "no clear path"


def evaluate_path(sig: PathSignals, proj: Projection | None, *, params: Mapping[str, float], as_of: date,
                  stale: bool = False) -> Verdict:
    """Verdict of the debt-path rule; says which inputs are missing when it cannot decide."""
    rule = PATH_RULE
    state = path_state(sig.flags)
    if state is None:
        return no_data_verdict(rule, as_of, list(sig.missing) or ["fiscal series"], params)
    head = {
        "growth": "Growth path: real growth is outpacing the real cost of the debt.",
        "tightening": "Tightening path: the primary deficit is shrinking.",
        "inflation": f"Inflation path: inflation of {sig.inflation:.1f}% is eroding the real value of the debt.",
        "monetisation": f"Monetisation path: the Fed's Treasury holdings grew {sig.qe_growth:.0f}% in a year.",
        "no clear path": "No adjustment path: neither growth, inflation, the Fed nor the budget is bringing the debt "
                         "ratio down.",
    }[state]
    head += f" Asset map: {PATH_ASSETS[state]}."
    if proj is not None:
        base = proj.paths["Baseline"]
        head += f" On unchanged policy debt/GDP goes from {base[0]:.0f}% to {base[-1]:.0f}% in {proj.years} years."
    if stale:
        head = "Stale data: " + head
    ev = [
        Evidence("fiscal year", str(sig.year) if sig.year else "none", "text"),
        Evidence("real GDP growth", None if sig.growth is None else round(sig.growth, 2), "percent"),
        Evidence("GDP-deflator inflation", None if sig.inflation is None else round(sig.inflation, 2), "percent"),
        Evidence("real effective interest rate", None if sig.real_rate is None else round(sig.real_rate, 2), "percent"),
        Evidence("change in primary deficit", None if sig.deficit_change is None else round(sig.deficit_change, 2),
                 "pp"),
        Evidence("Fed Treasury holdings, y/y", None if sig.qe_growth is None else round(sig.qe_growth, 1),
                 "pct_change", sig.qe_date),
    ]
    if proj is not None:
        ev.append(Evidence(f"debt/GDP in {proj.years} years, baseline", round(proj.paths["Baseline"][-1], 1),
                           "percent"))
    return make_verdict(rule, state, head, ev, params, as_of, stale=stale)


# --- fiscal news ---------------------------------------------------------------------------------


def event_change(s: pd.Series, event: date, horizon: int, *, kind: str = "diff") -> tuple[date, date, float] | None:
    """Change of ``s`` from the last observation before ``event`` to its ``horizon``-th observation on or after it.

    ``kind="diff"`` gives the difference (series units), ``"pct"`` the percent change, ``"bp"``
    the difference times 100 (a percent series moving in basis points). Returns
    ``(base date, end date, change)`` or None when the series has no observation before the event
    or fewer than ``horizon`` from it on.
    """
    if horizon < 1:
        raise ValueError(f"horizon must be >= 1, got {horizon}")
    s = series_input(s, "series")
    t = pd.Timestamp(event)
    before, after = s.loc[: t - pd.Timedelta(days=1)], s.loc[t:]
    if before.empty or len(after) < horizon:
        return None
    a, b = float(before.iloc[-1]), float(after.iloc[horizon - 1])
    if kind == "diff":
        ch = b - a
    elif kind == "bp":
        ch = (b - a) * 100.0
    elif kind == "pct":
        ch = (b / a - 1.0) * 100.0
    else:
        raise ValueError(f"kind must be diff, bp or pct; got {kind!r}")
    return before.index[-1].date(), after.index[horizon - 1].date(), ch


@dataclass(frozen=True)
class FiscalNewsEvent:
    """Moves after one fiscal news date (bp): 10-year yield, ACM term premium, 5y5y inflation expectation."""

    name: str
    date: date
    d10y_bp: float | None
    dtp_bp: float | None
    dbei_bp: float | None


@dataclass(frozen=True)
class FiscalNewsResponse:
    """Mean moves over the fiscal news events of the look-back window (None when none measured)."""

    horizon: int
    since: date
    events: tuple[FiscalNewsEvent, ...]
    mean_10y_bp: float | None
    mean_tp_bp: float | None
    mean_bei_bp: float | None


def fiscal_news_response(
    events: Sequence[tuple[str, date]],
    *,
    yields_10y: pd.Series,
    term_premium: pd.Series | None,
    bei_5y5y: pd.Series | None,
    as_of: date,
    horizon: int = 2,
    lookback_years: int = 5,
) -> FiscalNewsResponse:
    """Moves of the 10-year yield, term premium and 5y5y breakeven over ``horizon`` observations
    after each fiscal news event dated within ``lookback_years`` before ``as_of``.

    Events whose window has not closed by ``as_of`` give None for that series.
    """
    since = (pd.Timestamp(as_of) - pd.DateOffset(years=lookback_years)).date()
    out = []
    for name, d in events:
        if not since <= d <= as_of:
            continue
        vals = []
        for s in (yields_10y, term_premium, bei_5y5y):
            ch = event_change(s, d, horizon, kind="bp") if s is not None and not s.dropna().empty else None
            vals.append(None if ch is None else ch[2])
        out.append(FiscalNewsEvent(name, d, *vals))

    def mean(i: int) -> float | None:
        xs = [(e.d10y_bp, e.dtp_bp, e.dbei_bp)[i] for e in out]
        xs = [x for x in xs if x is not None]
        return float(np.mean(xs)) if xs else None

    return FiscalNewsResponse(horizon, since, tuple(out), mean(0), mean(1), mean(2))


RULES = (PATH_RULE,)
