"""Portfolio arithmetic: Treasury returns from yields, rebalancing, inverse-volatility weights, statistics."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analytics.portfolio import (
    accrual_returns,
    inverse_vol_weights,
    modified_duration,
    par_bond_price,
    par_bond_returns,
    perf_stats,
    price_returns,
    rebalanced_returns,
    window_start,
)


def _s(values, start="2024-01-01", freq="B"):
    return pd.Series(np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq=freq))


# --- bond pricing ------------------------------------------------------------------------------------


def test_par_bond_price_matches_cash_flow_discounting():
    # 5% coupon, 10 years, priced at 6%: 20 semiannual coupons of 2.5 and the principal, discounted at 3% a half-year
    c, y, n = 0.05, 0.06, 10
    flows = sum(0.025 / 1.03 ** k for k in range(1, 21)) + 1.0 / 1.03 ** 20
    assert_allclose(par_bond_price(c, y, n), flows, rtol=1e-12)
    assert_allclose(par_bond_price(y, y, n), 1.0, rtol=1e-12)  # a bond priced at its coupon is at par
    assert_allclose(par_bond_price(0.04, 0.0, 10), 1.0 + 0.04 * 10, rtol=1e-12)  # zero-yield limit


def test_modified_duration_is_minus_price_derivative():
    y = 0.045
    h = 1e-6
    num = -(par_bond_price(y, y + h, 10) - par_bond_price(y, y - h, 10)) / (2 * h)
    assert_allclose(modified_duration(4.5, 10), num, rtol=1e-6)
    assert modified_duration(0.0, 10) == 10.0


def test_par_bond_returns_unchanged_yield_earns_coupon_accrual():
    idx = pd.DatetimeIndex(["2024-01-05", "2024-01-12"])
    r = par_bond_returns(pd.Series([4.0, 4.0], index=idx))
    assert_allclose(r.iloc[0], 0.04 * 7 / 365.25, rtol=1e-12)


def test_par_bond_returns_small_move_matches_duration():
    idx = pd.DatetimeIndex(["2024-01-04", "2024-01-05"])
    r = par_bond_returns(pd.Series([4.00, 4.01], index=idx)).iloc[0]
    tau = 1 / 365.25
    approx = -modified_duration(4.0, 10 - tau) * 0.0001 + 0.04 * tau
    assert abs(r - approx) < 5e-7  # convexity term is about 0.5 * 90 * 1e-8


def test_par_bond_returns_large_move_by_hand():
    idx = pd.DatetimeIndex(["2024-01-04", "2024-01-05"])
    r = par_bond_returns(pd.Series([4.0, 5.0], index=idx)).iloc[0]
    tau = 1 / 365.25
    m = 10 - tau
    disc = 1.025 ** (-2 * m)
    price = 0.04 / 0.05 * (1 - disc) + disc
    assert_allclose(r, price - 1 + 0.04 * tau, rtol=1e-12)
    assert -0.08 < r < -0.07  # a 100 bp rise costs a 10-year par bond about 7.5%


def test_returns_reject_bad_inputs():
    with pytest.raises(TypeError, match="indexed by date"):
        par_bond_returns(pd.Series([4.0, 4.1]))
    with pytest.raises(ValueError, match="maturity must be positive"):
        par_bond_returns(_s([4.0, 4.1]), maturity=0)
    with pytest.raises(ValueError, match="prices must be positive"):
        price_returns(_s([1.0, 0.0, 2.0]))


def test_accrual_returns_use_rate_known_at_start():
    idx = pd.DatetimeIndex(["2024-01-05", "2024-01-08", "2024-01-09"])
    rate = pd.Series([3.6, 7.2], index=pd.DatetimeIndex(["2024-01-05", "2024-01-08"]))
    r = accrual_returns(rate, idx)
    assert_allclose(r.to_numpy(), [0.036 * 3 / 360, 0.072 * 1 / 360], rtol=1e-12)


# --- portfolios ----------------------------------------------------------------------------------------


def test_rebalanced_returns_drift_within_month_by_hand():
    idx = pd.DatetimeIndex(["2024-01-02", "2024-01-03", "2024-02-01"])
    r = pd.DataFrame({"a": [0.10, 0.0, 0.10], "b": [0.0, 0.10, 0.0]}, index=idx)
    p = rebalanced_returns(r, {"a": 0.5, "b": 0.5})
    # day 1: 0.5*1.1 + 0.5 = 1.05; day 2 (holdings drifted): 0.5*1.1 + 0.5*1.1 = 1.10 -> 1.10/1.05 - 1;
    # 1 February: reset to 50/50 -> 0.05
    assert_allclose(p.to_numpy(), [0.05, 1.10 / 1.05 - 1, 0.05], rtol=1e-12)
    daily = rebalanced_returns(r, {"a": 0.5, "b": 0.5}, freq="D")
    assert_allclose(daily.to_numpy(), [0.05, 0.05, 0.05], rtol=1e-12)


def test_rebalanced_returns_validate_weights():
    r = pd.DataFrame({"a": [0.01, 0.02]}, index=pd.date_range("2024-01-01", periods=2))
    with pytest.raises(ValueError, match="sum to 1"):
        rebalanced_returns(r, {"a": 0.9})
    with pytest.raises(ValueError, match="unknown assets"):
        rebalanced_returns(r, {"a": 0.5, "z": 0.5})
    with pytest.raises(ValueError, match="no missing values"):
        rebalanced_returns(r.assign(a=[np.nan, 0.1]), {"a": 1.0})
    with pytest.raises(ValueError, match="freq must be one of"):
        rebalanced_returns(r, {"a": 1.0}, freq="fortnight")


def test_inverse_vol_weights_by_hand_and_without_look_ahead():
    idx = pd.bdate_range("2024-01-01", "2024-04-30")
    sign = np.where(np.arange(len(idx)) % 2 == 0, 1.0, -1.0)
    r = pd.DataFrame({"a": 0.01 * sign, "b": 0.02 * sign}, index=idx)
    w = inverse_vol_weights(r, vol_window=10)
    # sd(b) = 2 sd(a): weights 2/3 and 1/3 once ten returns exist before the month starts
    assert_allclose(w.loc["2024-02-01":].to_numpy(), np.tile([2 / 3, 1 / 3], (len(w.loc["2024-02-01":]), 1)))
    assert w.loc["2024-01"].isna().all().all()  # January starts without history
    # a shock on the first day of March does not change March's weights (set from earlier returns)
    r2 = r.copy()
    r2.loc["2024-03-01", "a"] = 0.5
    w2 = inverse_vol_weights(r2, vol_window=10)
    assert_allclose(w2.loc["2024-03"].to_numpy(), w.loc["2024-03"].to_numpy())


def test_perf_stats_by_hand():
    r = _s([0.01, -0.02, 0.03, -0.01])
    st = perf_stats(r, periods_per_year=252)
    wealth = 1.01 * 0.98 * 1.03 * 0.99
    mean = (0.01 - 0.02 + 0.03 - 0.01) / 4
    sd = math.sqrt(((0.01 - mean) ** 2 + (-0.02 - mean) ** 2 + (0.03 - mean) ** 2 + (-0.01 - mean) ** 2) / 3)
    assert_allclose(st.total_return, wealth - 1, rtol=1e-12)
    assert_allclose(st.ann_return, wealth ** (252 / 4) - 1, rtol=1e-12)
    assert_allclose(st.ann_vol, sd * math.sqrt(252), rtol=1e-12)
    assert_allclose(st.sharpe, mean / sd * math.sqrt(252), rtol=1e-12)
    assert_allclose(st.max_drawdown, 0.98 - 1, rtol=1e-12)  # peak 1.01, trough 1.01 * 0.98
    assert st.n_obs == 4 and st.start == date(2024, 1, 1)


def test_perf_stats_risk_free_and_drawdown_from_initial_wealth():
    r = _s([-0.10, 0.05, 0.05])
    rf = _s([0.001, 0.001, 0.001])
    st = perf_stats(r, risk_free=rf)
    ex = r - rf
    assert_allclose(st.sharpe, ex.mean() / ex.std() * math.sqrt(252), rtol=1e-12)
    assert_allclose(st.max_drawdown, -0.10, rtol=1e-12)  # the first return is already a drawdown from 1
    with pytest.raises(ValueError, match="at least 2 observations"):
        perf_stats(_s([0.01]))
    with pytest.raises(ValueError, match="risk_free has no value"):
        perf_stats(r, risk_free=rf.iloc[:2])


def test_drawdown_bounds_on_random_returns():
    rng = np.random.default_rng(7)
    for _ in range(20):
        r = _s(rng.normal(0.0, 0.02, 300))
        st = perf_stats(r)
        assert -1.0 <= st.max_drawdown <= 0.0
        w = np.cumprod(1 + r.to_numpy())
        assert st.max_drawdown <= w[-1] / max(1.0, w.max()) - 1 + 1e-12


def test_window_start():
    assert window_start(date(2025, 6, 27), "ytd") == pd.Timestamp("2024-12-31")
    assert window_start(date(2025, 6, 27), "3y") == pd.Timestamp("2022-06-27")
    with pytest.raises(ValueError, match="window must be 'ytd'"):
        window_start(date(2025, 6, 27), "three years")
