"""The SQLite store: writes, revisions, point-in-time reads, transactions."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timezone

import numpy as np
import pandas as pd
import pytest

from report.errors import DataError
from report.store import Store, assumed_release
from report.catalog import spec


def _series(dates, values):
    return pd.Series(values, index=pd.DatetimeIndex(pd.to_datetime(dates)))


def _utc(y, m, d):
    return datetime(y, m, d, tzinfo=timezone.utc)


def test_daily_market_data_is_known_on_its_own_date():
    st = Store()
    st.write({"ust_10y": _series(["2025-04-10", "2025-04-11", "2025-04-14"], [4.40, 4.48, 4.38])},
             source="csv", origin="t", fetched_at=_utc(2026, 1, 1))
    s = st.read("ust_10y", as_of="2025-04-11")
    assert list(s.index.strftime("%Y-%m-%d")) == ["2025-04-10", "2025-04-11"]
    assert s.iloc[-1] == 4.48
    assert st.read("ust_10y", as_of="2025-04-09").empty


def test_monthly_values_appear_after_their_period_and_release_lag():
    st = Store()
    # CPI for May 2019 is dated 2019-05-01; period ends 2019-05-31; catalog lag 14 days -> 2019-06-14
    st.write({"cpi": _series(["2019-04-01", "2019-05-01"], [255.2, 255.3])}, source="csv", origin="t",
             fetched_at=_utc(2026, 1, 1))
    assert st.read("cpi", as_of="2019-06-13").index[-1] == pd.Timestamp("2019-04-01")
    assert st.read("cpi", as_of="2019-06-14").index[-1] == pd.Timestamp("2019-05-01")
    lag = spec("cpi").release_lag_days
    assert assumed_release(spec("cpi"), pd.DatetimeIndex(["2019-05-01"]))[0] == pd.Timestamp("2019-05-31") + pd.Timedelta(days=lag)


def test_assumed_release_never_later_than_the_fetch():
    st = Store()
    # fetched the day after the period ended: the value was known at fetch time at the latest
    st.write({"cpi": _series(["2026-10-01"], [330.0])}, source="csv", origin="t", fetched_at=_utc(2026, 11, 2))
    assert st.read("cpi", as_of="2026-11-02").iloc[-1] == 330.0
    assert st.read("cpi", as_of="2026-11-01").empty


def test_a_changed_value_is_a_revision_dated_by_its_fetch_and_the_old_value_stays_readable():
    st = Store()
    st.write({"payrolls": _series(["2024-01-01"], [157_000.0])}, source="csv", origin="a", fetched_at=_utc(2024, 3, 1))
    rep = st.write({"payrolls": _series(["2024-01-01"], [156_500.0])}, source="csv", origin="b",
                   fetched_at=_utc(2024, 6, 1))
    assert rep.revised == {"payrolls": 1} and rep.new == {"payrolls": 0}
    assert st.read("payrolls", as_of="2024-05-31").iloc[-1] == 157_000.0
    assert st.read("payrolls", as_of="2024-06-01").iloc[-1] == 156_500.0
    v = st.vintages("payrolls", "2024-01-01")
    assert list(v["value"]) == [157_000.0, 156_500.0]
    assert v["realtime_end"].iloc[0] == "2024-05-31"


def test_rewriting_identical_data_adds_nothing():
    st = Store()
    s = _series(pd.bdate_range("2020-01-01", periods=50), np.linspace(1, 2, 50))
    st.write({"ust_2y": s}, source="csv", origin="a")
    rep = st.write({"ust_2y": s}, source="csv", origin="a")
    assert rep.total == 0
    assert st.status()[0].n_revisions == 0


def test_alfred_vintages_are_kept_and_read_point_in_time():
    st = Store()
    df = pd.DataFrame({
        "date": pd.to_datetime(["2019-01-01", "2019-01-01", "2019-04-01"]),
        "value": [20_000.0, 20_100.0, 20_200.0],
        "realtime_start": pd.to_datetime(["2019-02-28", "2019-03-28", "2019-05-30"]),
        "realtime_end": pd.to_datetime(["2019-03-27", "9999-12-31", "9999-12-31"]),
    })
    st.write({"gdp": df}, source="fred", origin="alfred")
    assert st.read("gdp", as_of="2019-03-01").tolist() == [20_000.0]
    assert st.read("gdp", as_of="2019-04-30").tolist() == [20_100.0]
    assert st.read("gdp", as_of="2019-06-01").tolist() == [20_100.0, 20_200.0]
    assert st.read("gdp", as_of="2019-02-27").empty


def test_a_failed_write_leaves_the_store_as_it_was():
    st = Store()
    good = _series(["2020-01-02", "2020-01-03"], [1.0, 2.0])
    st.write({"ust_2y": good}, source="csv", origin="a")
    before = st.read("ust_2y")
    bad = pd.DataFrame({"date": ["2020-01-06", "2020-01-06"], "value": [3.0, 4.0]})
    with pytest.raises(DataError, match="ust_10y: observation date 2020-01-06 appears twice"):
        st.write({"ust_2y": _series(["2020-01-06"], [3.0]), "ust_10y": bad}, source="csv", origin="b")
    pd.testing.assert_series_equal(st.read("ust_2y"), before)
    assert st.read("ust_10y").empty


def test_an_error_inside_the_transaction_rolls_back_everything(monkeypatch):
    st = Store()
    st.write({"ust_2y": _series(["2020-01-02"], [1.0])}, source="csv", origin="a")
    calls = {"n": 0}
    real = Store._rows_without_vintages

    def boom(self, *a, **k):
        calls["n"] += 1
        if calls["n"] == 2:
            raise sqlite3.OperationalError("disk I/O error")
        return real(self, *a, **k)

    monkeypatch.setattr(Store, "_rows_without_vintages", boom)
    with pytest.raises(sqlite3.OperationalError):
        st.write({"ust_2y": _series(["2020-01-03"], [9.0]), "ust_10y": _series(["2020-01-03"], [3.0])},
                 source="csv", origin="b")
    assert st.read("ust_2y").tolist() == [1.0]
    assert st.read("ust_10y").empty


def test_unknown_key_is_rejected_before_writing():
    st = Store()
    with pytest.raises(KeyError, match="unknown series key 'ust_11y'"):
        st.write({"ust_11y": _series(["2020-01-02"], [1.0])}, source="csv", origin="a")
    assert st.is_empty()


def test_nan_values_are_not_stored():
    st = Store()
    st.write({"ust_2y": _series(["2020-01-02", "2020-01-03", "2020-01-06"], [1.0, np.nan, 1.2])},
             source="csv", origin="a")
    assert st.read("ust_2y").tolist() == [1.0, 1.2]


def test_status_and_last_date(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store(path) as st:
        st.write({"ust_2y": _series(["2020-01-02", "2020-01-03"], [1.0, 2.0])}, source="csv", origin="x.csv")
        assert st.last_date("ust_2y") == date(2020, 1, 3)
        assert st.last_date("ust_10y") is None
    with Store(path) as st:  # persisted
        (row,) = st.status()
        assert (row.key, row.source, row.origin, row.first, row.last, row.n_obs) == (
            "ust_2y", "csv", "x.csv", date(2020, 1, 2), date(2020, 1, 3), 2)
        assert st.sources_by_key(["ust_2y", "ust_10y"]) == {"ust_2y": "csv"}


def test_not_a_database_is_a_clear_error(tmp_path):
    p = tmp_path / "junk.sqlite"
    p.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DataError, match="not a usable SQLite database"):
        Store(p)
