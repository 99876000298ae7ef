"""Importers of the published non-FRED files, on the real snapshots and on hand-made fixtures.

Reference values are read from the files with the standard ``csv`` module; the GSW fixture is
checked against the Svensson formula evaluated here, independently of the fixture's numbers.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from report.catalog import CATALOG, keys_for_source
from report.errors import DataError
from report.sources import files
from report.sources.csvdir import import_directory, layout_for
from report.store import Store

FIXTURES = Path(__file__).parent / "fixtures"
GSW = FIXTURES / "feds200628_sample.csv"
TFF_TXT = FIXTURES / "FinFut_sample.txt"
TFF_EXPORT = FIXTURES / "tff_futures_only_export.csv"
FETCH = datetime(2026, 9, 1, 12, 0, tzinfo=timezone.utc)


def file_columns(path: Path, *, skip: int = 0) -> dict[str, dict[str, str]]:
    """column -> {date text: cell text} of a CSV (first column = dates)."""
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))[skip:]
    head, body = rows[0], rows[1:]
    return {h: {r[0]: r[j] for r in body} for j, h in enumerate(head) if j}


def stored(store: Store, key: str) -> dict[str, float]:
    s = store.read(key)
    return {d.strftime("%Y-%m-%d"): float(v) for d, v in s.items()}


def snapshot(store: Store) -> tuple:
    series = store.read_many(store.keys())
    return ({k: (s.index.tolist(), s.tolist()) for k, s in series.items()}, store.status())


@pytest.fixture(scope="module")
def other_import(other_dir):
    store = Store(":memory:")
    report = import_directory(store, other_dir, fetched_at=FETCH)
    yield store, report
    store.close()


# --------------------------------------------------------------------------------------------
# recognising the files
# --------------------------------------------------------------------------------------------
def test_each_published_file_is_recognised(other_dir):
    expected = {
        "acm_term_premium_monthly.csv": "NY Fed ACM",
        "acm_tp10_daily.csv": "NY Fed ACM",
        "acm_yields_daily.csv": "NY Fed ACM",
        "shiller_sp500_monthly.csv": "Shiller S&P",
        "gold_lbma_pm_daily.csv": "LBMA gold PM",
        "gold_monthly.csv": "gold monthly",
        "g8_rates_daily.csv": "G8 daily rates",
        "cftc_gold_legacy.csv": "CFTC legacy gold",
    }
    assert {p.name: layout_for(p).name for p in other_dir.glob("*.csv")} == expected
    assert layout_for(GSW).name == "Fed GSW"
    assert layout_for(TFF_TXT).name == "CFTC TFF"
    assert layout_for(TFF_EXPORT).name == "CFTC TFF"


def test_renamed_file_is_recognised_by_its_header(tmp_path, other_dir):
    shutil.copy(other_dir / "gold_lbma_pm_daily.csv", tmp_path / "download (3).csv")
    assert layout_for(tmp_path / "download (3).csv").name == "LBMA gold PM"


def test_other_directory_imports_every_file(other_import):
    _, report = other_import
    assert report.skipped == ()
    assert {f.layout for f in report.files} == {
        "NY Fed ACM monthly", "NY Fed ACM daily", "Shiller S&P monthly", "LBMA gold PM", "gold monthly",
        "G8 daily rates", "CFTC legacy COT (gold)"}
    sources = {s.key: s.source for s in report.series}
    assert sources["acm_tp10"] == "acm" and sources["acm_tp10_daily"] == "acm_daily"
    assert sources["acmd_y10"] == "acm_daily" and sources["gold_pm"] == "lbma"
    assert report.revised == 0


# --------------------------------------------------------------------------------------------
# NY Fed ACM
# --------------------------------------------------------------------------------------------
def test_acm_monthly_values_equal_the_file(other_import, other_dir):
    store, _ = other_import
    cols = file_columns(other_dir / "acm_term_premium_monthly.csv")
    for day in ("1961-06-30", "2008-12-31", "2026-05-29"):
        for n in range(1, 11):
            for prefix, key in (("ACMY", "acm_y"), ("ACMTP", "acm_tp"), ("ACMRNY", "acm_rny")):
                assert stored(store, f"{key}{n:02d}")[day] == float(cols[f"{prefix}{n:02d}"][day])
    assert len(store.read("acm_tp10")) == 780


def test_acm_yield_is_risk_neutral_yield_plus_term_premium(other_import):
    store, _ = other_import
    for n in range(1, 11):
        y, rny, tp = (store.read(f"{k}{n:02d}") for k in ("acm_y", "acm_rny", "acm_tp"))
        assert y.index.equals(rny.index) and y.index.equals(tp.index)
        # each value is rounded to 4 decimals in the file, so the identity holds to 1.5e-4
        np.testing.assert_allclose(y.to_numpy(), (rny + tp).to_numpy(), rtol=0, atol=1.5e-4)


def test_acm_daily_files(other_import, other_dir):
    store, report = other_import
    tp = file_columns(other_dir / "acm_tp10_daily.csv")["ACMTP10"]
    assert stored(store, "acm_tp10_daily") == {d: float(v) for d, v in tp.items()}
    yields = file_columns(other_dir / "acm_yields_daily.csv")
    assert stored(store, "acmd_y05")["2025-08-07"] == float(yields["ACMY05"]["2025-08-07"]) == 3.77
    assert len(store.read("acmd_y01")) == 15999
    by_file = {f.path.name: f for f in report.files}
    assert by_file["acm_tp10_daily.csv"].keys == ("acm_tp10_daily",)
    assert by_file["acm_yields_daily.csv"].absent == ("ACMTP10",)


def test_acm_official_layout_with_spreadsheet_dates(tmp_path):
    cols = ",".join(["DATE"] + [f"ACMY{n:02d}" for n in range(1, 11)] + [f"ACMTP{n:02d}" for n in range(1, 11)]
                    + [f"ACMRNY{n:02d}" for n in range(1, 11)])
    rows = [f"{d}," + ",".join(f"{v + n / 100:.4f}" for v in (4.0, 0.5, 3.5) for n in range(1, 11))
            for d in ("31-Jan-1962", "28-Feb-1962", "30-Mar-1962")]
    path = tmp_path / "ACMTermPremium.csv"
    path.write_text(cols + "\n" + "\n".join(rows) + "\n")
    pf = files.parse_acm(path)
    assert (pf.layout, pf.source) == ("NY Fed ACM monthly", "acm")
    s = pf.series["acm_tp10"]
    assert s.index.strftime("%Y-%m-%d").tolist() == ["1962-01-31", "1962-02-28", "1962-03-30"]
    assert s.tolist() == [0.6, 0.6, 0.6]

    daily = tmp_path / "ACMTermPremium_daily.csv"
    two_days = [r.replace("31-Jan-1962", "30-Jan-1962").replace("28-Feb-1962", "31-Jan-1962") for r in rows[:2]]
    daily.write_text(cols + "\n" + "\n".join(two_days) + "\n")
    pf = files.parse_acm(daily)
    assert (pf.layout, sorted(pf.series)) == (
        "NY Fed ACM daily", ["acm_tp10_daily", "acmd_y01", "acmd_y02", "acmd_y03", "acmd_y05", "acmd_y10"])
    assert "ACMY04" in pf.ignored


def test_acm_bad_value_names_line_and_column(tmp_path, other_dir):
    lines = (other_dir / "acm_tp10_daily.csv").read_text().splitlines()
    lines[99] = lines[99].split(",")[0] + ",n/a"
    (tmp_path / "acm_tp10_daily.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"acm_tp10_daily\.csv, line 100: ACMTP10 value 'n/a' is not a number"):
        files.parse_acm(tmp_path / "acm_tp10_daily.csv")


# --------------------------------------------------------------------------------------------
# Shiller
# --------------------------------------------------------------------------------------------
def test_shiller_empty_cells_are_not_stored(other_import, other_dir):
    store, report = other_import
    cols = file_columns(other_dir / "shiller_sp500_monthly.csv")
    for key in keys_for_source("shiller"):
        column = cols[CATALOG[key].source_id]
        expected = {d: float(v) for d, v in column.items() if v != ""}
        assert stored(store, key) == expected
    assert store.last_date("shiller_price") == date(2026, 6, 1)
    assert store.last_date("shiller_earnings") == date(2023, 6, 1)
    assert store.read("shiller_cape").index[0] == pd.Timestamp("1881-01-01")
    assert "Real Dividend" in {c for f in report.files for c in f.ignored}


def test_shiller_year_month_dates(tmp_path):
    head = "Date,SP500,Dividend,Earnings,Consumer Price Index,Long Interest Rate,Real Price,Real Dividend,Real Earnings,PE10"
    body = ["1871.01,4.44,0.26,0.4,12.46,5.32,109.05,6.39,9.82,",
            "1871.09,4.64,0.26,0.4,12.51,5.3,113.51,6.36,9.78,",
            "1871.1,4.74,0.26,0.4,12.63,5.29,114.88,6.3,9.69,",
            "1871.11,4.86,0.26,0.4,12.43,5.28,119.66,6.4,9.85,",
            "1871.12,4.82,0.26,0.4,12.3,5.27,119.91,6.46,9.94,"]
    path = tmp_path / "ie_data.csv"
    path.write_text(head + "\n" + "\n".join(body) + "\n")
    s = files.parse_shiller(path).series["shiller_price"]
    assert s.index.strftime("%Y-%m").tolist() == ["1871-01", "1871-09", "1871-10", "1871-11", "1871-12"]
    assert s.tolist() == [4.44, 4.64, 4.74, 4.86, 4.82]

    path.write_text(head + "\n" + "\n".join(body[:2] + ["1871.13,4.74,0.26,0.4,12.63,5.29,114.88,6.3,9.69,"]) + "\n")
    with pytest.raises(DataError, match=r"ie_data\.csv, line 4: Date '1871\.13' is not a date written YYYY\.MM"):
        files.parse_shiller(path)


# --------------------------------------------------------------------------------------------
# gold, G8, CFTC legacy
# --------------------------------------------------------------------------------------------
def test_gold_files_equal_the_file(other_import, other_dir):
    store, _ = other_import
    lbma = file_columns(other_dir / "gold_lbma_pm_daily.csv")["gold_lbma_pm_usd"]
    assert stored(store, "gold_pm") == {d: float(v) for d, v in lbma.items()}
    assert stored(store, "gold_pm")["2026-08-20"] == 4482.95
    monthly = file_columns(other_dir / "gold_monthly.csv")["Price"]
    assert stored(store, "gold_monthly") == {d: float(v) for d, v in monthly.items()}


def test_g8_keeps_only_catalog_columns(other_import, other_dir):
    store, report = other_import
    cols = file_columns(other_dir / "g8_rates_daily.csv")
    g8 = next(f for f in report.files if f.path.name == "g8_rates_daily.csv")
    catalog_ids = {CATALOG[k].source_id: k for k in keys_for_source("g8")}
    assert set(g8.keys) == {catalog_ids[c] for c in cols if c in catalog_ids}
    assert set(g8.ignored) == {c for c in cols if c not in catalog_ids}
    assert {"US_BILL_3M", "NZD_OCR", "SOFR"} <= set(g8.ignored)
    for key in g8.keys:
        column = cols[CATALOG[key].source_id]
        assert stored(store, key) == {d: float(v) for d, v in column.items() if v != ""}
    assert not {"us_bill_3m", "nzd_ocr"} & set(store.keys())


def test_cftc_legacy_gold(other_import, other_dir):
    store, report = other_import
    cols = file_columns(other_dir / "cftc_gold_legacy.csv")
    assert stored(store, "cftc_gold_net") == {d: float(v) for d, v in cols["net_long"].items()}
    assert stored(store, "cftc_gold_oi")["2026-08-18"] == 561817.0
    legacy = next(f for f in report.files if f.path.name == "cftc_gold_legacy.csv")
    assert legacy.ignored == ("noncomm_long", "noncomm_short")


# --------------------------------------------------------------------------------------------
# Fed GSW (hand-made fixture)
# --------------------------------------------------------------------------------------------
def svensson(n, b0, b1, b2, b3, t1, t2):
    """Svensson (1994) zero-coupon yield at maturity n years, continuously compounded, percent."""
    x1 = n / t1
    g1 = (1 - np.exp(-x1)) / x1
    y = b0 + b1 * g1 + b2 * (g1 - np.exp(-x1))
    if b3:
        x2 = n / t2
        y += b3 * ((1 - np.exp(-x2)) / x2 - np.exp(-x2))
    return y


def test_gsw_fixture_parses_to_the_svensson_curve():
    pf = files.parse_gsw(GSW)
    s = pf.series
    assert set(s) == set(keys_for_source("gsw"))
    assert s["gsw_beta0"].index.strftime("%Y-%m-%d").tolist() == [
        "1961-06-14", "1972-03-01", "2024-12-31", "2025-01-02", "2025-01-03"]
    assert s["gsw_zero_10"]["2025-01-02"] == 4.6817
    assert s["gsw_beta3"]["1961-06-14"] == 0.0
    assert s["gsw_tau2"].isna().tolist() == [True, True, False, False, False]  # -999.99 = not estimated
    assert s["gsw_zero_08"].isna().tolist() == [True, False, False, False, False]  # NA
    assert s["gsw_zero_16"].isna().tolist() == [True, True, False, False, False]  # blank
    params = pd.DataFrame({p: s[f"gsw_{p}"] for p in ("beta0", "beta1", "beta2", "beta3", "tau1", "tau2")})
    for day, p in params.iterrows():
        for n in range(1, 31):
            got = s[f"gsw_zero_{n:02d}"][day]
            if not np.isnan(got):
                assert abs(got - svensson(n, *p)) <= 0.5e-4, (day, n)
    assert "SVENPY10" in pf.ignored and "SVENF05" in pf.ignored


def test_gsw_import_stores_only_present_values():
    store = Store(":memory:")
    report = import_directory(store, GSW, fetched_at=FETCH)
    assert report.get("gsw_zero_30").rows == 3
    assert report.get("gsw_zero_01").rows == 5
    assert stored(store, "gsw_tau2") == {"2024-12-31": 9.0, "2025-01-02": 9.1, "2025-01-03": 9.0}
    assert {s.source for s in report.series} == {"gsw"}


def test_gsw_errors(tmp_path):
    text = GSW.read_text().splitlines()
    header_at = next(i for i, ln in enumerate(text) if ln.startswith("Date,"))
    bad = tmp_path / "feds200628.csv"
    row = text[header_at + 3].split(",")
    row[-3] = "N/A"  # SVENY30
    bad.write_text("\n".join(text[:header_at + 3] + [",".join(row)] + text[header_at + 4:]) + "\n")
    with pytest.raises(DataError, match=rf"feds200628\.csv, line {header_at + 4}: SVENY30 value 'N/A' is not a number"):
        files.parse_gsw(bad)
    bad.write_text("\n".join(text[:header_at]) + "\n")
    assert layout_for(bad).name == "Fed GSW"  # by its name
    with pytest.raises(DataError, match=r"feds200628\.csv: no header row found in the first 50 lines"):
        import_directory(Store(":memory:"), tmp_path)
    no_tau = text[header_at].replace(",TAU1,TAU2", ",TAU1,TAU3")
    bad.write_text("\n".join(text[:header_at] + [no_tau] + text[header_at + 1:]) + "\n")
    with pytest.raises(DataError, match=rf"feds200628\.csv, line {header_at + 1}: header lacks column\(s\) TAU2"):
        files.parse_gsw(bad)


# --------------------------------------------------------------------------------------------
# CFTC TFF (hand-made fixtures)
# --------------------------------------------------------------------------------------------
TFF_EXPECTED = {
    # key: {report date: contracts}, as written in the fixture rows
    "tff_oi_2y": {"2025-01-07": 4285468, "2025-01-14": 4276382, "2025-01-21": 4353791},
    "tff_lev_2y_long": {"2025-01-07": 402182, "2025-01-14": 403289, "2025-01-21": 463350},
    "tff_lev_2y_short": {"2025-01-07": 1737054, "2025-01-14": 1745666, "2025-01-21": 1872383},
    "tff_oi_10y": {"2025-01-07": 4674990, "2025-01-14": 4588440, "2025-01-21": 4634141},
    "tff_lev_10y_long": {"2025-01-07": 502475, "2025-01-14": 467102, "2025-01-21": 425552},
    "tff_lev_10y_short": {"2025-01-07": 2290956, "2025-01-14": 1920587, "2025-01-21": 2027500},
    "tff_oi_ultrabond": {"2025-01-07": 1970833, "2025-01-14": 1971481, "2025-01-21": 1913246},
    "tff_lev_ultrabond_long": {"2025-01-07": 213211, "2025-01-14": 178629, "2025-01-21": 196741},
    "tff_lev_ultrabond_short": {"2025-01-07": 931745, "2025-01-14": 874429, "2025-01-21": 816102},
}


@pytest.mark.parametrize("path", [TFF_TXT, TFF_EXPORT], ids=["FinFut-txt", "csv-export"])
def test_tff_fixture_parses_to_expected_positions(path):
    pf = files.parse_tff(path)
    got = {k: {d.strftime("%Y-%m-%d"): v for d, v in s.items()} for k, s in pf.series.items()}
    assert got == TFF_EXPECTED
    assert pf.ignored == ("13874A E-MINI S&P 500 - CHICAGO MERCANTILE EXCHANGE",)
    assert pf.absent == ("044601 (5y)", "043607 (ultra10)", "020601 (bond)")


def test_tff_import_into_store():
    store = Store(":memory:")
    report = import_directory(store, TFF_TXT, fetched_at=FETCH)
    assert {s.key for s in report.series} == set(TFF_EXPECTED)
    assert stored(store, "tff_lev_10y_short") == {d: float(v) for d, v in TFF_EXPECTED["tff_lev_10y_short"].items()}
    assert {s.source for s in store.status()} == {"cftc_tff"}


def test_tff_rejects_duplicates_and_the_combined_report(tmp_path):
    lines = TFF_TXT.read_text().splitlines()
    dup = tmp_path / "FinFut25.txt"
    dup.write_text("\n".join(lines + [lines[4]]) + "\n")  # a second 10-year row for 2025-01-21
    with pytest.raises(DataError, match=r"FinFut25\.txt, line 14: contract 043602 has a second row for report date "
                                        r"2025-01-21 \(first on line 5\)"):
        files.parse_tff(dup)
    dup.write_text("\n".join(lines[:3] + [lines[3].replace('"FutOnly"', '"Combined"')] + lines[4:]) + "\n")
    with pytest.raises(DataError, match=r"FinFut25\.txt, line 4: row is from the 'Combined' report"):
        files.parse_tff(dup)
    dup.write_text("\n".join([lines[0].replace("Lev_Money_Positions_Short_All", "Lev_Money_Short")] + lines[1:]) + "\n")
    with pytest.raises(DataError, match=r"FinFut25\.txt, line 1: not a TFF report header"):
        files.parse_tff(dup)


def test_tff_files_of_several_years_are_merged(tmp_path):
    lines = TFF_TXT.read_text().splitlines()
    (tmp_path / "FinFut24.txt").write_text("\n".join([lines[0], lines[3], lines[6]]) + "\n")  # 2025-01-07 rows
    (tmp_path / "FinFut25.txt").write_text("\n".join(lines) + "\n")  # overlapping, same values
    store = Store(":memory:")
    report = import_directory(store, tmp_path, fetched_at=FETCH)
    assert report.get("tff_oi_2y").rows == 3
    assert str(tmp_path / "FinFut24.txt") in report.get("tff_oi_2y").origin


# --------------------------------------------------------------------------------------------
# one transaction across layouts
# --------------------------------------------------------------------------------------------
def test_mixed_directory_is_one_transaction(tmp_path, fred_dir, other_dir):
    shutil.copy(fred_dir / "WTREGEN.csv", tmp_path / "WTREGEN.csv")
    shutil.copy(other_dir / "gold_monthly.csv", tmp_path / "gold_monthly.csv")
    shutil.copy(TFF_TXT, tmp_path / "FinFut25.txt")
    store = Store(":memory:")
    report = import_directory(store, tmp_path, fetched_at=FETCH)
    assert {s.key: s.source for s in report.series if s.key in ("tga", "gold_monthly", "tff_oi_10y")} == {
        "tga": "csv", "gold_monthly": "gold_monthly", "tff_oi_10y": "cftc_tff"}
    before = snapshot(store)

    # a bad line in one published file: nothing from the other (changed) files is written
    lines = (tmp_path / "gold_monthly.csv").read_text().splitlines()
    lines[1000] = lines[1000].split(",")[0] + ",12,5"
    (tmp_path / "gold_monthly.csv").write_text("\n".join(lines) + "\n")
    wt = (tmp_path / "WTREGEN.csv").read_text().splitlines()
    wt[5] = wt[5].split(",")[0] + ",1.0"
    (tmp_path / "WTREGEN.csv").write_text("\n".join(wt) + "\n")
    with pytest.raises(DataError, match=r"gold_monthly\.csv, line 1001: 3 fields where the header has 2"):
        import_directory(store, tmp_path)
    assert snapshot(store) == before


def test_conflicting_files_for_one_series_are_an_error(tmp_path, other_dir):
    src = other_dir / "acm_tp10_daily.csv"
    shutil.copy(src, tmp_path / "acm_tp10_daily.csv")
    lines = src.read_text().splitlines()
    lines[10] = lines[10].split(",")[0] + ",9.9999"
    (tmp_path / "acm_tp10_daily_copy.csv").write_text("\n".join(lines) + "\n")
    store = Store(":memory:")
    with pytest.raises(DataError, match=r"series acm_tp10_daily on \d{4}-\d\d-\d\d is .* but 9\.9999 in .*"
                                        r"acm_tp10_daily_copy\.csv; import only one of these files"):
        import_directory(store, tmp_path)
    assert store.is_empty()
