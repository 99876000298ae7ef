"""Section 7 analytics: convenience-yield wedges, stress-event study, regime scorecard (constructed data)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analytics import convenience as cv

CONV = {"aaa_low_below": 1.0, "foreign_low_below": 0.0, "min_run_months": 3}
STRESS = {"recent_events": 3, "mtm_share": 0.6, "fts_share": 0.4, "min_yield_bp": 5.0}
SCORE = {"corr_risky_above": 0.0, "mtm_risky_share": 0.6, "aaa_risky_below": 1.0, "foreign_risky_below": 0.0,
         "news_yield_bp": 5.0, "news_tp_bp": 5.0, "news_bei_bp": 3.0, "risky_share": 0.6, "safe_share": 0.35,
         "min_rows": 4}
AS_OF = date(2025, 6, 27)


def _m(values, start="2020-01-01"):
    return pd.Series(np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq="MS"))


def test_monthly_mean():
    s = pd.Series([1.0, 3.0, 10.0], index=pd.DatetimeIndex(["2024-01-02", "2024-01-31", "2024-02-01"]))
    m = cv.monthly_mean(s)
    assert list(m) == [2.0, 10.0] and m.index[0] == pd.Timestamp("2024-01-01")


def test_hedged_wedges_by_hand_and_short_rate_preference():
    us_long, us_short = _m([4.0, 4.0, 4.0]), _m([3.0, 3.0, 3.0])
    de_long = _m([2.0, 2.0, 2.0])
    preferred = _m([np.nan, 1.0, np.nan])  # only February
    fallback = _m([0.5, 0.0, 0.5])
    jp_long, jp_short = _m([1.0, 1.0, 1.0]), _m([0.0, 0.0, 0.0])
    hw = cv.hedged_foreign_wedges({"de": de_long, "jp": jp_long},
                                  {"de": [("interbank", preferred), ("overnight", fallback)],
                                   "jp": [("call", jp_short)]},
                                  us_long=us_long, us_short=us_short, min_countries=2)
    # de: (2 - 4) - (s - 3): January s = 0.5 -> +0.5; February s = 1.0 -> 0.0; March 0.5 -> +0.5
    assert_allclose(hw.wedges["de"].to_numpy(), [0.5, 0.0, 0.5])
    # jp: (1 - 4) - (0 - 3) = 0
    assert_allclose(hw.wedges["jp"].to_numpy(), [0.0, 0.0, 0.0])
    assert_allclose(hw.mean.to_numpy(), [0.25, 0.0, 0.25])
    assert hw.short_sources["de"] == "overnight"  # March used the fallback
    one = cv.hedged_foreign_wedges({"de": de_long}, {"de": [("x", fallback)]}, us_long=us_long, us_short=us_short,
                                   min_countries=2)
    assert one.mean.empty  # one country is not a G10 mean


def _wedges(aaa, foreign):
    a = _m([aaa] * 4) if aaa is not None else _m([])
    hw = None
    if foreign is not None:
        f = _m([foreign] * 4)
        hw = cv.HedgedWedges(pd.DataFrame({"de": f}), f, pd.Series(3, index=f.index), 3, {"de": "x"})
    return cv.convenience_wedges(a, hw, params=CONV)


@pytest.mark.parametrize("aaa, foreign, state", [
    (1.0, 0.0, "present"), (0.9999, 0.0, "eroding"), (1.0, -0.0001, "eroding"), (0.5, -0.5, "gone"),
    (1.0, None, "present"), (0.99, None, "gone"), (None, 0.0, "present"), (None, -0.1, "gone"), (None, None, "no data"),
])
def test_convenience_rule_boundaries(aaa, foreign, state):
    w = _wedges(aaa, foreign)
    assert cv.evaluate_convenience(w, params=CONV, as_of=AS_OF).state == state
    a = _m([aaa] * 4) if aaa is not None else _m([])
    f = _m([foreign] * 4) if foreign is not None else _m([])
    st = cv.convenience_states(a, f, params=CONV, dates=pd.DatetimeIndex(["2020-04-30"]))
    assert st.iloc[0] == state


def test_convenience_turn_dates():
    a = _m([1.5, 1.5, 1.5, 0.8, 1.2, 0.8, 0.7, 0.6])  # below from April with a one-month bounce
    w = cv.convenience_wedges(a, None, params=CONV)
    assert w.aaa_turn == (date(2020, 4, 1), "down")


# --- event study -------------------------------------------------------------------------------------


@pytest.mark.parametrize("y, e, cls", [
    (-5.0, -1.0, "flight to safety"), (5.0, -1.0, "mark-to-market"), (4.99, -1.0, "small yield move"),
    (-4.99, -1.0, "small yield move"), (10.0, 0.0, "no equity stress"), (None, -1.0, "no data"),
])
def test_classify_move_boundaries(y, e, cls):
    assert cv.classify_move(y, e, min_yield_bp=5.0) == cls


def test_event_study_by_construction():
    idx = pd.bdate_range("2024-03-01", periods=20)
    y = pd.Series(4.0, index=idx)
    eq = pd.Series(100.0, index=idx)
    ev = idx[5]  # base = idx[4]
    y.iloc[5:] = [3.9, 3.9, 3.9, 3.9, 4.2] + [4.2] * 10  # down 10 bp, then up 20 bp from day 5 on
    eq.iloc[5:] = [99.0, 99.0, 99.0, 99.0, 90.0] + [95.0] * 10  # -1% at first, -10% on day 5, -5% at day 10
    series = {"ust_10y": y, "equity": eq, "dollar": eq * 0 + 100.0, "gold": eq * 0 + 1000.0, "vix": eq * 0 + 20.0}
    (res,) = cv.event_study([("shock", ev.date())], series, horizons=(1, 5, 10))
    assert res.base_date == idx[4].date()
    assert res.changes["ust_10y"][1] == pytest.approx(-10.0)
    assert res.changes["ust_10y"][5] == pytest.approx(20.0)
    assert res.changes["equity"][5] == pytest.approx(-10.0)
    assert dict(res.classes) == {1: "flight to safety", 5: "mark-to-market", 10: "mark-to-market"}
    assert res.horizon_used == 5 and res.cls == "mark-to-market"  # the deepest equity fall decides
    (fixed,) = cv.event_study([("shock", ev.date())], series, horizons=(1, 5, 10), class_horizon="1")
    assert fixed.cls == "flight to safety"
    with pytest.raises(ValueError, match="class_horizon must be"):
        cv.event_study([("shock", ev.date())], series, class_horizon="3")
    # a per-event equity series
    (mapped,) = cv.event_study([("shock", ev.date())], {**series, "equity": {"shock": eq * 2}},
                               equity_label={"shock": "NASDAQ Composite"})
    assert mapped.changes["equity"][5] == pytest.approx(-10.0) and mapped.equity_label == "NASDAQ Composite"


def _ev(name, d, cls):
    return cv.EventResult(name, d, d, "S&P 500", {}, {}, 1, cls)


@pytest.mark.parametrize("classes, state", [
    (("mark-to-market", "mark-to-market", "flight to safety"), "mark-to-market"),  # 2/3 >= 0.6
    (("mark-to-market", "flight to safety", "flight to safety"), "flight to safety"),  # 1/3 <= 0.4
    (("mark-to-market", "flight to safety"), "mixed"),  # 1/2
])
def test_stress_rule_shares(classes, state):
    evs = [_ev(f"e{i}", date(2020 + i, 1, 1), c) for i, c in enumerate(classes)]
    evs.append(_ev("unclassified", date(2025, 1, 1), "no equity stress"))  # does not count
    assert cv.evaluate_stress(evs, params=STRESS, as_of=AS_OF).state == state


def test_stress_rule_exact_boundaries_and_recent_window():
    classes = ["flight to safety"] * 5 + ["mark-to-market"] * 3 + ["flight to safety"] * 2
    evs = [_ev(f"e{i}", date(2010 + i, 1, 1), c) for i, c in enumerate(classes)]
    p = {**STRESS, "recent_events": 5}
    assert cv.evaluate_stress(evs, params=p, as_of=AS_OF).state == "mark-to-market"  # 3/5 = 0.6 exactly
    p2 = {**STRESS, "recent_events": 5, "mtm_share": 0.61}
    assert cv.evaluate_stress(evs, params=p2, as_of=AS_OF).state == "mixed"
    p3 = {**STRESS, "recent_events": 5, "mtm_share": 0.9, "fts_share": 0.6}
    assert cv.evaluate_stress(evs, params=p3, as_of=AS_OF).state == "flight to safety"  # 0.6 <= fts_share
    assert cv.evaluate_stress([], params=STRESS, as_of=AS_OF).state == "no data"


# --- scorecard -----------------------------------------------------------------------------------------

D = date(2025, 6, 1)


def _rows(**over):
    base = dict(stock_bond_corr=(-0.2, D), mtm_share=(0.0, D), aaa_wedge=(1.5, D), foreign_wedge=(0.5, D),
                news_10y_bp=(0.0, D), news_tp_bp=(0.0, D), news_bei_bp=(0.0, D))
    base.update(over)
    return cv.scorecard_rows(params=SCORE, **base)


@pytest.mark.parametrize("field, value, risky", [
    ("stock_bond_corr", 0.0, False), ("stock_bond_corr", 0.0001, True),
    ("mtm_share", 0.6, True), ("mtm_share", 0.5999, False),
    ("aaa_wedge", 1.0, False), ("aaa_wedge", 0.9999, True),
    ("foreign_wedge", 0.0, False), ("foreign_wedge", -0.0001, True),
    ("news_10y_bp", 5.0, True), ("news_10y_bp", 4.99, False),
    ("news_tp_bp", 5.0, True), ("news_bei_bp", 3.0, True), ("news_bei_bp", 2.99, False),
])
def test_scorecard_ticks_at_boundaries(field, value, risky):
    order = ["stock_bond_corr", "mtm_share", "aaa_wedge", "foreign_wedge", "news_10y_bp", "news_tp_bp", "news_bei_bp"]
    rows = _rows(**{field: (value, D)})
    row = rows[order.index(field)]
    assert row.risky_tick is risky and row.value == value


def test_scorecard_states():
    assert cv.evaluate_scorecard(_rows(), params=SCORE, as_of=AS_OF).state == "safe"  # 0 of 7
    risky = dict(stock_bond_corr=(0.3, D), mtm_share=(1.0, D), aaa_wedge=(0.5, D), foreign_wedge=(-0.5, D),
                 news_10y_bp=(10.0, D))
    assert cv.evaluate_scorecard(_rows(**risky), params=SCORE, as_of=AS_OF).state == "risky"  # 5 of 7
    # 4 measured rows: 2 risky = 0.5 -> shifting; exactly at risky_share 0.5 -> risky
    four = _rows(stock_bond_corr=(0.3, D), mtm_share=(1.0, D), news_10y_bp=None, news_tp_bp=None, news_bei_bp=None)
    assert cv.evaluate_scorecard(four, params=SCORE, as_of=AS_OF).state == "shifting"
    assert cv.evaluate_scorecard(four, params={**SCORE, "risky_share": 0.5}, as_of=AS_OF).state == "risky"
    # 1 of 4 = 0.25 <= 0.35 -> safe; exactly at safe_share 0.25 too
    one = _rows(stock_bond_corr=(0.3, D), news_10y_bp=None, news_tp_bp=None, news_bei_bp=None)
    assert cv.evaluate_scorecard(one, params={**SCORE, "safe_share": 0.25}, as_of=AS_OF).state == "safe"
    three = _rows(aaa_wedge=None, foreign_wedge=None, news_10y_bp=None, news_tp_bp=None)
    v = cv.evaluate_scorecard(three, params=SCORE, as_of=AS_OF)
    assert v.state == "no data" and "Convenience yield vs Aaa corporates" in v.headline
    with pytest.raises(ValueError, match="safe_share must be < risky_share"):
        cv.evaluate_scorecard(four, params={**SCORE, "safe_share": 0.7}, as_of=AS_OF)


def test_scorecard_names_stale_inputs():
    v = cv.evaluate_scorecard(_rows(), params=SCORE, as_of=AS_OF, stale=["Aaa wedge"])
    assert v.stale and v.headline.startswith("Stale data (Aaa wedge):")
    assert not cv.evaluate_scorecard(_rows(), params=SCORE, as_of=AS_OF).stale
