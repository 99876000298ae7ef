"""Strict reading of published CSV files, shared by the CSV-directory source and the importers.

Every reader here follows the same contract: it either returns the whole file as typed values or
raises :class:`~report.errors.DataError` naming the file, the physical line and what is wrong.
Nothing is written anywhere; callers validate every file before they touch the store.

The work is vectorised where it matters (a directory of FRED downloads is ~450k rows): the
``csv`` module splits the lines, pandas converts whole columns at once, and only the first
offending row is looked up to build the error message.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = [
    "DateFormat",
    "ISO_DATE",
    "ISO_DATETIME",
    "DMY_DATE",
    "US_DATE",
    "YEAR_MONTH",
    "SHILLER_DATE",
    "ParsedFile",
    "Table",
    "fail",
    "head_rows",
    "read_table",
]


def fail(path: Path | str, line: int | None, what: str) -> DataError:
    """The error for a bad file: ``<path>, line <n>: <what>`` (one line, ready to raise)."""
    where = f"{path}, line {line}" if line is not None else f"{path}"
    return DataError(f"{where}: {what}")


@dataclass(frozen=True)
class ParsedFile:
    """One validated input file, ready to be written.

    Attributes
    ----------
    path : the file.
    layout : which published layout it was read as (``"FRED CSV"``, ``"NY Fed ACM monthly"`` ...).
    source : source label stored with its rows (``"csv"``, ``"acm"``, ``"gsw"`` ...).
    series : catalog key -> values on a DatetimeIndex (NaN where the file has no value).
    ignored : columns (or contracts) present in the file that the catalog does not use.
    absent : catalog source ids of this layout that the file does not carry.
    note : why nothing was imported, when ``series`` is empty.
    """

    path: Path
    layout: str
    source: str
    series: Mapping[str, pd.Series]
    ignored: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    note: str = ""


# --------------------------------------------------------------------------------------------
# reading rows
# --------------------------------------------------------------------------------------------
def _open(path: Path):
    return open(path, newline="", encoding="utf-8-sig")


def head_rows(path: Path, n: int = 40) -> list[list[str]]:
    """The first ``n`` CSV rows of a file, for recognising its layout (never raises on bad data)."""
    try:
        with _open(path) as fh:
            text = fh.read(256 * 1024)
    except (OSError, UnicodeDecodeError):
        return []
    lines = text.splitlines()[:n]
    try:
        return [[c.strip() for c in row] for row in csv.reader(lines)]
    except csv.Error:
        return []


@dataclass
class Table:
    """The rows of one CSV file after the header, with the physical line number of each row."""

    path: Path
    header: list[str]
    header_line: int
    rows: list[list[str]]
    lines: np.ndarray
    _cols: dict[int, pd.Series] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.rows)

    def index(self, name: str) -> int:
        return self.header.index(name)

    def column(self, j: int) -> pd.Series:
        """Column ``j`` as stripped strings (positional index = row number)."""
        if j not in self._cols:
            raw = [r[j] for r in self.rows]
            col = pd.Series(raw, dtype="str")
            joined = "".join(raw)
            if " " in joined or "\t" in joined:  # padded cells (CFTC text files); most files have none
                col = col.str.strip()
            self._cols[j] = col
        return self._cols[j]

    def fail(self, row: int, what: str) -> DataError:
        return fail(self.path, int(self.lines[row]), what)


def read_table(
    path: Path | str,
    *,
    find_header: Callable[[list[str]], bool] | None = None,
    max_preamble: int = 50,
    check_header: Callable[[list[str], int], None] | None = None,
) -> Table:
    """Read a CSV file strictly.

    The header is the first line, or, with ``find_header``, the first of the first
    ``max_preamble`` lines it accepts (files that open with notes). ``check_header(header,
    line)`` may raise on a wrong header before any row is looked at. Blank lines are skipped;
    every other line must have as many fields as the header.
    """
    path = Path(path)
    try:
        with _open(path) as fh:
            reader = csv.reader(fh)
            header: list[str] | None = None
            try:
                for row in reader:
                    if find_header is None:
                        if row:
                            header = row
                            break
                    elif find_header([c.strip() for c in row]):
                        header = row
                        break
                    elif reader.line_num >= max_preamble:
                        break
                if header is None:
                    if find_header is None:
                        raise fail(path, None, "the file is empty; expected a header row")
                    raise fail(path, None, f"no header row found in the first {max_preamble} lines")
                header_line = reader.line_num
                rows = list(reader)
                end_line = reader.line_num
            except csv.Error as exc:
                raise fail(path, reader.line_num, f"not readable as CSV ({exc})") from None
    except UnicodeDecodeError as exc:
        raise fail(path, None, f"not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read the file ({exc.strerror})") from None

    if end_line == header_line + len(rows):
        lines = np.arange(header_line + 1, header_line + 1 + len(rows))
    else:  # a quoted field spans lines: number the rows one by one
        lines = _row_lines(path, header_line)
    header = [h.strip() for h in header]
    if check_header is not None:
        check_header(header, header_line)
    lens = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    keep = lens != 0
    if not keep.all():
        rows = [r for r, k in zip(rows, keep) if k]
        lines, lens = lines[keep], lens[keep]
    bad = np.flatnonzero(lens != len(header))
    if len(bad):
        i = bad[0]
        raise fail(path, int(lines[i]), f"{lens[i]} fields where the header has {len(header)}; "
                                        "fix the line (a value containing a comma must be quoted)")
    return Table(path, header, header_line, rows, lines)


def _row_lines(path: Path, header_line: int) -> np.ndarray:
    with _open(path) as fh:
        reader = csv.reader(fh)
        out = []
        for _ in reader:
            if reader.line_num > header_line:
                out.append(reader.line_num)
    # the line a row starts on: one after the previous row ended
    ends = np.array(out, dtype=np.int64)
    return np.concatenate([[header_line + 1], ends[:-1] + 1]) if len(ends) else ends


# --------------------------------------------------------------------------------------------
# typed columns
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DateFormat:
    """A way dates are written: a description for messages and a vectorised converter."""

    describe: str
    convert: Callable[[pd.Series], pd.DatetimeIndex]


def _strptime(fmt: str) -> Callable[[pd.Series], pd.DatetimeIndex]:
    def convert(values: pd.Series) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(pd.to_datetime(values, format=fmt, errors="coerce"))

    return convert


def _year_month(pattern: str, october_as_1: bool) -> Callable[[pd.Series], pd.DatetimeIndex]:
    rx = re.compile(pattern)

    def convert(values: pd.Series) -> pd.DatetimeIndex:
        parts = values.astype(str).str.extract(rx)
        year = pd.to_numeric(parts[0], errors="coerce")
        frac = parts[1]
        month = pd.to_numeric(frac, errors="coerce")
        if october_as_1:
            # Shiller writes months as a decimal fraction of the year: 1871.01 .. 1871.09,
            # then 1871.1 (October), 1871.11, 1871.12. A single digit other than 1 is not a month.
            month = month.where(frac.str.len() == 2, np.where(frac == "1", 10, np.nan))
        month = month.where((month >= 1) & (month <= 12))
        frame = pd.DataFrame({"year": year, "month": month, "day": 1})
        ok = frame.notna().all(axis=1)
        out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
        if ok.any():
            out[ok] = pd.to_datetime(frame[ok].astype(int))
        return pd.DatetimeIndex(out)

    return convert


ISO_DATE = DateFormat("YYYY-MM-DD", _strptime("%Y-%m-%d"))
ISO_DATETIME = DateFormat("YYYY-MM-DDT00:00:00", _strptime("%Y-%m-%dT%H:%M:%S.%f"))
DMY_DATE = DateFormat("DD-Mon-YYYY", _strptime("%d-%b-%Y"))
US_DATE = DateFormat("MM/DD/YYYY", _strptime("%m/%d/%Y"))
YEAR_MONTH = DateFormat("YYYY-MM", _year_month(r"^(\d{4})-(\d{2})$", october_as_1=False))
SHILLER_DATE = DateFormat("YYYY.MM (October written YYYY.1)", _year_month(r"^(\d{4})\.(\d{1,2})$", october_as_1=True))


def parse_dates(table: Table, j: int, formats: Sequence[DateFormat] = (ISO_DATE,)) -> pd.DatetimeIndex:
    """Column ``j`` as dates. The first row decides which of ``formats`` the file uses; every row
    must then be written that way."""
    values = table.column(j)
    name = table.header[j]
    allowed = " or ".join(f.describe for f in formats)
    if not len(values):
        return pd.DatetimeIndex([], name="date")
    for fmt in formats:
        if not pd.isna(fmt.convert(values.iloc[:1])[0]):
            break
    else:
        raise table.fail(0, f"{name} {values.iloc[0]!r} is not a date written {allowed}")
    dates = fmt.convert(values)
    bad = np.flatnonzero(dates.isna())
    if len(bad):
        i = bad[0]
        shown = values.iloc[i]
        what = "is empty" if shown == "" else f"{shown!r} is not a date written {fmt.describe} like the rows above"
        raise table.fail(i, f"{name} {what}; fix the date")
    return pd.DatetimeIndex(dates, name="date")


def check_increasing(table: Table, dates: pd.DatetimeIndex, rows: np.ndarray | None = None) -> None:
    """Dates must be strictly increasing: report the first duplicate or out-of-order row.

    ``rows`` gives each date's row in ``table`` when ``dates`` is a subset of the file.
    """
    if len(dates) < 2:
        return
    rows = np.arange(len(dates)) if rows is None else np.asarray(rows)
    values = dates.asi8
    step = np.diff(values)
    bad = np.flatnonzero(step <= 0)
    if not len(bad):
        return
    i = bad[0] + 1
    day = dates[i].strftime("%Y-%m-%d")
    if step[bad[0]] == 0:
        raise table.fail(rows[i], f"date {day} appears twice (also on line {table.lines[rows[i - 1]]}); "
                                  "keep one row per date")
    raise table.fail(rows[i], f"date {day} comes after {dates[i - 1].strftime('%Y-%m-%d')} "
                              f"(line {table.lines[rows[i - 1]]}); rows must be in ascending date order")


def parse_numbers(
    table: Table,
    j: int,
    *,
    missing: Sequence[str] = ("",),
    sentinels: Sequence[float] = (),
) -> np.ndarray:
    """Column ``j`` as floats; ``missing`` tokens (and ``sentinels`` values) become NaN.

    Anything else that is not a finite number is an error naming the line and the column.
    """
    values = table.column(j)
    if not len(values):
        return np.array([], dtype=float)
    is_missing = values.isin(list(missing)).to_numpy()
    nums = pd.to_numeric(values.where(~is_missing, None), errors="coerce").to_numpy(dtype=float, copy=True)
    bad = np.flatnonzero(~is_missing & ~np.isfinite(nums))
    if len(bad):
        i = bad[0]
        blanks = " or ".join(repr(m) if m else "an empty cell" for m in missing)
        raise table.fail(i, f"{table.header[j]} value {values.iloc[i]!r} is not a number; "
                            f"fix it (a missing value is written as {blanks})")
    for s in sentinels:
        nums[nums == s] = np.nan
    return nums
