"""Futures settlement and ETF price files: parsing, constant positions, errors, directory import."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from report.errors import DataError
from report.sources.csvdir import import_directory, layout_for
from report.sources.futures import parse_etf_prices, parse_settlements
from report.store import Store

SETTLE = """date,root,contract,expiry,settle
2019-07-19,CL,2019-08,2019-07-22,55.63
2019-07-19,CL,2019-09,2019-08-20,55.76
2019-07-19,CL,2019-10,2019-09-20,55.85
2019-07-22,CL,2019-08,2019-07-22,56.22
2019-07-22,CL,2019-09,2019-08-20,56.35
2019-07-22,CL,2019-10,2019-09-20,56.43
2019-07-23,CL,2019-09,2019-08-20,57.00
2019-07-23,CL,2019-10,2019-09-20,57.06
2019-07-23,CL,2019-08,2019-07-22,56.90
2019-07-23,VX,2019-08,2019-08-21,14.10
2019-07-23,VX,2019-09,2019-09-18,15.35
2019-07-23,ZZ,2019-09,2019-09-18,1.00
"""


def write(tmp_path: Path, name: str, body: str) -> Path:
    p = tmp_path / name
    p.write_text(body, encoding="utf-8")
    return p


def test_constant_positions_roll_after_expiry(tmp_path):
    pf = parse_settlements(write(tmp_path, "futures_2019.csv", SETTLE))
    s = pf.series
    assert pf.source == "futures" and pf.ignored == ("ZZ",) and set(pf.absent) == {"NG", "GC"}
    # the August contract trades through its expiry day (2019-07-22), then September is the front
    assert s["fut_cl_c1"].to_dict() == {pd.Timestamp("2019-07-19"): 55.63, pd.Timestamp("2019-07-22"): 56.22,
                                        pd.Timestamp("2019-07-23"): 57.00}
    assert s["fut_cl_d1"].to_dict() == {pd.Timestamp("2019-07-19"): 3.0, pd.Timestamp("2019-07-22"): 0.0,
                                        pd.Timestamp("2019-07-23"): 28.0}
    assert s["fut_cl_c2"].loc["2019-07-23"] == 57.06 and s["fut_cl_d2"].loc["2019-07-23"] == 59.0
    assert s["fut_cl_c3"].index[-1] == pd.Timestamp("2019-07-22")  # only two live contracts on the 23rd
    assert "fut_cl_c4" not in s
    assert s["fut_vx_c1"].loc["2019-07-23"] == 14.10 and s["fut_vx_d2"].loc["2019-07-23"] == 57.0


def test_without_an_expiry_column_contracts_expire_before_their_month(tmp_path):
    body = "date,root,contract,settle\n2019-07-30,CL,201908,58.0\n2019-07-31,CL,201908,58.5\n" \
           "2019-08-01,CL,201908,59.0\n2019-07-31,CL,201909,58.7\n2019-08-01,CL,201909,59.1\n"
    pf = parse_settlements(write(tmp_path, "settle.csv", body))
    assert "expiries taken as the last business day before each contract month" in pf.layout
    # August 2019 expires on Wednesday 2019-07-31: on 2019-08-01 the front is September (expires 2019-08-30)
    assert pf.series["fut_cl_d1"].to_dict() == {pd.Timestamp("2019-07-30"): 1.0, pd.Timestamp("2019-07-31"): 0.0,
                                                pd.Timestamp("2019-08-01"): 29.0}
    assert pf.series["fut_cl_c1"].loc["2019-08-01"] == 59.1


@pytest.mark.parametrize("body, message", [
    ("date,root,contract,price\n", "a futures settlement file has the columns"),
    ("date,root,contract,expiry,settle\n2019-07-19,CL,2019-08,2019-07-22,55.6\n2019-07-19,CL,2019-08,2019-07-22,55.7\n",
     r"line 3: a second row for CL 2019-08 on 2019-07-19"),
    ("date,root,contract,expiry,settle\n2019-07-19,CL,2019-08,2019-07-22,0\n", r"line 2: settle must be a positive"),
    ("date,root,contract,expiry,settle\n2019-07-19,CL,2019-08,2019-07-22,55.6\n2019-07-22,CL,2019-08,2019-07-23,55.7\n",
     r"line 2: CL 2019-08 has more than one expiry date"),
    ("date,root,contract,expiry,settle\n2019-07-19,CL,2019-08,2019-07-22,55.6\n2019-07-22,CL,201909,2019-08-20,55.7\n",
     r"line 3: contract '201909' is not a date written YYYY-MM"),
    ("date,root,contract,expiry,settle\n2019-07-19,CL,2019-08,2019-07-22,n/a\n", r"line 2: settle value 'n/a'"),
])
def test_bad_settlement_files_name_the_line(tmp_path, body, message):
    with pytest.raises(DataError, match=message):
        parse_settlements(write(tmp_path, "futures.csv", body))


def test_etf_prices(tmp_path):
    pf = parse_etf_prices(write(tmp_path, "etf_prices.csv", "date,USO,VXX\n2019-07-22,12.1,28.0\n2019-07-23,11.9,\n"))
    assert pf.series["etf_uso"].tolist() == [12.1, 11.9]
    assert pf.series["etf_vxx"].dropna().tolist() == [28.0]
    assert set(pf.absent) == {"UNG", "GLD"}
    with pytest.raises(DataError, match=r"line 3: USO must be a positive price"):
        parse_etf_prices(write(tmp_path, "etf_bad.csv", "date,USO\n2019-07-22,12.1\n2019-07-23,-1\n"))
    with pytest.raises(DataError, match="tickers among USO, UNG, GLD, VXX"):
        parse_etf_prices(write(tmp_path, "etf_bad2.csv", "date,SPY\n2019-07-22,300\n"))


def test_directory_import_routes_both_layouts_to_the_store(tmp_path):
    write(tmp_path, "futures_2019.csv", SETTLE)
    write(tmp_path, "etf_prices.csv", "date,USO\n2019-07-22,12.1\n2019-07-23,11.9\n")
    assert layout_for(tmp_path / "futures_2019.csv").name == "futures settlements"
    assert layout_for(tmp_path / "etf_prices.csv").name == "futures ETF prices"
    store = Store(":memory:")
    rep = import_directory(store, tmp_path)
    assert rep.get("fut_cl_c1").rows == 3 and rep.get("etf_uso").source == "futures"
    got = store.read("fut_cl_c1", as_of=date(2019, 7, 22))
    assert got.tolist() == [55.63, 56.22]  # point in time: the 23rd's settlement is not known yet
