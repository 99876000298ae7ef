"""Debt dynamics, projection, the debt-management path and fiscal-news moves (constructed data)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analytics import fiscal as fi

PATH = {"growth_min": 1.5, "inflation_min": 3.0, "qe_min_pct": 10.0, "consolidation_pp": 1.0}
AS_OF = date(2025, 6, 27)


def test_debt_step_by_hand():
    assert_allclose(fi.debt_step(100.0, 4.0, 2.0, 2.0, 3.0), 100.0 * 1.04 / (1.02 * 1.02) + 3.0)
    # r equal to nominal growth and no primary deficit keeps the ratio unchanged
    assert_allclose(fi.debt_step(120.0, (1.02 * 1.03 - 1) * 100, 2.0, 3.0, 0.0), 120.0)


def _quarterly():
    q = pd.date_range("2014-01-01", "2024-10-01", freq="QS")
    t = np.arange(len(q))
    real = pd.Series(1000.0 * 1.02 ** (t / 4), index=q)  # 2% real growth a year
    nominal = real * 1.03 ** (t / 4)  # 3% deflator inflation a year
    debt = pd.Series(100.0, index=q)  # debt ratio constant at 100%
    interest = pd.Series(40.0, index=q)  # 40 bn a year at an annual rate
    deficit = pd.Series(-5.0, index=pd.date_range("2014-01-01", "2024-01-01", freq="YS"))  # 5% of GDP deficit
    return q, real, nominal, debt, interest, deficit


def test_debt_dynamics_by_hand():
    q, real, nominal, debt, interest, deficit = _quarterly()
    dyn = fi.debt_dynamics(debt_gdp=debt, interest=interest, gdp=nominal, real_gdp=real, deficit_gdp=deficit,
                           first_year=2000)
    assert dyn.missing == ()
    fy = {y.year: y for y in dyn.years}[2020]
    # FY2020 = 2019Q4..2020Q3; growth of fiscal-year means equals the quarterly growth compounded over a year
    assert_allclose(fy.g, 2.0, rtol=1e-10)
    assert_allclose(fy.pi, 3.0, rtol=1e-10)
    debt_start = 1.0 * nominal.loc["2019-07-01"]  # debt = 100% of GDP at the end of FY2019 (its July quarter)
    assert_allclose(fy.r, 100.0 * 40.0 / debt_start, rtol=1e-12)
    gdp_fy = nominal.loc["2019-10-01":"2020-07-01"].mean()
    interest_gdp = 100.0 * 40.0 / gdp_fy
    assert_allclose(fy.interest_gdp, interest_gdp, rtol=1e-12)
    assert_allclose(fy.primary_deficit, 5.0 - interest_gdp, rtol=1e-12)
    assert fy.change == 0.0
    n = 1.02 * 1.03
    assert_allclose(fy.interest_effect, 100.0 * fy.r / 100 / n, rtol=1e-12)
    assert_allclose(fy.growth_effect, -100.0 * 0.02 / n, rtol=1e-10)
    assert_allclose(fy.inflation_effect, -100.0 * (0.03 + 0.02 * 0.03) / n, rtol=1e-10)
    # the four terms and the residual add up to the published change
    assert_allclose(fy.interest_effect + fy.growth_effect + fy.inflation_effect + fy.primary_deficit + fy.residual,
                    fy.change, atol=1e-12)
    assert dyn.latest.year == 2024


def test_debt_dynamics_says_what_is_missing_and_invents_nothing():
    q, real, nominal, debt, interest, deficit = _quarterly()
    dyn = fi.debt_dynamics(debt_gdp=None, interest=None, gdp=nominal, real_gdp=real, deficit_gdp=None)
    assert dyn.missing == ("debt/GDP", "federal interest payments", "federal deficit")
    last = dyn.years[-1]
    assert last.g is not None and last.pi is not None
    assert last.r is None and last.primary_deficit is None and last.debt is None and last.residual is None


def test_projection_by_hand():
    p = fi.project_debt(start_year=2024, debt=100.0, r0=3.0, market_yield=5.0, growth=2.0, inflation=2.0,
                        primary_deficit=3.0, scenarios=(fi.Scenario("Rates +1pp", d_yield=1.0),), years=2,
                        rollover_years=1.0)
    # rollover in one year: the rate equals the market yield from the first year on
    d1 = 100.0 * 1.05 / 1.02 ** 2 + 3.0
    d2 = d1 * 1.05 / 1.02 ** 2 + 3.0
    assert_allclose(p.paths["Baseline"], (100.0, d1, d2))
    e1 = 100.0 * 1.06 / 1.02 ** 2 + 3.0
    assert_allclose(p.paths["Rates +1pp"][1], e1)
    slow = fi.project_debt(start_year=2024, debt=100.0, r0=3.0, market_yield=5.0, growth=2.0, inflation=2.0,
                           primary_deficit=0.0, years=2, rollover_years=4.0)
    assert_allclose(slow.rates["Baseline"], (3.0, 3.5, 3.875))  # a quarter of the gap closes each year
    with pytest.raises(ValueError, match="rollover_years must be >= 1"):
        fi.project_debt(start_year=2024, debt=1, r0=1, market_yield=1, growth=1, inflation=1, primary_deficit=0,
                        rollover_years=0.5)


def _dyn(g, pi, r, f_now, f_prev, change=1.0):
    prev = fi.FiscalYear(2023, 100.0, r, g, pi, f_prev, None, None, None, None, None, None, None)
    now = fi.FiscalYear(2024, 101.0, r, g, pi, f_now, None, None, change, None, None, None, None)
    return fi.DebtDynamics((prev, now), (), now)


def _fed(growth_pct):
    idx = pd.DatetimeIndex(["2024-06-26", "2025-06-25"])
    return pd.Series([1000.0, 1000.0 * (1 + growth_pct / 100)], index=idx)


@pytest.mark.parametrize("qe, pi, df, g, r, state", [
    (10.0, 5.0, -2.0, 3.0, 0.0, "monetisation"),          # QE exactly at the threshold wins over everything
    (9.99, 3.0, -2.0, 3.0, 0.0, "inflation"),             # inflation exactly at the threshold
    (9.99, 2.99, -1.0, 3.0, 0.0, "tightening"),           # primary deficit down exactly 1 pp
    (9.99, 2.5, -0.99, 1.5, 4.0, "growth"),               # g = floor and g = real rate (4.0 - 2.5)
    (9.99, 2.5, -0.99, 1.5, 4.01, "no clear path"),       # real rate 1.51 > g
    (9.99, 2.5, -0.99, 1.49, 0.0, "no clear path"),       # growth below its floor
])
def test_path_rule_boundaries(qe, pi, df, g, r, state):
    sig = fi.path_signals(_dyn(g, pi, r, 3.0 + df, 3.0), fed_treasuries=_fed(qe), params=PATH)
    assert fi.path_state(sig.flags) == state
    v = fi.evaluate_path(sig, None, params=PATH, as_of=AS_OF)
    assert v.state == state
    assert fi.PATH_ASSETS[state].split(";")[0] in v.headline


def test_path_unknown_check_blocks_the_verdict():
    flags = {"monetisation": False, "inflation": None, "tightening": True, "growth": True}
    assert fi.path_state(flags) is None  # inflation would come before tightening and is unknown
    only_qe = {"monetisation": True, "inflation": None, "tightening": None, "growth": None}
    assert fi.path_state(only_qe) == "monetisation"
    sig = fi.path_signals(fi.DebtDynamics((), ("debt/GDP",), None), fed_treasuries=None, params=PATH)
    v = fi.evaluate_path(sig, None, params=PATH, as_of=AS_OF)
    assert v.state == "no data" and "Fed Treasury holdings" in v.headline


def test_event_change_windows():
    idx = pd.bdate_range("2024-01-01", periods=10)  # Mon 1 Jan .. Fri 12 Jan
    s = pd.Series(np.arange(10, dtype=float) + 1.0, index=idx)
    # event on Saturday 6 Jan: base Friday 5 Jan (5.0); the first observation on or after is Monday 8 Jan (6.0)
    base, end, ch = fi.event_change(s, date(2024, 1, 6), 1, kind="diff")
    assert (base, end, ch) == (date(2024, 1, 5), date(2024, 1, 8), 1.0)
    assert fi.event_change(s, date(2024, 1, 6), 5, kind="bp")[2] == pytest.approx(500.0)
    assert fi.event_change(s, date(2024, 1, 6), 5, kind="pct")[2] == pytest.approx(100.0)
    assert fi.event_change(s, date(2024, 1, 6), 6) is None  # window not complete
    assert fi.event_change(s, date(2024, 1, 1), 1) is None  # nothing before the event
    with pytest.raises(ValueError, match="kind must be"):
        fi.event_change(s, date(2024, 1, 6), 1, kind="log")


def test_fiscal_news_response_uses_lookback_and_means():
    idx = pd.bdate_range("2015-01-01", "2025-06-27")
    y = pd.Series(np.arange(len(idx)) * 0.01, index=idx)  # +1 bp a day
    events = [("old", date(2016, 3, 1)), ("a", date(2023, 8, 2)), ("b", date(2025, 5, 19))]
    res = fi.fiscal_news_response(events, yields_10y=y, term_premium=None, bei_5y5y=y * 0, as_of=AS_OF, horizon=2,
                                  lookback_years=5)
    assert [e.name for e in res.events] == ["a", "b"]
    assert res.mean_10y_bp == pytest.approx(2.0)  # two business days, 1 bp each
    assert res.mean_tp_bp is None and res.mean_bei_bp == pytest.approx(0.0)
