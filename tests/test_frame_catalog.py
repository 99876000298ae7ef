"""The point-in-time frame and the series catalog."""

from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from report.catalog import CATALOG, FREQUENCIES, SOURCES, key_for_source_id, keys_for_source, spec
from report.frame import Frame, max_age_days
from report.store import Store

ROOT = Path(__file__).resolve().parents[1]


def s(dates, values):
    return pd.Series(values, index=pd.DatetimeIndex(pd.to_datetime(dates)))


def test_catalog_entries_are_complete():
    for k, sp in CATALOG.items():
        assert sp.key == k and sp.title and sp.units
        assert sp.frequency in FREQUENCIES and sp.source in SOURCES
        assert sp.vintage in ("none", "alfred")
        assert sp.release_lag_days >= 0


def test_catalog_covers_the_shared_fred_files(fred_dir):
    ids = {p.stem for p in fred_dir.glob("*.csv")}
    unmapped = sorted(i for i in ids if key_for_source_id("fred", i) is None)
    assert unmapped == []


def test_catalog_lookups():
    assert key_for_source_id("fred", "DGS10") == "ust_10y"
    assert key_for_source_id("acm", "ACMTP10") == "acm_tp10"
    assert key_for_source_id("fred", "NOPE") is None
    assert "ust_10y" in keys_for_source("fred")
    with pytest.raises(KeyError, match="did you mean ust_10y"):
        spec("ust_10yy")
    with pytest.raises(ValueError, match="source must be one of"):
        keys_for_source("bloomberg")


def test_no_module_outside_the_catalog_names_a_fred_id():
    """FRED ids appear only in report/catalog.py (string literals in the packages' code)."""
    fred_ids = {sp.source_id for sp in CATALOG.values() if sp.source in ("fred", "file")}
    # ids that are also ordinary words or generic column names would give false hits
    fred_ids -= {"GDP", "SOFR", "EFFR", "IORB", "IOER", "TOPIX", "PNFI", "TDSP", "USREC"}
    # a published file may use the same column name (Shiller's "SP500"); those are not FRED ids there
    fred_ids -= {sp.source_id for sp in CATALOG.values() if sp.source not in ("fred", "file")}
    offenders = []
    for pkg in ("analytics", "report", "templates"):
        for p in (ROOT / pkg).rglob("*"):
            if p.suffix not in (".py", ".j2", ".toml") or p.name == "catalog.py":
                continue
            text = p.read_text(encoding="utf-8")
            if p.suffix == ".py":
                literals = [n.value for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Constant)
                            and isinstance(n.value, str)]
                text = "\n".join(literals)
            for fid in fred_ids:
                if re.search(rf"\b{re.escape(fid)}\b", text):
                    offenders.append(f"{p.relative_to(ROOT)}: {fid}")
    assert offenders == []


def test_frame_cuts_at_as_of_and_reports_staleness():
    fr = Frame({"ust_10y": s(["2025-04-10", "2025-04-11", "2025-04-14"], [4.4, 4.5, 4.3]),
                "cpi": s(["2025-01-01", "2025-02-01"], [310.0, 311.0]),
                "nikkei225": s(["2020-03-27"], [17_000.0])}, date(2025, 4, 11))
    assert fr.get("ust_10y").tolist() == [4.4, 4.5]
    assert fr.last("ust_10y") == (date(2025, 4, 11), 4.5)
    assert not fr.is_stale("ust_10y")
    st = fr.status("nikkei225")
    assert st.stale and st.last == date(2020, 3, 27) and st.age_days == (date(2025, 4, 11) - date(2020, 3, 27)).days
    # Feb CPI dated 2025-02-01 is 69 days old on 2025-04-11: within 2*31 + 14 + 15 = 91
    assert max_age_days(spec("cpi")) == 91 and not fr.is_stale("cpi")
    miss = fr.status("vix3m")
    assert miss.missing and miss.stale and miss.last is None
    assert fr.get("vix3m").empty and not fr.has("vix3m")


def test_frame_tracks_used_series_and_sample_origin():
    fr = Frame({"ust_10y": s(["2025-04-11"], [4.5]), "vix": s(["2025-04-11"], [30.0])}, date(2025, 4, 11),
               sources={"ust_10y": "csv", "vix": "sample"})
    assert fr.used == ()
    fr.get("vix")
    fr.get("ust_10y")
    assert fr.used == ("ust_10y", "vix")  # catalog order
    assert fr.is_sample
    assert not Frame({"ust_10y": s(["2025-04-11"], [4.5])}, date(2025, 4, 11), sources={"ust_10y": "csv"}).is_sample


def test_snapshot_round_trip_and_fingerprint():
    fr = Frame({"ust_10y": s(["2025-04-10", "2025-04-11"], [4.4, 4.5]), "ust_2y": s(["2025-04-11"], [3.9])},
               date(2025, 4, 11))
    snap = fr.snapshot()
    assert len(snap) == 3 and set(snap["key"]) == {"ust_10y", "ust_2y"}
    back = Frame.from_snapshot(snap, date(2025, 4, 11))
    pd.testing.assert_series_equal(back.get("ust_10y"), fr.get("ust_10y"))
    assert back.fingerprint(["ust_10y", "ust_2y"]) == fr.fingerprint(["ust_10y", "ust_2y"])
    other = Frame({"ust_10y": s(["2025-04-10", "2025-04-11"], [4.4, 4.51]), "ust_2y": s(["2025-04-11"], [3.9])},
                  date(2025, 4, 11))
    assert other.fingerprint(["ust_10y"]) != fr.fingerprint(["ust_10y"])
    assert other.fingerprint(["ust_2y"]) == fr.fingerprint(["ust_2y"])


def test_frame_from_store_is_point_in_time():
    st = Store()
    st.write({"ust_10y": s(["2025-04-10", "2025-04-11", "2025-04-14"], [4.4, 4.5, 4.3])}, source="csv", origin="t")
    fr = Frame.from_store(st, date(2025, 4, 11), keys=["ust_10y", "ust_2y"])
    assert fr.get("ust_10y").index[-1] == pd.Timestamp("2025-04-11")
    assert fr.status("ust_10y").source == "csv"
    assert fr.keys == ("ust_10y",)
