"""Section 2 analytics: weekly move names, growth slope, minimum-variance hedge, the rules' states."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics import curve as ac
from analytics.rules import NO_DATA

INV = {"inverted_below": 0.0, "flat_below": 0.25}
SLOPE = {"lookback_years": 10, "min_slope": 3.0, "min_r2": 0.6, "broken_below": 0.0}


# --- weekly moves -----------------------------------------------------------------------------


@pytest.mark.parametrize("d_short, d_long, label", [
    (-10.0, -2.0, "bull steepener"),     # yields fall, the short end more
    (2.0, 10.0, "bear steepener"),       # yields rise, the long end more
    (-2.0, -10.0, "bull flattener"),
    (10.0, 2.0, "bear flattener"),
    (-5.0, 5.0, "steepening twist"),
    (5.0, -5.0, "flattening twist"),
    (5.0, 6.9, "parallel up"),           # spread +1.9 < 2
    (-5.0, -6.9, "parallel down"),
    (1.0, -0.5, "unchanged"),
    (0.0, 2.0, "bear steepener"),        # spread change exactly at the threshold is not parallel
    (-1.0, 1.0, "bear steepener"),       # opposite moves below the threshold are no twist; a tie counts as bear
    (-2.0, 2.0, "steepening twist"),     # both ends exactly at the threshold
])
def test_classify_move(d_short, d_long, label):
    assert ac.classify_move(d_short, d_long, threshold_bp=2.0) == label


def test_classify_move_rejects_missing_values():
    with pytest.raises(ValueError, match="d_long_bp must be a finite number"):
        ac.classify_move(1.0, float("nan"))


def test_weekly_moves_on_a_hand_built_curve():
    idx = pd.bdate_range("2024-01-01", "2024-02-02")
    y2 = pd.Series(4.00, index=idx)
    y10 = pd.Series(4.00, index=idx)
    y30 = pd.Series(4.20, index=idx)
    # last week (to Fri 2024-02-02): 2y -10 bp, 10y -3 bp, 30y +5 bp
    last_week = idx > pd.Timestamp("2024-01-26")
    y2[last_week], y10[last_week], y30[last_week] = 3.90, 3.97, 4.25
    mv = ac.weekly_moves(pd.DataFrame({"2y": y2, "10y": y10, "30y": y30}), [("2y", "10y"), ("10y", "30y")],
                         as_of=date(2024, 2, 2), weeks=3)
    r = mv.iloc[0]
    assert r["end"] == date(2024, 2, 2)
    assert r["d_2y"] == pytest.approx(-10.0) and r["d_10y"] == pytest.approx(-3.0)
    assert r["d_2s10s"] == pytest.approx(7.0) and r["move_2s10s"] == "bull steepener"
    assert r["d_10s30s"] == pytest.approx(8.0) and r["move_10s30s"] == "steepening twist"
    assert list(mv["move_2s10s"].iloc[1:]) == ["unchanged", "unchanged"]
    assert list(mv["end"]) == [date(2024, 2, 2), date(2024, 1, 26), date(2024, 1, 19)]


def test_weekly_moves_leave_a_week_with_a_missing_yield_unnamed():
    idx = pd.bdate_range("2024-01-01", "2024-02-02")
    y = pd.DataFrame({"2y": pd.Series(4.0, index=idx), "10y": pd.Series(4.0, index=idx[:10])})
    mv = ac.weekly_moves(y, [("2y", "10y")], as_of=date(2024, 2, 2), weeks=2)
    assert mv["move_2s10s"].iloc[0] == "" and np.isnan(mv["d_10y"].iloc[0])
    with pytest.raises(ValueError, match="lack the tenor"):
        ac.weekly_moves(y, [("2y", "30y")], as_of=date(2024, 2, 2))


# --- growth slope -------------------------------------------------------------------------------


def exp_series(rate_pct: float, years: int = 30, start: str = "1990-01-01") -> pd.Series:
    idx = pd.date_range(start, periods=12 * years, freq="MS")
    t = (idx - pd.Timestamp("2000-01-01")).days.to_numpy() / 365.25
    return pd.Series(100.0 * (1 + rate_pct / 100.0) ** t, index=idx)


def test_log_trend_recovers_an_exact_growth_rate():
    s = exp_series(6.0)
    f = ac.log_trend(s, years=10, as_of=date(2019, 12, 31))
    assert f.slope_pct == pytest.approx(6.0, abs=1e-9)
    assert f.r2 == pytest.approx(1.0, abs=1e-12) and f.gap_pct == pytest.approx(0.0, abs=1e-9)
    assert f.n == 120  # 2010-01 .. 2019-12
    assert f.end == date(2019, 12, 1)


def test_log_trend_matches_numpy_polyfit_on_noisy_data():
    rng = np.random.default_rng(3)
    s = exp_series(5.0) * np.exp(rng.normal(0, 0.1, 360))
    f = ac.log_trend(s, years=30, as_of=date(2019, 12, 31))
    t = (s.index - s.index[0]).days.to_numpy() / 365.25
    b = np.polyfit(t, np.log(s.to_numpy()), 1)[0]
    assert f.slope_pct == pytest.approx(100 * (np.exp(b) - 1), rel=1e-9)
    resid = np.log(s.to_numpy()) - np.polyval(np.polyfit(t, np.log(s.to_numpy()), 1), t)
    assert f.r2 == pytest.approx(1 - resid.var() / np.log(s.to_numpy()).var(), rel=1e-9)
    roll = ac.rolling_log_trend(s, years=30)
    assert roll["slope_pct"].iloc[-1] == pytest.approx(f.slope_pct, rel=1e-9)
    assert roll["r2"].iloc[-1] == pytest.approx(f.r2, rel=1e-9)


@pytest.mark.parametrize("p_slope, p_r2, e_slope, level", [
    (3.0, 0.6, 3.0, 0),        # all exactly at the thresholds: intact
    (2.99, 0.6, 3.0, 1),
    (3.0, 0.59, 3.0, 1),
    (3.0, 0.6, 2.99, 1),
    (0.0, 0.0, 0.0, 1),        # zero growth is not below the floor
    (-0.01, 0.9, 5.0, 2),
    (5.0, 0.9, -0.01, 2),
])
def test_equity_slope_levels_at_the_thresholds(p_slope, p_r2, e_slope, level):
    assert int(ac._slope_level(p_slope, p_r2, e_slope, SLOPE)) == level


def test_equity_slope_verdicts_on_constructed_series():
    us, earn = exp_series(7.0), exp_series(5.0)
    jp = exp_series(-1.0)
    v = ac.evaluate_equity_slope(us, earn, params=SLOPE, as_of=date(2019, 12, 31), japan=jp, japan_label="Japan")
    assert v.state == "intact" and not v.stale
    ev = {e.label: e.value for e in v.evidence}
    assert ev["S&P 500 trend growth, 10y"] == pytest.approx(7.0, abs=0.01)
    assert ev["Japan trend growth, 10y"] == pytest.approx(-1.0, abs=0.01)
    v = ac.evaluate_equity_slope(jp, earn, params=SLOPE, as_of=date(2019, 12, 31))
    assert v.state == "broken"
    v = ac.evaluate_equity_slope(exp_series(2.0), earn, params=SLOPE, as_of=date(2019, 12, 31))
    assert v.state == "weakening"
    # earnings that stopped two years before the as-of date: still evaluated, marked stale
    v = ac.evaluate_equity_slope(us, earn.loc[:"2017-12-01"], params=SLOPE, as_of=date(2019, 12, 31))
    assert v.stale and v.headline.startswith("Stale data (earnings to 2017-12-01)")
    v = ac.evaluate_equity_slope(us, earn.iloc[:0], params=SLOPE, as_of=date(2019, 12, 31))
    assert v.state == NO_DATA


def test_equity_slope_history_uses_only_past_months():
    us = pd.concat([exp_series(7.0, 30), exp_series(-20.0, 5, "2020-01-01") * 0 + 1.0])
    earn = exp_series(5.0, 35)
    dates = pd.DatetimeIndex(["2019-12-31", "2024-12-31"])
    st = ac.equity_slope_states(us, earn, params=SLOPE, dates=dates)
    assert st.iloc[0] == "intact" and st.iloc[1] != "intact"


# --- hedge ----------------------------------------------------------------------------------------


def test_min_variance_hedge_of_an_exact_multiple():
    rng = np.random.default_rng(11)
    idx = pd.date_range("2020-01-03", periods=160, freq="W-FRI")
    h = pd.Series(rng.normal(0, 0.02, len(idx)), index=idx)
    fit = ac.min_variance_hedge(0.5 * h, h, end=date(2022, 12, 30), years=3)
    assert fit.ratio == pytest.approx(0.5) and fit.corr == pytest.approx(1.0)
    assert fit.variance_removed == pytest.approx(1.0)


def test_min_variance_hedge_equals_the_ols_slope_and_squared_correlation():
    rng = np.random.default_rng(5)
    idx = pd.date_range("2020-01-03", periods=200, freq="W-FRI")
    h = pd.Series(rng.normal(0, 0.02, len(idx)), index=idx)
    a = 0.8 * h + pd.Series(rng.normal(0, 0.015, len(idx)), index=idx)
    fit = ac.min_variance_hedge(a, h, end=idx[-1].date(), years=1)
    w = pd.concat([a, h], axis=1).loc[idx[-1] - pd.DateOffset(years=1):]
    slope = np.polyfit(w.iloc[:, 1], w.iloc[:, 0], 1)[0]
    rho = np.corrcoef(w.iloc[:, 0], w.iloc[:, 1])[0, 1]
    assert fit.ratio == pytest.approx(slope, rel=1e-9)
    assert fit.variance_removed == pytest.approx(rho**2, rel=1e-9)
    assert fit.n == len(w)
    assert ac.min_variance_hedge(a.iloc[:10], h, end=idx[-1].date(), years=1) is None


def test_weekly_returns_by_hand():
    idx = pd.bdate_range("2024-01-01", "2024-01-19")
    p = pd.Series(np.arange(len(idx), dtype=float) + 100.0, index=idx)
    r = ac.weekly_returns(p)
    # Friday closes: 2024-01-05 = 104, 2024-01-12 = 109, 2024-01-19 = 114
    assert r.tolist() == pytest.approx([109 / 104 - 1, 114 / 109 - 1])


# --- the inversion verdict's action ----------------------------------------------------------------


def spreads(v2s10: float, v3m10: float) -> tuple[pd.Series, pd.Series]:
    idx = pd.bdate_range("2019-05-01", "2019-05-31")
    return pd.Series(v2s10, index=idx), pd.Series(v3m10, index=idx)


@pytest.mark.parametrize("slope, phrase", [("intact", "keep the equity ETF"), ("weakening", "review the size"),
                                           ("broken", "needs review")])
def test_inversion_headline_states_the_action_never_a_crash_call(slope, phrase):
    a, b = spreads(0.2, -0.1)
    v = ac.evaluate_inversion(a, b, params=INV, as_of=date(2019, 5, 31), growth_slope=slope)
    assert v.state == "inverted"
    assert phrase in v.headline
    assert ("TOPIX" in v.headline) == (slope != "broken")
    assert "crash" not in v.headline.lower()
    assert {e.label: e.value for e in v.evidence}["U.S. long-run growth slope"] == slope


def test_inversion_boundaries_and_normal_curve_ignore_the_slope():
    a, b = spreads(0.25, 0.25)
    assert ac.evaluate_inversion(a, b, params=INV, as_of=date(2019, 5, 31), growth_slope="intact").state == "normal"
    a, b = spreads(0.2499, 0.5)
    assert ac.evaluate_inversion(a, b, params=INV, as_of=date(2019, 5, 31)).state == "flat"
    a, b = spreads(0.5, 0.0)
    assert ac.evaluate_inversion(a, b, params=INV, as_of=date(2019, 5, 31)).state == "flat"
    a, b = spreads(0.5, -0.0001)
    assert ac.evaluate_inversion(a, b, params=INV, as_of=date(2019, 5, 31)).state == "inverted"
    with pytest.raises(ValueError, match="growth_slope must be one of"):
        ac.evaluate_inversion(a, b, params=INV, as_of=date(2019, 5, 31), growth_slope="fine")


def test_inversion_evidence_says_when_the_slope_reading_is_stale():
    a, b = spreads(0.2, -0.1)
    v = ac.evaluate_inversion(a, b, params=INV, as_of=date(2019, 5, 31), growth_slope="intact",
                              growth_slope_stale=True)
    assert {e.label: e.value for e in v.evidence}["U.S. long-run growth slope"] == "intact (stale data)"
