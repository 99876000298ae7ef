"""Point-in-time reads through the store's packed copies, checked against a plain SQL reference.

The reference (``_reference_read``) selects, per observation date on or before the as-of day,
the row whose realtime_start is the latest one on or before that day, with a correlated
subquery over the observations table: the rule stated in ``report/store.py``, written
independently of the store's reading code.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timezone

import numpy as np
import pandas as pd
import pytest

from report.catalog import CATALOG
from report.frame import Frame
from report.store import Store

KEYS = ["ust_10y", "payrolls", "cpi", "gdp", "ust_2y"]  # ust_2y is never written


def _utc(y, m, d):
    return datetime(y, m, d, tzinfo=timezone.utc)


def _reference_read(conn: sqlite3.Connection, key: str, as_of: str) -> pd.Series:
    rows = conn.execute(
        "SELECT o.date, o.value FROM observations o WHERE o.key = ? AND o.date <= ? AND o.realtime_start = "
        " (SELECT MAX(i.realtime_start) FROM observations i"
        "  WHERE i.key = o.key AND i.date = o.date AND i.realtime_start <= ?)"
        " ORDER BY o.date",
        (key, as_of, as_of),
    ).fetchall()
    index = pd.DatetimeIndex([pd.Timestamp(d) for d, _ in rows], name="date").as_unit("ns")
    return pd.Series([v for _, v in rows], index=index, name=key, dtype=float)


def _assert_reads_match(st: Store, conn: sqlite3.Connection, as_of_days: list[str]) -> None:
    for day in as_of_days:
        got = st.read_many(KEYS, as_of=day)
        for k in KEYS:
            ref = _reference_read(conn, k, day)
            if ref.empty:
                assert got[k].empty, (k, day)
                continue
            pd.testing.assert_series_equal(got[k], ref, check_exact=True, obj=f"{k} as of {day}")


def _write_history(st: Store) -> None:
    """Unrevised and revised series: fetch-dated revisions, ALFRED vintages, a replaced vintage."""
    rng = np.random.default_rng(20250411)
    days = pd.bdate_range("2018-01-01", "2019-12-31")
    ten = pd.Series(2.5 + np.cumsum(rng.normal(0, 0.03, len(days))), index=days)
    st.write({"ust_10y": ten[ten.index <= "2019-06-30"]}, source="csv", origin="a", fetched_at=_utc(2019, 7, 1))
    # the next fetch extends the series and revises June's values (learned on 2019-11-01)
    later = ten.copy()
    later[(later.index >= "2019-06-01") & (later.index <= "2019-06-30")] += 0.05
    st.write({"ust_10y": later[later.index <= "2019-10-31"]}, source="csv", origin="b", fetched_at=_utc(2019, 11, 1))
    st.write({"ust_10y": later}, source="csv", origin="c", fetched_at=_utc(2020, 1, 2))
    months = pd.date_range("2017-01-01", "2019-06-01", freq="MS")
    pay = pd.Series(rng.normal(150_000, 20_000, len(months)).round(), index=months)
    st.write({"payrolls": pay}, source="csv", origin="p1", fetched_at=_utc(2019, 7, 10))
    revised = pay.copy()
    revised.iloc[-6:] += 1_000.0
    st.write({"payrolls": revised}, source="csv", origin="p2", fetched_at=_utc(2019, 9, 6))
    # a fetch dated before the stored publication days replaces those rows in place
    again = revised.copy()
    again.iloc[-1] += 7.0
    st.write({"payrolls": again}, source="csv", origin="p3", fetched_at=_utc(2019, 7, 1))
    quarters = pd.date_range("2016-01-01", "2019-04-01", freq="QS")
    base = rng.normal(20_000, 500, len(quarters))
    vintages = pd.concat([
        pd.DataFrame({"date": quarters, "value": base * f,
                      "realtime_start": quarters + pd.offsets.QuarterEnd(0) + pd.Timedelta(days=lag)})
        for f, lag in ((0.99, 30), (1.0, 60), (1.01, 400))
    ])
    st.write({"gdp": vintages.iloc[: len(quarters) * 2]}, source="fred", origin="alfred1", fetched_at=_utc(2019, 8, 1))
    # the later vintages arrive in a second write, with one earlier vintage re-sent with a new value
    resent = vintages.iloc[[5]].assign(value=vintages["value"].iloc[5] + 3.0)
    st.write({"gdp": pd.concat([vintages.iloc[len(quarters) * 2:], resent])}, source="fred", origin="alfred2",
             fetched_at=_utc(2021, 1, 5))
    cpi = pd.DataFrame({"date": pd.to_datetime(["2019-01-01", "2019-01-01", "2019-02-01"]),
                        "value": [251.7, 251.9, 252.8],
                        "realtime_start": pd.to_datetime(["2019-02-13", "2019-03-12", "2019-03-12"]),
                        "realtime_end": pd.to_datetime(["2019-03-11", pd.NaT, pd.NaT])})
    st.write({"cpi": cpi}, source="fred", origin="alfred", fetched_at=_utc(2019, 4, 1))


def _as_of_days(conn: sqlite3.Connection) -> list[str]:
    """Every day on which a revision or a lagged row became known, the days either side, and fixed dates."""
    starts = [pd.Timestamp(r[0]) for r in conn.execute(
        "SELECT DISTINCT realtime_start FROM observations WHERE realtime_start != date")]
    days = {d + pd.Timedelta(days=k) for d in starts for k in (-1, 0, 1)}
    days |= {pd.Timestamp(d) for d in ("2008-09-19", "2019-06-28", "2025-04-11", "2030-01-01")}
    return sorted(d.strftime("%Y-%m-%d") for d in days)


@pytest.fixture
def history(tmp_path):
    path = tmp_path / "store.sqlite"
    st = Store(path)
    _write_history(st)
    conn = sqlite3.connect(path)
    yield st, conn, path
    conn.close()
    st.close()


def test_reads_match_the_sql_reference_for_revised_and_unrevised_series(history):
    st, conn, _ = history
    assert conn.execute("SELECT COUNT(*) FROM observations WHERE key = 'gdp'").fetchone()[0] == 14 * 3
    _assert_reads_match(st, conn, _as_of_days(conn))


def test_a_revised_series_read_before_its_revision_gives_the_first_print(history):
    st, _, _ = history
    assert st.read("cpi", as_of="2019-03-11").tolist() == [251.7]
    assert st.read("cpi", as_of="2019-03-12").tolist() == [251.9, 252.8]
    first = st.read("gdp", as_of="2016-04-30")  # Q1 2016 first printed on 2016-04-30
    second = st.read("gdp", as_of="2016-05-30")
    assert len(first) == len(second) == 1
    assert first.iloc[0] == pytest.approx(second.iloc[0] * 0.99, rel=1e-12)


def test_every_write_leaves_the_packed_copies_current(history):
    _, conn, _ = history
    stale = conn.execute(
        "SELECT p.key FROM packed p JOIN (SELECT key, MAX(id) AS last FROM fetch_log GROUP BY key) f"
        " ON f.key = p.key WHERE p.token != f.last"
    ).fetchall()
    packed = {r[0] for r in conn.execute("SELECT key FROM packed")}
    assert stale == [] and packed == {"ust_10y", "payrolls", "gdp", "cpi"}


def test_a_store_without_packed_copies_is_packed_on_its_first_read(history):
    st, conn, path = history
    st.close()
    conn.execute("DROP TABLE packed")
    conn.commit()
    with Store(path) as again:
        _assert_reads_match(again, conn, ["2019-06-28", "2019-09-06", "2021-01-05", "2030-01-01"])
    assert {r[0] for r in conn.execute("SELECT key FROM packed")} == set(KEYS)


def test_rows_added_by_a_writer_that_does_not_pack_are_seen(history):
    """An older version of the store writes rows and a fetch-log entry but leaves the copies as they were."""
    st, conn, _ = history
    st.read_many(KEYS)
    conn.execute("INSERT INTO observations (key, date, realtime_start, value, vintage_kind, source, fetched_at)"
                 " VALUES ('cpi', '2019-03-01', '2019-04-10', 254.2, 'source', 'fred', 'x'),"
                 " ('cpi', '2019-01-01', '2019-04-10', 252.0, 'source', 'fred', 'x')")
    conn.execute("INSERT INTO fetch_log (key, source, origin, fetched_at, n_new, n_revised)"
                 " VALUES ('cpi', 'fred', 'old', 'x', 1, 1)")
    conn.commit()
    assert st.read("cpi", as_of="2019-04-10").tolist() == [252.0, 252.8, 254.2]
    _assert_reads_match(st, conn, ["2019-04-09", "2019-04-10"])


def test_when_the_copies_cannot_be_written_the_rows_are_read(history, monkeypatch):
    st, conn, _ = history
    conn.execute("DELETE FROM packed")
    conn.commit()

    def read_only(self, cur, key, token):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(Store, "_pack", read_only)
    _assert_reads_match(st, conn, ["2016-05-30", "2019-06-28", "2019-09-06", "2030-01-01"])
    assert conn.execute("SELECT COUNT(*) FROM packed").fetchone()[0] == 0


def test_a_failed_write_leaves_the_packed_copies_as_they_were(history, monkeypatch):
    st, conn, _ = history
    before = conn.execute("SELECT * FROM packed ORDER BY key").fetchall()
    real = Store._pack_written
    calls = {"n": 0}

    def fail_second(self, *a, **k):
        calls["n"] += 1
        if calls["n"] == 2:
            raise sqlite3.OperationalError("disk I/O error")
        return real(self, *a, **k)

    monkeypatch.setattr(Store, "_pack_written", fail_second)
    new_day = pd.Series([3.1], index=pd.DatetimeIndex(["2020-01-02"]))
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        st.write({"ust_10y": new_day, "ust_2y": new_day}, source="csv", origin="z", fetched_at=_utc(2020, 1, 3))
    assert calls["n"] == 2
    assert conn.execute("SELECT * FROM packed ORDER BY key").fetchall() == before
    _assert_reads_match(st, conn, ["2020-01-03"])


def test_frame_from_store_equals_a_frame_of_the_reference_reads(history):
    st, conn, _ = history
    for day in ("2016-05-30", "2019-06-28", "2019-07-01", "2030-01-01"):
        as_of = date.fromisoformat(day)
        fast = Frame.from_store(st, as_of)
        ref = Frame({k: _reference_read(conn, k, day) for k in CATALOG}, as_of, sources=st.sources_by_key(CATALOG))
        assert fast.keys == ref.keys and fast.keys
        for k in CATALOG:
            if ref.has(k):
                pd.testing.assert_series_equal(fast.get(k), ref.get(k), check_exact=True)
            else:
                assert fast.get(k).empty, (k, day)
            assert fast.status(k) == ref.status(k)
        assert fast.fingerprint(CATALOG) == ref.fingerprint(CATALOG)


@pytest.mark.slow
def test_shared_data_reads_match_the_sql_reference(shared_store):
    conn = shared_store._conn
    keys = shared_store.keys()
    for day in ("2008-09-19", "2019-06-28", "2025-04-11", "2030-01-01"):
        got = shared_store.read_many(keys, as_of=day)
        for k in keys:
            ref = _reference_read(conn, k, day)
            if ref.empty:
                assert got[k].empty, (k, day)
            else:
                pd.testing.assert_series_equal(got[k], ref, check_exact=True, obj=f"{k} as of {day}")
