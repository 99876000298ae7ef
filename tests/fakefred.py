"""A local HTTP server that answers the FRED/ALFRED API endpoints fredapi calls.

:class:`FakeFred` serves ``/fred/series/observations``, ``/fred/series/vintagedates`` and
``/fred/series`` in FRED's XML format from a directory of CSV files in FRED's download layout
(``observation_date,<ID>``; an empty cell is a missing value, which the API renders as ``.``).

Real-time model
---------------
Every observation is a list of *periods* ``(realtime_start, realtime_end, value)``, the way
ALFRED stores it. A series without a revision plan has one period per observation, starting on
the observation date (a market close is known on its day). A series given a
:class:`RevisionPlan` has a first release that differs from the CSV value and, later, a
revision to the CSV value. The series' vintage dates are the distinct period starts.

``today`` plays the role of the server's clock: periods that start after it do not exist yet.
A request whose real-time window holds more than ``max_vintage_dates`` vintage dates is
refused with HTTP 400, as FRED refuses more than 2,000.

Fault injection and request log
-------------------------------
:meth:`FakeFred.inject` queues faults (HTTP 429 with ``Retry-After``, HTTP 5xx, a stall, a
partial body, an empty body) consumed by the next matching requests. Every request is logged
with its arrival time (``time.monotonic``), path, query parameters and the status answered.
"""

from __future__ import annotations

import csv
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import quoteattr

__all__ = ["FakeFred", "RevisionPlan", "Fault", "LoggedRequest", "FAR_FUTURE", "BAD_KEY_MESSAGE",
           "NO_SERIES_MESSAGE"]

FAR_FUTURE = "9999-12-31"
EARLIEST = "1776-07-04"
BAD_KEY_MESSAGE = (
    "Bad Request.  The value for variable api_key is not registered.  "
    "Read https://fred.stlouisfed.org/docs/api/api_key.html for more information."
)
NO_SERIES_MESSAGE = "Bad Request.  The series does not exist."
_XML_HEAD = '<?xml version="1.0" encoding="utf-8" ?>\n'


@dataclass(frozen=True)
class RevisionPlan:
    """Synthetic vintages for one series.

    Attributes
    ----------
    first_lag_days : days from the observation date to its first release.
    revision_lag_days : days from the observation date to the revision to the CSV value
        (``None``: the first release is final).
    first_value : maps the CSV value (a float) to the first-release value.
    """

    first_lag_days: int
    revision_lag_days: int | None
    first_value: Callable[[float], float]


@dataclass
class Fault:
    """One queued fault. ``kind`` is ``status``, ``stall``, ``partial`` or ``empty``."""

    kind: str
    match: str = ""
    status: int = 500
    retry_after: str | None = None
    stall_seconds: float = 0.0
    times: int = 1


@dataclass(frozen=True)
class LoggedRequest:
    """A request as the server received it."""

    time: float
    path: str
    params: dict[str, str]
    status: int


@dataclass
class _Series:
    ident: str
    dates: list[str]
    periods: dict[str, list[tuple[str, str, str]]]
    vintage_dates: list[str] = field(default_factory=list)


def _fmt(value: float) -> str:
    return repr(float(value))


def _shift(iso: str, days: int) -> str:
    return (date.fromisoformat(iso) + timedelta(days=days)).isoformat()


class FakeFred:
    """FRED API stand-in on ``127.0.0.1`` (ephemeral port), started in a background thread.

    Parameters
    ----------
    data_dir : directory of ``<ID>.csv`` files in FRED's download layout.
    api_key : the only key the server accepts.
    revisions : revision plans by FRED id (see :class:`RevisionPlan`).
    max_vintage_dates : most vintage dates a real-time window may span (``None``: no limit).
    today : the server's date; observations and vintages after it are not yet known.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        api_key: str,
        revisions: dict[str, RevisionPlan] | None = None,
        max_vintage_dates: int | None = 2000,
        today: date | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.api_key = api_key
        self.revisions = dict(revisions or {})
        self.max_vintage_dates = max_vintage_dates
        self.today = today
        self.requests: list[LoggedRequest] = []
        self._faults: list[Fault] = []
        self._series: dict[str, _Series | None] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> FakeFred:
        handler = _make_handler(self)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeFred:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Root URL to give the client (fredapi's ``root_url``)."""
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/fred"

    # -- test controls -----------------------------------------------------------------------
    def inject(self, kind: str, *, match: str = "", status: int = 500, retry_after: str | None = None,
               stall_seconds: float = 0.0, times: int = 1) -> None:
        """Queue a fault for the next ``times`` requests whose path and query contain ``match``."""
        if kind not in ("status", "stall", "partial", "empty"):
            raise ValueError(f"kind must be status, stall, partial or empty; got {kind!r}")
        with self._lock:
            self._faults.append(Fault(kind, match, status, retry_after, stall_seconds, times))

    def requests_for(self, endpoint: str, series_id: str | None = None) -> list[LoggedRequest]:
        """Logged requests to ``/fred/<endpoint>`` (optionally for one series), in arrival order."""
        with self._lock:
            logged = list(self.requests)
        return [r for r in logged if r.path == f"/fred/{endpoint}"
                and (series_id is None or r.params.get("series_id") == series_id)]

    def vintage_dates(self, series_id: str) -> list[str]:
        """Vintage dates of a series known to the server today (ISO strings)."""
        s = self._load(series_id)
        assert s is not None, f"no CSV for {series_id}"
        return [v for v in s.vintage_dates if v <= self._visible_until()]

    # -- data ----------------------------------------------------------------------------------
    def _visible_until(self) -> str:
        return self.today.isoformat() if self.today else FAR_FUTURE

    def _rendered_today(self) -> str:
        return (self.today or date.today()).isoformat()

    def _load(self, series_id: str) -> _Series | None:
        with self._lock:
            if series_id in self._series:
                return self._series[series_id]
        path = self.data_dir / f"{series_id}.csv"
        loaded = self._read_csv(series_id, path) if path.is_file() else None
        with self._lock:
            self._series[series_id] = loaded
        return loaded

    def _read_csv(self, series_id: str, path: Path) -> _Series:
        plan = self.revisions.get(series_id)
        dates: list[str] = []
        periods: dict[str, list[tuple[str, str, str]]] = {}
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            if header != ["observation_date", series_id]:
                raise ValueError(f"{path}: header {header} is not FRED's download layout")
            for d, raw in reader:
                value = raw.strip() or "."
                dates.append(d)
                if plan is None:
                    periods[d] = [(d, FAR_FUTURE, value)]
                    continue
                first = _shift(d, plan.first_lag_days)
                first_value = value if value == "." else _fmt(plan.first_value(float(value)))
                if plan.revision_lag_days is None:
                    periods[d] = [(first, FAR_FUTURE, first_value)]
                else:
                    revised = _shift(d, plan.revision_lag_days)
                    periods[d] = [(first, _shift(revised, -1), first_value), (revised, FAR_FUTURE, value)]
        vintages = sorted({p[0] for ps in periods.values() for p in ps})
        return _Series(series_id, dates, periods, vintages)

    def _visible_periods(self, s: _Series, d: str) -> list[tuple[str, str, str]]:
        until = self._visible_until()
        ps = [p for p in s.periods[d] if p[0] <= until]
        if ps and ps[-1][1] != FAR_FUTURE:
            ps[-1] = (ps[-1][0], FAR_FUTURE, ps[-1][2])
        return ps

    # -- request handling ----------------------------------------------------------------------
    def _take_fault(self, target: str) -> Fault | None:
        with self._lock:
            for f in self._faults:
                if f.match in target:
                    f.times -= 1
                    if f.times <= 0:
                        self._faults.remove(f)
                    return f
        return None

    def _log(self, t: float, path: str, params: dict[str, str], status: int) -> None:
        with self._lock:
            self.requests.append(LoggedRequest(t, path, params, status))

    def handle(self, target: str) -> tuple[int, dict[str, str], bytes, float, dict[str, str]]:
        """Answer one GET: status, headers, body, seconds to stall first, parsed query."""
        split = urlsplit(target)
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        fault = self._take_fault(target)
        if fault is not None and fault.kind == "status":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            message = f"{HTTPStatus(fault.status).phrase}."
            return fault.status, headers, _error_xml(fault.status, message), 0.0, params
        if fault is not None and fault.kind == "empty":
            return 200, {}, b"", 0.0, params
        status, body = self._answer(split.path, params, partial=fault is not None and fault.kind == "partial")
        stall = fault.stall_seconds if fault is not None and fault.kind == "stall" else 0.0
        return status, {}, body, stall, params

    def _answer(self, path: str, params: dict[str, str], *, partial: bool) -> tuple[int, bytes]:
        if params.get("api_key") != self.api_key:
            return 400, _error_xml(400, BAD_KEY_MESSAGE)
        endpoints = {
            "/fred/series/observations": self._observations,
            "/fred/series/vintagedates": self._vintagedates,
            "/fred/series": self._series_info,
        }
        if path not in endpoints:
            return 404, _error_xml(404, "Not Found.")
        s = self._load(params.get("series_id", ""))
        if s is None:
            return 400, _error_xml(400, NO_SERIES_MESSAGE)
        return endpoints[path](s, params, partial)

    def _realtime(self, params: dict[str, str]) -> tuple[str, str]:
        today = self._rendered_today()
        return params.get("realtime_start", today), params.get("realtime_end", today)

    def _observations(self, s: _Series, params: dict[str, str], partial: bool) -> tuple[int, bytes]:
        rs, re_ = self._realtime(params)
        window_end = min(re_, self._visible_until())
        n_vintages = sum(1 for v in s.vintage_dates if rs <= v <= window_end)
        if self.max_vintage_dates is not None and n_vintages > self.max_vintage_dates:
            return 400, _error_xml(400, (
                f"Bad Request.  There are {n_vintages} vintage dates in the specified real-time period: "
                f"{rs} to {re_}.  This exceeds the maximum number of vintage dates allowed "
                f"({self.max_vintage_dates})."))
        default_realtime = "realtime_start" not in params and "realtime_end" not in params
        os_ = params.get("observation_start", EARLIEST)
        oe = params.get("observation_end", FAR_FUTURE)
        rows: list[str] = []
        for d in s.dates:
            if d < os_ or d > oe:
                continue
            for ps, pe, v in self._visible_periods(s, d):
                if ps > re_ or pe < rs:
                    continue
                if default_realtime:
                    row_rs, row_re = rs, re_
                else:
                    row_rs, row_re = max(ps, rs), min(pe, re_)
                rows.append(f'<observation realtime_start="{row_rs}" realtime_end="{row_re}" date="{d}" '
                            f'value="{v}"/>')
        offset = int(params.get("offset", 0))
        limit = int(params.get("limit", 100000))
        count = len(rows)
        page = rows[offset:offset + limit]
        if partial:
            page = page[: len(page) // 2]
        head = (f'<observations realtime_start="{rs}" realtime_end="{re_}" observation_start="{os_}" '
                f'observation_end="{oe}" units="lin" output_type="1" file_type="xml" '
                f'order_by="observation_date" sort_order="asc" count="{count}" offset="{offset}" '
                f'limit="{limit}">')
        return 200, (_XML_HEAD + head + "\n" + "\n".join(page) + "\n</observations>").encode()

    def _vintagedates(self, s: _Series, params: dict[str, str], partial: bool) -> tuple[int, bytes]:
        rs = params.get("realtime_start", EARLIEST)
        re_ = params.get("realtime_end", FAR_FUTURE)
        dates = [v for v in s.vintage_dates if rs <= v <= re_ and v <= self._visible_until()]
        count = len(dates)
        if partial:
            dates = dates[: len(dates) // 2]
        body = "\n".join(f"<vintage_date>{v}</vintage_date>" for v in dates)
        head = (f'<vintage_dates realtime_start="{rs}" realtime_end="{re_}" order_by="vintage_date" '
                f'sort_order="asc" count="{count}" offset="0" limit="10000">')
        return 200, (_XML_HEAD + head + "\n" + body + "\n</vintage_dates>").encode()

    def _series_info(self, s: _Series, params: dict[str, str], partial: bool) -> tuple[int, bytes]:
        today = self._rendered_today()
        known = [d for d in s.dates if self._visible_periods(s, d)]
        attrs = {
            "id": s.ident, "realtime_start": today, "realtime_end": today, "title": s.ident,
            "observation_start": known[0] if known else "", "observation_end": known[-1] if known else "",
            "frequency": "", "units": "", "seasonal_adjustment": "", "last_updated": "",
        }
        inner = " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items())
        body = (f'<seriess realtime_start="{today}" realtime_end="{today}">\n<series {inner}/>\n</seriess>')
        return 200, (_XML_HEAD + body).encode()


def _error_xml(code: int, message: str) -> bytes:
    return (_XML_HEAD + f"<error code=\"{code}\" message={quoteattr(message)}/>").encode()


def _make_handler(server: FakeFred) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            arrived = time.monotonic()
            status, headers, body, stall, params = server.handle(self.path)
            server._log(arrived, urlsplit(self.path).path, params, status)
            if stall and server._stopping.wait(stall):
                return
            try:
                self.send_response(status)
                self.send_header("Content-Type", "text/xml; charset=UTF-8")
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout tests)

        def log_message(self, format: str, *args) -> None:  # noqa: A002 - signature of the base class
            pass

    return Handler
