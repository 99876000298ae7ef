"""Section 6 market analytics: gold vs real yields, textbook signs, portfolios with gold (constructed data)."""

from __future__ import annotations

from datetime import date
from types import MappingProxyType

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analytics import anchor as an
from analytics.portfolio import PerfStats, par_bond_returns

GOLD = {"anchored_below": -0.30, "decoupled_above": -0.10}
SIGNS = {"min_abs_corr": 0.15, "holds_min": 3, "fails_max": 1}
SLEEVE = {"window": "3y", "some_gain": 0.10, "large_gain": 0.30}
AS_OF = date(2025, 6, 27)


def test_weekly_takes_the_last_value_of_each_week_ending_friday():
    idx = pd.DatetimeIndex(["2024-01-01", "2024-01-05", "2024-01-06", "2024-01-09"])  # Mon, Fri, Sat, Tue
    w = an.weekly(pd.Series([1.0, 2.0, 3.0, 4.0], index=idx))
    assert list(w.index) == [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-01-12")]
    assert list(w) == [2.0, 4.0]  # Saturday belongs to the next week; its last value is Tuesday's


def _weekly_rates(n=300, seed=4):
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2015-01-02", periods=n, freq="W-FRI")
    return idx, rng


def test_gold_real_yield_by_construction():
    idx, rng = _weekly_rates()
    real = pd.Series(1.0 + np.cumsum(rng.normal(0, 0.08, len(idx))), index=idx)
    nominal = real + 2.0
    gold = np.exp(7.0 - 0.3 * real)  # 100 ln(gold) = 700 - 30 * real exactly
    res = an.gold_real_yield(gold, real, nominal, window=52, fit_start="2015-01-01", fit_end="2019-12-31",
                             asym_years=3)
    assert_allclose(res.corr, -1.0, atol=1e-9)
    assert_allclose(res.fit_slope, -30.0, rtol=1e-9)
    assert_allclose(res.fit_r2, 1.0, atol=1e-12)
    assert abs(res.residual) < 1e-8
    # beta: d(100 ln gold) / d(100 real) per bp is -0.3 % per bp -> -30% per 100 bp (log returns)
    assert_allclose(res.beta_per_100bp, -30.0, rtol=1e-9)


def test_gold_asymmetry_betas_by_construction():
    idx, rng = _weekly_rates(400)
    y = pd.Series(4.0 + np.cumsum(rng.normal(0, 0.1, len(idx))), index=idx)
    t = par_bond_returns(y) * 100.0
    g_ret = np.where(t > 0, 0.5 * t, 0.0)  # gold rises with Treasuries and ignores their falls
    gold = pd.Series(1000.0 * np.exp(np.r_[0.0, np.cumsum(g_ret / 100.0)]), index=idx)
    real = y - 2.0
    res = an.gold_real_yield(gold, real, y, window=52, fit_start="2015-01-01", fit_end="2018-12-31", asym_years=3)
    assert_allclose(res.beta_up, 0.5, rtol=1e-9)
    assert_allclose(res.beta_down, 0.0, atol=1e-12)
    assert res.n_up + res.n_down == len(t.loc[t.index[-1] - pd.DateOffset(years=3):])
    v = an.evaluate_gold(res, params=GOLD, as_of=AS_OF)
    assert "more than it fell with them" in v.headline


def _gold_res(corr):
    return an.GoldRealYield(AS_OF, 52, corr, -10.0, pd.Series(dtype=float), date(2006, 1, 6), date(2021, 12, 31), -30.0,
                            0.8, 50.0, pd.Series(dtype=float), 3, None, None, 0, 0)


@pytest.mark.parametrize("corr, state", [(-0.3000001, "anchored"), (-0.30, "loosening"), (-0.1000001, "loosening"),
                                         (-0.10, "decoupled"), (0.4, "decoupled")])
def test_gold_rule_boundaries(corr, state):
    assert an.evaluate_gold(_gold_res(corr), params=GOLD, as_of=AS_OF).state == state
    idx = pd.DatetimeIndex(["2025-06-27"])
    assert an.gold_states(pd.Series([corr], index=idx), params=GOLD, dates=idx).iloc[0] == state


def test_gold_needs_data():
    idx, rng = _weekly_rates(30)
    s = pd.Series(1.0, index=idx)
    with pytest.raises(ValueError, match="needs 53 weeks"):
        an.gold_real_yield(s, s, s)
    assert an.evaluate_gold(None, params=GOLD, as_of=AS_OF).state == "no data"


# --- textbook signs ------------------------------------------------------------------------------------


def test_textbook_signs_by_construction():
    idx = pd.bdate_range("2024-01-01", "2025-06-27")
    rng = np.random.default_rng(9)
    y = pd.Series(4.0 + np.cumsum(rng.normal(0, 0.03, len(idx))), index=idx)
    dollar = 100 * np.exp((y - 4.0) / 10)  # rises with yields: textbook holds
    equity = 100 * np.exp((y - 4.0) / 10)  # also rises with yields: textbook fails for equities
    res = an.textbook_signs(y, dollar=dollar, equity=equity)
    checks = {(c.asset, c.window): c for c in res.checks}
    assert_allclose(checks[("dollar", "6m")].corr, 1.0, atol=1e-9)
    assert an.check_holds(checks[("dollar", "12m")], 0.15) is True
    assert an.check_holds(checks[("equities", "6m")], 0.15) is False
    v = an.evaluate_signs(res, params=SIGNS, as_of=AS_OF)
    assert v.state == "mixed"  # 2 of 4
    yw = an.weekly(y)
    assert_allclose(checks[("dollar", "6m")].yield_change_bp, (yw.iloc[-1] - yw.iloc[-27]) * 100)


def test_textbook_signs_missing_asset_gives_no_data():
    idx = pd.bdate_range("2024-01-01", "2025-06-27")
    y = pd.Series(np.linspace(4, 5, len(idx)), index=idx)
    res = an.textbook_signs(y, dollar=None, equity=y * 10)
    v = an.evaluate_signs(res, params=SIGNS, as_of=AS_OF)
    assert v.state == "no data" and "dollar" in v.headline


@pytest.mark.parametrize("corrs, state", [((0.2, 0.2, -0.2, -0.2), "holds"), ((0.2, 0.2, -0.2, -0.1499), "holds"),
                                          ((0.2, 0.1499, -0.2, 0.3), "mixed"), ((0.15, -0.2, 0.1, 0.3), "fails"),
                                          ((-0.2, -0.2, 0.2, 0.2), "fails")])
def test_signs_rule_boundaries(corrs, state):
    checks = tuple(an.SignCheck(a, w, 26, sign, c, 0.0, 0.0) for (a, w, sign), c in
                   zip((("dollar", "6m", 1), ("dollar", "12m", 1), ("equities", "6m", -1), ("equities", "12m", -1)),
                       corrs))
    assert an.evaluate_signs(an.AnchorSigns(AS_OF, checks), params=SIGNS, as_of=AS_OF).state == state


# --- portfolios ---------------------------------------------------------------------------------------


def test_portfolio_study_matches_a_hand_simulation():
    idx = pd.bdate_range("2021-01-01", "2025-06-27")
    n = len(idx)
    rng = np.random.default_rng(11)
    eq = pd.Series(100 * np.cumprod(1 + rng.normal(0.0004, 0.01, n)), index=idx)
    y = pd.Series(4.0 + np.cumsum(rng.normal(0, 0.03, n)), index=idx)
    gold = pd.Series(1500 * np.cumprod(1 + rng.normal(0.0003, 0.009, n)), index=idx)
    cash = pd.Series(2.0, index=idx)
    st = an.portfolio_study(eq, y, gold, cash, as_of=AS_OF, windows=("3y",), stock_weight=0.6, gold_weight=0.1,
                            vol_window=63)
    # independent loop: 60/40 + 10% gold, reset on the first trading day of each month
    r = pd.DataFrame({"e": eq.pct_change(), "t": par_bond_returns(y), "g": gold.pct_change()}).dropna()
    target = np.array([0.54, 0.36, 0.10])
    hold, out, month = target.copy(), [], None
    for t, row in r.iterrows():
        if (t.year, t.month) != month:
            hold, month = target.copy(), (t.year, t.month)
        before = hold.sum()
        hold = hold * (1 + row.to_numpy())
        out.append(hold.sum() / before - 1)
    sim = pd.Series(out, index=r.index)
    got = st.returns["60/40 + gold"].dropna()
    got = got.loc[got.index[0] + pd.offsets.MonthBegin(1):]  # the study's data start mid-month; compare full months
    assert_allclose(got.to_numpy(), sim.loc[got.index].to_numpy(), rtol=1e-10, atol=1e-14)
    s3 = st.stats[("60/40 + gold", "3y")]
    win = sim.loc[sim.index > pd.Timestamp("2022-06-27")]
    days = pd.Series(r.index.to_numpy(), index=r.index).diff().dt.days  # calendar days since the previous date
    rf = 0.02 * days.loc[win.index] / 360  # 2% cash, money-market day count
    ex = win.to_numpy() - rf.to_numpy()
    assert_allclose(s3.sharpe, ex.mean() / ex.std(ddof=1) * np.sqrt(252), rtol=1e-8)
    assert_allclose(s3.ann_vol, win.std() * np.sqrt(252), rtol=1e-10)
    assert st.gain[("60/40", "3y")] == pytest.approx(s3.sharpe - st.stats[("60/40", "3y")].sharpe)


def test_portfolio_study_window_not_covered_is_none():
    idx = pd.bdate_range("2024-01-01", "2025-06-27")
    rng = np.random.default_rng(1)
    s = pd.Series(100 * np.cumprod(1 + rng.normal(0, 0.01, len(idx))), index=idx)
    st = an.portfolio_study(s, s / 25, s, pd.Series(2.0, index=idx), as_of=AS_OF, windows=("3y", "ytd"))
    assert st.stats[("60/40", "3y")] is None and st.stats[("60/40", "ytd")] is not None
    assert st.gain[("60/40", "3y")] is None
    v = an.evaluate_sleeve(st, params=SLEEVE, as_of=AS_OF)
    assert v.state == "no data"
    with pytest.raises(ValueError, match="gold_weight must be in"):
        an.portfolio_study(s, s / 25, s, pd.Series(2.0, index=idx), as_of=AS_OF, gold_weight=1.5)


def _study(gain_6040, gain_rp):
    ps = PerfStats(date(2022, 6, 28), AS_OF, 750, 0.1, 0.03, 0.1, 0.5, -0.1)
    stats = {(n, "3y"): ps for n, _, _ in an.PORTFOLIOS}
    return an.PortfolioStudy(AS_OF, ("3y",), MappingProxyType(stats),
                             MappingProxyType({("60/40", "3y"): gain_6040, ("Risk parity", "3y"): gain_rp}),
                             pd.DataFrame(), pd.Series(dtype=float), 0.6, 0.1, 63, date(2022, 1, 3))


@pytest.mark.parametrize("g1, g2, state", [(0.10, 0.10, "some gain"), (0.0999, 0.10, "little gain"),
                                           (0.30, 0.30, "large gain"), (0.2999, 0.30, "some gain"),
                                           (-0.2, 0.0, "little gain")])
def test_sleeve_rule_boundaries(g1, g2, state):
    assert an.evaluate_sleeve(_study(g1, g2), params=SLEEVE, as_of=AS_OF).state == state


@pytest.mark.parametrize("up, down, asym", [(0.4, 0.2, False), (0.4, 0.1999, True), (0.4, -0.3, True),
                                            (0.0, -0.3, False), (None, 0.1, None)])
def test_gold_asymmetry_boundary(up, down, asym):
    res = an.GoldRealYield(AS_OF, 52, 0.0, -10.0, pd.Series(dtype=float), date(2006, 1, 6), date(2021, 12, 31), -30.0,
                           0.8, 50.0, pd.Series(dtype=float), 3, up, down, 50, 50)
    assert res.asymmetric is asym
    assert ("more than it fell with them" in an.evaluate_gold(res, params=GOLD, as_of=AS_OF).headline) is bool(asym)
