"""Bond-market stress detectors (section 8): bear-steepening shocks, flight from dollar assets,
episodes and recoveries, on constructed series and on the shared data.

Constructed yields move by binary-exact steps (multiples of 1/64 pp), and the dollar and equity
levels are chosen so percent changes are exact (63/64, 31/32), so each threshold is hit exactly;
a value on a cutoff takes the more severe state. Real-data checks read the shared FRED CSV files
with the ``csv`` module as the independent reference.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analytics import stress as sx
from analytics.rules import NO_DATA
from report.config import default_config
from report.frame import Frame

from _liquidity_data import liquidity_store

DAYS = pd.bdate_range("2024-01-01", "2024-04-26")
AS_OF = date(2024, 3, 29)  # Friday
JUMP = pd.Timestamp("2024-03-27")  # Wednesday of the as-of week
BPAR = dict(window_days=7, watch_bp=25.0, shock_bp=50.0, front_ratio=0.5, recent_days=7)
FPAR = dict(window_days=7, y10_rise_bp=12.5, usd_fall_pct=1.5625, usd_watch_pct=0.78125, equity_fall_pct=3.125,
            recent_days=14)
EMPTY = pd.Series(dtype=float, index=pd.DatetimeIndex([]))


def step(before: float, after: float, at: pd.Timestamp = JUMP, index=DAYS) -> pd.Series:
    """A level series: ``before`` until the day before ``at``, ``after`` from ``at`` on."""
    return pd.Series(np.where(index >= at, after, before), index=index, dtype=float)


def bear(y2_after: float, y10_after: float, y30_after: float, *, as_of=AS_OF, at=JUMP, **over):
    return sx.evaluate_bear_steepening(step(4.0, y2_after, at), step(4.0, y10_after, at), step(4.0, y30_after, at),
                                       params={**BPAR, **over}, as_of=as_of)


# --- bear steepening: every state and boundary ---------------------------------------------------


@pytest.mark.parametrize("y2, y10, y30, state", [
    (4.125, 4.5, 4.5, "shock"),     # long end +50 bp, 2-year +12.5 < 0.5 * 50
    (4.25, 4.5, 4.5, "none"),       # 2-year +25 bp: not less than half of 50
    (4.125, 4.484375, 4.5, "watch"),  # 10-year +48.4375: below the shock threshold
    (4.0625, 4.25, 4.25, "watch"),  # both +25 bp exactly; 2-year +6.25 < 12.5
    (4.125, 4.25, 4.25, "none"),    # 2-year +12.5: not less than half of 25
    (4.0625, 4.5, 4.234375, "none"),  # the smaller long rise (+23.4375) decides
    (3.75, 4.5, 4.5, "shock"),      # a falling 2-year is a stronger steepening
])
def test_bear_steepening_thresholds(y2, y10, y30, state):
    v = bear(y2, y10, y30)
    assert v.state == state
    ev = {e.label: e.value for e in v.evidence}
    if state != "none":
        assert ev["10-year, change over the week"] == round((y10 - 4.0) * 100, 1)
        assert ev["2-year, change over the week"] == round((y2 - 4.0) * 100, 1)
        assert "Week to 2024-03-27" in v.headline


def test_bear_steepening_is_current_only_for_a_week():
    jump = pd.Timestamp("2024-03-15")  # Friday two weeks before
    assert bear(4.125, 4.5, 4.5, at=jump, as_of=date(2024, 3, 22)).state == "shock"
    assert bear(4.125, 4.5, 4.5, at=jump, as_of=AS_OF).state == "none"  # the windows of this week are flat


def test_bear_steepening_without_a_30_year_has_no_data():
    v = sx.evaluate_bear_steepening(step(4.0, 4.125), step(4.0, 4.5), EMPTY, params=BPAR, as_of=AS_OF)
    assert v.state == NO_DATA and "30-year yield" in v.headline
    with pytest.raises(ValueError, match="shock_bp .* must be >= watch_bp"):
        bear(4.125, 4.5, 4.5, shock_bp=20.0)


def test_bear_steepening_episodes_merge_consecutive_days():
    y2 = step(4.0, 4.125) + step(0.0, 0.0)
    y10 = step(4.0, 4.5) + step(0.0, 0.5, pd.Timestamp("2024-04-17"))
    y30 = step(4.0, 4.5) + step(0.0, 0.25, pd.Timestamp("2024-04-17"))
    h = sx.bear_steepening_history(y2, y10, y30, params=BPAR)
    eps = sx.stress_episodes(h, scale=sx.BEAR_RULE.scale, score="long_bp")
    # first jump: windows ending 03-27 .. 04-02 (five trading days) show +50/+50/+12.5 -> one shock
    # second: 10-year +50, 30-year +25, 2-year flat -> a watch from 04-17
    assert [(e.start, e.end, e.state) for e in eps] == [
        (date(2024, 3, 27), date(2024, 4, 2), "shock"), (date(2024, 4, 17), date(2024, 4, 23), "watch")]
    assert eps[0].moves["d2_bp"] == 12.5 and eps[1].moves["long_bp"] == 25.0


def test_bear_steepening_states_match_the_verdict_at_every_friday():
    rng = np.random.default_rng(11)
    days = pd.bdate_range("2022-01-03", "2024-06-28")
    def walk(scale: float) -> np.ndarray:
        return np.cumsum(rng.choice([-1, 0, 1], size=len(days)) * scale)

    common = walk(0.125)  # the long end moves together, the 2-year on its own
    y2 = pd.Series(4.0 + walk(0.0625), index=days)
    y10 = pd.Series(4.0 + common, index=days)
    y30 = pd.Series(4.5 + common + walk(0.015625), index=days)
    fridays = pd.date_range("2022-02-04", "2024-06-28", freq="W-FRI")
    states = sx.bear_steepening_states(y2, y10, y30, params=BPAR, dates=fridays)
    expect = [sx.evaluate_bear_steepening(y2, y10, y30, params=BPAR, as_of=d.date()).state for d in fridays]
    assert list(states) == expect
    assert {"none", "watch", "shock"} <= set(expect)


# --- flight from dollar assets -------------------------------------------------------------------


def equity(sp: pd.Series) -> pd.DataFrame:
    return sx.combine_equity(sp, EMPTY)


def flight(y10_after: float, usd_after: float, eq_after: float, *, usd_index=DAYS, as_of=AS_OF, **over):
    usd = step(64.0, usd_after, index=usd_index)
    return sx.evaluate_flight(step(4.0, y10_after), usd, equity(step(32.0, eq_after)), params={**FPAR, **over},
                              as_of=as_of)


@pytest.mark.parametrize("y10, usd, eq, state", [
    (4.125, 63.0, 31.0, "flight"),       # +12.5 bp, dollar -1.5625%, stocks -3.125%: all on the thresholds
    (4.125, 63.5, 31.0, "watch"),        # dollar -0.78125%: the watch threshold
    (4.125, 63.75, 31.0, "none"),        # dollar -0.390625%
    (4.109375, 63.0, 31.0, "none"),      # 10-year +10.9375 bp
    (4.125, 63.0, 31.03125, "none"),     # stocks -3.02734375%
    (4.0, 63.0, 31.0, "none"),           # yields flat: a flight to safety, not from dollar assets
])
def test_flight_thresholds(y10, usd, eq, state):
    v = flight(y10, usd, eq)
    assert v.state == state
    if state != "none":
        ev = {e.label: e.value for e in v.evidence}
        assert ev["Broad dollar, change over the week"] == round(100 * (usd / 64 - 1), 1)
        assert ev["S&P 500, change over the week"] == round(100 * (eq / 32 - 1), 1)


def test_flight_waits_for_the_dollar_index_and_says_so():
    published = DAYS[DAYS <= "2024-03-22"]  # the dollar for the as-of week is not out yet
    v = flight(4.125, 63.0, 31.0, usd_index=published)
    assert v.state == "none" and not v.stale
    # three pending windows (to 03-27, 03-28, 03-29) tie; the first is named
    assert "Pending: in the week to 2024-03-27 the 10-year rose 12 bp and equities fell 3.1%" in v.headline
    ev = {e.label: e.value for e in v.evidence}
    assert ev["Dollar index last published"] == "2024-03-22"
    assert ev["Pending week: 10-year change"] == 12.5
    # a week later the dollar is out and the same week reads as a flight
    assert flight(4.125, 63.0, 31.0, as_of=date(2024, 4, 5)).state == "flight"


def test_flight_uses_the_fallback_index_where_the_primary_has_no_data():
    sp = step(32.0, 31.0)
    eq = sx.combine_equity(sp.loc["2024-03-01":], step(32.0, 31.0))
    assert (eq.loc[:"2024-03-07", "index"] == "fallback").all() and (eq.loc["2024-03-08":, "index"] == "primary").all()
    with pytest.raises(ValueError, match="usd_fall_pct .* must be >= usd_watch_pct"):
        flight(4.125, 63.0, 31.0, usd_watch_pct=2.0)


def test_flight_states_read_what_was_published_at_each_friday():
    rng = np.random.default_rng(21)
    days = pd.bdate_range("2022-01-03", "2024-06-28")
    y10 = pd.Series(4.0 + np.cumsum(rng.choice([-1, 0, 1], size=len(days)) * 0.0625), index=days)
    usd = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.01, size=len(days)))), index=days)
    sp = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.025, size=len(days)))), index=days)
    eq = sx.combine_equity(sp, EMPTY)
    fridays = pd.date_range("2022-02-04", "2024-06-28", freq="W-FRI")
    states = sx.flight_states(y10, usd, eq, params=FPAR, dates=fridays, usd_lag_days=7)
    # the verdict on a frame where the dollar is known up to 7 days before each Friday
    expect = [sx.evaluate_flight(y10, usd.loc[:d - pd.Timedelta(days=7)], eq, params=FPAR, as_of=d.date()).state
              for d in fridays]
    assert list(states) == expect
    assert {"none", "watch", "flight"} <= set(expect)


# --- recoveries ----------------------------------------------------------------------------------


def test_recovery_after_a_fall_and_after_a_rise():
    idx = pd.DatetimeIndex(["2020-03-06", "2020-03-09", "2020-03-16", "2020-03-23", "2020-04-06", "2020-05-26"])
    eq = pd.Series([100.0, 90.0, 80.0, 75.0, 95.0, 101.0], index=idx)
    r = sx.recovery_after(eq, date(2020, 3, 9), direction="down", horizon_days=90, pct=True)
    assert (r.before, r.extreme, r.extreme_date, r.move) == (100.0, 75.0, date(2020, 3, 23), -25.0)
    assert (r.recovered, r.days) == (date(2020, 5, 26), 78)
    y = pd.Series([0.74, 0.54, 0.73, 1.18, 0.70, 0.65], index=idx)
    r = sx.recovery_after(y, date(2020, 3, 9), direction="up", horizon_days=30)
    assert r.extreme == 1.18 and (r.recovered, r.days) == (date(2020, 4, 6), 28)
    assert_allclose(r.move, 0.44)
    assert sx.recovery_after(eq, date(2020, 3, 6), direction="down") is None  # nothing before the start
    with pytest.raises(ValueError, match="direction must be 'down' or 'up'"):
        sx.recovery_after(eq, date(2020, 3, 9), direction="sideways")


def test_days_back_below():
    idx = pd.DatetimeIndex(["2019-09-13", "2019-09-16", "2019-09-17", "2019-09-18", "2019-09-19"])
    s = pd.Series([-5.0, 18.0, 300.0, 30.0, -5.0], index=idx)
    assert sx.days_back_below(s, date(2019, 9, 16)) == 3
    assert sx.days_back_below(s.loc[:"2019-09-18"], date(2019, 9, 16)) is None
    assert sx.days_back_below(s.where(s < 0, -1.0), date(2019, 9, 16)) is None


# --- the shared data -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store(fred_dir):
    s = liquidity_store(fred_dir, ("DGS2", "DGS10", "DGS30", "DTWEXBGS", "SP500", "NASDAQCOM"))
    yield s
    s.close()


def frame(store, d: date) -> Frame:
    return Frame.from_store(store, d, keys=("ust_2y", "ust_10y", "ust_30y", "usd_broad", "sp500", "nasdaq"))


def read(fred_dir: Path, fid: str) -> dict[str, float]:
    with open(fred_dir / f"{fid}.csv", newline="") as fh:
        return {r["observation_date"]: float(r[fid]) for r in csv.DictReader(fh) if r[fid]}


def detectors(f: Frame, as_of: date):
    cfg = default_config()
    eq = sx.combine_equity(f.get("sp500"), f.get("nasdaq"))
    return (sx.evaluate_bear_steepening(f.get("ust_2y"), f.get("ust_10y"), f.get("ust_30y"),
                                        params=cfg.rule_params("bear_steepening"), as_of=as_of),
            sx.evaluate_flight(f.get("ust_10y"), f.get("usd_broad"), eq, params=cfg.rule_params("dollar_flight"),
                               as_of=as_of))


def test_tariff_weeks_of_april_2025(store, fred_dir):
    y2, y10, y30 = read(fred_dir, "DGS2"), read(fred_dir, "DGS10"), read(fred_dir, "DGS30")
    bear_v, flight_v = detectors(frame(store, date(2025, 4, 11)), date(2025, 4, 11))
    # 04-03 -> 04-10: 10-year +34, 30-year +37, 2-year +13 bp: past the 30 bp watch, short of the 40 bp shock
    assert bear_v.state == "watch"
    ev = {e.label: e.value for e in bear_v.evidence}
    assert_allclose(ev["10-year, change over the week"], (y10["2025-04-10"] - y10["2025-04-03"]) * 100)
    assert_allclose(ev["30-year, change over the week"], (y30["2025-04-10"] - y30["2025-04-03"]) * 100)
    assert_allclose(ev["2-year, change over the week"], (y2["2025-04-10"] - y2["2025-04-03"]) * 100)
    # the dollar index is published a week late: on 04-11 it is known through 04-04
    assert flight_v.state == "none" and "Pending: in the week to 2025-04-10" in flight_v.headline

    usd, sp = read(fred_dir, "DTWEXBGS"), read(fred_dir, "SP500")
    _, flight_late = detectors(frame(store, date(2025, 5, 2)), date(2025, 5, 2))
    assert flight_late.state == "flight" and "Week to 2025-04-22" in flight_late.headline
    ev = {e.label: e.value for e in flight_late.evidence}
    assert_allclose(ev["Broad dollar, change over the week"],
                    round(100 * (usd["2025-04-22"] / usd["2025-04-15"] - 1), 1))
    assert_allclose(ev["S&P 500, change over the week"], round(100 * (sp["2025-04-22"] / sp["2025-04-15"] - 1), 1))
    assert ev["10-year, change over the week"] == round((y10["2025-04-22"] - y10["2025-04-15"]) * 100, 1)


@pytest.fixture(scope="module")
def history(store):
    f = frame(store, date(2025, 5, 2))
    cfg = default_config()
    eq = sx.combine_equity(f.get("sp500"), f.get("nasdaq"))
    fridays = pd.date_range("1990-01-05", "2025-05-02", freq="W-FRI")
    bear_s = sx.bear_steepening_states(f.get("ust_2y"), f.get("ust_10y"), f.get("ust_30y"),
                                       params=cfg.rule_params("bear_steepening"), dates=fridays)
    flight_s = sx.flight_states(f.get("ust_10y"), f.get("usd_broad"), eq, params=cfg.rule_params("dollar_flight"),
                                dates=fridays, usd_lag_days=7)
    return bear_s, flight_s


@pytest.mark.parametrize("friday, state", [
    ("1990-08-10", "shock"),   # Iraq's invasion of Kuwait: long yields +48/+51 bp, 2-year +17
    ("2009-05-29", "shock"),   # supply and deficit fears: 10-year +52, 30-year +45, 2-year +9
    ("2020-03-20", "watch"),   # dash for cash: 10-year +36, 30-year +47, 2-year +4
    ("2025-04-11", "watch"),   # tariff week
])
def test_bear_steepening_fires_in_the_episodes(history, friday, state):
    assert history[0].loc[friday] == state


@pytest.mark.parametrize("year", [1993, 1997, 2017, 2019, 2021, 2023, 2024])
def test_bear_steepening_is_silent_in_quiet_years(history, year):
    assert (history[0].loc[str(year)] == "none").all()


@pytest.mark.parametrize("friday, state", [
    ("2008-09-26", "none"),     # week to 09-23: the dollar for it is not published yet...
    ("2008-10-03", "flight"),   # ...and a week later it is
    ("2025-03-14", "flight"),   # week to 03-07
    ("2025-04-25", "none"),     # week to 04-22, dollar pending
    ("2025-05-02", "flight"),   # the same week, dollar published
    ("2025-04-11", "none"),     # the tariff week: stocks rebounded on 04-09 and the dollar was not yet out
])
def test_flight_fires_in_the_episodes(history, friday, state):
    assert history[1].loc[friday] == state


@pytest.mark.parametrize("year", [2007, 2013, 2017, 2019, 2023, 2024])
def test_flight_is_silent_in_quiet_years(history, year):
    assert (history[1].loc[str(year)] == "none").all()


def test_flight_has_no_verdict_before_the_broad_dollar_index(history):
    assert (history[1].loc[:"2005-12-31"] == NO_DATA).all()
