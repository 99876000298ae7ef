"""The FRED/ALFRED source against a real HTTP server on 127.0.0.1 serving the shared CSV snapshots.

The server (:mod:`tests.fakefred`) answers in FRED's XML format, synthesizes vintages for the
revised series used here (CPIAUCSL, ICSA), and injects faults. Expected values are read from the
CSV files with pandas, independently of the server's own CSV reader.
"""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from report.config import DataConfig
from report.errors import DataError
from report.sources.fred import (
    FetchReport,
    FredClient,
    FredKeyError,
    FredRequestError,
    RateLimiter,
    fetch,
    vintage_windows,
)
from report.store import Store

from fakefred import FakeFred, RevisionPlan

KEY = "abcdefghijklmnopqrstuvwxyz012345"

# CPI: first release 43 days after the observation date, 0.25 lower; revised to the CSV value
# 71 days after it. Claims (weekly): first release 5 days after the week, 1,000 higher; revised
# a week later, which falls on the next week's release day (one vintage date per week, >2,000).
CPI_FIRST, CPI_REVISED = 43, 71
CLAIMS_FIRST, CLAIMS_REVISED = 5, 12
REVISIONS = {
    "CPIAUCSL": RevisionPlan(CPI_FIRST, CPI_REVISED, lambda v: round(v - 0.25, 3)),
    "ICSA": RevisionPlan(CLAIMS_FIRST, CLAIMS_REVISED, lambda v: v + 1000.0),
}


def csv_series(fred_dir, sid: str) -> pd.Series:
    """Non-missing observations of a FRED CSV (values parsed exactly as Python floats)."""
    df = pd.read_csv(fred_dir / f"{sid}.csv", dtype=str, keep_default_na=False)
    values = [float(v) if v.strip() else np.nan for v in df[sid]]
    s = pd.Series(values, index=pd.DatetimeIndex(pd.to_datetime(df["observation_date"])), dtype=float)
    return s.dropna()


def assert_same(stored: pd.Series, expected: pd.Series) -> None:
    """Exact equality of values and dates."""
    assert len(stored) == len(expected)
    np.testing.assert_array_equal(stored.index.to_numpy(), expected.index.to_numpy())
    np.testing.assert_array_equal(stored.to_numpy(), expected.to_numpy())


def config(server: FakeFred, **overrides) -> DataConfig:
    """Short timeouts and backoff so retries cost milliseconds; a fast rate unless a test sets one."""
    base = dict(
        fred_url=server.url,
        fred_api_key=KEY,
        fred_requests_per_second=100.0,
        fred_max_retries=2,
        fred_backoff_seconds=0.01,
        fred_timeout_seconds=2.0,
        alfred_max_vintages=1000,
        history_start=date(1900, 1, 1),
    )
    base.update(overrides)
    return DataConfig(**base)


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch):
    monkeypatch.delenv("FRED_API_KEY", raising=False)


@pytest.fixture
def server(fred_dir):
    srv = FakeFred(fred_dir, api_key=KEY, revisions=REVISIONS)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def store():
    s = Store(":memory:")
    yield s
    s.close()


def statuses(server: FakeFred, endpoint: str, sid: str) -> list[int]:
    return [r.status for r in server.requests_for(endpoint, sid)]


# --- data round trip ----------------------------------------------------------------------------


def test_stored_series_equal_the_csv_exactly(server, store, fred_dir):
    keys = {"sofr": "SOFR", "fed_assets": "WALCL", "spread_10y3m": "T10Y3M", "vix3m": "VXVCLS"}
    report = fetch(store, config(server), keys=list(keys))
    assert report.ok and report.failed == ()
    for key, sid in keys.items():
        expected = csv_series(fred_dir, sid)
        assert_same(store.read(key), expected)
        assert report[key].new == len(expected)
        assert report[key].revised == 0
        assert report[key].last_date == expected.index[-1].date()
        assert report[key].requests == 1
        (request,) = server.requests_for("series/observations", sid)
        assert request.params["observation_start"] == "1900-01-01"
        assert request.params["api_key"] == KEY
    # T10Y3M and VXVCLS have empty cells ('.' on the wire): they are not stored
    assert len(csv_series(fred_dir, "T10Y3M")) == 11147
    origins = {s.key: s.origin for s in store.status()}
    assert origins["sofr"] == f"{server.url}/series/observations?series_id=SOFR&observation_start=1900-01-01"
    assert all(KEY not in o for o in origins.values())


def test_incremental_fetch_asks_only_for_new_observations(server, store, fred_dir):
    cfg = config(server, history_start=date(2019, 1, 1))
    sofr = csv_series(fred_dir, "SOFR")
    sofr = sofr[sofr.index >= "2019-01-01"]
    server.today = date(2024, 6, 30)
    first = fetch(store, cfg, keys=["sofr"])
    assert_same(store.read("sofr"), sofr[sofr.index <= "2024-06-30"])
    last_known = sofr[sofr.index <= "2024-06-30"].index[-1]
    assert first["sofr"].last_date == last_known.date()

    server.today = None
    second = fetch(store, cfg, keys=["sofr"])
    third = fetch(store, cfg, keys=["sofr"])

    starts = [r.params["observation_start"] for r in server.requests_for("series/observations", "SOFR")]
    assert starts == [
        "2019-01-01",
        (last_known + timedelta(days=1)).strftime("%Y-%m-%d"),
        (sofr.index[-1] + timedelta(days=1)).strftime("%Y-%m-%d"),
    ]
    assert second["sofr"].new == int((sofr.index > last_known).sum())
    assert (third["sofr"].new, third["sofr"].revised) == (0, 0)
    assert_same(store.read("sofr"), sofr)


# --- ALFRED vintages -------------------------------------------------------------------------------


def expected_cpi_as_of(cpi: pd.Series, as_of: str) -> pd.Series:
    """CPI as known at the end of ``as_of`` under the server's revision plan (computed here)."""
    day = pd.Timestamp(as_of)
    first = cpi.index + pd.Timedelta(days=CPI_FIRST)
    revised = cpi.index + pd.Timedelta(days=CPI_REVISED)
    known = cpi[first <= day]
    early = (cpi.index + pd.Timedelta(days=CPI_REVISED))[first <= day] > day
    values = np.where(early, np.round(known.to_numpy() - 0.25, 3), known.to_numpy())
    assert len(revised) == len(cpi)
    return pd.Series(values, index=known.index)


def test_revised_series_reads_old_vintage_before_the_revision(server, store, fred_dir):
    cpi = csv_series(fred_dir, "CPIAUCSL")
    report = fetch(store, config(server), keys=["cpi"])
    vintages = server.vintage_dates("CPIAUCSL")
    assert report["cpi"].vintages == len(vintages) > 1000
    # two windows of at most 1,000 vintage dates, the second starting on the 1,001st
    windows = [(r.params["realtime_start"], r.params["realtime_end"])
               for r in server.requests_for("series/observations", "CPIAUCSL")]
    assert windows == [
        (vintages[0], (date.fromisoformat(vintages[1000]) - timedelta(days=1)).isoformat()),
        (vintages[1000], "9999-12-31"),
    ]
    assert (report["cpi"].new, report["cpi"].revised) == (len(cpi), len(cpi))

    # 2020-03 CPI: first printed 2020-04-13, revised 2020-05-11
    march = pd.Timestamp("2020-03-01")
    assert store.read("cpi", as_of="2020-04-13")[march] == round(cpi[march] - 0.25, 3)
    assert store.read("cpi", as_of="2020-05-10")[march] == round(cpi[march] - 0.25, 3)
    assert store.read("cpi", as_of="2020-05-11")[march] == cpi[march]
    assert_same(store.read("cpi"), cpi)
    for as_of in ("1990-06-15", "2008-10-01", "2020-05-10"):
        assert_same(store.read("cpi", as_of=as_of), expected_cpi_as_of(cpi, as_of))
    v = store.vintages("cpi", "2020-03-01")
    assert v[["realtime_start", "realtime_end", "vintage_kind", "source"]].values.tolist() == [
        ["2020-04-13", "2020-05-10", "source", "fred"],
        ["2020-05-11", "9999-12-31", "source", "fred"],
    ]


def test_vintages_are_fetched_incrementally(server, store, fred_dir):
    cpi = csv_series(fred_dir, "CPIAUCSL")
    cfg = config(server)
    cutoff = pd.Timestamp("2015-06-30")
    server.today = cutoff.date()
    fetch(store, cfg, keys=["cpi"])
    known_then = store.read("cpi", as_of=cutoff)
    assert_same(known_then, expected_cpi_as_of(cpi, "2015-06-30"))
    newest = store.last_vintage("cpi")

    server.today = None
    second = fetch(store, cfg, keys=["cpi"])
    later = [v for v in server.vintage_dates("CPIAUCSL") if v > newest.isoformat()]
    assert second["cpi"].vintages == len(later)
    last_request = server.requests_for("series/observations", "CPIAUCSL")[-1]
    assert last_request.params["realtime_start"] == later[0]
    first_release = cpi.index + pd.Timedelta(days=CPI_FIRST)
    revision = cpi.index + pd.Timedelta(days=CPI_REVISED)
    assert second["cpi"].new == int((first_release > cutoff).sum())
    assert second["cpi"].revised == int((revision > cutoff).sum())
    assert_same(store.read("cpi"), cpi)
    assert_same(store.read("cpi", as_of=cutoff), known_then)

    n_obs_requests = len(server.requests_for("series/observations"))
    third = fetch(store, cfg, keys=["cpi"])
    assert (third["cpi"].vintages, third["cpi"].new, third["cpi"].revised) == (0, 0, 0)
    assert len(server.requests_for("series/observations")) == n_obs_requests  # vintage dates only


def test_windowed_alfred_merge_equals_one_unwindowed_pull(fred_dir):
    claims = csv_series(fred_dir, "ICSA")
    with FakeFred(fred_dir, api_key=KEY, revisions=REVISIONS, max_vintage_dates=None) as srv:
        client = FredClient(KEY, url=srv.url, requests_per_second=100.0, backoff_seconds=0.01)
        vintages = client.vintage_dates("ICSA")
        assert len(vintages) > 2000
        windowed = client.all_releases("ICSA", vintages, max_vintages=700)
        single = client.all_releases("ICSA", vintages, max_vintages=len(vintages))
        assert len(srv.requests_for("series/observations")) == -(-len(vintages) // 700) + 1
    pd.testing.assert_frame_equal(windowed, single)
    # and both equal the periods the revision plan implies, computed from the CSV
    first = pd.DataFrame({"date": claims.index, "realtime_start": claims.index + pd.Timedelta(days=CLAIMS_FIRST),
                          "realtime_end": claims.index + pd.Timedelta(days=CLAIMS_REVISED - 1),
                          "value": claims.to_numpy() + 1000.0})
    final = pd.DataFrame({"date": claims.index, "realtime_start": claims.index + pd.Timedelta(days=CLAIMS_REVISED),
                          "realtime_end": pd.NaT, "value": claims.to_numpy()})
    expected = pd.concat([first, final]).sort_values(["date", "realtime_start"]).reset_index(drop=True)
    expected = expected.astype(windowed.dtypes.to_dict())  # same datetime resolution
    pd.testing.assert_frame_equal(windowed, expected)


def test_server_refuses_over_2000_vintages_and_fetch_windows_around_it(server, store, fred_dir):
    client = FredClient(KEY, url=server.url, requests_per_second=100.0, backoff_seconds=0.01)
    with pytest.raises(FredRequestError, match=r"exceeds the maximum number of vintage dates allowed \(2000\)") as err:
        client.get_series_all_releases("ICSA")
    assert err.value.status == 400 and client.requests == 1

    report = fetch(store, config(server, alfred_max_vintages=2000), keys=["claims"])
    assert report.ok
    assert statuses(server, "series/observations", "ICSA") == [400, 200, 200]
    claims = csv_series(fred_dir, "ICSA")
    assert_same(store.read("claims"), claims)
    week = pd.Timestamp("2020-03-21")
    assert store.read("claims", as_of=week + pd.Timedelta(days=CLAIMS_FIRST))[week] == claims[week] + 1000.0


# --- transport: retries, timeouts, partial bodies, rate limit ------------------------------------------


def test_429_with_retry_after_and_500_are_retried_then_succeed(server, store, fred_dir):
    server.inject("status", status=429, retry_after="1", match="series_id=SOFR")
    server.inject("status", status=500, match="series_id=SOFR")
    report = fetch(store, config(server), keys=["sofr"])
    assert report.ok and report["sofr"].requests == 3
    logged = server.requests_for("series/observations", "SOFR")
    assert [r.status for r in logged] == [429, 500, 200]
    assert logged[1].time - logged[0].time >= 1.0  # Retry-After honoured over the 0.01 s backoff
    assert logged[2].time - logged[1].time >= 0.02  # second backoff: 0.01 * 2
    assert_same(store.read("sofr"), csv_series(fred_dir, "SOFR"))


def test_timeout_partial_and_empty_bodies_are_retried(server, store, fred_dir):
    server.inject("stall", stall_seconds=3.0, match="series_id=SOFR")
    server.inject("partial", match="series_id=WALCL")
    server.inject("empty", match="series_id=WALCL")
    report = fetch(store, config(server, fred_timeout_seconds=0.3), keys=["sofr", "fed_assets"])
    assert report.ok
    assert (report["sofr"].requests, report["fed_assets"].requests) == (2, 3)
    sofr = server.requests_for("series/observations", "SOFR")
    assert sofr[1].time - sofr[0].time >= 0.3
    assert_same(store.read("sofr"), csv_series(fred_dir, "SOFR"))
    assert_same(store.read("fed_assets"), csv_series(fred_dir, "WALCL"))


def test_retries_are_bounded_and_one_failure_does_not_lose_other_series(server, store, fred_dir):
    server.inject("status", status=503, match="series_id=SOFR", times=50)
    server.inject("partial", match="series_id=VXVCLS", times=50)
    report = fetch(store, config(server, fred_max_retries=2), keys=["fed_assets", "sofr", "vix3m", "iorb"])
    assert report.failed == ("sofr", "vix3m")
    assert statuses(server, "series/observations", "SOFR") == [503, 503, 503]
    assert report["sofr"].error == (
        "series sofr (FRED SOFR): HTTP 503 Service Unavailable.; gave up after 3 attempts")
    n = len(pd.read_csv(fred_dir / "VXVCLS.csv"))  # rows on the wire include the empty cells ('.')
    assert n > len(csv_series(fred_dir, "VXVCLS"))
    assert report["vix3m"].error == (
        f"series vix3m (FRED VXVCLS): partial response ({n // 2} of {n} rows); gave up after 3 attempts")
    assert store.read("sofr").empty and store.read("vix3m").empty
    assert_same(store.read("fed_assets"), csv_series(fred_dir, "WALCL"))
    assert_same(store.read("iorb"), csv_series(fred_dir, "IORB"))
    with pytest.raises(DataError, match=r"^FRED fetch failed for 2 of 4 series: series sofr \(FRED SOFR\): HTTP 503 "
                                        r".*gave up after 3 attempts \(and 1 more: vix3m\)$"):
        report.raise_for_errors()
    assert report.summary().splitlines() == [
        f"FRED ({server.url}): 4 series, {report['fed_assets'].new + report['iorb'].new} new rows, 0 revised, 2 failed",
        "  " + report.errors["sofr"],
        "  " + report.errors["vix3m"],
    ]


def test_fetch_stops_trying_after_consecutive_unreachable_series(server, store):
    server.inject("status", status=502, times=100)
    keys = ["iorb", "fed_target_lower", "fed_target_upper", "sofr", "fed_assets"]
    report = fetch(store, config(server, fred_max_retries=1), keys=keys)
    assert report.failed == tuple(keys)
    assert [r.status for r in server.requests] == [502] * 6  # 3 series x 2 attempts, then none
    assert [report[k].requests for k in keys] == [2, 2, 2, 0, 0]
    assert report.errors["sofr"] == "series sofr (FRED SOFR): not attempted, FRED failed for the 3 series before it"


def test_rate_limiter_spaces_requests_across_threads(server):
    rate = 10.0
    limiter = RateLimiter()
    errors: list[BaseException] = []

    def worker() -> None:
        client = FredClient(KEY, url=server.url, requests_per_second=rate, limiter=limiter)
        try:
            for _ in range(4):
                client.get_series_info("IORB")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    begin = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    # arrival times at the server (same monotonic clock); a request reaches the server some time
    # after the limiter lets it start, and that delay differs from request to request, so gaps
    # between two arrivals prove nothing alone. What must hold: the k-th arrival (in time order)
    # comes no sooner than k slots of 1/rate after the threads began, because the k-th request
    # cannot start sooner, and the last comes without long idle waits on top of that
    arrivals = np.sort([r.time for r in server.requests_for("series", "IORB")]) - begin
    assert len(arrivals) == 8
    slots = np.arange(len(arrivals)) / rate
    assert (arrivals >= slots - 1e-3).all(), (arrivals, slots)
    assert arrivals[-1] <= slots[-1] + 0.5, arrivals


def test_clients_share_the_process_wide_limiter_by_default(server, store):
    cfg = config(server, fred_requests_per_second=8.0)
    begin = time.monotonic()
    fetch(store, cfg, keys=["iorb", "fed_target_lower"])
    fetch(store, cfg, keys=["fed_target_upper"])  # a new client, the same limiter
    # the k-th request reaches the server no sooner than k slots after the first could start (see
    # the test above for why gaps between arrivals are not the measure)
    arrivals = np.array([r.time for r in server.requests]) - begin
    assert len(arrivals) == 3
    assert (arrivals >= np.arange(3) / 8.0 - 1e-3).all(), arrivals


# --- keys and ids ----------------------------------------------------------------------------------


def test_missing_key_says_how_to_set_it(server, store):
    with pytest.raises(FredKeyError, match=r"^no FRED API key: set the FRED_API_KEY environment variable "
                                           r"\(or \[data\] fred_api_key in the config\)"):
        fetch(store, config(server, fred_api_key=""), keys=["sofr"])
    assert server.requests == []


def test_environment_key_is_used_before_the_config(server, store, monkeypatch):
    monkeypatch.setenv("FRED_API_KEY", KEY)
    report = fetch(store, config(server, fred_api_key="not-the-key"), keys=["iorb"])
    assert report.ok and report["iorb"].new > 0


def test_bad_key_stops_at_once_with_one_line(server, store):
    with pytest.raises(FredKeyError, match=r"^FRED rejected the API key: Bad Request\. The value for variable "
                                           r"api_key is not registered\. .*\(set FRED_API_KEY to a valid key\)$"):
        fetch(store, config(server, fred_api_key="0" * 32), keys=["sofr", "fed_assets"])
    assert [r.status for r in server.requests] == [400]  # no retry, no second series
    assert store.keys() == []


def test_unknown_series_names_key_and_fred_id(server, store, fred_dir):
    # DTB3 is in the catalog but not among the served snapshots: the server says it does not exist
    report = fetch(store, config(server), keys=["tbill_3m", "iorb"])
    assert report["tbill_3m"].error == "series tbill_3m: FRED has no series DTB3 (Bad Request. The series does not exist.)"
    assert report["tbill_3m"].requests == 1
    assert_same(store.read("iorb"), csv_series(fred_dir, "IORB"))
    with pytest.raises(DataError, match=r"^FRED fetch failed for 1 of 2 series: series tbill_3m: FRED has no series "
                                        r"DTB3"):
        report.raise_for_errors()


def test_only_catalog_fred_keys_are_accepted(server, store):
    with pytest.raises(DataError, match=r"unknown series key 'ust10y' \(did you mean ust_10y"):
        fetch(store, config(server), keys=["ust10y"])
    with pytest.raises(DataError, match=r"^series gold_pm does not come from FRED \(its source is lbma\)$"):
        fetch(store, config(server), keys=["gold_pm"])
    assert server.requests == []


# --- report and helpers ---------------------------------------------------------------------------


def test_progress_is_reported_per_series(server, store):
    calls: list[tuple[int, int, str]] = []
    report = fetch(store, config(server), keys=["iorb", "fed_target_lower"],
                   progress=lambda done, total, label: calls.append((done, total, label)))
    assert isinstance(report, FetchReport)
    assert calls == [(0, 2, "iorb"), (1, 2, "fed_target_lower"), (2, 2, "done")]


def test_vintage_windows_cover_every_vintage_once():
    vs = [date(2020, 1, 1) + timedelta(days=7 * i) for i in range(7)]
    assert vintage_windows(vs, 3) == [
        (vs[0], vs[3] - timedelta(days=1)),
        (vs[3], vs[6] - timedelta(days=1)),
        (vs[6], None),
    ]
    assert vintage_windows(vs, 7) == [(vs[0], None)]
    with pytest.raises(ValueError, match="max_vintages must be >= 1; got 0"):
        vintage_windows(vs, 0)
