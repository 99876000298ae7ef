"""Importer of commodity / VIX futures settlement curves and futures-ETF prices.

The brief does not store whole futures curves: it keeps, per root, the settlement price and
the days to expiry of the n-th nearest contract still trading on each date (constant positions
``fut_<root>_c1..c4`` and ``fut_<root>_d1..d4``, see :data:`report.catalog.FUTURES_ROOTS`).
That is enough for the roll yield between neighbouring contracts, the shape of the front of
the curve and its history, and it fits the store's one-value-per-series-and-date model.

Settlement files (``parse_settlements``)
    Header ``date,root,contract,settle`` with an optional ``expiry`` column, one row per
    contract and trading date, in any order::

        date,root,contract,expiry,settle
        2019-06-28,CL,2019-08,2019-07-22,58.47
        2019-06-28,CL,2019-09,2019-08-20,58.59

    ``date`` and ``expiry`` are ISO dates; ``contract`` is the contract (delivery) month,
    ``YYYY-MM`` or ``YYYYMM``; ``root`` one of the catalog's roots (CL, NG, GC, VX; other roots
    are listed as ignored); ``settle`` the settlement price. A contract counts as trading up to
    and including its expiry date. Without an ``expiry`` column each contract is taken to expire
    on the last business day before its contract month (close to the energy contracts' rule;
    the layout name in the import report says so). A contract whose expiry differs between rows, a
    duplicate (date, root, contract) row or a non-positive price is an error naming the line.

ETF price files (``parse_etf_prices``)
    Header ``date`` then one column per ticker of :data:`report.catalog.FUTURES_ETFS` (USO, UNG,
    GLD, VXX), closing prices adjusted for splits and distributions; empty = no price. File
    names start with ``etf``.

Both parsers return a :class:`~report.sources.parsing.ParsedFile` (source ``futures``);
:func:`report.sources.csvdir.import_directory` routes files to them and writes everything in
one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..catalog import FUTURES_ETFS, FUTURES_POSITIONS, FUTURES_ROOTS
from .parsing import ISO_DATE, YEAR_MONTH, DateFormat, ParsedFile, check_increasing, fail, parse_dates, \
    parse_numbers, read_table

__all__ = [
    "SOURCE",
    "is_settlements_header",
    "is_etf_header",
    "parse_settlements",
    "parse_etf_prices",
    "constant_positions",
]

SOURCE = "futures"
_REQUIRED = ("date", "root", "contract", "settle")
_COMPACT_MONTH = DateFormat(
    "YYYYMM", lambda col: pd.DatetimeIndex(pd.to_datetime(col, format="%Y%m", errors="coerce")))


def is_settlements_header(row: Sequence[str]) -> bool:
    low = [c.strip().lower() for c in row]
    return all(c in low for c in _REQUIRED) and set(low) <= {*_REQUIRED, "expiry"}


def is_etf_header(row: Sequence[str]) -> bool:
    return len(row) >= 2 and row[0].strip().lower() == "date" and all(c.strip() in FUTURES_ETFS for c in row[1:])


def _default_expiry(months: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Last business day before the first day of each contract month."""
    return pd.DatetimeIndex(months - pd.offsets.BDay(1))


def constant_positions(
    dates: pd.DatetimeIndex,
    contracts: pd.DatetimeIndex,
    expiries: pd.DatetimeIndex,
    settles: np.ndarray,
    *,
    positions: int = FUTURES_POSITIONS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per trading date, the prices and days to expiry of the ``positions`` nearest live contracts.

    Rows are (date, contract, expiry, settle) for one root. A contract is live on a date up
    to and including its expiry; contracts are ordered by expiry. Returns two frames indexed by
    date with columns 1..``positions`` (NaN where fewer contracts are quoted).
    """
    df = pd.DataFrame({"date": dates, "contract": contracts, "expiry": expiries, "settle": settles})
    df = df[df["expiry"] >= df["date"]].sort_values(["date", "expiry"])
    df["pos"] = df.groupby("date").cumcount() + 1
    df = df[df["pos"] <= positions]
    price = df.pivot(index="date", columns="pos", values="settle")
    days = df.assign(d=(df["expiry"] - df["date"]).dt.days.astype(float)).pivot(index="date", columns="pos",
                                                                              values="d")
    cols = list(range(1, positions + 1))
    return price.reindex(columns=cols), days.reindex(columns=cols)


def parse_settlements(path: Path | str) -> ParsedFile:
    """Read a settlement file and turn each root's contracts into constant-position series."""
    path = Path(path)

    def check(head: list[str], line: int) -> None:
        if not is_settlements_header(head):
            raise fail(path, line, f"header is {','.join(head)!r}; a futures settlement file has the columns "
                                   "date,root,contract,settle (and optionally expiry)")

    table = read_table(path, check_header=check)
    low = [h.lower() for h in table.header]
    table.header = low
    dates = parse_dates(table, low.index("date"), (ISO_DATE,))
    contracts = parse_dates(table, low.index("contract"), (YEAR_MONTH, _COMPACT_MONTH))
    settles = parse_numbers(table, low.index("settle"), missing=("",))
    roots = table.column(low.index("root")).str.upper().to_numpy()
    has_expiry = "expiry" in low
    if has_expiry:
        expiries = parse_dates(table, low.index("expiry"), (ISO_DATE,))
    else:
        expiries = _default_expiry(contracts)
    bad = np.flatnonzero(~(settles > 0) & ~np.isnan(settles))
    if len(bad):
        raise table.fail(int(bad[0]), f"settle must be a positive price; got {table.rows[bad[0]][low.index('settle')]!r}")
    key = pd.DataFrame({"date": dates, "root": roots, "contract": contracts})
    dup = np.flatnonzero(key.duplicated().to_numpy())
    if len(dup):
        r = dup[0]
        raise table.fail(int(r), f"a second row for {roots[r]} {contracts[r]:%Y-%m} on {dates[r]:%Y-%m-%d}; "
                                 "keep one settlement per contract and date")
    if has_expiry:
        exp = pd.DataFrame({"root": roots, "contract": contracts, "expiry": expiries})
        n_exp = exp.groupby(["root", "contract"])["expiry"].transform("nunique").to_numpy()
        clash = np.flatnonzero(n_exp > 1)
        if len(clash):
            r = clash[0]
            raise table.fail(int(r), f"{roots[r]} {contracts[r]:%Y-%m} has more than one expiry date in the file")
    series: dict[str, pd.Series] = {}
    ignored = sorted({r for r in roots if r not in FUTURES_ROOTS})
    for root, (code, _, _) in FUTURES_ROOTS.items():
        m = (roots == root) & ~np.isnan(settles)
        if not m.any():
            continue
        price, days = constant_positions(dates[m], contracts[m], expiries[m], settles[m])
        for n in price.columns:
            if price[n].notna().any():
                series[f"fut_{code}_c{n}"] = price[n].dropna().rename(f"fut_{code}_c{n}")
                series[f"fut_{code}_d{n}"] = days[n].dropna().rename(f"fut_{code}_d{n}")
    absent = tuple(r for r in FUTURES_ROOTS if r not in set(roots))
    layout = "futures settlements" if has_expiry else "futures settlements (no expiry column: expiries taken " \
                                                      "as the last business day before each contract month)"
    return ParsedFile(path, layout, SOURCE, series, ignored=tuple(ignored), absent=absent)


def parse_etf_prices(path: Path | str) -> ParsedFile:
    """Read a wide file of ETF closes (``date`` then one column per catalog ticker)."""
    path = Path(path)

    def check(head: list[str], line: int) -> None:
        if not is_etf_header(head):
            raise fail(path, line, f"header is {','.join(head)!r}; an ETF price file starts with 'date' followed "
                                   f"by tickers among {', '.join(FUTURES_ETFS)}")

    table = read_table(path, check_header=check)
    dates = parse_dates(table, 0, (ISO_DATE,))
    check_increasing(table, dates)
    series = {}
    for j, ticker in enumerate(table.header[1:], start=1):
        values = parse_numbers(table, j, missing=("",))
        bad = np.flatnonzero(~(values > 0) & ~np.isnan(values))
        if len(bad):
            raise table.fail(int(bad[0]), f"{ticker} must be a positive price; got {table.rows[bad[0]][j]!r}")
        key = FUTURES_ETFS[ticker][0]
        series[key] = pd.Series(values, index=dates, name=key)
    absent = tuple(t for t in FUTURES_ETFS if t not in table.header)
    return ParsedFile(path, "futures ETF prices", SOURCE, series, absent=absent)
