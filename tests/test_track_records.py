"""The track-record helpers of the verdict engine: point-in-time inputs and forward outcomes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.rules import asof_values, forward_change, forward_max, forward_return, weekly_dates


def test_weekly_dates_are_fridays_inclusive():
    d = weekly_dates("2024-01-01", "2024-01-26")
    assert list(d.strftime("%Y-%m-%d")) == ["2024-01-05", "2024-01-12", "2024-01-19", "2024-01-26"]
    assert set(d.day_of_week) == {4}
    with pytest.raises(ValueError, match="weekday must be 0..6"):
        weekly_dates("2024-01-01", "2024-02-01", weekday=7)


@pytest.mark.parametrize("weekday", range(7))
def test_weekly_dates_match_pandas_anchored_weekly_range(weekday):
    codes = ("W-MON", "W-TUE", "W-WED", "W-THU", "W-FRI", "W-SAT", "W-SUN")
    rng = np.random.default_rng(weekday)
    for _ in range(40):
        start = pd.Timestamp("1960-01-01") + pd.Timedelta(days=int(rng.integers(0, 24000)))
        end = start + pd.Timedelta(days=int(rng.integers(-10, 4000)))
        got = weekly_dates(start, end.date(), weekday=weekday)
        want = pd.date_range(start, end, freq=codes[weekday])
        assert got.dtype == want.dtype
        assert got.equals(want)


def test_asof_values_take_the_last_observation_on_or_before_and_drop_stale_ones():
    s = pd.Series([1.0, 2.0, 3.0], index=pd.to_datetime(["2024-01-01", "2024-01-10", "2024-03-01"]))
    d = pd.to_datetime(["2023-12-31", "2024-01-09", "2024-01-10", "2024-02-15", "2024-03-02"])
    assert asof_values(s, d).tolist()[1:] == [1.0, 2.0, 2.0, 3.0]
    assert np.isnan(asof_values(s, d).iloc[0])
    stale = asof_values(s, d, max_age_days=30)
    assert np.isnan(stale.iloc[3])  # 36 days after 2024-01-10
    assert stale.iloc[2] == 2.0 and stale.iloc[4] == 3.0


def test_forward_return_by_hand_and_nan_until_the_window_elapses():
    p = pd.Series([100.0, 110.0, 121.0, 99.0], index=pd.to_datetime(["2020-01-01", "2020-07-01", "2021-01-01",
                                                                      "2021-06-01"]))
    d = pd.to_datetime(["2020-01-01", "2020-07-01", "2020-09-01"])
    r = forward_return(p, d, months=12)
    # 2020-01-01 -> 2021-01-01: 121/100 - 1; 2020-07-01 -> last on or before 2021-07-01 is past the data end
    assert r.iloc[0] == pytest.approx(21.0)
    assert np.isnan(r.iloc[1]) and np.isnan(r.iloc[2])
    r = forward_return(p, d, days=182)
    assert r.iloc[0] == pytest.approx(10.0)  # 2020-07-01 is day 182
    with pytest.raises(ValueError, match="exactly one of days or months"):
        forward_return(p, d)


def test_forward_change_scales_pp_to_bp():
    y = pd.Series([2.0, 2.5, 1.75], index=pd.to_datetime(["2020-01-03", "2020-06-01", "2021-01-04"]))
    c = forward_change(y, pd.to_datetime(["2020-01-03"]), days=365, scale=100.0)
    assert c.iloc[0] == pytest.approx(50.0)  # last value on or before 2021-01-02 is 2.5


def test_forward_max_matches_a_brute_force_window_maximum():
    rng = np.random.default_rng(7)
    idx = pd.bdate_range("2010-01-01", periods=600)
    s = pd.Series(rng.normal(20, 5, len(idx)), index=idx)
    dates = weekly_dates(idx[0], idx[-1])
    got = forward_max(s, dates, days=90)
    for d, v in got.items():
        end = d + pd.Timedelta(days=90)
        if end > idx[-1]:
            assert np.isnan(v)
        else:
            window = s[(s.index > d) & (s.index <= end)]
            assert v == window.max()
