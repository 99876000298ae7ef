"""Section 5 analytics: stock-bond correlation, equity risk premium, spillovers, dollar regime (constructed data)."""

from __future__ import annotations

from datetime import date
from types import MappingProxyType

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analytics import crossasset as ca
from analytics.portfolio import par_bond_returns

SB = {"negative_below": -0.10, "positive_above": 0.10}
ERP = {"ample_above": 4.0, "thin_below": 2.0, "pressing_bp": 25.0}
SPILL = {"high_corr": 0.60, "moderate_corr": 0.40, "high_beta": 0.50}
DOLLAR = {"corr_min": 0.20, "yield_move_bp": 10.0, "dollar_move_pct": 2.0, "growth_floor": 1.0,
          "loose_deficit": 4.0, "tp_rise_bp": 10.0}
AS_OF = date(2025, 6, 27)


# --- helpers ------------------------------------------------------------------------------------------


def test_state_series_maps_missing_values_to_no_data():
    idx = pd.DatetimeIndex(["2024-01-05", "2024-01-12"])
    st = ca.state_series(pd.Series([np.nan, 0.3], index=idx), lambda x: "high" if x > 0.2 else "low")
    assert list(st) == ["no data", "high"]


def test_last_crossing_ignores_short_excursions():
    idx = pd.bdate_range("2024-01-01", periods=12)
    s = pd.Series([-1, -1, -1, 1, 1, 1, 1, -1, 1, 1, 1, 1], index=idx, dtype=float)
    assert ca.last_crossing(s, 0.0, min_run=3) == (idx[3].date(), "up")  # the one-day dip does not count
    assert ca.last_crossing(s, 0.0, min_run=1) == (idx[8].date(), "up")
    assert ca.last_crossing(s.abs(), 0.0, min_run=1) is None  # never below
    with pytest.raises(ValueError, match="min_run must be >= 1"):
        ca.last_crossing(s, 0.0, min_run=0)


# --- stock-bond correlation ----------------------------------------------------------------------------


def _yields(n=400, seed=1):
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2020-01-01", periods=n)
    return pd.Series(4.0 + np.cumsum(rng.normal(0, 0.05, n)), index=idx)


@pytest.mark.parametrize("k, expected", [(-0.5, -1.0), (0.8, 1.0)])
def test_stock_bond_correlation_of_proportional_returns(k, expected):
    y = _yields()
    br = par_bond_returns(y)
    eq = pd.Series(np.r_[100.0, 100.0 * np.cumprod(1 + k * br.to_numpy())], index=y.index)
    res = ca.stock_bond_correlation(eq, y, window=60, min_run=5)
    assert_allclose(res.corr, expected, atol=1e-9)
    assert res.series.index[0] == y.index[60]  # the first full window
    assert res.last_change is None


def test_stock_bond_correlation_needs_enough_dates():
    y = _yields(50)
    with pytest.raises(ValueError, match="needs 253 common dates"):
        ca.stock_bond_correlation(y * 10, y, window=252)


def _sb(corr):
    return ca.StockBondCorrelation(date(2025, 6, 27), corr, 252, pd.Series(dtype=float), None, None, 63,
                                   date(1990, 1, 2), 9000)


@pytest.mark.parametrize("corr, state", [(-0.1000001, "negative"), (-0.10, "near zero"), (0.0999999, "near zero"),
                                         (0.10, "positive"), (0.6, "positive")])
def test_stock_bond_rule_boundaries(corr, state):
    v = ca.evaluate_stock_bond(_sb(corr), params=SB, as_of=AS_OF)
    assert v.state == state
    idx = pd.DatetimeIndex(["2025-06-27"])
    assert ca.stock_bond_states(pd.Series([corr], index=idx), params=SB, dates=idx).iloc[0] == state


def test_stock_bond_no_data_and_stale():
    assert ca.evaluate_stock_bond(None, params=SB, as_of=AS_OF).state == "no data"
    v = ca.evaluate_stock_bond(_sb(0.3), params=SB, as_of=AS_OF, stale=True)
    assert v.stale and v.headline.startswith("Stale data")
    with pytest.raises(ValueError, match="positive_above must be >= negative_below"):
        ca.evaluate_stock_bond(_sb(0.3), params={"negative_below": 0.2, "positive_above": 0.1}, as_of=AS_OF)
    states = ca.stock_bond_states(pd.Series([0.3], index=pd.DatetimeIndex(["2025-01-01"])), params=SB,
                                  dates=pd.DatetimeIndex(["2024-12-31", "2025-01-20"]))
    assert list(states) == ["no data", "no data"]  # before the first value; then too old


# --- equity risk premium ------------------------------------------------------------------------------


def test_erp_by_hand_with_tips_and_pre_tips_proxy():
    months = pd.date_range("1990-01-01", "2006-12-01", freq="MS")
    price = pd.Series(100.0, index=months)
    earnings = pd.Series(5.0, index=months)  # earnings yield 5%
    cpi = pd.Series(100.0 * 1.03 ** (np.arange(len(months)) / 12), index=months)  # 3% a year
    nominal = pd.Series(6.0, index=months)
    tips_days = pd.bdate_range("2003-01-02", "2006-12-29")
    tips = pd.Series(1.5, index=tips_days)
    res = ca.equity_risk_premium(price, earnings, tips_10y=tips, nominal_10y=nominal, cpi=cpi, inflation_years=10,
                                 history_start="2000-01-01")
    assert_allclose(res.earnings_yield, 5.0)
    assert_allclose(res.real_yield, 1.5)
    assert_allclose(res.erp, 3.5)
    assert res.real_source == "10-year TIPS yield"
    # before TIPS: 6% nominal minus 3% trailing inflation -> real 3%, premium 2 pp
    assert_allclose(res.series.loc["2002-12-01"], 5.0 - 3.0, rtol=1e-9)
    assert res.history_start == date(2000, 1, 1)
    assert_allclose(res.percentile, 1.0)  # 3.5 is the highest value
    assert_allclose(res.real_change_bp, 0.0, atol=1e-9)


@pytest.mark.parametrize("erp, state", [(4.0, "ample"), (3.9999, "normal"), (2.0, "normal"), (1.9999, "thin")])
def test_erp_rule_boundaries(erp, state):
    months = pd.date_range("2020-01-01", periods=3, freq="MS")
    res = ca.EquityRiskPremium(date(2020, 3, 1), 5.0, 5.0 - erp, "10-year TIPS yield", erp, 0.5, date(1960, 1, 1),
                               pd.Series(erp, index=months), pd.Series(5.0, index=months),
                               pd.Series(5.0 - erp, index=months), date(2020, 3, 1), 0.0, 0.0, 6, 10)
    assert ca.evaluate_erp(res, params=ERP, as_of=AS_OF).state == state
    assert ca.erp_states(res.series, params=ERP, dates=pd.DatetimeIndex(["2020-04-15"])).iloc[0] == state


@pytest.mark.parametrize("change, pressing", [(25.0, True), (24.9, False)])
def test_erp_pressing_on_denominator_boundary(change, pressing):
    months = pd.date_range("2020-01-01", periods=3, freq="MS")
    res = ca.EquityRiskPremium(date(2020, 3, 1), 5.0, 2.0, "10-year TIPS yield", 3.0, 0.5, date(1960, 1, 1),
                               pd.Series(3.0, index=months), pd.Series(5.0, index=months), pd.Series(2.0, index=months),
                               date(2020, 3, 1), change, 0.0, 6, 10)
    v = ca.evaluate_erp(res, params=ERP, as_of=AS_OF)
    assert ("pressing on the denominator" in v.headline) is pressing


def test_erp_month_counts_only_after_month_end():
    s = pd.Series([3.0], index=pd.DatetimeIndex(["2020-03-01"]))
    st = ca.erp_states(s, params=ERP, dates=pd.DatetimeIndex(["2020-03-15", "2020-03-31"]))
    assert list(st) == ["no data", "normal"]


# --- spillovers ----------------------------------------------------------------------------------------


def test_spillovers_by_hand():
    rng = np.random.default_rng(3)
    months = pd.date_range("1990-01-01", periods=80, freq="MS")
    us = pd.Series(5.0 + np.cumsum(rng.normal(0, 0.2, 80)), index=months)
    de = 2.0 + 0.5 * (us - 5.0)  # moves half as much, perfectly correlated
    jp = pd.Series(1.0 + np.cumsum(rng.normal(0, 0.1, 80)), index=months)
    res = ca.yield_spillovers(us, {"de": de, "jp": jp}, window=36, since="1990-01-01")
    row = {r.country: r for r in res.rows}
    assert_allclose(row["de"].corr_window, 1.0)
    assert_allclose(row["de"].beta_window, 0.5)
    assert_allclose(row["de"].beta_long, 0.5)
    assert row["de"].n_window == 36 and row["de"].n_long == 79
    du, dj = us.diff().iloc[-36:], jp.diff().iloc[-36:]
    assert_allclose(row["jp"].corr_window, np.corrcoef(du, dj)[0, 1])
    assert_allclose(res.group_corr["Europe"], 1.0)
    with pytest.raises(ValueError, match="unknown country"):
        ca.yield_spillovers(us, {"xx": de})


def _spill(corr, beta):
    return ca.Spillovers((), 36, date(1990, 1, 1), date(2025, 5, 1), MappingProxyType({"Europe": corr, "Japan": 0.3}),
                         MappingProxyType({"Europe": beta}), pd.DataFrame())


@pytest.mark.parametrize("corr, beta, state", [(0.60, 0.50, "high"), (0.60, 0.4999, "moderate"),
                                               (0.5999, 0.9, "moderate"), (0.40, 0.1, "moderate"),
                                               (0.3999, 0.9, "low")])
def test_spillover_rule_boundaries(corr, beta, state):
    assert ca.evaluate_spillover(_spill(corr, beta), params=SPILL, as_of=AS_OF).state == state


def test_spillover_states_match_verdict_logic():
    months = pd.date_range("2000-01-01", periods=60, freq="MS")
    rng = np.random.default_rng(5)
    us = pd.Series(np.cumsum(rng.normal(0, 0.2, 60)), index=months)
    de = 0.8 * us
    dates = pd.DatetimeIndex(["2001-06-15", "2004-12-31"])
    st = ca.spillover_states(us, {"de": de, "jp": us}, params=SPILL, dates=dates, window=36)
    assert list(st) == ["no data", "high"]  # corr 1, beta 0.8; Japan is not in the European mean


# --- dollar regime -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kw, state", [
    (dict(corr_short=0.19, yield_change_bp=10.0, dollar_change_pct=-2.0, growth=2.0, fiscal_loose=True),
     "fiscal frown"),
    (dict(corr_short=0.20, yield_change_bp=10.0, dollar_change_pct=-2.0, growth=2.0, fiscal_loose=True), "smile right"),
    (dict(corr_short=0.0, yield_change_bp=9.99, dollar_change_pct=-2.0, growth=2.0, fiscal_loose=True), "none"),
    (dict(corr_short=0.0, yield_change_bp=10.0, dollar_change_pct=-1.99, growth=2.0, fiscal_loose=True), "none"),
    (dict(corr_short=0.0, yield_change_bp=10.0, dollar_change_pct=-2.0, growth=2.0, fiscal_loose=False), "none"),
    (dict(corr_short=0.0, yield_change_bp=10.0, dollar_change_pct=-2.0, growth=2.0, fiscal_loose=None), "none"),
    (dict(corr_short=-0.5, yield_change_bp=-10.0, dollar_change_pct=2.0, growth=-1.0, fiscal_loose=None), "smile left"),
    (dict(corr_short=-0.5, yield_change_bp=-9.99, dollar_change_pct=2.0, growth=-1.0, fiscal_loose=None), "none"),
    (dict(corr_short=0.20, yield_change_bp=0.0, dollar_change_pct=0.0, growth=1.0, fiscal_loose=None), "smile right"),
    (dict(corr_short=0.20, yield_change_bp=0.0, dollar_change_pct=0.0, growth=0.99, fiscal_loose=None), "none"),
    (dict(corr_short=0.20, yield_change_bp=0.0, dollar_change_pct=0.0, growth=None, fiscal_loose=None), "none"),
])
def test_dollar_state_boundaries(kw, state):
    assert ca.dollar_state(params=DOLLAR, **kw) == state


def _dollar_series(direction_y, direction_d, n=200, seed=2):
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2024-01-01", periods=n)
    noise = rng.normal(0, 1, n)
    y = pd.Series(4.0 + np.cumsum(0.01 * noise + direction_y * 0.003), index=idx)
    d = pd.Series(100 * np.exp(np.cumsum(-0.002 * noise + direction_d * 0.0006)), index=idx)
    return y, d


def test_dollar_regime_measures_frown_with_term_premium_fallback():
    y, d = _dollar_series(+1, -1)
    tp = pd.Series(np.linspace(0.0, 0.5, len(y)), index=y.index)
    res = ca.dollar_regime(d, y, short_window=63, long_window=126, growth=None, deficit_gdp=None, term_premium=tp)
    assert res.corr_short < -0.9  # dollar moves against yields by construction
    assert_allclose(res.yield_change_bp, (y.iloc[-1] - y.iloc[-64]) * 100)
    assert_allclose(res.dollar_change_pct, (d.iloc[-1] / d.iloc[-64] - 1) * 100)
    assert_allclose(res.tp_change_bp, (tp.iloc[-1] - tp.iloc[-64]) * 100)
    v = ca.evaluate_dollar(res, params=DOLLAR, as_of=AS_OF)
    assert v.state == "fiscal frown" and "term premium" in v.headline
    hist = ca.dollar_states(d, y, params=DOLLAR, dates=y.index[[50, -1]], short_window=63, term_premium=tp)
    assert list(hist) == ["no data", "fiscal frown"]


def test_dollar_fiscal_signal_prefers_deficit():
    y, d = _dollar_series(+1, -1)
    tp = pd.Series(np.linspace(0.0, 0.5, len(y)), index=y.index)
    deficits = pd.Series([-3.0, -3.0], index=pd.DatetimeIndex(["2023-01-01", "2024-01-01"]))  # 3% and unchanged
    res = ca.dollar_regime(d, y, deficit_gdp=deficits, term_premium=tp)
    assert res.deficit == 3.0 and res.deficit_change == 0.0
    assert ca.evaluate_dollar(res, params=DOLLAR, as_of=AS_OF).state == "none"  # deficit below 4% and not widening
    widening = pd.Series([-2.0, -3.0], index=deficits.index)
    res2 = ca.dollar_regime(d, y, deficit_gdp=widening)
    assert ca.evaluate_dollar(res2, params=DOLLAR, as_of=AS_OF).state == "fiscal frown"
    assert ca.evaluate_dollar(None, params=DOLLAR, as_of=AS_OF).state == "no data"
