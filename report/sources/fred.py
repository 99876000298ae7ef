"""FRED and ALFRED source: fetch catalog series into the store, incrementally.

fredapi builds the request URLs and parses FRED's XML; this module replaces its transport.
:class:`FredClient` overrides fredapi's private fetch method so that every request

1. waits for the process-wide rate limiter (a minimum interval of
   ``1 / fred_requests_per_second`` between request starts: FRED answers faster callers with
   HTTP 429 and sometimes with partial or empty data);
2. is sent with ``urlopen`` and the configured timeout;
3. is retried, up to ``fred_max_retries`` times with exponential backoff
   (``fred_backoff_seconds * 2**attempt``, or longer when FRED sends ``Retry-After``), on HTTP
   429, HTTP 5xx, timeouts, connection errors, empty bodies and partial bodies (fewer rows than
   the ``count``/``offset``/``limit`` attributes of the XML root promise);
4. fails otherwise with :class:`FredRequestError` carrying the HTTP status, or
   :class:`FredKeyError` when FRED rejects the API key.

:func:`fetch` walks catalog series whose source is ``fred``:

* series without vintages (market data) ask only for observations after the last date the
  store holds (from ``history_start`` on an empty store);
* revised series (``SeriesSpec.vintage == "alfred"``) ask ALFRED for the vintage dates newer
  than the newest vintage stored, then for all releases in real-time windows of at most
  ``alfred_max_vintages`` vintage dates (FRED refuses windows of more than 2,000), merged into
  rows with ``realtime_start``/``realtime_end``.

Each series is written in its own store transaction: a failure on one series is reported in
the :class:`FetchReport` and does not touch what the others stored. A missing or rejected API
key stops the fetch at once; after ``STOP_AFTER_UNREACHABLE_SERIES`` consecutive series ran out
of retries, the remaining ones are reported as not attempted rather than each waiting through
its own backoff.
"""

from __future__ import annotations

import http.client
import math
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

import fredapi
import numpy as np
import pandas as pd

from ..catalog import SeriesSpec, keys_for_source, spec
from ..errors import DataError

if TYPE_CHECKING:
    from ..config import Config, DataConfig
    from ..store import Store

__all__ = [
    "ENV_API_KEY",
    "FetchReport",
    "FredClient",
    "FredKeyError",
    "FredRequestError",
    "RateLimiter",
    "SeriesFetch",
    "fetch",
    "merge_vintage_windows",
    "resolve_api_key",
    "vintage_windows",
]

ENV_API_KEY = "FRED_API_KEY"
KEY_SIGNUP_URL = "https://fred.stlouisfed.org/docs/api/api_key.html"
FAR_FUTURE_ISO = "9999-12-31"
MAX_RETRY_AFTER_SECONDS = 300.0
#: After this many consecutive series fail on retried transport errors, the rest are skipped.
STOP_AFTER_UNREACHABLE_SERIES = 3
_NO_SERIES = "series does not exist"


# --- errors ---------------------------------------------------------------------------------


class FredRequestError(DataError):
    """A FRED request failed.

    Attributes
    ----------
    status : HTTP status of the last answer, or ``None`` (timeout, connection error, bad body).
    reason : what went wrong, without the request context (FRED's own message where it sent one).
    attempts : how many requests were made.
    exhausted : True when the retries ran out on failures worth retrying (429, 5xx, timeouts,
        connection errors, empty or partial bodies), i.e. FRED may be unreachable.
    """

    def __init__(self, message: str, *, reason: str, status: int | None = None, attempts: int = 1,
                 exhausted: bool = False) -> None:
        super().__init__(message)
        self.reason = reason
        self.status = status
        self.attempts = attempts
        self.exhausted = exhausted

    @property
    def series_missing(self) -> bool:
        """True when FRED says the series id does not exist."""
        return self.status == 400 and _NO_SERIES in self.reason.lower()


class FredKeyError(FredRequestError):
    """The FRED API key is missing or FRED rejected it; no request can succeed."""


class _Transient(Exception):
    """A failure worth retrying (rate limit, server error, timeout, partial body)."""

    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


# --- rate limiting --------------------------------------------------------------------------


class RateLimiter:
    """Minimum interval between request starts, shared by every thread that uses it.

    ``wait(rate)`` reserves the next free slot at least ``1 / rate`` seconds after the previous
    reservation and sleeps until it; reservations are made under a lock so concurrent callers
    queue rather than burst.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self, per_second: float) -> float:
        """Block until a request may start at ``per_second``; return the seconds waited."""
        if per_second <= 0:
            raise ValueError(f"per_second must be > 0; got {per_second}")
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + 1.0 / per_second
        delay = start - now
        if delay > 0:
            time.sleep(delay)
        return delay


#: The limiter every :class:`FredClient` uses unless given another: one per process.
GLOBAL_LIMITER = RateLimiter()


# --- API key ----------------------------------------------------------------------------------


def resolve_api_key(data: DataConfig) -> str:
    """The FRED API key: ``$FRED_API_KEY`` when set, else ``[data] fred_api_key``.

    Raises
    ------
    FredKeyError
        When neither is set.
    """
    key = os.environ.get(ENV_API_KEY, "").strip() or (data.fred_api_key or "").strip()
    if not key:
        raise FredKeyError(
            f"no FRED API key: set the {ENV_API_KEY} environment variable (or [data] fred_api_key in the "
            f"config); a free key is issued at {KEY_SIGNUP_URL}",
            reason="no API key",
        )
    return key


# --- client -----------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _fred_message(body: bytes) -> str:
    """FRED's error message from an XML error body, or ''."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return ""
    return _one_line(root.get("message", ""))


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


class FredClient(fredapi.Fred):
    """fredapi's client with a rate-limited, retrying, timed-out transport.

    Parameters
    ----------
    api_key : FRED API key (never logged nor shown in messages).
    url : API root, fredapi's ``root_url`` (``https://api.stlouisfed.org/fred``).
    requests_per_second : ceiling on the request rate, enforced by ``limiter``.
    max_retries : retries per request after the first attempt.
    backoff_seconds : wait before the first retry; doubles on each further retry.
    timeout_seconds : socket timeout of each request.
    limiter : the shared :class:`RateLimiter` (default: the process-wide one).

    Attributes
    ----------
    requests : number of HTTP requests sent by this client (retries included).
    """

    def __init__(
        self,
        api_key: str,
        *,
        url: str,
        requests_per_second: float = 2.0,
        max_retries: int = 5,
        backoff_seconds: float = 1.0,
        timeout_seconds: float = 30.0,
        limiter: RateLimiter | None = None,
    ) -> None:
        # fredapi's own __init__ is not called: it reads the environment for the key and may
        # install a process-wide proxy opener. urlopen already honours the proxy variables.
        if not api_key:
            raise FredKeyError("FredClient needs an API key (see resolve_api_key)", reason="no API key")
        self.api_key = api_key
        self.proxies = None
        self.root_url = url.rstrip("/")
        self.requests_per_second = float(requests_per_second)
        self.max_retries = int(max_retries)
        self.backoff_seconds = float(backoff_seconds)
        self.timeout_seconds = float(timeout_seconds)
        self.limiter = limiter or GLOBAL_LIMITER
        self.requests = 0

    @classmethod
    def from_config(cls, data: DataConfig, api_key: str | None = None) -> FredClient:
        """Client for the ``[data]`` settings; the key defaults to :func:`resolve_api_key`."""
        return cls(
            api_key or resolve_api_key(data),
            url=data.fred_url,
            requests_per_second=data.fred_requests_per_second,
            max_retries=data.fred_max_retries,
            backoff_seconds=data.fred_backoff_seconds,
            timeout_seconds=data.fred_timeout_seconds,
        )

    # fredapi parses every date with pandas one string at a time (about 0.1 ms each); FRED's
    # dates are ISO days, which the standard library parses an order of magnitude faster.
    def _parse(self, date_str, format="%Y-%m-%d"):  # noqa: A002 - fredapi's signature
        if format == "%Y-%m-%d" and isinstance(date_str, str):
            try:
                return datetime.strptime(date_str, "%Y-%m-%d")
            except ValueError:
                pass
        return super()._parse(date_str, format=format)

    # -- transport ---------------------------------------------------------------------------
    def _Fred__fetch_data(self, url: str) -> ET.Element:  # noqa: N802 - overrides fredapi's private method
        """Send one API request (rate-limited, retried) and return the parsed XML root."""
        what = self._describe(url)
        full = f"{url}&{urllib.parse.urlencode({'api_key': self.api_key})}"
        attempts = self.max_retries + 1
        last: _Transient | None = None
        for attempt in range(attempts):
            self.limiter.wait(self.requests_per_second)
            self.requests += 1
            try:
                return self._request_once(full, what)
            except _Transient as exc:
                last = exc
            if attempt + 1 < attempts:
                time.sleep(self._delay(attempt, last.retry_after))
        assert last is not None
        reason = f"{last.reason}; gave up after {attempts} attempt{'s' if attempts > 1 else ''}"
        raise FredRequestError(
            f"{what}: {reason}",
            reason=reason,
            status=last.status,
            attempts=attempts,
            exhausted=True,
        )

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        backoff = self.backoff_seconds * 2**attempt
        return max(backoff, retry_after) if retry_after is not None else backoff

    def _describe(self, url: str) -> str:
        split = urllib.parse.urlsplit(url)
        endpoint = split.path.rsplit("/fred/", 1)[-1] if "/fred/" in split.path else split.path.strip("/")
        sid = dict(urllib.parse.parse_qsl(split.query)).get("series_id")
        return f"FRED {endpoint} {sid}" if sid else f"FRED {endpoint}"

    def _request_once(self, full_url: str, what: str) -> ET.Element:
        try:
            with urllib.request.urlopen(full_url, timeout=self.timeout_seconds) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            status = exc.code
            try:
                err_body = exc.read()
            except (OSError, http.client.HTTPException):
                err_body = b""
            retry_after = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
            exc.close()
            message = _fred_message(err_body) or _one_line(exc.reason or "")
            if status == 429 or 500 <= status <= 599:
                raise _Transient(f"HTTP {status} {message}".rstrip(), status, retry_after) from None
            if status in (400, 401, 403) and "api_key" in message.lower():
                raise FredKeyError(
                    f"FRED rejected the API key: {message} (set {ENV_API_KEY} to a valid key)",
                    reason=message, status=status,
                ) from None
            raise FredRequestError(f"{what}: HTTP {status} {message}".rstrip(), reason=message or f"HTTP {status}",
                                   status=status) from None
        except TimeoutError:
            raise _Transient(f"no answer within {self.timeout_seconds:g} s") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise _Transient(f"no answer within {self.timeout_seconds:g} s") from None
            raise _Transient(f"connection failed ({_one_line(exc.reason)})") from None
        except (OSError, http.client.HTTPException) as exc:
            raise _Transient(f"connection failed ({type(exc).__name__}: {_one_line(exc)})") from None
        return self._check_body(body, what)

    @staticmethod
    def _check_body(body: bytes, what: str) -> ET.Element:
        if not body.strip():
            raise _Transient("empty response")
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            raise _Transient("unreadable (truncated) response") from None
        if root.tag == "error":
            message = _one_line(root.get("message", "error"))
            raise FredRequestError(f"{what}: {message}", reason=message, status=int(root.get("code", 0) or 0) or None)
        count = root.get("count")
        if count is not None:
            count_i = int(count)
            offset = int(root.get("offset", 0))
            limit = int(root.get("limit", count_i) or count_i)
            expected = max(0, min(count_i - offset, limit))
            if len(root) < expected:
                raise _Transient(f"partial response ({len(root)} of {expected} rows)")
            if count_i > offset + limit:
                message = f"{count_i} rows exceed FRED's limit of {limit} rows per request"
                raise FredRequestError(f"{what}: {message}", reason=message)
        return root

    # -- typed calls --------------------------------------------------------------------------
    def observations(self, series_id: str, start: date | None = None) -> pd.Series:
        """Latest values from ``start`` on: floats (NaN for FRED's ``.``) on a DatetimeIndex."""
        raw = self.get_series(series_id, observation_start=start)
        index = pd.DatetimeIndex(pd.to_datetime(list(raw.index)), name="date")
        out = pd.Series(np.asarray(raw.to_numpy(), dtype=float), index=index, name=series_id)
        if start is not None:
            out = out[out.index >= pd.Timestamp(start)]
        return out.sort_index()

    def vintage_dates(self, series_id: str) -> list[date]:
        """Every vintage date of the series, oldest first."""
        return sorted(d.date() for d in self.get_series_vintage_dates(series_id))

    def releases(self, series_id: str, realtime_start: date, realtime_end: date | None) -> pd.DataFrame:
        """All releases in one real-time window: columns ``date``, ``realtime_start``, ``value``."""
        raw = self.get_series_all_releases(
            series_id,
            realtime_start=realtime_start.isoformat(),
            realtime_end=realtime_end.isoformat() if realtime_end is not None else FAR_FUTURE_ISO,
        )
        if raw.empty:
            return pd.DataFrame({"date": pd.DatetimeIndex([]), "realtime_start": pd.DatetimeIndex([]),
                                 "value": np.array([], dtype=float)})
        return pd.DataFrame({
            "date": pd.to_datetime(raw["date"].to_list()),
            "realtime_start": pd.to_datetime(raw["realtime_start"].to_list()),
            "value": np.asarray(raw["value"].to_numpy(), dtype=float),
        })

    def all_releases(
        self,
        series_id: str,
        vintages: Sequence[date],
        *,
        max_vintages: int,
        known: pd.Series | None = None,
    ) -> pd.DataFrame:
        """Releases of the given vintages, asked in windows of at most ``max_vintages`` dates.

        Parameters
        ----------
        series_id : FRED id.
        vintages : vintage dates to cover, oldest first (from :meth:`vintage_dates`).
        max_vintages : most vintage dates per request (FRED refuses more than 2,000).
        known : latest values already held before ``vintages[0]`` (a store read); rows that only
            repeat them at the first window's start are dropped.

        Returns
        -------
        DataFrame with ``date``, ``realtime_start``, ``realtime_end`` (NaT for a period still open,
        FRED's 9999-12-31) and ``value``, one row per observation and real-time period.
        """
        windows = [(start, self.releases(series_id, start, end))
                   for start, end in vintage_windows(vintages, max_vintages)]
        return merge_vintage_windows(windows, known=known)


# --- ALFRED windows -------------------------------------------------------------------------------


def vintage_windows(vintages: Sequence[date], max_vintages: int) -> list[tuple[date, date | None]]:
    """Real-time windows ``(start, end)`` covering ``vintages`` with at most ``max_vintages`` each.

    A window starts on a vintage date and ends the day before the next window's first vintage;
    the last window is open-ended (``end`` is None, FRED's 9999-12-31).
    """
    if max_vintages < 1:
        raise ValueError(f"max_vintages must be >= 1; got {max_vintages}")
    vs = sorted(set(vintages))
    starts = vs[::max_vintages]
    ends: list[date | None] = [nxt - timedelta(days=1) for nxt in starts[1:]]
    return list(zip(starts, ends + [None]))


def _same(a: pd.Series, b: pd.Series) -> pd.Series:
    """Element-wise equality where two missing values count as equal."""
    return (a == b) | (a.isna() & b.isna())


def merge_vintage_windows(
    windows: Iterable[tuple[date, pd.DataFrame]],
    *,
    known: pd.Series | None = None,
) -> pd.DataFrame:
    """Merge all-releases answers of consecutive real-time windows into one set of periods.

    FRED clips each row's real-time period to the requested window, so a window repeats, dated
    by its own start, every value still current at that start. Such a row is dropped when it
    equals the latest value seen before the window (in an earlier window or ``known``); a row
    dated by the window start whose value differs is a genuine release and is kept.
    ``realtime_end`` is then the day before the next period of the same observation, or NaT
    while the period is still open.

    Parameters
    ----------
    windows : ``(window start, frame with date, realtime_start, value)`` in real-time order.
    known : latest value per observation date held before the first window (may be None).

    Returns
    -------
    DataFrame with ``date``, ``realtime_start``, ``realtime_end``, ``value``, sorted by date
    then ``realtime_start``.
    """
    latest = known.astype(float).copy() if known is not None else pd.Series(dtype=float)
    latest.index = pd.DatetimeIndex(latest.index)
    kept: list[pd.DataFrame] = []
    for start, frame in windows:
        if frame.empty:
            continue
        frame = frame.sort_values(["date", "realtime_start"], kind="stable")
        at_start = frame["realtime_start"] == pd.Timestamp(start)
        previous = frame["date"].map(latest)
        had_previous = frame["date"].isin(latest.index)
        repeat = at_start & had_previous & _same(frame["value"], previous)
        frame = frame[~repeat]
        kept.append(frame)
        newest = frame.groupby("date", sort=False)["value"].last()
        latest = pd.concat([latest, newest])
        latest = latest[~latest.index.duplicated(keep="last")]
    if not kept:
        return pd.DataFrame({"date": pd.DatetimeIndex([]), "realtime_start": pd.DatetimeIndex([]),
                             "realtime_end": pd.DatetimeIndex([]), "value": np.array([], dtype=float)})
    out = pd.concat(kept, ignore_index=True).sort_values(["date", "realtime_start"], kind="stable")
    out = out.drop_duplicates(["date", "realtime_start"], keep="last").reset_index(drop=True)
    next_start = out.groupby("date")["realtime_start"].shift(-1)
    out["realtime_end"] = next_start - pd.Timedelta(days=1)
    return out[["date", "realtime_start", "realtime_end", "value"]]


# --- fetch ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesFetch:
    """Outcome of fetching one series.

    Attributes
    ----------
    key, source_id : catalog key and FRED id.
    new : observations the store did not hold.
    revised : rows that revise an observation already held (or an earlier vintage in the batch).
    last_date : latest observation date in the store after the fetch.
    vintages : new ALFRED vintage dates fetched (0 for series without vintages).
    requests : HTTP requests spent on the series, retries included.
    error : one-line reason when the series failed, else None.
    """

    key: str
    source_id: str
    new: int = 0
    revised: int = 0
    last_date: date | None = None
    vintages: int = 0
    requests: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class FetchReport:
    """What one :func:`fetch` did, per series, in the order fetched."""

    series: tuple[SeriesFetch, ...]
    url: str

    @property
    def failed(self) -> tuple[str, ...]:
        """Keys of the series that failed."""
        return tuple(s.key for s in self.series if not s.ok)

    @property
    def errors(self) -> dict[str, str]:
        """One-line reason per failed series key."""
        return {s.key: s.error for s in self.series if s.error is not None}

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def new(self) -> int:
        return sum(s.new for s in self.series)

    @property
    def revised(self) -> int:
        return sum(s.revised for s in self.series)

    def __getitem__(self, key: str) -> SeriesFetch:
        for s in self.series:
            if s.key == key:
                return s
        raise KeyError(key)

    def summary(self) -> str:
        """Text for the CLI: a totals line, then one line per failed series."""
        head = (f"FRED ({self.url}): {len(self.series)} series, {self.new} new rows, {self.revised} revised, "
                f"{len(self.failed)} failed")
        return "\n".join([head, *(f"  {reason}" for reason in self.errors.values())])

    def raise_for_errors(self) -> None:
        """Raise :class:`DataError` naming the failed series (the first one's reason in full)."""
        errors = list(self.errors.items())
        if errors:
            rest = [k for k, _ in errors[1:]]
            others = f" (and {len(rest)} more: {', '.join(rest)})" if rest else ""
            raise DataError(f"FRED fetch failed for {len(errors)} of {len(self.series)} series: {errors[0][1]}{others}")


Progress = Callable[[int, int, str], None]


def _fred_keys(keys: Iterable[str] | None) -> tuple[str, ...]:
    if keys is None:
        return keys_for_source("fred")
    out = []
    for k in keys:
        try:
            sp = spec(k)
        except KeyError as exc:
            raise DataError(exc.args[0]) from None
        if sp.source != "fred":
            raise DataError(f"series {k} does not come from FRED (its source is {sp.source})")
        out.append(k)
    return tuple(dict.fromkeys(out))


def fetch(
    store: Store,
    config: Config | DataConfig,
    keys: Iterable[str] | None = None,
    progress: Progress | None = None,
    *,
    client: FredClient | None = None,
) -> FetchReport:
    """Fetch catalog series from FRED/ALFRED into ``store``, asking only for what is new.

    Parameters
    ----------
    store : the observation store; each series is written in its own transaction with
        ``source="fred"`` and the request URL (without the key) as origin.
    config : the configuration (its ``[data]`` table is used) or the ``DataConfig`` itself.
    keys : catalog keys to fetch (default: every catalog series whose source is ``fred``).
    progress : optional ``progress(done, total, label)``, called before each series with the
        number finished and the key about to be fetched, and once at the end with
        ``done == total`` and the label ``"done"``.
    client : a ready client (default: built from ``config`` and :func:`resolve_api_key`).

    Returns
    -------
    FetchReport
        Per series: rows new and revised, last stored date, vintages, requests, error.

    Raises
    ------
    FredKeyError
        The API key is missing or FRED rejected it (raised at once; series already fetched
        stay stored).
    DataError
        A key is not in the catalog or is not a FRED series.
    """
    data = getattr(config, "data", config)
    todo = _fred_keys(keys)
    client = client or FredClient.from_config(data)
    results: list[SeriesFetch] = []
    total = len(todo)
    unreachable = 0  # consecutive series that ran out of retries
    for i, key in enumerate(todo):
        if progress is not None:
            progress(i, total, key)
        sp = spec(key)
        if unreachable >= STOP_AFTER_UNREACHABLE_SERIES:
            results.append(SeriesFetch(key, sp.source_id, last_date=store.last_date(key), error=(
                f"series {key} (FRED {sp.source_id}): not attempted, FRED failed for the {unreachable} series "
                "before it")))
            continue
        before = client.requests
        try:
            result = _fetch_one(store, client, sp, data)
            unreachable = 0
        except FredKeyError:
            raise
        except DataError as exc:
            exhausted = isinstance(exc, FredRequestError) and exc.exhausted
            unreachable = unreachable + 1 if exhausted else 0
            result = SeriesFetch(key, sp.source_id, last_date=store.last_date(key), error=_series_error(sp, exc))
        results.append(_with_requests(result, client.requests - before))
    if progress is not None:
        progress(total, total, "done")
    return FetchReport(tuple(results), client.root_url)


def _with_requests(result: SeriesFetch, n: int) -> SeriesFetch:
    return SeriesFetch(result.key, result.source_id, result.new, result.revised, result.last_date,
                       result.vintages, n, result.error)


def _series_error(sp: SeriesSpec, exc: DataError) -> str:
    if isinstance(exc, FredRequestError):
        if exc.series_missing:
            return f"series {sp.key}: FRED has no series {sp.source_id} ({exc.reason})"
        return f"series {sp.key} (FRED {sp.source_id}): {exc.reason}"
    return f"series {sp.key} (FRED {sp.source_id}): {_one_line(exc)}"


def _fetch_one(store: Store, client: FredClient, sp: SeriesSpec, data: DataConfig) -> SeriesFetch:
    if sp.is_revised:
        return _fetch_vintages(store, client, sp, data)
    last = store.last_date(sp.key)
    start = last + timedelta(days=1) if last is not None else data.history_start
    obs = client.observations(sp.source_id, start)
    origin = f"{client.root_url}/series/observations?series_id={sp.source_id}&observation_start={start.isoformat()}"
    written = store.write({sp.key: obs}, source="fred", origin=origin)
    return SeriesFetch(sp.key, sp.source_id, new=written.new.get(sp.key, 0), revised=written.revised.get(sp.key, 0),
                       last_date=store.last_date(sp.key))


def _fetch_vintages(store: Store, client: FredClient, sp: SeriesSpec, data: DataConfig) -> SeriesFetch:
    newest = store.last_vintage(sp.key)
    vintages = [v for v in client.vintage_dates(sp.source_id) if newest is None or v > newest]
    if vintages:
        known = store.read(sp.key) if newest is not None else None
        rows = client.all_releases(sp.source_id, vintages, max_vintages=data.alfred_max_vintages, known=known)
        rows = rows[rows["date"] >= pd.Timestamp(data.history_start)]
        first = vintages[0].isoformat()
    else:
        rows = pd.DataFrame({"date": pd.DatetimeIndex([]), "realtime_start": pd.DatetimeIndex([]),
                             "realtime_end": pd.DatetimeIndex([]), "value": np.array([], dtype=float)})
        first = (newest + timedelta(days=1)).isoformat() if newest else data.history_start.isoformat()
    origin = (f"{client.root_url}/series/observations?series_id={sp.source_id}"
              f"&realtime_start={first}&realtime_end={FAR_FUTURE_ISO}")
    written = store.write({sp.key: rows}, source="fred", origin=origin)
    return SeriesFetch(sp.key, sp.source_id, new=written.new.get(sp.key, 0), revised=written.revised.get(sp.key, 0),
                       last_date=store.last_date(sp.key), vintages=len(vintages))

