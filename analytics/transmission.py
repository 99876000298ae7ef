"""Monetary transmission and Japanification (framework thread A).

Four questions decide whether easing still reaches the real economy, each a rule with the
ordered scale ``transmits -> partly -> blocked``:

``easing_credit``        does credit expand? Year-on-year growth of business loans and bank
                         credit (the weaker decides), read beside the policy-rate change.
``debt_burden``          is debt cleared or still binding? Federal debt / GDP, federal interest
                         payments / GDP and the household debt-service ratio against limits.
``long_end_growth``      does the long end still price growth? The 10-year yield minus the
                         average year-on-year nominal GDP growth of recent quarters.
``investment_response``  do firms invest once funding costs fall? Year-on-year growth of
                         business fixed investment, read beside the change in the Baa yield.

``transmission`` combines the four answers. ``japanification`` scores economies on a long
yield at or below 1% (and for how long), a policy rate at the floor, low inflation and
credit that no longer grows relative to GDP; its verdict is the U.S. state, with the monitor
of all economies as evidence.

Units: rates, yields and growth rates in percent; changes of rates in percentage points (pp)
unless named ``_bp``. Every rule has a vectorised ``*_states`` function for track records
that reads only observations on or before each date.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from .rules import (
    NO_DATA,
    Evidence,
    Param,
    RuleSpec,
    Verdict,
    asof_values,
    make_verdict,
    no_data_verdict,
)
from .stats import monthly_mean, series_input

__all__ = [
    "RULES",
    "SCALE",
    "EASING_CREDIT_RULE",
    "DEBT_BURDEN_RULE",
    "LONG_END_RULE",
    "INVESTMENT_RULE",
    "TRANSMISSION_RULE",
    "JAPANIFICATION_RULE",
    "JAPAN_SCALE",
    "yoy_growth",
    "monthly_mean",
    "change_over",
    "evaluate_easing_credit",
    "easing_credit_states",
    "evaluate_debt_burden",
    "debt_burden_states",
    "evaluate_long_end",
    "long_end_states",
    "evaluate_investment",
    "investment_states",
    "evaluate_transmission",
    "transmission_state",
    "transmission_states",
    "CountryData",
    "JapanReading",
    "japanification_history",
    "japanification_reading",
    "reading_from_history",
    "evaluate_japanification",
]

#: the ordered scale of the four questions and of the overall verdict
SCALE = ("transmits", "partly", "blocked")
_LEVEL = {s: i for i, s in enumerate(SCALE)}

#: calendar days after which a monthly / quarterly input no longer counts as current
MONTHLY_MAX_AGE = 100
QUARTERLY_MAX_AGE = 200


# --- small series helpers ---------------------------------------------------------------------



def yoy_growth(s: pd.Series, *, years: int = 1) -> pd.Series:
    """Growth over ``years`` in percent at each observation: ``100 (x_t / x_{t-years} - 1)``.

    ``x_{t-years}`` is the last observation on or before the same date ``years`` earlier, and
    must lie within 16 days of it (otherwise NaN: a missing month is not bridged).
    """
    s = series_input(s)
    if s.empty:
        return s
    back = s.index - pd.DateOffset(years=years)
    prev = asof_values(s, back, max_age_days=16).to_numpy()
    return pd.Series(100.0 * (s.to_numpy() / prev - 1.0), index=s.index, name=s.name).dropna()


def change_over(s: pd.Series, *, months: int) -> pd.Series:
    """Change of a level over ``months`` at each observation (same units, e.g. pp for rates)."""
    s = series_input(s)
    if s.empty:
        return s
    back = s.index - pd.DateOffset(months=months)
    prev = asof_values(s, back, max_age_days=16).to_numpy()
    return pd.Series(s.to_numpy() - prev, index=s.index, name=s.name).dropna()


def _last(s: pd.Series, as_of: date, max_age_days: int) -> tuple[date, float] | None:
    s = series_input(s).loc[: pd.Timestamp(as_of)]
    if s.empty or (pd.Timestamp(as_of) - s.index[-1]).days > max_age_days:
        return None
    return s.index[-1].date(), float(s.iloc[-1])


def _last_any(s: pd.Series, as_of: date) -> tuple[date, float] | None:
    s = series_input(s).loc[: pd.Timestamp(as_of)]
    return None if s.empty else (s.index[-1].date(), float(s.iloc[-1]))


def _levels_to_states(levels: np.ndarray) -> np.ndarray:
    out = np.array([NO_DATA] * len(levels), dtype=object)
    for i, st in enumerate(SCALE):
        out[levels == i] = st
    return out


def _check_order(params: Mapping[str, float], low: str, high: str) -> None:
    if params[low] > params[high]:
        raise ValueError(f"{low} must be <= {high}; got {params[low]} and {params[high]}")


# --- 1. easing -> credit ----------------------------------------------------------------------

EASING_CREDIT_RULE = RuleSpec(
    id="easing_credit",
    section="transmission",
    title="Does easing expand credit?",
    scale=SCALE,
    params=(
        Param("expanding_at", float, lo=-10.0, hi=30.0,
              doc="year-on-year credit growth (percent) at or above which credit is expanding"),
        Param("contracting_below", float, lo=-30.0, hi=10.0,
              doc="year-on-year credit growth (percent) below which credit is contracting"),
        Param("easing_months", int, lo=3, hi=36, doc="months over which the policy-rate change is measured"),
        Param("easing_bp", float, lo=0.0, hi=500.0, doc="a policy-rate cut of at least this (bp) counts as easing"),
    ),
    description=(
        "The weaker of business-loan growth and bank-credit growth (year on year) decides: at or above the "
        "expansion threshold easing transmits, below the contraction threshold it is blocked, in between partly. "
        "The policy-rate change over the window is shown beside it."
    ),
    outcome="real GDP growth over the next 12 months",
)


def _credit_level(growth: np.ndarray, params: Mapping[str, float]) -> np.ndarray:
    lvl = np.where(growth >= params["expanding_at"], 0, np.where(growth < params["contracting_below"], 2, 1))
    return np.where(np.isnan(growth), -1, lvl)


def evaluate_easing_credit(
    policy_rate: pd.Series,
    business_loans: pd.Series,
    bank_credit: pd.Series | None = None,
    *,
    params: Mapping[str, float],
    as_of: date,
) -> Verdict:
    """Credit-expansion verdict from loan levels (any currency units) and the policy rate (percent)."""
    _check_order(params, "contracting_below", "expanding_at")
    rule = EASING_CREDIT_RULE
    growth = {}
    for label, s in (("business-loan growth", business_loans), ("bank-credit growth", bank_credit)):
        g = _last(yoy_growth(s) if s is not None else series_input(None), as_of, MONTHLY_MAX_AGE)
        if g is not None:
            growth[label] = g
    if not growth:
        return no_data_verdict(rule, as_of, ["business loans", "bank credit"], params)
    weakest = min(growth, key=lambda k: growth[k][1])
    g = growth[weakest][1]
    state = SCALE[int(_credit_level(np.array([g]), params)[0])]
    evidence = [Evidence(f"{k} (y/y)", round(v, 2), "pct_change", d) for k, (d, v) in growth.items()]
    pr = _last(policy_rate, as_of, 10)
    eased = None
    if pr is not None:
        chg = _last(change_over(policy_rate, months=int(params["easing_months"])), as_of, 10)
        evidence.append(Evidence("policy rate", pr[1], "percent", pr[0]))
        if chg is not None:
            bp = round(chg[1] * 100.0, 0)
            evidence.append(Evidence(f"policy-rate change, {params['easing_months']} months", bp, "bp", chg[0]))
            eased = -bp >= params["easing_bp"]
    if eased is None:
        context = "The policy-rate change is not available"
    elif eased:
        context = f"After {-evidence[-1].value:.0f} bp of cuts"
    else:
        context = "Without recent easing to test"
    text = {
        "transmits": f"{context}, credit is expanding ({weakest} {g:.1f}% y/y): the lending channel is open.",
        "partly": f"{context}, credit grows only slowly ({weakest} {g:.1f}% y/y): easing reaches lending weakly.",
        "blocked": f"{context}, credit is shrinking ({weakest} {g:.1f}% y/y): easing is not turning into lending.",
    }[state]
    return make_verdict(rule, state, text, evidence, params, as_of)


def easing_credit_states(
    business_loans: pd.Series, bank_credit: pd.Series | None, *, params: Mapping[str, float], dates: Sequence
) -> pd.Series:
    """The rule's state at each date (weaker of the two growth rates current on that date)."""
    idx = pd.DatetimeIndex(dates)
    rates = [asof_values(yoy_growth(s), idx, max_age_days=MONTHLY_MAX_AGE).to_numpy()
             for s in (business_loans, bank_credit) if s is not None and not series_input(s).empty]
    if not rates:
        return pd.Series(NO_DATA, index=idx, dtype=object)
    g = np.fmin.reduce(rates) if len(rates) > 1 else rates[0]
    return pd.Series(_levels_to_states(_credit_level(g, params)), index=idx, dtype=object)


# --- 2. debt cleared or binding ---------------------------------------------------------------

DEBT_BURDEN_RULE = RuleSpec(
    id="debt_burden",
    section="transmission",
    title="Is debt cleared or still binding?",
    scale=SCALE,
    params=(
        Param("debt_gdp_high", float, lo=20.0, hi=300.0, doc="federal debt / GDP (percent) at or above which debt binds"),
        Param("interest_gdp_high", float, lo=0.5, hi=10.0,
              doc="federal interest payments / GDP (percent) at or above which debt binds"),
        Param("household_dsr_high", float, lo=5.0, hi=20.0,
              doc="household debt service / disposable income (percent) at or above which debt binds"),
    ),
    description=(
        "Counts the burden measures at or above their limits among those available: none means debt is not "
        "in the way (transmits), one means it partly binds, two or more (or the only one available) mean it "
        "blocks transmission."
    ),
    outcome="real GDP growth over the next 12 months",
)


def _interest_ratio(interest: pd.Series, gdp: pd.Series) -> pd.Series:
    i, g = series_input(interest), series_input(gdp)
    if i.empty or g.empty:
        return series_input(None)
    both = i.index.intersection(g.index)
    return (100.0 * i.loc[both] / g.loc[both]).dropna()


def _debt_level(highs: np.ndarray, avail: np.ndarray) -> np.ndarray:
    lvl = np.where(highs >= np.minimum(2, avail), 2, np.where(highs >= 1, 1, 0))
    return np.where(avail == 0, -1, lvl)


def evaluate_debt_burden(
    debt_gdp: pd.Series,
    interest: pd.Series,
    gdp: pd.Series,
    household_dsr: pd.Series,
    *,
    params: Mapping[str, float],
    as_of: date,
) -> Verdict:
    """Debt verdict from debt/GDP (percent), interest payments and GDP (same currency units,
    both annualised) and the household debt-service ratio (percent)."""
    rule = DEBT_BURDEN_RULE
    measures = {
        "federal debt / GDP": (debt_gdp, "debt_gdp_high"),
        "federal interest / GDP": (_interest_ratio(interest, gdp), "interest_gdp_high"),
        "household debt service / income": (household_dsr, "household_dsr_high"),
    }
    evidence, high, missing = [], [], []
    for label, (s, key) in measures.items():
        v = _last(s, as_of, QUARTERLY_MAX_AGE + 120)
        if v is None:
            missing.append(label)
            continue
        evidence.append(Evidence(label, round(v[1], 2), "percent", v[0], note=f"limit {params[key]}"))
        if v[1] >= params[key]:
            high.append(label)
    if not evidence:
        return no_data_verdict(rule, as_of, missing, params)
    state = SCALE[int(_debt_level(np.array([len(high)]), np.array([len(evidence)]))[0])]
    if missing:
        evidence.append(Evidence("not available", ", ".join(missing), "text"))
    text = {
        "transmits": "Debt burdens are below their limits: debt is not what blocks transmission.",
        "partly": f"Debt partly binds ({', '.join(high)} above its limit).",
        "blocked": f"Debt still binds ({', '.join(high)} above the limits): easing meets balance sheets "
                   "that cannot take more credit.",
    }[state]
    return make_verdict(rule, state, text, evidence, params, as_of,
                        note=("partial coverage: " + ", ".join(missing)) if missing else "")


def debt_burden_states(
    debt_gdp: pd.Series, interest: pd.Series, gdp: pd.Series, household_dsr: pd.Series, *,
    params: Mapping[str, float], dates: Sequence,
) -> pd.Series:
    idx = pd.DatetimeIndex(dates)
    highs = np.zeros(len(idx))
    avail = np.zeros(len(idx))
    for s, key in ((debt_gdp, "debt_gdp_high"), (_interest_ratio(interest, gdp), "interest_gdp_high"),
                   (household_dsr, "household_dsr_high")):
        v = asof_values(series_input(s), idx, max_age_days=QUARTERLY_MAX_AGE + 120).to_numpy()
        avail += ~np.isnan(v)
        highs += np.nan_to_num(v, nan=-np.inf) >= params[key]
    return pd.Series(_levels_to_states(_debt_level(highs, avail)), index=idx, dtype=object)


# --- 3. the long end vs nominal growth --------------------------------------------------------

LONG_END_RULE = RuleSpec(
    id="long_end_growth",
    section="transmission",
    title="Does the long end still price growth?",
    scale=SCALE,
    params=(
        Param("partly_below", float, lo=-10.0, hi=5.0,
              doc="10-year yield minus nominal growth (pp) below which the long end only partly prices growth"),
        Param("blocked_below", float, lo=-15.0, hi=5.0,
              doc="10-year yield minus nominal growth (pp) below which the long end no longer prices growth"),
        Param("growth_quarters", int, lo=1, hi=20,
              doc="quarters of year-on-year nominal GDP growth averaged (smooths one-off quarters)"),
    ),
    description=(
        "Compares the 10-year Treasury yield with the average year-on-year nominal GDP growth of recent "
        "quarters. A long yield far below growth no longer reflects income growth and the return on "
        "investment; it is held down by policy, safe-asset demand or expected stagnation."
    ),
    outcome="nominal GDP growth over the next 12 months",
)


def _avg_growth(gdp: pd.Series, quarters: int) -> pd.Series:
    g = yoy_growth(gdp)
    return g.rolling(quarters, min_periods=quarters).mean().dropna()


def _long_end_level(gap: np.ndarray, params: Mapping[str, float]) -> np.ndarray:
    lvl = np.where(gap < params["blocked_below"], 2, np.where(gap < params["partly_below"], 1, 0))
    return np.where(np.isnan(gap), -1, lvl)


def evaluate_long_end(
    long_yield: pd.Series, nominal_gdp: pd.Series, *, params: Mapping[str, float], as_of: date
) -> Verdict:
    """Long end vs growth from the 10-year yield (percent) and nominal GDP (level, quarterly)."""
    _check_order(params, "blocked_below", "partly_below")
    rule = LONG_END_RULE
    y = _last(long_yield, as_of, 10)
    q = int(params["growth_quarters"])
    g = _last(_avg_growth(nominal_gdp, q), as_of, QUARTERLY_MAX_AGE)
    if y is None or g is None:
        miss = [n for n, v in (("10-year yield", y), ("nominal GDP", g)) if v is None]
        return no_data_verdict(rule, as_of, miss, params)
    gap = y[1] - g[1]
    state = SCALE[int(_long_end_level(np.array([gap]), params)[0])]
    evidence = [
        Evidence("10-year yield", y[1], "percent", y[0]),
        Evidence(f"nominal GDP growth, {q}-quarter average of y/y", round(g[1], 2), "percent", g[0]),
        Evidence("yield minus growth", round(gap, 2), "pp"),
    ]
    text = {
        "transmits": f"The 10-year yield ({y[1]:.2f}%) is in line with nominal growth ({g[1]:.1f}%): the long end "
                     "still prices income growth.",
        "partly": f"The 10-year yield ({y[1]:.2f}%) sits {abs(gap):.1f} pp below nominal growth ({g[1]:.1f}%): the "
                  "long end prices growth only in part.",
        "blocked": f"The 10-year yield ({y[1]:.2f}%) is {abs(gap):.1f} pp below nominal growth ({g[1]:.1f}%): the "
                   "long end no longer reflects the return on investment.",
    }[state]
    return make_verdict(rule, state, text, evidence, params, as_of)


def long_end_states(
    long_yield: pd.Series, nominal_gdp: pd.Series, *, params: Mapping[str, float], dates: Sequence
) -> pd.Series:
    idx = pd.DatetimeIndex(dates)
    y = asof_values(series_input(long_yield), idx, max_age_days=10).to_numpy()
    g = asof_values(_avg_growth(nominal_gdp, int(params["growth_quarters"])), idx,
                    max_age_days=QUARTERLY_MAX_AGE).to_numpy()
    return pd.Series(_levels_to_states(_long_end_level(y - g, params)), index=idx, dtype=object)


# --- 4. investment after funding costs fall ---------------------------------------------------

INVESTMENT_RULE = RuleSpec(
    id="investment_response",
    section="transmission",
    title="Do firms invest when funding gets cheaper?",
    scale=SCALE,
    params=(
        Param("strong_at", float, lo=-10.0, hi=30.0,
              doc="y/y growth of business fixed investment (percent) at or above which firms invest"),
        Param("weak_below", float, lo=-30.0, hi=10.0,
              doc="y/y growth of business fixed investment (percent) below which investment is shrinking"),
        Param("funding_months", int, lo=3, hi=36, doc="months over which the change in funding cost is measured"),
    ),
    description=(
        "Reads year-on-year growth of private nonresidential fixed investment beside the change in the Baa "
        "corporate yield (the funding cost of a typical firm): at or above the strong threshold firms invest, "
        "below the weak threshold they cut back despite the funding conditions, in between partly."
    ),
    outcome="real GDP growth over the next 12 months",
)


def _invest_level(growth: np.ndarray, params: Mapping[str, float]) -> np.ndarray:
    lvl = np.where(growth >= params["strong_at"], 0, np.where(growth < params["weak_below"], 2, 1))
    return np.where(np.isnan(growth), -1, lvl)


def evaluate_investment(
    investment: pd.Series, funding_yield: pd.Series, *, params: Mapping[str, float], as_of: date
) -> Verdict:
    """Investment verdict from business fixed investment (level) and a corporate yield (percent)."""
    _check_order(params, "weak_below", "strong_at")
    rule = INVESTMENT_RULE
    g = _last(yoy_growth(investment), as_of, QUARTERLY_MAX_AGE)
    if g is None:
        return no_data_verdict(rule, as_of, ["business fixed investment"], params)
    state = SCALE[int(_invest_level(np.array([g[1]]), params)[0])]
    evidence = [Evidence("business fixed investment (y/y)", round(g[1], 2), "pct_change", g[0])]
    m = int(params["funding_months"])
    f = _last(funding_yield, as_of, 10)
    chg = _last(change_over(funding_yield, months=m), as_of, 10)
    if f is not None:
        evidence.append(Evidence("Baa corporate yield", round(f[1], 2), "percent", f[0]))
    if chg is not None:
        evidence.append(Evidence(f"change in Baa yield, {m} months", round(chg[1] * 100.0, 0), "bp", chg[0]))
        context = ("Funding costs have fallen" if chg[1] < 0 else "Funding costs have not fallen") + \
                  f" ({chg[1] * 100:+.0f} bp over {m} months)"
    else:
        context = "The change in funding costs is not available"
    text = {
        "transmits": f"{context}; business investment grows {g[1]:.1f}% y/y: firms are investing.",
        "partly": f"{context}; business investment grows only {g[1]:.1f}% y/y.",
        "blocked": f"{context}; business investment is shrinking ({g[1]:.1f}% y/y): cheaper money is not "
                   "turning into capital spending.",
    }[state]
    return make_verdict(rule, state, text, evidence, params, as_of)


def investment_states(investment: pd.Series, *, params: Mapping[str, float], dates: Sequence) -> pd.Series:
    idx = pd.DatetimeIndex(dates)
    g = asof_values(yoy_growth(investment), idx, max_age_days=QUARTERLY_MAX_AGE).to_numpy()
    return pd.Series(_levels_to_states(_invest_level(g, params)), index=idx, dtype=object)


# --- overall ----------------------------------------------------------------------------------

TRANSMISSION_RULE = RuleSpec(
    id="transmission",
    section="transmission",
    title="Does monetary policy still transmit?",
    scale=SCALE,
    params=(
        Param("transmits_below", float, lo=0.0, hi=2.0,
              doc="average answer level (0 transmits, 1 partly, 2 blocked) below which policy transmits"),
        Param("blocked_at", float, lo=0.0, hi=2.0, doc="average answer level at or above which policy is blocked"),
    ),
    description=(
        "Averages the answers to the four questions (transmits = 0, partly = 1, blocked = 2) over those with "
        "data. A blocked credit channel alone makes the overall verdict blocked: without credit expansion, "
        "easing only props up asset prices and liquidity."
    ),
    outcome="real GDP growth over the next 12 months",
)


def _overall_level(levels: Mapping[str, np.ndarray], params: Mapping[str, float]) -> np.ndarray:
    """Overall level (0, 1, 2; -1 without any answer) from each question's levels (-1 = no data)."""
    _check_order(params, "transmits_below", "blocked_at")
    mat = np.vstack([np.asarray(v, dtype=float) for v in levels.values()])
    valid = mat >= 0
    n = valid.sum(axis=0)
    mean = np.where(valid, mat, 0.0).sum(axis=0) / np.maximum(n, 1)
    lvl = np.where(mean >= params["blocked_at"], 2, np.where(mean < params["transmits_below"], 0, 1))
    credit = np.asarray(levels.get("easing_credit", np.full(mat.shape[1], -1)))
    lvl = np.where(credit == 2, 2, lvl)
    return np.where(n == 0, -1, lvl)


def transmission_state(answers: Mapping[str, str], params: Mapping[str, float]) -> str:
    """Overall state from the four answers (rule id -> state; ``NO_DATA`` answers are skipped)."""
    levels = {k: np.array([_LEVEL.get(v, -1)]) for k, v in answers.items()}
    if not levels:
        return NO_DATA
    return str(_levels_to_states(_overall_level(levels, params))[0])


def transmission_states(answers: Mapping[str, pd.Series], params: Mapping[str, float]) -> pd.Series:
    """The overall state at each date from the questions' state histories (same index)."""
    idx = next(iter(answers.values())).index
    levels = {k: np.array([_LEVEL.get(x, -1) for x in v.to_numpy()]) for k, v in answers.items()}
    return pd.Series(_levels_to_states(_overall_level(levels, params)), index=idx, dtype=object)


def evaluate_transmission(answers: Sequence[Verdict], *, params: Mapping[str, float], as_of: date) -> Verdict:
    """The overall verdict from the verdicts of the four questions."""
    rule = TRANSMISSION_RULE
    by_id = {v.rule_id: v.state for v in answers}
    state = transmission_state(by_id, params)
    if state == NO_DATA:
        return no_data_verdict(rule, as_of, [v.title for v in answers], params)
    counted = [v for v in answers if v.state in _LEVEL]
    evidence = [Evidence(v.title, v.state, "text", v.as_of) for v in answers]
    evidence.append(Evidence("questions answered from data", len(counted), "count"))
    text = {
        "transmits": "Monetary policy transmits: easing reaches credit, investment and growth.",
        "partly": "Monetary policy transmits only in part: some channels work, others are clogged.",
        "blocked": "Monetary policy is blocked: easing props up asset prices and liquidity but does not turn "
                   "into credit and real growth.",
    }[state]
    if len(counted) < len(answers):
        text += f" ({len(answers) - len(counted)} of {len(answers)} questions lack data.)"
    return make_verdict(rule, state, text, evidence, params, as_of)


# --- Japanification monitor -------------------------------------------------------------------

JAPAN_SCALE = ("clear", "approaching", "in", "deep")

JAPANIFICATION_RULE = RuleSpec(
    id="japanification",
    section="transmission",
    title="Japanification (U.S.)",
    scale=JAPAN_SCALE,
    params=(
        Param("long_yield_max", float, lo=-1.0, hi=4.0, doc="the long-yield line (percent): at or below it is met"),
        Param("near_band", float, lo=0.0, hi=3.0,
              doc="band (pp) above each line within which a sign counts as half-present ('near')"),
        Param("approach_fall", float, lo=0.0, hi=3.0,
              doc="fall of the long yield over 12 months (pp) that makes a near reading 'approaching'"),
        Param("approach_score", float, lo=0.0, hi=1.0,
              doc="score at which a near long yield counts as approaching even without a fall"),
        Param("persistence_years", int, lo=1, hi=15, doc="look-back (years) for time spent at or below the line"),
        Param("persistence_share", float, lo=0.0, hi=1.0,
              doc="share of the look-back at or below the line that counts as entrenched"),
        Param("policy_floor", float, lo=-1.0, hi=3.0, doc="policy / short rate (percent) at or below which it is at the floor"),
        Param("inflation_max", float, lo=-2.0, hi=5.0, doc="y/y inflation (percent) at or below which it is low"),
        Param("credit_change_max", float, lo=-20.0, hi=20.0,
              doc="change of private credit / GDP over 3 years (pp) at or below which credit is weak"),
        Param("deep_score", float, lo=0.0, hi=1.0, doc="score at or above which an entrenched reading is deep"),
    ),
    description=(
        "Each sign scores 1 when met, 0.5 when within the band above its line and 0 otherwise; the score is "
        "the mean over the signs with data. Deep: the long yield is at or below the line, has been for most of "
        "the look-back, and the score reaches the deep threshold. In: the long yield is at or below the line. "
        "Approaching: the long yield is within the band above the line and either fell over the past year or "
        "the other signs score high. Coverage says which inputs exist for each economy."
    ),
    outcome="change in the U.S. 10-year yield over the next 12 months (bp)",
)

#: the four inputs (the long yield counts once, though it feeds two signs)
JAPAN_INPUTS = ("long yield", "policy rate", "inflation", "credit")
_SIGNS = ("long_yield", "persistence", "policy", "inflation", "credit")


@dataclass(frozen=True)
class CountryData:
    """Inputs of one economy (any may be empty).

    ``long_yield`` and ``policy_rate`` in percent (monthly averages or daily values);
    ``price_index`` a consumer price level (monthly or quarterly); ``credit_gdp`` private
    credit in percent of GDP (quarterly).
    """

    code: str
    name: str
    long_yield: pd.Series
    policy_rate: pd.Series
    price_index: pd.Series
    credit_gdp: pd.Series
    sources: Mapping[str, str] = field(default_factory=dict)


def _points(v: np.ndarray, line: float, band: float) -> np.ndarray:
    """1 at or below the line, 0.5 within the band above it, 0 above, NaN where missing."""
    p = np.where(v <= line, 1.0, np.where(v <= line + band, 0.5, 0.0))
    return np.where(np.isnan(v), np.nan, p)



def japanification_history(data: CountryData, *, params: Mapping[str, float], dates: Sequence) -> pd.DataFrame:
    """Signs, score and state of one economy at each date (vectorised, no look-ahead).

    Columns: ``long_yield`` (percent), ``long_chg12`` (pp over 12 months), ``share_below``
    (share of the months of the look-back with the monthly long yield at or below the line),
    ``policy_rate`` (percent), ``inflation`` (y/y percent), ``credit_chg`` (pp of GDP over 3
    years), one ``pts_<sign>`` column per sign (1, 0.5, 0 or NaN), ``score`` (mean of the
    available signs), ``coverage`` (inputs available of 4) and ``state``.
    """
    idx = pd.DatetimeIndex(dates)
    line, band = params["long_yield_max"], params["near_band"]
    ly = monthly_mean(data.long_yield)
    out = pd.DataFrame(index=idx)
    out["long_yield"] = asof_values(ly, idx, max_age_days=MONTHLY_MAX_AGE)
    out["long_chg12"] = asof_values(change_over(ly, months=12), idx, max_age_days=MONTHLY_MAX_AGE)
    months = 12 * int(params["persistence_years"])
    below = (ly <= line).astype(float).rolling(months, min_periods=max(2, months * 2 // 3)).mean() if len(ly) else ly
    out["share_below"] = asof_values(below, idx, max_age_days=MONTHLY_MAX_AGE)
    out["policy_rate"] = asof_values(monthly_mean(data.policy_rate), idx, max_age_days=MONTHLY_MAX_AGE)
    out["inflation"] = asof_values(yoy_growth(data.price_index), idx, max_age_days=QUARTERLY_MAX_AGE)
    out["credit_chg"] = asof_values(change_over(data.credit_gdp, months=36), idx, max_age_days=QUARTERLY_MAX_AGE + 200)
    share = out["share_below"].to_numpy()
    pts = {
        "long_yield": _points(out["long_yield"].to_numpy(), line, band),
        "persistence": np.where(np.isnan(share), np.nan,
                                np.where(share >= params["persistence_share"], 1.0,
                                         np.where(share >= params["persistence_share"] / 2, 0.5, 0.0))),
        "policy": _points(out["policy_rate"].to_numpy(), params["policy_floor"], band),
        "inflation": _points(out["inflation"].to_numpy(), params["inflation_max"], band),
        "credit": _points(out["credit_chg"].to_numpy(), params["credit_change_max"], band),
    }
    for k in _SIGNS:
        out[f"pts_{k}"] = pts[k]
    mat = np.vstack([pts[k] for k in _SIGNS])
    n = np.sum(~np.isnan(mat), axis=0)
    with np.errstate(invalid="ignore"):
        score = np.where(n > 0, np.nansum(mat, axis=0) / np.maximum(n, 1), np.nan)
    out["score"] = score
    out["coverage"] = (~np.isnan(out[["long_yield", "policy_rate", "inflation", "credit_chg"]].to_numpy())).sum(axis=1)
    pl, pp_ = pts["long_yield"], pts["persistence"]
    chg = out["long_chg12"].to_numpy()
    deep = (pl == 1.0) & (pp_ == 1.0) & (score >= params["deep_score"])
    in_ = pl == 1.0
    approaching = (pl == 0.5) & ((np.nan_to_num(chg, nan=np.inf) <= -params["approach_fall"])
                                 | (score >= params["approach_score"]))
    state = np.where(deep, "deep", np.where(in_, "in", np.where(approaching, "approaching", "clear")))
    state = np.where(np.isnan(pl), NO_DATA, state).astype(object)
    out["state"] = state
    return out


@dataclass(frozen=True)
class JapanReading:
    """One economy's Japanification reading on one date (units as in :func:`japanification_history`)."""

    code: str
    name: str
    state: str
    score: float | None
    coverage: int
    inputs: tuple[str, ...]
    long_yield: float | None
    long_chg12: float | None
    share_below: float | None
    policy_rate: float | None
    inflation: float | None
    credit_chg: float | None
    points: Mapping[str, float | None]


def _f(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def japanification_reading(data: CountryData, *, params: Mapping[str, float], as_of: date) -> JapanReading:
    """The reading of one economy as of ``as_of`` (the history's row for that date)."""
    return reading_from_history(data, japanification_history(data, params=params, dates=[pd.Timestamp(as_of)]))


def reading_from_history(data: CountryData, history: pd.DataFrame) -> JapanReading:
    """The reading on the last date of a :func:`japanification_history` frame."""
    row = history.iloc[-1]
    have = [name for name, col in zip(JAPAN_INPUTS, ("long_yield", "policy_rate", "inflation", "credit_chg"))
            if np.isfinite(row[col])]
    return JapanReading(
        code=data.code, name=data.name, state=str(row["state"]), score=_f(row["score"]), coverage=len(have),
        inputs=tuple(have), long_yield=_f(row["long_yield"]), long_chg12=_f(row["long_chg12"]),
        share_below=_f(row["share_below"]), policy_rate=_f(row["policy_rate"]), inflation=_f(row["inflation"]),
        credit_chg=_f(row["credit_chg"]), points={k: _f(row[f"pts_{k}"]) for k in _SIGNS},
    )


def evaluate_japanification(
    readings: Sequence[JapanReading], *, params: Mapping[str, float], as_of: date, home: str = "us"
) -> Verdict:
    """The verdict: the state of the ``home`` economy, with the other economies as evidence."""
    rule = JAPANIFICATION_RULE
    by = {r.code: r for r in readings}
    r = by.get(home)
    if r is None or r.state == NO_DATA:
        return no_data_verdict(rule, as_of, [f"{home} long yield"], params)
    groups = {s: [x.name for x in readings if x.state == s and x.code != home] for s in ("deep", "in", "approaching")}
    others = "; ".join(f"{s}: {', '.join(n)}" for s, n in groups.items() if n) or "no other economy shows the signs"
    lead = {
        "clear": f"The U.S. shows no Japanification (10-year at {r.long_yield:.2f}%).",
        "approaching": f"The U.S. is approaching Japanification (10-year at {r.long_yield:.2f}%, falling toward "
                       f"{params['long_yield_max']:g}%).",
        "in": f"The U.S. long yield is at or below {params['long_yield_max']:g}% ({r.long_yield:.2f}%): "
              "Japanification signs are present.",
        "deep": "The U.S. is deep in Japanification: a long yield pinned at the floor for years with the other "
                "signs present.",
    }[r.state]
    evidence = [
        Evidence("U.S. score", round(r.score, 2) if r.score is not None else None, "ratio"),
        Evidence("U.S. long yield (monthly average)", r.long_yield, "percent"),
        Evidence("inputs available (U.S.)", f"{r.coverage} of 4 ({', '.join(r.inputs)})", "text"),
    ]
    for s in ("deep", "in", "approaching"):
        if groups[s]:
            evidence.append(Evidence(f"economies {s}", ", ".join(groups[s]), "text"))
    return make_verdict(rule, r.state, f"{lead} Elsewhere: {others}.", evidence, params, as_of)


RULES = (EASING_CREDIT_RULE, DEBT_BURDEN_RULE, LONG_END_RULE, INVESTMENT_RULE, TRANSMISSION_RULE,
         JAPANIFICATION_RULE)
