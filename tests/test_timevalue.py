"""Section 3 analytics (analytics/timevalue.py): hand-built series at every threshold."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics import timevalue as tv
from analytics.rules import NO_DATA

VIX_P = {"contango_below": 0.95, "backwardation_at": 1.0, "stale_after_days": 7}
ROLL_P = {"heavy_below": -10.0, "stale_after_days": 7}
CREDIT_P = {"percentile_years": 5, "widening_bp": 50.0, "stress_bp": 150.0, "widening_pct": 0.8, "stress_pct": 0.95,
            "stale_after_days": 7}


def bdays(n: int, end: str = "2024-06-28") -> pd.DatetimeIndex:
    return pd.bdate_range(end=end, periods=n)


# --- VIX term structure -------------------------------------------------------------------------


@pytest.mark.parametrize("vix, state", [(18.99, "contango"), (19.0, "flat"), (19.99, "flat"), (20.0, "backwardation")])
def test_vix_term_states_at_the_thresholds(vix, state):
    idx = bdays(300)
    v = tv.evaluate_vix_term(pd.Series(vix, index=idx), pd.Series(20.0, index=idx), params=VIX_P,
                             as_of=date(2024, 6, 28))
    assert v.state == state and not v.stale
    assert {e.label: e.value for e in v.evidence}["VIX / VIX3M"] == round(vix / 20.0, 3)
    st = tv.vix_term_states(pd.Series(vix, index=idx), pd.Series(20.0, index=idx), params=VIX_P,
                            dates=[pd.Timestamp("2024-06-28")])
    assert st.iloc[0] == state


def test_contango_share_counts_days_below_one():
    idx = bdays(260)
    vix3m = pd.Series(20.0, index=idx)
    vix = pd.Series(18.0, index=idx)
    vix.iloc[-65:] = 22.0  # the last 65 sessions in backwardation
    term = tv.vix_term(vix, vix3m, as_of=date(2024, 6, 28), windows={"1y": 1})
    start, n = term.windows["1y"]
    in_window = idx[idx >= pd.Timestamp(start)]
    assert n == len(in_window)
    assert term.contango_share["1y"] == pytest.approx((n - 65) / n)
    assert term.ratio == pytest.approx(1.1)


def test_stale_vix3m_marks_the_verdict_stale_and_missing_is_no_data():
    idx = bdays(300)
    vix = pd.Series(15.0, index=idx)
    v = tv.evaluate_vix_term(vix, pd.Series(20.0, index=idx[:-10]), params=VIX_P, as_of=date(2024, 6, 28))
    assert v.stale and v.headline.startswith("Stale data (VIX3M to 2024-06-14)")
    v = tv.evaluate_vix_term(vix, pd.Series(dtype=float), params=VIX_P, as_of=date(2024, 6, 28))
    assert v.state == NO_DATA and "VIX3M" in v.headline


def test_blowups_need_more_than_doubling_and_group_nearby_days():
    vals = [10.0] * 12 + [20.0] + [10.0] * 12 + [21.0, 24.0, 15.0] + [10.0] * 30 + [12.0] * 10 + [30.0]
    idx = bdays(len(vals))
    vix = pd.Series(vals, index=idx)
    b = tv.vix_blowups(vix, as_of=date(2024, 6, 28), days=10, multiple=2.0)
    # 20 = exactly 2x the low of 10: not a blow-up; 21 then 24: one episode; 30 vs 12: a second one
    assert len(b) == 2
    assert b[0].start == idx[25].date() and b[0].trough == 10.0 and b[0].peak == 24.0
    assert b[0].rise_pct == pytest.approx(140.0)
    assert b[1].trough == 12.0 and b[1].peak == 30.0 and b[1].rise_pct == pytest.approx(150.0)
    with pytest.raises(ValueError, match="multiple > 1"):
        tv.vix_blowups(vix, as_of=date(2024, 6, 28), multiple=1.0)


def test_vol_sizing_caps_positions_by_the_loss_budget():
    vals = [10.0] * 12 + [25.0] + [20.0] * 5
    vix = pd.Series(vals, index=bdays(len(vals)))
    s = tv.vol_sizing(vix, as_of=date(2024, 6, 28), budget=0.02, days=10)
    assert s.worst_rise_pct == pytest.approx(150.0)        # 25 / 10 - 1
    assert s.max_zero_position == 0.02
    assert s.max_short_notional == pytest.approx(0.02 / 1.5)
    assert s.worst_date == vix.index[12].date()
    with pytest.raises(ValueError, match="budget must be a fraction"):
        tv.vol_sizing(vix, as_of=date(2024, 6, 28), budget=2.0)


# --- futures roll ----------------------------------------------------------------------------------


def curve(f1, f2, d1, d2, n=300):
    idx = bdays(n)
    return [pd.Series(x, index=idx, dtype=float) for x in (f1, f2, d1, d2)]


def test_roll_yield_closed_form():
    ry = tv.roll_yield(*curve(50.0, 51.0, 20.0, 50.0))
    # 100 * ln(50/51) * 365 / 30
    assert ry.iloc[-1] == pytest.approx(100 * math.log(50 / 51) * 365 / 30)
    assert ry.iloc[-1] == pytest.approx(-24.0932, abs=1e-4)
    r = tv.roll_reading("crude", *curve(50.0, 51.0, 20.0, 50.0), as_of=date(2024, 6, 28))
    assert r.shape == "contango" and r.contango_share_1y == 1.0 and r.avg_roll_1y == pytest.approx(r.roll_pct)


@pytest.mark.parametrize("ry, level", [(0.0, 0), (-0.001, 1), (-10.0, 1), (-10.001, 2), (5.0, 0)])
def test_roll_levels_at_the_thresholds(ry, level):
    assert int(tv._roll_level(np.array([ry]), ROLL_P)[0]) == level


def test_futures_roll_verdict_takes_the_costliest_curve():
    gold = tv.roll_reading("gold", *curve(100.0, 100.0, 30.0, 90.0), as_of=date(2024, 6, 28))
    crude = tv.roll_reading("crude", *curve(50.0, 51.0, 20.0, 50.0), as_of=date(2024, 6, 28))
    v = tv.evaluate_futures_roll([gold, crude], params=ROLL_P, as_of=date(2024, 6, 28))
    assert v.state == "heavy cost" and "crude" in v.headline
    v = tv.evaluate_futures_roll([gold], params=ROLL_P, as_of=date(2024, 6, 28))
    assert v.state == "roll gain"
    v = tv.evaluate_futures_roll([], params=ROLL_P, as_of=date(2024, 6, 28))
    assert v.state == NO_DATA and "none is loaded" in v.headline
    st = tv.futures_roll_states([tv.roll_yield(*curve(100.0, 100.0, 30.0, 90.0)),
                                 tv.roll_yield(*curve(50.0, 50.2, 20.0, 50.0))], params=ROLL_P,  # -4.9%/yr
                                dates=[pd.Timestamp("2024-06-28"), pd.Timestamp("2020-01-03")])
    assert list(st) == ["mild cost", NO_DATA]


def test_etf_audit_and_drawdown_by_hand():
    idx = pd.date_range("2022-06-28", "2024-06-28", freq="B")
    etf = pd.Series(np.r_[100.0, np.linspace(100.0, 81.0, len(idx) - 1)], index=idx)
    spot = pd.Series(np.r_[100.0, np.linspace(100.0, 121.0, len(idx) - 1)], index=idx)
    a = tv.etf_audit("X", etf, spot, as_of=date(2024, 6, 28), years=2.0)
    # 730 days before 2024-06-28 is 2022-06-29: the start is the last price on or before it
    assert a.start == date(2022, 6, 29) and a.end == date(2024, 6, 28)
    assert a.etf_return == pytest.approx(-19.0) and a.spot_return == pytest.approx(21.0)
    assert a.gap_pp == pytest.approx(-40.0)
    t = (pd.Timestamp("2024-06-28") - pd.Timestamp("2022-06-29")).days / 365.25
    assert a.gap_pa_pp == pytest.approx(100 * (0.81 ** (1 / t) - 1.21 ** (1 / t)))
    assert tv.etf_audit("X", etf, spot, as_of=date(2024, 6, 28), years=5.0) is None
    p = pd.Series([100.0, 120.0, 60.0, 130.0, 52.0], index=bdays(5))
    dd, peak, trough = tv.max_drawdown(p, as_of=date(2024, 6, 28))
    assert dd == pytest.approx(-60.0) and peak == p.index[3].date() and trough == p.index[4].date()  # 52 / 130


# --- credit ------------------------------------------------------------------------------------------


def hy_series(last_level: float, month_ago: float) -> pd.Series:
    """Five years of a spread at 10%, then 4%, with ``month_ago`` 4 weeks before the end and
    ``last_level`` at the end."""
    idx = pd.bdate_range("2019-06-01", "2024-06-28")
    s = pd.Series(10.0, index=idx)
    s.loc["2023-01-01":] = 4.0
    s.loc["2024-05-31"] = month_ago
    s.iloc[-1] = last_level
    return s


@pytest.mark.parametrize("last, state", [(4.49, "calm"), (4.5, "widening"), (5.49, "widening"), (5.5, "stress")])
def test_credit_states_by_four_week_change(last, state):
    s = hy_series(last, 4.0)
    v = tv.evaluate_credit({"HY": s}, params=CREDIT_P, as_of=date(2024, 6, 28))
    ev = {e.label: e.value for e in v.evidence}
    assert ev["HY: 4-week change"] == pytest.approx(round((last - 4.0) * 100))
    assert ev["HY: percentile, 5y"] < 0.8  # the old 10% years keep the level's percentile low
    assert v.state == state
    st = tv.credit_states(s, params=CREDIT_P, dates=[pd.Timestamp("2024-06-28")])
    assert st.iloc[0] == state


def test_credit_percentile_thresholds_and_fallback():
    idx = pd.bdate_range("2019-06-01", "2024-06-28")
    rising = pd.Series(np.linspace(1.0, 2.0, len(idx)), index=idx)  # last value = the window's maximum
    v = tv.evaluate_credit({"HY": rising}, params=CREDIT_P, as_of=date(2024, 6, 28))
    assert v.state == "stress"
    r = tv.spread_reading(rising, as_of=date(2024, 6, 28), years=5)
    assert r.percentile == 1.0
    # HY stopped a month ago: Baa stands in and says so
    v = tv.evaluate_credit({"HY": rising.loc[:"2024-05-24"], "Baa": pd.Series(2.0, index=idx)}, params=CREDIT_P,
                           as_of=date(2024, 6, 28))
    assert "Baa stands in" in v.headline and not v.stale
    v = tv.evaluate_credit({"HY": rising.loc[:"2024-05-24"]}, params=CREDIT_P, as_of=date(2024, 6, 28))
    assert v.stale
    assert tv.evaluate_credit({"HY": pd.Series(dtype=float)}, params=CREDIT_P, as_of=date(2024, 6, 28)).state == NO_DATA


def test_credit_history_agrees_with_the_verdict_on_sampled_dates():
    rng = np.random.default_rng(21)
    idx = pd.bdate_range("2010-01-01", "2024-06-28")
    s = pd.Series(4.0 + np.cumsum(rng.normal(0, 0.05, len(idx))), index=idx).clip(lower=1.0)
    dates = pd.DatetimeIndex(["2015-03-06", "2018-11-30", "2020-03-20", "2024-06-28"])
    hist = tv.credit_states(s, params=CREDIT_P, dates=dates)
    for d in dates:
        v = tv.evaluate_credit({"HY": s.loc[:d]}, params=CREDIT_P, as_of=d.date())
        assert hist.loc[d] == v.state
