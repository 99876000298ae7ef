"""The CSV-directory source: FRED downloads read strictly, written in one transaction.

Reference values come from reading the same files with the standard ``csv`` module and
``float`` (an independent path from the importer's vectorised one).
"""

from __future__ import annotations

import csv
import shutil
import time
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from report.catalog import key_for_source_id
from report.errors import DataError
from report.sources.csvdir import import_directory, layout_for, parse_fred_csv
from report.store import Store

FIRST_FETCH = datetime(2026, 9, 1, 12, 0, tzinfo=timezone.utc)
LATER_FETCH = datetime(2026, 9, 10, 12, 0, tzinfo=timezone.utc)


def csv_values(path: Path) -> dict[str, float]:
    """date -> value of a FRED CSV, empty and '.' cells left out."""
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    return {d: float(v) for d, v in rows if v not in ("", ".")}


def stored(store: Store, key: str, as_of=None) -> dict[str, float]:
    s = store.read(key, as_of=as_of)
    return {d.strftime("%Y-%m-%d"): float(v) for d, v in s.items()}


def snapshot(store: Store) -> tuple:
    """Everything a reader can see: every series' values, vintage counts and fetch records."""
    series = store.read_many(store.keys())
    return ({k: (s.index.tolist(), s.tolist()) for k, s in series.items()}, store.status())


@pytest.fixture(scope="module")
def fred_import(fred_dir):
    store = Store(":memory:")
    t0 = time.perf_counter()
    report = import_directory(store, fred_dir, fetched_at=FIRST_FETCH)
    seconds = time.perf_counter() - t0
    yield store, report, seconds
    store.close()


# --------------------------------------------------------------------------------------------
# the real FRED directory
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("sid", ["DGS10", "DGS3", "NIKKEI225", "WTREGEN", "CPIAUCSL", "USREC"])
def test_store_equals_csv_values(fred_import, fred_dir, sid):
    # DGS3 and NIKKEI225 have empty cells; NIKKEI225 and WTREGEN end years early
    store, _, _ = fred_import
    key = key_for_source_id("fred", sid)
    expected = csv_values(fred_dir / f"{sid}.csv")
    got = stored(store, key)
    assert got.keys() == expected.keys()
    assert all(got[d] == expected[d] for d in expected)  # exact float equality


def test_import_report_covers_every_file(fred_import, fred_dir):
    _, report, seconds = fred_import
    n_files = len(list(fred_dir.glob("*.csv")))
    assert n_files == 88
    assert len(report.files) == n_files and len(report.series) == n_files
    assert report.skipped == ()
    assert report.revised == 0
    assert report.new == sum(len(csv_values(p)) for p in fred_dir.glob("*.csv"))
    nikkei = report.get("nikkei225")
    assert (nikkei.rows, nikkei.first, nikkei.last) == (17619, date(1949, 5, 16), date(2020, 3, 27))
    tga = report.get("tga")
    assert (tga.new, tga.last, tga.source) == (578, date(2024, 6, 26), "csv")
    assert tga.origin == str(fred_dir / "WTREGEN.csv")
    print(f"\nfull FRED directory import: {report.new} observations from {n_files} files in {seconds:.2f} s")
    assert seconds < 30  # a few seconds on a quiet machine; the bound only catches a pathological slowdown


def test_every_series_is_recorded_with_its_file(fred_import, fred_dir):
    store, _, _ = fred_import
    status = {s.key: s for s in store.status()}
    assert status["ust_10y"].source == "csv"
    assert status["ust_10y"].origin == str(fred_dir / "DGS10.csv")
    assert status["ust_10y"].last == date(2026, 8, 20)


def test_importing_the_same_directory_twice_adds_nothing(fred_import, fred_dir):
    store, _, _ = fred_import
    before = stored(store, "ust_10y"), stored(store, "cpi")
    again = import_directory(store, fred_dir, fetched_at=LATER_FETCH)
    assert (again.new, again.revised) == (0, 0)
    assert (stored(store, "ust_10y"), stored(store, "cpi")) == before
    assert all(s.n_revisions == 0 for s in store.status())


# --------------------------------------------------------------------------------------------
# small directories built from copies of the real files
# --------------------------------------------------------------------------------------------
@pytest.fixture
def small_dir(tmp_path, fred_dir):
    d = tmp_path / "fred"
    d.mkdir()
    for sid in ("CPIAUCSL", "NFCI", "WTREGEN"):
        shutil.copy(fred_dir / f"{sid}.csv", d / f"{sid}.csv")
    return d


def edit_line(path: Path, line: int, new: str) -> str:
    lines = path.read_text().splitlines()
    old = lines[line - 1]
    lines[line - 1] = new
    path.write_text("\n".join(lines) + "\n")
    return old


def test_changed_value_becomes_a_revision(small_dir):
    store = Store(":memory:")
    import_directory(store, small_dir, fetched_at=FIRST_FETCH)
    path = small_dir / "CPIAUCSL.csv"
    lines = path.read_text().splitlines()
    n = next(i for i, ln in enumerate(lines, 1) if ln.startswith("2020-01-01,"))
    old_value = float(lines[n - 1].split(",")[1])
    edit_line(path, n, f"2020-01-01,{old_value + 0.5}")

    report = import_directory(store, small_dir, fetched_at=LATER_FETCH)
    assert (report.get("cpi").new, report.get("cpi").revised) == (0, 1)
    assert (report.get("nfci").new, report.get("nfci").revised) == (0, 0)
    assert stored(store, "cpi")["2020-01-01"] == old_value + 0.5
    # what a brief dated before the re-import saw is unchanged
    assert stored(store, "cpi", as_of="2026-09-09")["2020-01-01"] == old_value
    assert stored(store, "cpi", as_of="2026-09-10")["2020-01-01"] == old_value + 0.5
    vintages = store.vintages("cpi", "2020-01-01")
    assert vintages["value"].tolist() == [old_value, old_value + 0.5]
    assert vintages["realtime_start"].iloc[-1] == "2026-09-10"


MALFORMED = [
    # (file, line, replacement, message pattern); None = built from the line by _malformed_line
    ("NFCI.csv", 1, "observation_date,NFC1", r"NFCI\.csv, line 1: header is 'observation_date,NFC1'"),
    ("NFCI.csv", 1, "date;NFCI", r"NFCI\.csv, line 1: header is 'date;NFCI'"),
    ("NFCI.csv", 2345, "2015-13-01,-0.5", r"NFCI\.csv, line 2345: observation_date '2015-13-01' is not a date"),
    ("NFCI.csv", 777, "", None),  # non-numeric value
    ("NFCI.csv", 1500, "", None),  # duplicate date
    ("WTREGEN.csv", 400, "", None),  # out of order
    ("WTREGEN.csv", 250, "2018-01-03,100,200", r"WTREGEN\.csv, line 250: 3 fields where the header has 2"),
    ("WTREGEN.csv", 251, "2018-01-10", r"WTREGEN\.csv, line 251: 1 fields where the header has 2"),
    ("WTREGEN.csv", 252, ",385.1", r"WTREGEN\.csv, line 252: observation_date is empty"),
]


def _malformed_line(path: Path, line: int, case: int) -> tuple[str, str]:
    lines = path.read_text().splitlines()
    date_, value = lines[line - 1].split(",")
    if case == 3:
        return f"{date_},12.3.4", rf"{path.name}, line {line}: NFCI value '12\.3\.4' is not a number"
    if case == 4:
        prev = lines[line - 2].split(",")[0]
        return f"{prev},{value}", rf"{path.name}, line {line}: date {prev} appears twice \(also on line {line - 1}\)"
    if case == 5:
        return f"2001-01-03,{value}", rf"{path.name}, line {line}: date 2001-01-03 comes after .* ascending date order"
    raise AssertionError(case)


@pytest.mark.parametrize("case", range(len(MALFORMED)))
def test_malformed_file_raises_and_leaves_store_unchanged(small_dir, case):
    store = Store(":memory:")
    import_directory(store, small_dir, fetched_at=FIRST_FETCH)
    before = snapshot(store)

    name, line, replacement, pattern = MALFORMED[case]
    path = small_dir / name
    if pattern is None:
        replacement, pattern = _malformed_line(path, line, case)
    edit_line(path, line, replacement)
    # a valid change in another file of the same import must not be written either
    cpi = small_dir / "CPIAUCSL.csv"
    edit_line(cpi, 2, cpi.read_text().splitlines()[1].split(",")[0] + ",999.0")

    with pytest.raises(DataError, match=pattern) as err:
        import_directory(store, small_dir, fetched_at=LATER_FETCH)
    assert "\n" not in str(err.value)
    assert str(path) in str(err.value)
    assert snapshot(store) == before


def test_old_fred_layout_with_dots_is_read(tmp_path):
    path = tmp_path / "DGS10.csv"
    path.write_text("DATE,DGS10\n2024-01-01,.\n2024-01-02,3.95\n2024-01-03,3.91\n")
    pf = parse_fred_csv(path)
    s = pf.series["ust_10y"]
    assert s.isna().tolist() == [True, False, False]
    assert s.iloc[1:].tolist() == [3.95, 3.91]
    store = Store(":memory:")
    report = import_directory(store, tmp_path)
    assert report.get("ust_10y").rows == 2
    assert stored(store, "ust_10y") == {"2024-01-02": 3.95, "2024-01-03": 3.91}


def test_files_outside_the_catalog_are_reported_not_imported(tmp_path):
    (tmp_path / "DGS10.csv").write_text("observation_date,DGS10\n2024-01-02,3.95\n")
    (tmp_path / "BAMLH0A3HYC.csv").write_text("observation_date,BAMLH0A3HYC\n2024-01-02,8.1\n")
    (tmp_path / "notes.md").write_text("# notes\n")
    (tmp_path / "prices.csv").write_text("ticker,close\nSPY,500\n")
    (tmp_path / "sub").mkdir()
    store = Store(":memory:")
    report = import_directory(store, tmp_path)
    assert [s.key for s in report.series] == ["ust_10y"]
    reasons = {s.path.name: s.reason for s in report.skipped}
    assert reasons["BAMLH0A3HYC.csv"] == "BAMLH0A3HYC is not a catalog series"
    assert reasons["notes.md"] == "not a .csv or .txt file"
    assert "not a recognised layout" in reasons["prices.csv"]
    assert "directory" in reasons["sub"]
    assert store.keys() == ["ust_10y"]


def test_bad_header_of_a_catalog_file_is_an_error_not_a_skip(tmp_path):
    (tmp_path / "DGS10.csv").write_text("observation_date,DGS2\n2024-01-02,3.95\n")
    assert layout_for(tmp_path / "DGS10.csv").name == "FRED CSV"
    with pytest.raises(DataError, match=r"DGS10\.csv, line 1: header is 'observation_date,DGS2'.*'observation_date,DGS10'"):
        import_directory(Store(":memory:"), tmp_path)


def test_progress_reports_each_file_then_the_write(small_dir):
    calls = []
    import_directory(Store(":memory:"), small_dir, progress=lambda *a: calls.append(a))
    assert calls == [(1, 4, "CPIAUCSL.csv"), (2, 4, "NFCI.csv"), (3, 4, "WTREGEN.csv"), (4, 4, "store")]


def test_missing_directory_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match=r"no-such-dir: no such file or directory"):
        import_directory(Store(":memory:"), tmp_path / "no-such-dir")


def test_non_utf8_file_is_a_data_error(tmp_path):
    (tmp_path / "DGS10.csv").write_bytes(b"observation_date,DGS10\n2024-01-02,3.95\xff\n")
    with pytest.raises(DataError, match=r"DGS10\.csv: not UTF-8 text"):
        import_directory(Store(":memory:"), tmp_path)


def test_summary_names_what_was_skipped(tmp_path):
    (tmp_path / "DGS10.csv").write_text("observation_date,DGS10\n2024-01-02,3.95\n")
    (tmp_path / "fredgraph.csv").write_text("observation_date,DGS2\n2024-01-02,4.3\n")
    report = import_directory(Store(":memory:"), tmp_path)
    assert report.summary().splitlines() == [
        f"{tmp_path}: 1 file(s), 1 series, 1 new and 0 revised observation(s)",
        "  skipped fredgraph.csv: FRED layout for DGS2, but the file is not named DGS2.csv",
    ]
