"""Importers of the published non-FRED files the brief needs.

Each ``parse_*`` function reads one file in a publisher's layout, checks its header and every
row, and returns a :class:`~report.sources.parsing.ParsedFile` holding the catalog series it
carries. Nothing here touches the store: :func:`report.sources.csvdir.import_directory`
recognises the files, parses all of them and writes everything in one transaction.

Layouts
-------
NY Fed ACM term structure (``parse_acm``)
    ``DATE`` then any of ``ACMYnn`` (fitted zero yield), ``ACMTPnn`` (term premium) and
    ``ACMRNYnn`` (risk-neutral yield), percent. Dates ``YYYY-MM-DD`` or ``DD-Mon-YYYY``
    (the NY Fed's spreadsheet export). A file with at most one row per calendar month is the
    monthly file (catalog source ``acm``, stored on the file's own month-end dates); a file
    with several rows in a month is the daily file (``acm_daily``).
Shiller S&P composite (``parse_shiller``)
    ``Date,SP500,Dividend,Earnings,Consumer Price Index,Long Interest Rate,Real Price,
    Real Dividend,Real Earnings,PE10``; empty = not yet available. Dates ``YYYY-MM-DD``,
    ``YYYY-MM`` or Shiller's ``YYYY.MM`` (October written ``YYYY.1``); stored on the first
    of the month.
LBMA gold PM (``parse_lbma``) ``date,gold_lbma_pm_usd``.
Monthly gold (``parse_gold_monthly``) ``Date,Price`` (file name must mention gold).
G8 daily rates (``parse_g8``)
    ``DATE`` then one column per rate; only the columns the catalog maps (source ``g8``) are
    kept, the others are listed as ignored.
CFTC legacy COT, gold (``parse_cftc_legacy``)
    ``report_date,noncomm_long,noncomm_short,net_long,open_interest``.
Fed GSW yield curve (``parse_gsw``)
    ``feds200628.csv``: note lines, then ``Date,BETA0,...,TAU2``. BETA0-3 (percent), TAU1-2
    (years) and SVENY01-30 (zero-coupon yields, continuously compounded, percent) are kept.
    Missing values are blank or ``NA``; ``-999.99`` (the file's marker for a parameter that was
    not estimated, TAU2 on days fitted with the four-parameter Nelson-Siegel curve) is missing.
CFTC Traders in Financial Futures, futures only (``parse_tff``)
    One row per contract and report date; columns include ``Market_and_Exchange_Names``,
    ``Report_Date_as_YYYY-MM-DD``, ``CFTC_Contract_Market_Code``, ``Open_Interest_All``,
    ``Lev_Money_Positions_Long_All``, ``Lev_Money_Positions_Short_All``. Column names are
    matched ignoring case and ``-``/``_`` so the CFTC's text files (``FinFutYY.txt``) and its
    CSV exports both read. Only the Treasury contracts of :data:`TFF_CONTRACTS` are kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..catalog import CATALOG, key_for_source_id, keys_for_source
from .parsing import (
    DMY_DATE,
    ISO_DATE,
    ISO_DATETIME,
    SHILLER_DATE,
    US_DATE,
    YEAR_MONTH,
    DateFormat,
    ParsedFile,
    Table,
    check_increasing,
    fail,
    parse_dates,
    parse_numbers,
    read_table,
)

__all__ = [
    "TFF_CONTRACTS",
    "GSW_NOT_ESTIMATED",
    "is_acm_header",
    "is_cftc_legacy_header",
    "is_g8_header",
    "is_gold_monthly_header",
    "is_gsw_header",
    "is_lbma_header",
    "is_shiller_header",
    "is_tff_header",
    "parse_acm",
    "parse_cftc_legacy",
    "parse_g8",
    "parse_gold_monthly",
    "parse_gsw",
    "parse_lbma",
    "parse_shiller",
    "parse_tff",
]

#: CFTC contract market codes of the Treasury futures in the TFF report -> the futures label
#: used in the catalog's ``cftc_tff`` source ids (``"10y:lev_money_short"``). Codes as printed
#: in the CFTC_Contract_Market_Code column (all Chicago Board of Trade contracts).
TFF_CONTRACTS = {
    "042601": "2y",  # 2-year U.S. Treasury note
    "044601": "5y",  # 5-year U.S. Treasury note
    "043602": "10y",  # 10-year U.S. Treasury note
    "043607": "ultra10",  # Ultra 10-year U.S. Treasury note
    "020601": "bond",  # U.S. Treasury bond
    "020604": "ultrabond",  # Ultra U.S. Treasury bond
}

#: Value the GSW file writes for a parameter that was not estimated on that day.
GSW_NOT_ESTIMATED = -999.99

_ACM_COLUMN = re.compile(r"^ACM(Y|TP|RNY)\d{2}$")


# --------------------------------------------------------------------------------------------
# shared pieces
# --------------------------------------------------------------------------------------------
def _catalog_columns(
    table: Table, source: str, *, skip: Sequence[int] = (0,)
) -> tuple[dict[str, int], tuple[str, ...], tuple[str, ...]]:
    """Map header columns to catalog keys of ``source``: (key -> column, ignored, absent)."""
    mapped: dict[str, int] = {}
    ignored: list[str] = []
    for j, name in enumerate(table.header):
        if j in skip:
            continue
        key = key_for_source_id(source, name)
        if key is None:
            ignored.append(name)
        else:
            mapped[key] = j
    present = set(table.header)
    absent = tuple(CATALOG[k].source_id for k in keys_for_source(source) if CATALOG[k].source_id not in present)
    return mapped, tuple(ignored), absent


def _header_check(
    path: Path | str,
    date_column: str,
    required: Sequence[str] = (),
    signature: Callable[[Sequence[str]], bool] | None = None,
    expected: str = "",
) -> Callable[[list[str], int], None]:
    """A ``check_header`` for :func:`read_table`: date column first, required columns present,
    no column named twice, and (optionally) the layout's signature."""

    def check(header: list[str], line: int) -> None:
        if signature is not None and not signature(header):
            raise fail(path, line, f"header must be {expected}")
        if not header or header[0].lower() != date_column.lower():
            first = header[0] if header else ""
            raise fail(path, line, f"first column is {first!r}, expected {date_column}")
        missing = [c for c in required if c not in header]
        if missing:
            raise fail(path, line, f"header lacks column(s) {', '.join(missing)}; is this the published layout?")
        seen: set[str] = set()
        for name in header:
            if name in seen:
                raise fail(path, line, f"column {name} appears twice in the header")
            seen.add(name)

    return check


def _wide(
    path: Path | str,
    *,
    layout: str,
    source: str,
    date_column: str,
    formats: Sequence[DateFormat] = (ISO_DATE,),
    required: Sequence[str] = (),
    missing: Sequence[str] = ("",),
    sentinels: Sequence[float] = (),
    table: Table | None = None,
) -> ParsedFile:
    """A file with one date column first and one column per series, rows in date order."""
    if table is None:
        table = read_table(path, check_header=_header_check(path, date_column, required))
    mapped, ignored, absent = _catalog_columns(table, source)
    dates = parse_dates(table, 0, formats)
    check_increasing(table, dates)
    series = {
        key: pd.Series(parse_numbers(table, j, missing=missing, sentinels=sentinels), index=dates, name=key)
        for key, j in mapped.items()
    }
    return ParsedFile(table.path, layout, source, series, ignored, absent)


def _header_is(row: Sequence[str], *names: str) -> bool:
    return [c.lower() for c in row] == [n.lower() for n in names]


# --------------------------------------------------------------------------------------------
# NY Fed ACM
# --------------------------------------------------------------------------------------------
def is_acm_header(row: Sequence[str]) -> bool:
    return len(row) > 1 and row[0].upper() == "DATE" and all(_ACM_COLUMN.match(c) for c in row[1:])


def parse_acm(path: Path | str) -> ParsedFile:
    """NY Fed ACM yields, term premia and risk-neutral yields (monthly or daily file)."""
    table = read_table(path, check_header=_header_check(
        path, "DATE", signature=is_acm_header, expected="DATE followed by ACMYnn / ACMTPnn / ACMRNYnn columns"))
    dates = parse_dates(table, 0, (ISO_DATE, DMY_DATE))
    daily = bool(dates.to_period("M").duplicated().any())
    if daily:
        return _wide(table.path, layout="NY Fed ACM daily", source="acm_daily", date_column="DATE",
                     formats=(ISO_DATE, DMY_DATE), table=table)
    return _wide(table.path, layout="NY Fed ACM monthly", source="acm", date_column="DATE",
                 formats=(ISO_DATE, DMY_DATE), table=table)


# --------------------------------------------------------------------------------------------
# Shiller
# --------------------------------------------------------------------------------------------
_SHILLER_REQUIRED = tuple(CATALOG[k].source_id for k in keys_for_source("shiller"))


def is_shiller_header(row: Sequence[str]) -> bool:
    return len(row) > 2 and row[0].lower() == "date" and "SP500" in row and "PE10" in row


def parse_shiller(path: Path | str) -> ParsedFile:
    """Shiller's monthly S&P composite data; empty cells (not yet available) are not stored."""
    return _wide(path, layout="Shiller S&P monthly", source="shiller", date_column="Date",
                 formats=(ISO_DATE, YEAR_MONTH, SHILLER_DATE), required=_SHILLER_REQUIRED)


# --------------------------------------------------------------------------------------------
# gold
# --------------------------------------------------------------------------------------------
def is_lbma_header(row: Sequence[str]) -> bool:
    return _header_is(row, "date", "gold_lbma_pm_usd")


def parse_lbma(path: Path | str) -> ParsedFile:
    """LBMA gold price, PM fix, USD per troy ounce, one row per fixing day."""
    return _wide(path, layout="LBMA gold PM", source="lbma", date_column="date",
                 required=("gold_lbma_pm_usd",))


def is_gold_monthly_header(row: Sequence[str]) -> bool:
    return _header_is(row, "Date", "Price")


def parse_gold_monthly(path: Path | str) -> ParsedFile:
    """Monthly gold price, USD per troy ounce, dated by the first of the month."""
    return _wide(path, layout="gold monthly", source="gold_monthly", date_column="Date",
                 required=("Price",))


# --------------------------------------------------------------------------------------------
# G8 rates
# --------------------------------------------------------------------------------------------
_G8_IDS = frozenset(CATALOG[k].source_id for k in keys_for_source("g8"))


def is_g8_header(row: Sequence[str]) -> bool:
    return len(row) > 1 and row[0].upper() == "DATE" and len(_G8_IDS.intersection(row)) >= 3


def parse_g8(path: Path | str) -> ParsedFile:
    """Daily G8 government yields, policy rates and overnight rates (catalog columns only)."""
    return _wide(path, layout="G8 daily rates", source="g8", date_column="DATE")


# --------------------------------------------------------------------------------------------
# CFTC legacy (gold)
# --------------------------------------------------------------------------------------------
_LEGACY_HEADER = ("report_date", "noncomm_long", "noncomm_short", "net_long", "open_interest")


def is_cftc_legacy_header(row: Sequence[str]) -> bool:
    return _header_is(row, *_LEGACY_HEADER)


def parse_cftc_legacy(path: Path | str) -> ParsedFile:
    """CFTC legacy Commitments of Traders, COMEX gold: non-commercial net long and open interest."""
    table = read_table(path, check_header=_header_check(
        path, "report_date", signature=is_cftc_legacy_header, expected=",".join(_LEGACY_HEADER)))
    return _wide(path, layout="CFTC legacy COT (gold)", source="cftc_legacy", date_column="report_date",
                 missing=("", "."), table=table)


# --------------------------------------------------------------------------------------------
# Fed GSW
# --------------------------------------------------------------------------------------------
_GSW_REQUIRED = tuple(CATALOG[k].source_id for k in keys_for_source("gsw"))


def is_gsw_header(row: Sequence[str]) -> bool:
    return len(row) > 1 and row[0] == "Date" and "BETA0" in row and "SVENY01" in row


def parse_gsw(path: Path | str) -> ParsedFile:
    """Fed GSW nominal curve: Svensson parameters and zero-coupon yields SVENY01-30."""
    table = read_table(path, find_header=is_gsw_header, check_header=_header_check(path, "Date", _GSW_REQUIRED))
    return _wide(path, layout="Fed GSW yield curve", source="gsw", date_column="Date",
                 required=_GSW_REQUIRED, missing=("", "NA"), sentinels=(GSW_NOT_ESTIMATED,), table=table)


# --------------------------------------------------------------------------------------------
# CFTC Traders in Financial Futures
# --------------------------------------------------------------------------------------------
def _norm(name: str) -> str:
    return name.strip().lower().replace("-", "_")


# the TFF fields read, each with the names it goes by in the CFTC's text files and CSV exports
_TFF_FIELDS = {
    "market": ("market_and_exchange_names",),
    "code": ("cftc_contract_market_code",),
    "open_interest": ("open_interest_all",),
    "lev_money_long": ("lev_money_positions_long_all", "lev_money_positions_long"),
    "lev_money_short": ("lev_money_positions_short_all", "lev_money_positions_short"),
}
_TFF_DATES = (("report_date_as_yyyy_mm_dd", (ISO_DATE, ISO_DATETIME)), ("report_date_as_mm_dd_yyyy", (US_DATE,)))


def _tff_columns(header: Sequence[str]) -> dict[str, int] | None:
    names = [_norm(h) for h in header]
    out: dict[str, int] = {}
    for field, aliases in _TFF_FIELDS.items():
        for a in aliases:
            if a in names:
                out[field] = names.index(a)
                break
        else:
            return None
    for name, _ in _TFF_DATES:
        if name in names:
            out["date"] = names.index(name)
            break
    else:
        return None
    return out


def is_tff_header(row: Sequence[str]) -> bool:
    return _tff_columns(row) is not None


def parse_tff(path: Path | str) -> ParsedFile:
    """CFTC Traders in Financial Futures (futures only): leveraged-fund long/short positions and
    open interest of the Treasury futures in :data:`TFF_CONTRACTS`, in contracts, by report date.
    """
    def check(header: list[str], line: int) -> None:
        if _tff_columns(header) is None:
            want = ", ".join(["Market_and_Exchange_Names", "Report_Date_as_YYYY-MM-DD", "CFTC_Contract_Market_Code",
                              "Open_Interest_All", "Lev_Money_Positions_Long_All", "Lev_Money_Positions_Short_All"])
            raise fail(path, line, f"not a TFF report header: it must name {want}")

    table = read_table(path, check_header=check)
    cols = _tff_columns(table.header)
    assert cols is not None
    names = [_norm(h) for h in table.header]
    if "futonly_or_combined" in names:
        kind = table.column(names.index("futonly_or_combined"))
        wrong = np.flatnonzero(kind.str.lower().ne("futonly").to_numpy())
        if len(wrong):
            raise table.fail(wrong[0], f"row is from the {kind.iloc[wrong[0]]!r} report; import the "
                                       "futures-only TFF report")
    formats = dict(_TFF_DATES)[names[cols["date"]]]
    dates = parse_dates(table, cols["date"], formats)
    codes = table.column(cols["code"]).str.upper().to_numpy()
    values = {f: parse_numbers(table, cols[f], missing=("", "."))
              for f in ("open_interest", "lev_money_long", "lev_money_short")}
    series: dict[str, pd.Series] = {}
    for code, label in TFF_CONTRACTS.items():
        rows = np.flatnonzero(codes == code)
        if not len(rows):
            continue
        order = rows[np.argsort(dates.asi8[rows], kind="stable")]
        when = dates[order]
        dup = np.flatnonzero(np.diff(when.asi8) == 0)
        if len(dup):
            a, b = order[dup[0]], order[dup[0] + 1]
            raise table.fail(max(a, b), f"contract {code} has a second row for report date "
                                        f"{when[dup[0]].strftime('%Y-%m-%d')} (first on line {table.lines[min(a, b)]}); "
                                        "keep one row per contract and date")
        for field, vals in values.items():
            key = key_for_source_id("cftc_tff", f"{label}:{field}")
            if key is not None:
                series[key] = pd.Series(vals[order], index=pd.DatetimeIndex(when, name="date"), name=key)
    market = table.column(cols["market"]).to_numpy()
    other = sorted({f"{c} {m}".strip() for c, m in zip(codes, market) if c not in TFF_CONTRACTS})
    present = {c for c in codes if c in TFF_CONTRACTS}
    absent = tuple(f"{code} ({label})" for code, label in TFF_CONTRACTS.items() if code not in present)
    return ParsedFile(table.path, "CFTC TFF futures only", "cftc_tff", series, tuple(other), absent)
