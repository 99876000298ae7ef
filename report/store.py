"""The local observation store (SQLite) with point-in-time reads.

Every observation is kept with the period it measures (``date``), the day it became known
(``realtime_start``), the day it stopped being the latest value (``realtime_end``), where it
came from and when it was fetched. Nothing is ever deleted: a revision adds a row.

How ``realtime_start`` is set
-----------------------------
* Rows that arrive with vintages (ALFRED) keep them.
* A row that arrives without a vintage and is new to the store is dated by the catalog's
  publication rule: the end of its period plus ``release_lag_days`` (never later than the
  day it was fetched). A daily market close is known on its own date.
* A row without a vintage whose value differs from the latest stored value is a revision the
  store learned of when it was fetched: it is dated by the fetch day.

A point-in-time read as of day *D* returns, per observation date on or before *D*, the value
with the latest ``realtime_start`` on or before *D*, i.e. what was known at the end of *D*.

Writes happen in one transaction per call; a failure leaves the store as it was.

Packed copies for fast reads
----------------------------
The ``packed`` table holds, per series, every stored row as three arrays (observation dates
and ``realtime_start`` as days since 1970-01-01, values), in (date, realtime_start) order, so a
point-in-time read is one blob fetch and a few numpy operations instead of one Python object
per row. The packed copy is derived data: each write repacks the series it touched inside its
own transaction, and each copy records the id of its series' latest fetch-log row. A read that
finds a copy missing or older than the fetch log (a store written before the table existed,
or by an older version) repacks that series first; when the store cannot be written it reads
the rows themselves with the same rule.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from operator import itemgetter
from pathlib import Path

import numpy as np
import pandas as pd

from .catalog import SeriesSpec, spec
from .errors import DataError

__all__ = ["Store", "StoredSeries", "WriteReport", "assumed_release", "period_end"]

FAR_FUTURE = "9999-12-31"

_SCHEMA = """
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE IF NOT EXISTS observations (
    key TEXT NOT NULL,
    date TEXT NOT NULL,
    realtime_start TEXT NOT NULL,
    realtime_end TEXT NOT NULL DEFAULT '9999-12-31',
    value REAL NOT NULL,
    vintage_kind TEXT NOT NULL,          -- 'source' (vintage from the source) or 'assumed' (catalog rule)
    source TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (key, date, realtime_start)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fetch_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    source TEXT NOT NULL,
    origin TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    n_new INTEGER NOT NULL,
    n_revised INTEGER NOT NULL,
    first_date TEXT,
    last_date TEXT
);
CREATE INDEX IF NOT EXISTS fetch_log_key ON fetch_log (key, fetched_at);
"""

_PACKED_SCHEMA = """
CREATE TABLE IF NOT EXISTS packed (
    key TEXT PRIMARY KEY,
    token INTEGER NOT NULL,              -- id of the series' latest fetch_log row when packed (0: none)
    dates BLOB NOT NULL,                 -- observation dates, days since 1970-01-01, little-endian int32
    starts BLOB NOT NULL,                -- realtime_start of each row, same encoding
    vals BLOB NOT NULL                   -- values, little-endian float64
)
"""
_DAYS = np.dtype("<i4")
_VALUES = np.dtype("<f8")


@dataclass(frozen=True)
class StoredSeries:
    """What the store holds for one series (for ``data status``)."""

    key: str
    source: str
    origin: str
    first: date
    last: date
    n_obs: int
    n_revisions: int
    last_fetched: datetime


@dataclass(frozen=True)
class WriteReport:
    """Rows added per series by one write: new observations and revisions."""

    new: Mapping[str, int]
    revised: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.new.values()) + sum(self.revised.values())


def period_end(spec_: SeriesSpec, dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Last day of the period each observation date stands for (FRED dates periods by their start)."""
    f = spec_.frequency
    if f == "M":
        return dates + pd.offsets.MonthEnd(0)
    if f == "Q":
        return dates + pd.offsets.QuarterEnd(0)
    if f == "A":
        return dates + pd.offsets.YearEnd(0)
    return dates  # daily and weekly series are dated by the day the value refers to


def assumed_release(spec_: SeriesSpec, dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Publication day assumed for observations that arrive without a vintage."""
    return period_end(spec_, dates) + pd.Timedelta(days=spec_.release_lag_days)


def _iso(d: date | datetime | pd.Timestamp | str) -> str:
    return pd.Timestamp(d).strftime("%Y-%m-%d")


def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _day_number(iso: str) -> int:
    """Days since 1970-01-01 of an ISO date string."""
    return int(np.datetime64(iso, "D").astype(np.int64))


def _empty(key: str) -> pd.Series:
    return pd.Series([], index=pd.DatetimeIndex([], name="date"), name=key, dtype=float)


@dataclass(frozen=True, eq=False)
class _Packed:
    """Every stored row of one series, sorted by (date, realtime_start)."""

    dates: np.ndarray  # int32 days since 1970-01-01
    starts: np.ndarray  # int32 days since 1970-01-01
    values: np.ndarray  # float64

    @classmethod
    def from_rows(cls, rows: list[tuple[str, str, float]]) -> _Packed:
        """From ``(date, realtime_start, value)`` rows in (date, realtime_start) order."""
        if not rows:
            return cls.from_columns((), (), ())
        return cls.from_columns(*zip(*rows))

    @classmethod
    def from_columns(cls, dates: Sequence[str], starts: Sequence[str], values: Sequence[float]) -> _Packed:
        """From ISO date strings, realtime_start strings and values (order kept)."""
        return cls(np.array(dates, dtype="datetime64[D]").astype(_DAYS),
                   np.array(starts, dtype="datetime64[D]").astype(_DAYS), np.array(values, dtype=_VALUES))

    @classmethod
    def from_blobs(cls, dates: bytes, starts: bytes, values: bytes) -> _Packed:
        return cls(np.frombuffer(dates, _DAYS), np.frombuffer(starts, _DAYS), np.frombuffer(values, _VALUES))

    def blobs(self) -> tuple[bytes, bytes, bytes]:
        return self.dates.tobytes(), self.starts.tobytes(), self.values.tobytes()

    def as_of(self, key: str, cutoff: int) -> pd.Series:
        """Per observation date on or before ``cutoff``, the row with the latest realtime_start
        on or before ``cutoff`` (the same rule as the SQL read)."""
        n = int(np.searchsorted(self.dates, cutoff, side="right"))  # dates are sorted
        known = self.starts[:n] <= cutoff
        d = self.dates[:n][known]
        if not len(d):
            return _empty(key)
        v = self.values[:n][known]
        last = np.ones(len(d), dtype=bool)  # rows of one date are in realtime_start order: keep the last
        last[:-1] = d[1:] != d[:-1]
        index = pd.DatetimeIndex(d[last].astype("datetime64[D]").astype("datetime64[ns]"), name="date")
        return pd.Series(v[last], index=index, name=key)


class Store:
    """SQLite observation store. ``path=":memory:"`` gives a throw-away store (tests, SAMPLE)."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        if self.path != ":memory:":
            p = Path(self.path)
            try:
                p.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DataError(f"store {p}: cannot create its directory ({exc.strerror})") from None
        try:
            self._conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._conn.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise DataError(f"store {self.path}: not a usable SQLite database ({exc})") from None
        try:
            self._conn.execute(_PACKED_SCHEMA)
            self._packed = True
        except sqlite3.OperationalError:  # a read-only store written before the table existed
            self._packed = False

    # -- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------------------
    def write(
        self,
        batches: Mapping[str, pd.DataFrame | pd.Series],
        *,
        source: str | Mapping[str, str],
        origin: str | Mapping[str, str],
        fetched_at: datetime | None = None,
    ) -> WriteReport:
        """Write observations for several series in one transaction.

        Parameters
        ----------
        batches : mapping of catalog key to either a Series (index = observation dates) or a
            DataFrame with columns ``date``, ``value`` and optionally ``realtime_start`` /
            ``realtime_end`` (ALFRED vintages; a missing ``realtime_end`` is an open period,
            9999-12-31). Missing values (NaN) are not stored.
        source : the source name recorded with each row (``fred``, ``csv``, ``sample`` ...), or a
            mapping of key to source name when one write gathers series from several sources.
        origin : where the rows came from (file path, URL), for the fetch log; or a mapping of key
            to origin.
        fetched_at : when the rows were fetched (UTC); defaults to now.

        Any error rolls the whole write back and raises ``DataError``.
        """
        fetched = fetched_at or _utcnow()
        fetched_s = fetched.isoformat()
        fetch_day = pd.Timestamp(fetched.date())
        prepared = {key: self._prepare(key, obs) for key, obs in batches.items()}
        for name, arg in (("source", source), ("origin", origin)):
            if not isinstance(arg, str) and set(prepared) - set(arg):
                raise ValueError(f"{name} mapping lacks series {', '.join(sorted(set(prepared) - set(arg)))}")
        new: dict[str, int] = {}
        revised: dict[str, int] = {}
        cur = self._conn.cursor()
        try:
            cur.execute("BEGIN IMMEDIATE")
            for key, df in prepared.items():
                sp = spec(key)
                src = source if isinstance(source, str) else source[key]
                org = origin if isinstance(origin, str) else origin[key]
                before = self._tokens(cur, [key]).get(key, 0) if self._packed else 0
                if "realtime_start" in df.columns:
                    rows, n_new, n_rev = self._rows_with_vintages(cur, key, df, src, fetched_s)
                else:
                    rows, n_new, n_rev = self._rows_without_vintages(cur, sp, df, src, fetched_s, fetch_day)
                cur.executemany(
                    "INSERT OR REPLACE INTO observations "
                    "(key, date, realtime_start, realtime_end, value, vintage_kind, source, fetched_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
                new[key], revised[key] = n_new, n_rev
                first = df["date"].min() if len(df) else None
                last = df["date"].max() if len(df) else None
                cur.execute(
                    "INSERT INTO fetch_log (key, source, origin, fetched_at, n_new, n_revised, first_date, last_date)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (key, src, org, fetched_s, n_new, n_rev,
                     _iso(first) if first is not None else None, _iso(last) if last is not None else None),
                )
                if self._packed:
                    self._pack_written(cur, key, rows, before, cur.lastrowid)
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        return WriteReport(new=new, revised=revised)

    @staticmethod
    def _prepare(key: str, obs: pd.DataFrame | pd.Series) -> pd.DataFrame:
        spec(key)  # unknown keys fail before anything is written
        if isinstance(obs, pd.Series):
            df = pd.DataFrame({"date": pd.DatetimeIndex(obs.index), "value": obs.to_numpy(dtype=float)})
        else:
            missing = {"date", "value"} - set(obs.columns)
            if missing:
                raise DataError(f"series {key}: observations lack column(s) {', '.join(sorted(missing))}")
            cols = [c for c in ("date", "value", "realtime_start", "realtime_end") if c in obs.columns]
            df = obs[cols].copy()
            df["date"] = pd.to_datetime(df["date"])
            df["value"] = pd.to_numeric(df["value"], errors="raise").astype(float)
            for c in ("realtime_start", "realtime_end"):
                if c in df.columns:
                    df[c] = pd.to_datetime(df[c])
        df = df[np.isfinite(df["value"].to_numpy())]
        if "realtime_start" in df.columns:
            df = df.drop_duplicates(["date", "realtime_start"], keep="last")
        else:
            if df["date"].duplicated().any():
                dup = df.loc[df["date"].duplicated(), "date"].iloc[0]
                raise DataError(f"series {key}: observation date {_iso(dup)} appears twice")
        return df.sort_values("date").reset_index(drop=True)

    def _latest_rows(self, cur: sqlite3.Cursor, key: str) -> pd.DataFrame:
        rows = cur.execute(
            "SELECT date, value, MAX(realtime_start) FROM observations WHERE key = ? GROUP BY date", (key,)
        ).fetchall()
        return pd.DataFrame(rows, columns=["date", "value", "realtime_start"])

    def _rows_without_vintages(self, cur, sp: SeriesSpec, df, source, fetched_s, fetch_day):
        key = sp.key
        dates = pd.DatetimeIndex(df["date"])
        assumed = assumed_release(sp, dates)
        assumed = assumed.where(assumed <= fetch_day, fetch_day)
        incoming = pd.DataFrame(
            {"date": dates.strftime("%Y-%m-%d"), "value": df["value"].to_numpy(),
             "assumed": pd.DatetimeIndex(assumed).strftime("%Y-%m-%d")}
        )
        existing = self._latest_rows(cur, key)
        merged = incoming.merge(existing, on="date", how="left", suffixes=("", "_old"))
        is_new = merged["value_old"].isna()
        changed = ~is_new & ~np.isclose(merged["value"], merged["value_old"].astype(float), rtol=0, atol=1e-12)
        fetch_s = fetch_day.strftime("%Y-%m-%d")
        fresh = merged.loc[is_new]
        rows = [
            (key, d, rs, FAR_FUTURE, v, "assumed", source, fetched_s)
            for d, v, rs in zip(fresh["date"].tolist(), fresh["value"].astype(float).tolist(),
                                fresh["assumed"].tolist())
        ]
        revisions = merged.loc[changed]
        if len(revisions):
            # close the superseded rows, then add the revision dated by the day it was learned
            for d, v, old_rs in revisions[["date", "value", "realtime_start"]].itertuples(index=False):
                rs = fetch_s if fetch_s > old_rs else old_rs
                if rs != old_rs:
                    cur.execute(
                        "UPDATE observations SET realtime_end = ? WHERE key = ? AND date = ? AND realtime_start = ?",
                        (_iso(fetch_day - pd.Timedelta(days=1)), key, d, old_rs),
                    )
                rows.append((key, d, rs, FAR_FUTURE, float(v), "assumed", source, fetched_s))
        return rows, int(is_new.sum()), int(changed.sum())

    def _rows_with_vintages(self, cur, key, df, source, fetched_s):
        existing = cur.execute(
            "SELECT date, realtime_start, value FROM observations WHERE key = ?", (key,)
        ).fetchall()
        known = {(d, rs): v for d, rs, v in existing}
        known_dates = {d for d, _ in known}
        rs_col = pd.DatetimeIndex(df["realtime_start"]).strftime("%Y-%m-%d")
        if "realtime_end" in df.columns:
            re_col = pd.DatetimeIndex(df["realtime_end"]).strftime("%Y-%m-%d").fillna(FAR_FUTURE)
        else:
            re_col = [FAR_FUTURE] * len(df)
        d_col = pd.DatetimeIndex(df["date"]).strftime("%Y-%m-%d")
        rows, n_new, n_rev = [], 0, 0
        seen_dates: set[str] = set()
        for d, rs, re_, v in zip(d_col, rs_col, re_col, df["value"].to_numpy()):
            old = known.get((d, rs))
            if old is not None and abs(old - v) <= 1e-12:
                continue
            if d in known_dates or d in seen_dates:
                n_rev += 1
            else:
                n_new += 1
            seen_dates.add(d)
            rows.append((key, d, rs, re_, float(v), "source", source, fetched_s))
        return rows, n_new, n_rev

    # -- reading -----------------------------------------------------------------------------
    def read(self, key: str, *, as_of: date | str | None = None) -> pd.Series:
        """Point-in-time series for ``key``: float values on a DatetimeIndex named ``date``."""
        return self.read_many([key], as_of=as_of)[key]

    def read_many(self, keys: Iterable[str], *, as_of: date | str | None = None) -> dict[str, pd.Series]:
        """Point-in-time reads of several series (missing series come back empty).

        Reads the packed copies (see the module notes), repacking those that are missing or
        older than the fetch log; without packed copies, reads the rows.
        """
        keys = list(dict.fromkeys(keys))
        for k in keys:
            spec(k)
        cutoff = _iso(as_of) if as_of is not None else FAR_FUTURE
        packed = self._packed_copies(keys) if self._packed and keys else {}
        day = _day_number(cutoff)
        return {k: packed[k].as_of(k, day) if k in packed else self._read_rows(k, cutoff) for k in keys}

    def _read_rows(self, key: str, cutoff: str) -> pd.Series:
        """Point-in-time read of one series from its rows known at ``cutoff``, by the packed
        copies' rule (:meth:`_Packed.as_of`), without writing a packed copy."""
        rows = self._conn.execute(
            "SELECT date, realtime_start, value FROM observations WHERE key = ? AND date <= ? AND realtime_start <= ?"
            " ORDER BY date, realtime_start",
            (key, cutoff, cutoff),
        ).fetchall()
        return _Packed.from_rows(rows).as_of(key, _day_number(cutoff))

    @staticmethod
    def _tokens(cur: sqlite3.Cursor, keys: list[str]) -> dict[str, int]:
        """Id of each key's latest fetch-log row (keys never written are left out)."""
        marks = ",".join("?" * len(keys))
        return dict(cur.execute(f"SELECT key, MAX(id) FROM fetch_log WHERE key IN ({marks}) GROUP BY key", keys))

    def _pack(self, cur: sqlite3.Cursor, key: str, token: int) -> _Packed:
        """(Re)build the packed copy of ``key`` from its rows (inside the caller's transaction)."""
        packed = _Packed.from_rows(cur.execute(
            "SELECT date, realtime_start, value FROM observations WHERE key = ? ORDER BY date, realtime_start", (key,)
        ).fetchall())
        self._save_packed(cur, key, token, packed)
        return packed

    @staticmethod
    def _save_packed(cur: sqlite3.Cursor, key: str, token: int, packed: _Packed) -> None:
        cur.execute("INSERT OR REPLACE INTO packed (key, token, dates, starts, vals) VALUES (?, ?, ?, ?, ?)",
                    (key, token, *packed.blobs()))

    def _pack_written(self, cur: sqlite3.Cursor, key: str, rows: list[tuple], before: int, token: int) -> None:
        """Bring the packed copy of ``key`` up to date after a write inserted ``rows`` (observations
        table tuples; ``INSERT OR REPLACE``, so a row replaces a stored one with the same date and
        realtime_start): merged into the copy when it matched the fetch log before the write
        (``before``), else rebuilt from all the rows."""
        got = cur.execute("SELECT token, dates, starts, vals FROM packed WHERE key = ?", (key,)).fetchone()
        if (got[0] if got else 0) != before:
            self._pack(cur, key, token)
            return
        if got and not rows:
            cur.execute("UPDATE packed SET token = ? WHERE key = ?", (token, key))
            return
        old = _Packed.from_blobs(*got[1:]) if got else _Packed.from_rows([])
        # rows are (key, date, realtime_start, realtime_end, value, ...)
        new = _Packed.from_columns(*(list(map(itemgetter(i), rows)) for i in (1, 2, 4)))
        d = np.concatenate([old.dates, new.dates])
        rs = np.concatenate([old.starts, new.starts])
        v = np.concatenate([old.values, new.values])
        order = np.lexsort((np.arange(len(d)), rs, d))  # by date, realtime_start, then stored before written
        d, rs, v = d[order], rs[order], v[order]
        keep = np.ones(len(d), dtype=bool)  # of rows with the same date and realtime_start, the last written
        keep[:-1] = (d[1:] != d[:-1]) | (rs[1:] != rs[:-1])
        self._save_packed(cur, key, token, _Packed(d[keep], rs[keep], v[keep]))

    def _current_copies(self, cur: sqlite3.Cursor, keys: list[str]) -> tuple[dict[str, _Packed], dict[str, int]]:
        """The packed copies of ``keys`` that match the fetch log, and the fetch-log tokens."""
        tokens = self._tokens(cur, keys)
        marks = ",".join("?" * len(keys))
        rows = cur.execute(f"SELECT key, token, dates, starts, vals FROM packed WHERE key IN ({marks})", keys)
        return {k: _Packed.from_blobs(d, rs, v) for k, token, d, rs, v in rows if token == tokens.get(k, 0)}, tokens

    def _packed_copies(self, keys: list[str]) -> dict[str, _Packed]:
        """Up-to-date packed copies of ``keys``, repacking stale ones; a stale key is left out
        when the store cannot be written (read-only, or locked beyond the timeout)."""
        cur = self._conn.cursor()
        cur.execute("BEGIN")  # one snapshot for the fetch log and the copies
        try:
            out, _ = self._current_copies(cur, keys)
        finally:
            cur.execute("COMMIT")
        stale = [k for k in keys if k not in out]
        if not stale:
            return out
        try:
            cur.execute("BEGIN IMMEDIATE")
            try:
                fresh, tokens = self._current_copies(cur, stale)  # another process may have repacked them
                for k in stale:
                    out[k] = fresh[k] if k in fresh else self._pack(cur, k, tokens.get(k, 0))
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError:
            for k in stale:
                out.pop(k, None)
        return out

    def vintages(self, key: str, obs_date: date | str) -> pd.DataFrame:
        """Every stored value of one observation, oldest vintage first."""
        rows = self._conn.execute(
            "SELECT realtime_start, realtime_end, value, vintage_kind, source FROM observations"
            " WHERE key = ? AND date = ? ORDER BY realtime_start",
            (spec(key).key, _iso(obs_date)),
        ).fetchall()
        return pd.DataFrame(rows, columns=["realtime_start", "realtime_end", "value", "vintage_kind", "source"])

    def last_date(self, key: str) -> date | None:
        """Latest observation date stored for ``key`` (any vintage), or None."""
        (d,) = self._conn.execute("SELECT MAX(date) FROM observations WHERE key = ?", (spec(key).key,)).fetchone()
        return date.fromisoformat(d) if d else None

    def last_vintage(self, key: str) -> date | None:
        """Newest ``realtime_start`` among rows whose vintage came from the source (ALFRED), or None."""
        (d,) = self._conn.execute(
            "SELECT MAX(realtime_start) FROM observations WHERE key = ? AND vintage_kind = 'source'",
            (spec(key).key,),
        ).fetchone()
        return date.fromisoformat(d) if d else None

    def keys(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT DISTINCT key FROM observations ORDER BY key")]

    def is_empty(self) -> bool:
        return self._conn.execute("SELECT 1 FROM observations LIMIT 1").fetchone() is None

    def sources(self) -> set[str]:
        """Distinct sources of the stored rows (``sample`` marks synthetic data)."""
        return {r[0] for r in self._conn.execute("SELECT DISTINCT source FROM observations")}

    def sources_by_key(self, keys: Iterable[str]) -> dict[str, str]:
        """Source label of the most recent write of each key (``sample`` marks synthetic data)."""
        keys = list(keys)
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        rows = self._conn.execute(
            f"SELECT key, source FROM fetch_log WHERE id IN (SELECT MAX(id) FROM fetch_log WHERE key IN ({marks})"
            " GROUP BY key)",
            keys,
        ).fetchall()
        return dict(rows)

    def status(self) -> list[StoredSeries]:
        """One line per stored series: extent, counts and the latest fetch."""
        rows = self._conn.execute(
            "SELECT o.key, MIN(o.date), MAX(o.date), COUNT(DISTINCT o.date), COUNT(*),"
            " (SELECT source || '\x1f' || origin || '\x1f' || fetched_at FROM fetch_log f WHERE f.key = o.key"
            "  ORDER BY f.id DESC LIMIT 1)"
            " FROM observations o GROUP BY o.key ORDER BY o.key"
        ).fetchall()
        out = []
        for key, first, last, n_obs, n_rows, latest in rows:
            src, origin, fetched = (latest or "?\x1f?\x1f1970-01-01T00:00:00+00:00").split("\x1f")
            out.append(StoredSeries(key, src, origin, date.fromisoformat(first), date.fromisoformat(last),
                                    n_obs, n_rows - n_obs, datetime.fromisoformat(fetched)))
        return out

