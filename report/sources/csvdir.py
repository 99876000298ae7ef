"""The CSV-directory source: FRED downloads and published files from a local directory.

For desks behind firewalls and for tests. ``import_directory`` looks at every file of a
directory, recognises what each one is (table :data:`LAYOUTS`), parses and validates all of
them, and only then writes every series in one :meth:`Store.write` transaction: a bad file
raises :class:`DataError` naming the file and line, and leaves the store exactly as it was.

FRED CSV layout
---------------
``<ID>.csv`` with the header ``observation_date,<ID>`` (FRED's current download) or
``DATE,<ID>`` (its older one), one row per observation, ISO dates in ascending order, and an
empty cell or ``.`` for a missing value. ``<ID>`` is matched to the catalog series whose source
is ``fred`` or ``file``; a file for a series the catalog does not list is reported and skipped.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from ..catalog import key_for_source_id
from ..errors import DataError
from ..store import Store
from . import files, futures
from .parsing import ISO_DATE, ParsedFile, check_increasing, fail, head_rows, parse_dates, parse_numbers, read_table

__all__ = [
    "Layout",
    "LAYOUTS",
    "FRED_CSV",
    "FileImport",
    "SeriesImport",
    "SkippedFile",
    "ImportReport",
    "import_directory",
    "layout_for",
    "parse_fred_csv",
]

Progress = Callable[[int, int, str], None]

#: Source label stored with rows read from FRED-layout CSV files.
CSV_SOURCE = "csv"
_FRED_DATE_HEADERS = ("observation_date", "DATE")
_FRED_MISSING = ("", ".")
_DATA_SUFFIXES = (".csv", ".txt")


# --------------------------------------------------------------------------------------------
# FRED CSV files
# --------------------------------------------------------------------------------------------
def _fred_key(stem: str) -> str | None:
    return key_for_source_id("fred", stem)


def is_fred_header(row: Sequence[str]) -> bool:
    return len(row) == 2 and row[0] in _FRED_DATE_HEADERS and bool(row[1])


def parse_fred_csv(path: Path | str) -> ParsedFile:
    """One FRED download ``<ID>.csv``; values in the series' own units, NaN where missing.

    A file whose series is not in the catalog comes back with no series and a ``note``.
    """
    path = Path(path)
    sid = path.stem
    key = _fred_key(sid)
    if key is None:
        head = (head_rows(path, 1) or [[]])[0]
        hid = head[1] if is_fred_header(head) else sid
        if hid != sid and _fred_key(hid) is not None:
            note = f"FRED layout for {hid}, but the file is not named {hid}.csv"
        else:
            note = f"{hid} is not a catalog series"
        return ParsedFile(path, "FRED CSV", CSV_SOURCE, {}, note=note)

    def check(head: list[str], line: int) -> None:
        if not is_fred_header(head) or head[1] != sid:
            raise fail(path, line, f"header is {','.join(head)!r}; a FRED download of {sid} starts with "
                                   f"'observation_date,{sid}' (or 'DATE,{sid}')")

    table = read_table(path, check_header=check)
    dates = parse_dates(table, 0, (ISO_DATE,))
    check_increasing(table, dates)
    values = parse_numbers(table, 1, missing=_FRED_MISSING)
    return ParsedFile(path, "FRED CSV", CSV_SOURCE, {key: pd.Series(values, index=dates, name=key)})


# --------------------------------------------------------------------------------------------
# which file is which
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Layout:
    """A file layout the directory import recognises.

    ``names`` are shell patterns matched against the lower-cased file name; ``header`` tests
    the header row. A file is claimed by the first layout whose name *and* header match, else
    by the first whose header matches (when ``header_alone``), else by the first whose name
    matches (whose parser then reports what is wrong with the header).
    """

    name: str
    parse: Callable[[Path], ParsedFile]
    names: tuple[str, ...]
    header: Callable[[Sequence[str]], bool]
    header_alone: bool = True
    preamble: bool = False  # the header may follow note lines

    def name_matches(self, filename: str) -> bool:
        low = filename.lower()
        return any(fnmatch.fnmatchcase(low, p) for p in self.names)

    def header_matches(self, rows: Sequence[Sequence[str]]) -> bool:
        candidates = rows if self.preamble else rows[:1]
        return any(self.header(r) for r in candidates if r)


FRED_CSV = Layout("FRED CSV", parse_fred_csv, (), is_fred_header)

#: Every layout ``import_directory`` recognises, in the order they are tried: the one place
#: that says which parser reads which file. A file whose stem is a catalog FRED id is always
#: read as a FRED CSV (checked before this table).
LAYOUTS: tuple[Layout, ...] = (
    Layout("NY Fed ACM", files.parse_acm, ("acm*.csv",), files.is_acm_header),
    Layout("Shiller S&P", files.parse_shiller, ("shiller*.csv", "ie_data*.csv"), files.is_shiller_header),
    Layout("LBMA gold PM", files.parse_lbma, ("*lbma*.csv",), files.is_lbma_header),
    Layout("gold monthly", files.parse_gold_monthly, ("gold_monthly*.csv", "gold*monthly*.csv"),
           files.is_gold_monthly_header, header_alone=False),
    Layout("G8 daily rates", files.parse_g8, ("g8_*.csv",), files.is_g8_header),
    Layout("CFTC legacy gold", files.parse_cftc_legacy, ("cftc_gold_legacy*.csv",), files.is_cftc_legacy_header),
    Layout("Fed GSW", files.parse_gsw, ("feds200628*.csv",), files.is_gsw_header, preamble=True),
    Layout("CFTC TFF", files.parse_tff, ("finfut*.txt", "finfut*.csv", "*tff*.csv", "*tff*.txt"),
           files.is_tff_header),
    Layout("futures settlements", futures.parse_settlements, ("*settle*.csv", "futures*.csv"),
           futures.is_settlements_header),
    Layout("futures ETF prices", futures.parse_etf_prices, ("etf*.csv",), futures.is_etf_header),
    FRED_CSV,
)


def layout_for(path: Path | str) -> Layout | None:
    """The layout a file is read as, or None if it is none of :data:`LAYOUTS`."""
    path = Path(path)
    if _fred_key(path.stem) is not None:
        return FRED_CSV
    rows = head_rows(path)
    for lay in LAYOUTS:
        if lay.name_matches(path.name) and lay.header_matches(rows):
            return lay
    for lay in LAYOUTS:
        if lay.header_alone and lay.header_matches(rows):
            return lay
    for lay in LAYOUTS:
        if lay.name_matches(path.name):
            return lay
    return None


# --------------------------------------------------------------------------------------------
# the import report
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SeriesImport:
    """What one import did to one series."""

    key: str
    source: str
    origin: str
    rows: int  # observations with a value in the file(s)
    new: int
    revised: int
    first: date | None
    last: date | None


@dataclass(frozen=True)
class FileImport:
    """One file that was read: its layout, the series it fed, what it carried that was not used."""

    path: Path
    layout: str
    keys: tuple[str, ...]
    ignored: tuple[str, ...]
    absent: tuple[str, ...]


@dataclass(frozen=True)
class SkippedFile:
    path: Path
    reason: str


@dataclass(frozen=True)
class ImportReport:
    """Result of :func:`import_directory`."""

    path: Path
    files: tuple[FileImport, ...]
    series: tuple[SeriesImport, ...]
    skipped: tuple[SkippedFile, ...]

    @property
    def new(self) -> int:
        return sum(s.new for s in self.series)

    @property
    def revised(self) -> int:
        return sum(s.revised for s in self.series)

    def get(self, key: str) -> SeriesImport:
        for s in self.series:
            if s.key == key:
                return s
        raise KeyError(f"series {key!r} was not part of this import")

    def summary(self) -> str:
        """Text for the CLI: a totals line, then what was ignored or skipped."""
        return "\n".join([self._totals(), *self._notes()])

    def lines(self) -> list[str]:
        """Plain-text report: a totals line, one line per series, then ignored columns and skipped files."""
        out = [self._totals()]
        for s in self.series:
            span = f"{s.first}..{s.last}" if s.first else "no values"
            out.append(f"  {s.key:<24} {s.new:>7} new {s.revised:>6} revised  {span}  ({s.source})")
        return out + self._notes()

    def _totals(self) -> str:
        return (f"{self.path}: {len(self.files)} file(s), {len(self.series)} series, "
                f"{self.new} new and {self.revised} revised observation(s)")

    def _notes(self) -> list[str]:
        out = []
        for f in self.files:
            if f.ignored:
                shown = ", ".join(f.ignored[:8]) + (f" and {len(f.ignored) - 8} more" if len(f.ignored) > 8 else "")
                out.append(f"  {f.path.name}: not in the catalog, ignored: {shown}")
        return out + [f"  skipped {sk.path.name}: {sk.reason}" for sk in self.skipped]


# --------------------------------------------------------------------------------------------
# the import
# --------------------------------------------------------------------------------------------
def _candidates(path: Path) -> tuple[list[Path], list[SkippedFile]]:
    if path.is_file():
        return [path], []
    if not path.is_dir():
        raise DataError(f"{path}: no such file or directory; give a directory of CSV files or one file")
    take, skip = [], []
    for p in sorted(path.iterdir()):
        if p.name.startswith("."):
            continue
        if p.is_dir():
            skip.append(SkippedFile(p, "a directory (import it on its own)"))
        elif p.suffix.lower() not in _DATA_SUFFIXES:
            skip.append(SkippedFile(p, "not a .csv or .txt file"))
        else:
            take.append(p)
    return take, skip


def _merge(parsed: list[ParsedFile]) -> tuple[dict[str, pd.Series], dict[str, str], dict[str, str]]:
    """Gather each key's values over the files that carry it; overlapping values must agree."""
    values: dict[str, pd.Series] = {}
    origin: dict[str, list[str]] = {}
    source: dict[str, str] = {}
    for pf in parsed:
        for key, s in pf.series.items():
            s = s.dropna()
            if key in values:
                old = values[key]
                both = old.index.intersection(s.index)
                clash = both[old.loc[both].to_numpy() != s.loc[both].to_numpy()]
                if len(clash):
                    d = clash[0]
                    raise DataError(
                        f"series {key} on {d:%Y-%m-%d} is {float(old.loc[d])!r} in {', '.join(origin[key])} but "
                        f"{float(s.loc[d])!r} in {pf.path}; import only one of these files")
                s = pd.concat([old, s[~s.index.isin(both)]]).sort_index()
                origin[key].append(str(pf.path))
            else:
                origin[key] = [str(pf.path)]
                source[key] = pf.source
            values[key] = s
    return values, source, {k: "; ".join(v) for k, v in origin.items()}


def import_directory(
    store: Store,
    path: Path | str,
    progress: Progress | None = None,
    *,
    fetched_at: datetime | None = None,
) -> ImportReport:
    """Import every recognised file of a directory (or one file) into ``store``.

    FRED-layout CSVs are stored with source ``csv``; published files with their catalog
    source (``acm``, ``shiller``, ``gsw`` ...). Every file is parsed and validated before
    anything is written, and all series go to the store in one transaction, so a bad file
    leaves the store unchanged.

    Parameters
    ----------
    store : the observation store.
    path : directory of files (not searched recursively), or a single file.
    progress : optional ``progress(done, total, label)``, called after each file is read and
        once more when the write is done (``total`` = files + 1).
    fetched_at : when the data was obtained (UTC); defaults to now. Dates revisions.

    Raises
    ------
    DataError : a file is malformed (message names the file and line) or two files disagree.
    """
    path = Path(path)
    todo, skipped = _candidates(path)
    total = len(todo) + 1
    parsed: list[ParsedFile] = []
    for i, p in enumerate(todo, 1):
        lay = layout_for(p)
        if lay is None:
            skipped.append(SkippedFile(p, "not a recognised layout (FRED CSV or a published file)"))
        else:
            pf = lay.parse(p)
            if pf.series:
                parsed.append(pf)
            else:
                skipped.append(SkippedFile(p, pf.note or f"{lay.name}: no catalog series in the file"))
        if progress is not None:
            progress(i, total, p.name)

    values, source, origin = _merge(parsed)
    written = store.write(values, source=source, origin=origin, fetched_at=fetched_at) if values else None
    series = []
    for key, s in values.items():
        idx = s.index
        series.append(SeriesImport(
            key=key, source=source[key], origin=origin[key], rows=int(len(s)),
            new=written.new[key] if written else 0, revised=written.revised[key] if written else 0,
            first=idx[0].date() if len(idx) else None, last=idx[-1].date() if len(idx) else None,
        ))
    if progress is not None:
        progress(total, total, "store")
    return ImportReport(
        path=path,
        files=tuple(FileImport(pf.path, pf.layout, tuple(pf.series), pf.ignored, pf.absent) for pf in parsed),
        series=tuple(series),
        skipped=tuple(sorted(skipped, key=lambda s: s.path.name)),
    )
